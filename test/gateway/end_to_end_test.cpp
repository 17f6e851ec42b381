// The whole path, as it runs in production: a real redis-server, the
// simulator, and the tickgate binary as separate processes. An independent
// reference client subscribes to the same tokens on the simulator (which
// models one market: every connection gets the same ticks), so every value
// the gateway wrote can be checked against the frame it came from, by
// (token, sequence), with formatting code written separately here.
#define BOOST_TEST_MODULE end_to_end
#include <boost/test/unit_test.hpp>

#include "protocol/frame.hpp"
#include "protocol/request.hpp"
#include "test/sim/feed_client.hpp"
#include "test/support/process.hpp"
#include "test/support/redis_client.hpp"
#include "test/support/redis_server.hpp"
#include "test/support/simulator.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <csignal>
#include <ctime>
#include <fstream>
#include <map>
#include <set>

using namespace tickgate;
using namespace std::chrono_literals;

namespace {

// Independent formatting: prices from paise with two decimals.
std::string rupees(std::int64_t paise) {
  char buf[64];
  const bool negative = paise < 0;
  const std::int64_t m = negative ? -paise : paise;
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", negative ? "-" : "", static_cast<long long>(m / 100),
                static_cast<long long>(m % 100));
  return buf;
}

// IST wall clock via the C library (not the gateway's civil-date code).
std::string iso_ist_ms(std::int64_t epoch_ms) {
  const std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000 + 19800);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lld000", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(epoch_ms % 1000));
  return buf;
}

std::string rt_ist(std::int64_t epoch_s) {
  const std::time_t secs = static_cast<std::time_t>(epoch_s + 19800);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

struct subscribed {
  std::string symbol;       // stream key symbol
  std::string token;
  std::uint8_t exchange_type;
  protocol::mode mode;
};

// What the test subscribes (through the config) and checks.
const std::vector<subscribed> instruments{
    {"NIFTY", "99926000", 1, protocol::mode::quote},
    {"RELIANCE", "2885", 1, protocol::mode::snap_quote},
    {"TCS", "11536", 1, protocol::mode::ltp},
    {"NIFTY26NOV2624000CE", "43650", 2, protocol::mode::quote},
    {"NIFTY26NOV2624000PE", "43651", 2, protocol::mode::snap_quote},
};

using fields = std::vector<std::pair<std::string, std::string>>;

std::string field(const fields& f, std::string_view name) {
  for (const auto& [k, v] : f) {
    if (k == name) return v;
  }
  return "<missing " + std::string(name) + ">";
}

std::vector<fields> stream_entries(test::redis_client& redis, const std::string& symbol) {
  const auto reply = redis.command({"XRANGE", "market_data_stream:" + symbol, "-", "+"});
  std::vector<fields> out;
  for (const auto& entry : reply.elements) {
    fields f;
    const auto& kv = entry.elements.at(1).elements;
    for (std::size_t i = 0; i + 1 < kv.size(); i += 2) f.emplace_back(kv[i].string, kv[i + 1].string);
    out.push_back(std::move(f));
  }
  return out;
}

struct gateway_process {
  test::temp_dir dir{"tickgate-e2e"};
  std::optional<test::child_process> process;
  std::filesystem::path log = dir.path() / "tickgate.log";

  gateway_process(const test::simulator& sim, const test::redis_server& redis) {
    boost::json::array subscribe;
    for (const auto& i : instruments) {
      subscribe.push_back({{"symbol", i.symbol},
                           {"exchange", i.exchange_type == 1 ? "NSE" : "NFO"},
                           {"mode", std::string(protocol::mode_name(i.mode))}});
    }
    const boost::json::object cfg{
        {"angel",
         {{"api_key", sim.credentials().api_key},
          {"client_code", sim.credentials().client_code},
          {"pin", sim.credentials().pin},
          {"totp_secret", sim.credentials().totp_secret},
          {"login_url", sim.login_base_url()},
          {"feed_url", sim.feed_url()},
          {"ca_file", sim.ca_file().string()}}},
        {"feed", {{"stall_market_hours_only", false}}},
        {"instruments",
         {{"scrip_master", std::string(TICKGATE_SOURCE_DIR) + "/deploy/data/OpenAPIScripMaster.sample.json"},
          {"subscribe", subscribe}}},
        {"redis", {{"url", redis.url()}}},
        {"http", {{"enabled", false}}},
    };
    const auto path = dir.path() / "config.json";
    std::ofstream(path) << boost::json::serialize(cfg);
    process.emplace(test::process_options{
        {std::string(TICKGATE_BINARY_DIR) + "/tickgate", "--config", path.string()}, {}, log, {}});
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(ticks_reach_every_sink_in_the_seed_formats) {
  test::redis_server redis;
  test::simulator_options sim_options;
  sim_options.rate = 10;
  test::simulator sim(sim_options);

  // Subscribe to pub/sub before the gateway starts, to see its first ticks.
  test::redis_client subscriber(redis.url());
  subscriber.command({"SUBSCRIBE", "tickstock.all_ticks"});

  // The reference client: same tokens, same modes, straight from the simulator.
  test::feed_client reference(sim);
  BOOST_REQUIRE_EQUAL(reference.connect(test::headers_for(sim, sim.login())), 101u);
  for (const auto& i : instruments) {
    protocol::subscription_request r;
    r.correlation_id = "ref" + i.token;
    r.request_mode = i.mode;
    r.groups.push_back({i.exchange_type, {i.token}});
    reference.subscribe(r);
  }

  gateway_process gateway(sim, redis);
  test::redis_client db(redis.url());

  // Reference ticks by (token, sequence).
  std::map<std::pair<std::string, std::int64_t>, protocol::tick> ref;
  const auto collect_reference = [&](std::size_t frames) {
    for (std::size_t n = 0; n < frames; ++n) {
      const auto message = reference.read();
      if (!message.binary) continue;
      auto t = protocol::decode_frame(message.bytes());
      BOOST_REQUIRE(t.has_value());
      ref[{std::string(t->token.view()), t->sequence}] = *t;
    }
  };

  // Enough ticks everywhere: at 10 ticks/s per token, a few seconds.
  const bool arrived = test::eventually(
      [&] {
        collect_reference(5);
        for (const auto& i : instruments) {
          if (db.integer({"XLEN", "market_data_stream:" + i.symbol}) < 8) return false;
        }
        return true;
      },
      60s);
  BOOST_REQUIRE_MESSAGE(arrived, "ticks did not arrive; gateway log:\n" << test::read_file(gateway.log));
  collect_reference(50);

  const std::vector<std::string> seed_order{"symbol", "token", "ltp", "change", "change_percent",
                                            "high", "low", "volume", "bid", "ask", "open", "close",
                                            "timestamp", "exchange_timestamp"};
  for (const auto& i : instruments) {
    BOOST_TEST_CONTEXT(i.symbol) {
      const auto entries = stream_entries(db, i.symbol);
      std::size_t compared = 0;
      std::int64_t previous_sequence = -1;
      for (const auto& e : entries) {
        // The seed's 14 fields first, in order, then the extras for the mode.
        std::vector<std::string> names;
        for (const auto& [k, v] : e) names.push_back(k);
        std::vector<std::string> expected = seed_order;
        expected.insert(expected.end(), {"exchange", "mode", "sequence"});
        if (i.mode == protocol::mode::quote || i.mode == protocol::mode::snap_quote) {
          expected.insert(expected.end(), {"last_traded_qty", "avg_price"});
        }
        if (i.mode == protocol::mode::snap_quote) expected.push_back("open_interest");
        BOOST_TEST(names == expected, boost::test_tools::per_element());

        BOOST_TEST(field(e, "symbol") == i.symbol);
        BOOST_TEST(field(e, "token") == i.token);
        BOOST_TEST(field(e, "mode") == protocol::mode_name(i.mode));
        BOOST_TEST(field(e, "exchange") == (i.exchange_type == 1 ? "NSE" : "NFO"));
        // No tick lost between consecutive entries: sequence counts up by one.
        const std::int64_t sequence = std::stoll(field(e, "sequence"));
        if (previous_sequence >= 0) BOOST_TEST(sequence == previous_sequence + 1);
        previous_sequence = sequence;

        const auto it = ref.find({i.token, sequence});
        if (it == ref.end()) continue;
        const protocol::tick& t = it->second;
        ++compared;
        BOOST_TEST(field(e, "ltp") == rupees(t.ltp));
        BOOST_TEST(field(e, "exchange_timestamp") == iso_ist_ms(t.exchange_timestamp_ms));
        BOOST_TEST(field(e, "timestamp") >= field(e, "exchange_timestamp"));
        if (i.mode == protocol::mode::ltp) {
          BOOST_TEST(field(e, "change") == "0.00");  // no close in LTP mode
          BOOST_TEST(field(e, "volume") == "0");
          continue;
        }
        BOOST_TEST(field(e, "close") == rupees(t.close));
        BOOST_TEST(field(e, "open") == rupees(t.open));
        BOOST_TEST(field(e, "high") == rupees(t.high));
        BOOST_TEST(field(e, "low") == rupees(t.low));
        BOOST_TEST(field(e, "volume") == std::to_string(t.volume));
        BOOST_TEST(field(e, "change") == rupees(t.ltp - t.close));
        const double pct = std::round((static_cast<double>(t.ltp - t.close) / static_cast<double>(t.close)) * 10000.0) / 100.0;
        BOOST_TEST(std::abs(std::stod(field(e, "change_percent")) - pct) < 0.00501);
        BOOST_TEST(field(e, "last_traded_qty") == std::to_string(t.last_traded_qty));
        BOOST_TEST(field(e, "avg_price") == rupees(t.avg_price));
        if (i.mode == protocol::mode::snap_quote) {
          std::int64_t bid = 0;
          std::int64_t ask = 0;
          for (std::size_t k = 0; k < t.best_buy_count; ++k) bid = std::max(bid, t.best_buy[k].price);
          for (std::size_t k = 0; k < t.best_sell_count; ++k) {
            if (t.best_sell[k].price > 0 && (ask == 0 || t.best_sell[k].price < ask)) ask = t.best_sell[k].price;
          }
          BOOST_TEST(field(e, "bid") == rupees(bid));
          BOOST_TEST(field(e, "ask") == rupees(ask));
          BOOST_TEST(field(e, "open_interest") == std::to_string(t.open_interest));
        } else {
          BOOST_TEST(field(e, "bid") == "0.00");
        }
      }
      BOOST_TEST(compared >= 3u, "entries matched to reference ticks: " << compared);
    }
  }

  // Pub/sub: the tickstock shape, and each message is a tick the stream has.
  std::set<std::string> symbols;
  for (const auto& i : instruments) symbols.insert(i.symbol);
  int messages = 0;
  while (messages < 20) {
    const auto m = subscriber.read_reply();
    BOOST_REQUIRE(m.elements.size() == 3u);
    if (m.elements[0].string != "message") continue;
    BOOST_TEST(m.elements[1].string == "tickstock.all_ticks");
    const auto v = boost::json::parse(m.elements[2].string).as_object();
    std::vector<std::string> keys;
    for (const auto& kv : v) keys.emplace_back(kv.key());
    BOOST_TEST(keys == (std::vector<std::string>{"event_type", "ticker", "price", "volume", "timestamp",
                                                 "source", "market_status"}),
               boost::test_tools::per_element());
    BOOST_TEST(v.at("event_type").as_string() == "tick_data");
    BOOST_TEST(symbols.contains(std::string(v.at("ticker").as_string())));
    BOOST_TEST(v.at("source").as_string() == "angel_one");
    const std::set<std::string> statuses{"PRE", "REGULAR", "AFTER", "CLOSED"};
    BOOST_TEST(statuses.contains(std::string(v.at("market_status").as_string())));
    BOOST_TEST(v.at("timestamp").is_double());
    ++messages;
  }

  // Per-token lists: the index key and one key per option token, newest first.
  const auto index_keys = db.keys("ticks:N_*:indextick");
  BOOST_REQUIRE_EQUAL(index_keys.size(), 1u);
  const std::string session = index_keys[0].substr(6, index_keys[0].size() - 6 - 10);
  BOOST_TEST(session.size() == 10u);  // N_YYYYMMDD
  for (const std::string& key : std::vector<std::string>{index_keys[0], "ticks:" + session + ":optiontick:43650",
                                "ticks:" + session + ":optiontick:43651"}) {
    BOOST_TEST_CONTEXT(key) {
      const auto list = db.strings({"LRANGE", key, "0", "-1"});
      BOOST_REQUIRE_GE(list.size(), 5u);
      std::int64_t previous_ft = INT64_MAX;
      std::set<std::string> ids;
      for (const auto& json : list) {
        const auto v = boost::json::parse(json).as_object();
        std::vector<std::string> keys;
        for (const auto& kv : v) keys.emplace_back(kv.key());
        BOOST_TEST(keys == (std::vector<std::string>{"ft", "token", "e", "lp", "pc", "rt", "ts", "_id", "data_type"}),
                   boost::test_tools::per_element());
        const std::int64_t ft = v.at("ft").as_int64();
        BOOST_TEST(ft <= previous_ft);
        previous_ft = ft;
        BOOST_TEST(v.at("rt").as_string() == rt_ist(ft));
        // "_id" is "<token>:<sequence>", unique within the key.
        const std::string id(v.at("_id").as_string());
        BOOST_TEST(id.starts_with(std::to_string(v.at("token").as_int64()) + ":"));
        BOOST_TEST(ids.insert(id).second, "duplicate _id " << id);
        if (key == index_keys[0]) {
          BOOST_TEST(v.at("ts").as_string() == "Nifty 50");
          BOOST_TEST(v.at("data_type").as_string() == "indextick");
          BOOST_TEST(v.at("token").as_int64() == 99926000);
          BOOST_TEST(v.at("e").as_string() == "NSE");
        } else {
          BOOST_TEST(v.at("data_type").as_string() == "optiontick");
          BOOST_TEST(v.at("e").as_string() == "NFO");
        }
      }
    }
  }
  BOOST_TEST(db.keys("ticks:*:optiontick:*").size() == 2u);  // equities have no list

  // Price cache with its TTL, candles for every timeframe.
  const auto price = boost::json::parse(db.string({"GET", "price:RELIANCE"})).as_object();
  BOOST_TEST(price.at("symbol").as_string() == "RELIANCE");
  const auto ttl = db.integer({"TTL", "price:RELIANCE"});
  BOOST_TEST((ttl > 0 && ttl <= 10));
  for (const std::string& tf : std::vector<std::string>{"1m", "5m", "15m"}) {
    BOOST_TEST_CONTEXT(tf) {
      const auto candles = db.keys("candle:RELIANCE:" + tf + ":*");
      BOOST_REQUIRE(!candles.empty());
      const auto hash = db.hgetall(candles.back());
      std::set<std::string> names;
      for (const auto& [k, v] : hash) names.insert(k);
      BOOST_TEST(names == (std::set<std::string>{"open", "high", "low", "close", "volume", "ticks", "start"}),
                 boost::test_tools::per_element());
      BOOST_TEST(db.integer({"TTL", candles.back()}) > 0);
    }
  }

  // SIGTERM: drained and exit 0.
  gateway.process->send_signal(SIGTERM);
  const auto status = gateway.process->wait_for_exit(30s);
  BOOST_REQUIRE(status.has_value());
  BOOST_TEST(*status == 0, "gateway log:\n" << test::read_file(gateway.log));

  // Credentials never reach the log (the client code only masked).
  const std::string log = test::read_file(gateway.log);
  BOOST_TEST(log.find("\"msg\":\"connected\"") != std::string::npos);
  for (const auto& secret : {sim.credentials().api_key, sim.credentials().totp_secret,
                             sim.credentials().client_code}) {
    BOOST_TEST(log.find(secret) == std::string::npos, secret << " appears in the log");
  }
}

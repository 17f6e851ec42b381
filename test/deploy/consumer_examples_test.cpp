// The seed consumers in deploy/examples/, run unchanged with Debian's
// python3-redis against a live gateway (redis-server with a password, the
// simulator, the tickgate binary, all as processes), and what they received
// checked against Redis with an independent client: every pub/sub message
// matches a stream entry of its ticker (price, volume, exchange time), and
// the consumer-group reader gets each stream's entries in order, acknowledges
// them, resumes after them, and redelivers its own pending entries first.
#define BOOST_TEST_MODULE consumer_examples
#include <boost/test/unit_test.hpp>

#include "test/support/redis_client.hpp"
#include "test/support/redis_server.hpp"
#include "test/support/tickgate_process.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <ctime>
#include <map>
#include <set>
#include <sstream>

using namespace tickgate;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr const char* password = "examples-Pa55";
const std::filesystem::path examples = std::filesystem::path(TICKGATE_SOURCE_DIR) / "deploy/examples";

struct world {
  test::redis_server redis{[] {
    test::redis_server_options o;
    o.password = password;
    return o;
  }()};
  test::simulator sim{[] {
    test::simulator_options o;
    o.rate = 20;
    return o;
  }()};
  test::tickgate_process gateway{sim, redis.url(), [] {
                                   test::gateway_options o;
                                   o.instruments = {{"RELIANCE", "NSE", "snap_quote"},
                                                    {"TCS", "NSE", "ltp"},
                                                    {"NIFTY", "NSE", "quote"}};
                                   return o;
                                 }()};
  test::redis_client db{redis.url()};

  world() {
    const bool ready = test::eventually(
        [&] {
          for (const char* s : {"RELIANCE", "TCS", "NIFTY"}) {
            if (db.integer({"XLEN", std::string("market_data_stream:") + s}) < 30) return false;
          }
          return true;
        },
        60s);
    if (!ready) throw std::runtime_error("ticks did not arrive:\n" + gateway.log());
  }

  static world& get() {
    static world w;
    return w;
  }

  test::run_result python(const std::string& script, std::vector<std::string> args,
                          std::vector<std::pair<std::string, std::string>> env) {
    std::vector<std::string> argv{TICKGATE_SYSTEM_PYTHON, (examples / script).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    env.emplace_back("PYTHONDONTWRITEBYTECODE", "1");
    return test::run_program(argv, std::move(env), 90s);
  }
};

std::vector<json::object> json_lines(const std::string& text) {
  std::vector<json::object> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(json::parse(line).as_object());
  }
  return out;
}

using fields = std::map<std::string, std::string>;
struct stream_entry {
  std::string id;
  fields f;
};

std::vector<stream_entry> entries(test::redis_client& db, const std::string& symbol) {
  const auto reply = db.command({"XRANGE", "market_data_stream:" + symbol, "-", "+"});
  std::vector<stream_entry> out;
  for (const auto& e : reply.elements) {
    stream_entry s{e.elements.at(0).string, {}};
    const auto& kv = e.elements.at(1).elements;
    for (std::size_t i = 0; i + 1 < kv.size(); i += 2) s.f[kv[i].string] = kv[i + 1].string;
    out.push_back(std::move(s));
  }
  return out;
}

// Epoch seconds (ms precision) → the stream's IST wall-clock form, by the C
// library rather than the gateway's code.
std::string iso_ist(double epoch_seconds) {
  const auto ms = static_cast<std::int64_t>(std::llround(epoch_seconds * 1000));
  const auto secs = static_cast<std::time_t>(ms / 1000 + 19800);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lld000", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(ms % 1000));
  return buf;
}

std::vector<std::string> ids_for(const std::vector<json::object>& ticks, const std::string& symbol) {
  std::vector<std::string> out;
  for (const auto& t : ticks) {
    if (t.at("symbol").as_string() == symbol) out.emplace_back(t.at("stream_id").as_string());
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_tickstock_pubsub_consumer_receives_every_field_right) {
  auto& w = world::get();
  const auto r = w.python("tickstock_consumer.py", {"--max-messages", "90", "--timeout", "60", "--json"},
                          {{"REDIS_HOST", "127.0.0.1"},
                           {"REDIS_PORT", std::to_string(w.redis.port())},
                           {"REDIS_DB", "0"},
                           {"REDIS_PASSWORD", password}});
  BOOST_REQUIRE_MESSAGE(r.status == 0, "status " << r.status << "\n" << r.err);
  BOOST_TEST(r.err.find("processed 90 ticks, 0 errors") != std::string::npos, r.err);
  const auto ticks = json_lines(r.out);
  BOOST_REQUIRE_EQUAL(ticks.size(), 90u);

  std::map<std::string, std::vector<stream_entry>> streams;
  for (const char* s : {"RELIANCE", "TCS", "NIFTY"}) streams[s] = entries(w.db, s);
  std::map<std::string, std::size_t> per_ticker;
  for (const auto& t : ticks) {
    BOOST_TEST_CONTEXT(json::serialize(t)) {
      BOOST_TEST(t.size() == 7u);
      BOOST_TEST(t.at("event_type").as_string() == "tick_data");
      BOOST_TEST(t.at("source").as_string() == "angel_one");
      const std::set<std::string> statuses{"PRE", "REGULAR", "AFTER", "CLOSED"};
      BOOST_TEST(statuses.contains(std::string(t.at("market_status").as_string())));
      const std::string ticker(t.at("ticker").as_string());
      BOOST_REQUIRE(streams.contains(ticker));
      ++per_ticker[ticker];
      // The same tick in the stream: same exchange time and price.
      const std::string when = iso_ist(t.at("timestamp").to_number<double>());
      const double price = t.at("price").to_number<double>();
      const stream_entry* match = nullptr;
      for (const auto& e : streams[ticker]) {
        if (e.f.at("exchange_timestamp") == when && std::stod(e.f.at("ltp")) == price) match = &e;
      }
      BOOST_REQUIRE_MESSAGE(match != nullptr, "no stream entry at " << when << " with ltp " << price);
      // volume is the tick's traded quantity (0 when the mode carries none).
      const auto qty = match->f.find("last_traded_qty");
      const std::int64_t volume = qty == match->f.end() ? 0 : std::stoll(qty->second);
      BOOST_TEST(t.at("volume").to_number<std::int64_t>() == volume);
    }
  }
  BOOST_TEST(per_ticker.size() == 3u);  // every subscribed instrument was heard
}

BOOST_AUTO_TEST_CASE(the_consumer_group_reader_reads_in_order_acks_and_resumes) {
  auto& w = world::get();
  const std::vector<std::pair<std::string, std::string>> env{{"REDIS_URL", w.redis.url()}};
  const auto reliance = entries(w.db, "RELIANCE");
  const auto tcs = entries(w.db, "TCS");
  const auto ids = [](const std::vector<stream_entry>& e, std::size_t from, std::size_t n) {
    std::vector<std::string> out;
    for (std::size_t i = from; i < from + n && i < e.size(); ++i) out.push_back(e[i].id);
    return out;
  };

  const auto first = w.python("market_data_consumer.py",
                              {"RELIANCE", "TCS", "--group", "strategies", "--consumer", "w1",
                               "--start-id", "0", "--max-ticks", "40", "--json", "--timeout", "60"},
                              env);
  BOOST_REQUIRE_MESSAGE(first.status == 0, "status " << first.status << "\n" << first.err);
  const auto a = json_lines(first.out);
  BOOST_REQUIRE_EQUAL(a.size(), 40u);
  const auto a_rel = ids_for(a, "RELIANCE");
  const auto a_tcs = ids_for(a, "TCS");
  BOOST_TEST(a_rel.size() + a_tcs.size() == 40u);
  // From the start of each stream, in order, none skipped.
  BOOST_TEST(a_rel == ids(reliance, 0, a_rel.size()), boost::test_tools::per_element());
  BOOST_TEST(a_tcs == ids(tcs, 0, a_tcs.size()), boost::test_tools::per_element());
  // Values as the seed's MarketDataTick holds them.
  for (const auto& t : a) {
    const auto& source = t.at("symbol").as_string() == "RELIANCE" ? reliance : tcs;
    const std::string id(t.at("stream_id").as_string());
    const auto it = std::find_if(source.begin(), source.end(), [&](const stream_entry& e) { return e.id == id; });
    BOOST_REQUIRE(it != source.end());
    BOOST_TEST(t.at("ltp").to_number<double>() == std::stod(it->f.at("ltp")));
    BOOST_TEST(t.at("change_percent").to_number<double>() == std::stod(it->f.at("change_percent")));
    BOOST_TEST(t.at("volume").to_number<std::int64_t>() == std::stoll(it->f.at("volume")));
    BOOST_TEST(t.at("exchange_timestamp").as_string() == it->f.at("exchange_timestamp"));
    BOOST_TEST(t.at("extras").at("sequence").as_string() == it->f.at("sequence"));
  }
  for (const char* s : {"RELIANCE", "TCS"}) {
    BOOST_TEST(w.db.command({"XPENDING", std::string("market_data_stream:") + s, "strategies"})
                   .elements.at(0).integer == 0);
  }

  // Run again: the group continues right after what it acknowledged.
  const auto second = w.python("market_data_consumer.py",
                               {"RELIANCE", "TCS", "--group", "strategies", "--consumer", "w1",
                                "--max-ticks", "20", "--json", "--timeout", "60"},
                               env);
  BOOST_REQUIRE_MESSAGE(second.status == 0, second.err);
  const auto b = json_lines(second.out);
  BOOST_REQUIRE_EQUAL(b.size(), 20u);
  const auto b_rel = ids_for(b, "RELIANCE");
  const auto b_tcs = ids_for(b, "TCS");
  const auto reliance_now = entries(w.db, "RELIANCE");
  const auto tcs_now = entries(w.db, "TCS");
  BOOST_TEST(b_rel == ids(reliance_now, a_rel.size(), b_rel.size()), boost::test_tools::per_element());
  BOOST_TEST(b_tcs == ids(tcs_now, a_tcs.size(), b_tcs.size()), boost::test_tools::per_element());

  // A consumer that read without acknowledging gets those entries first.
  const auto taken = w.db.command({"XREADGROUP", "GROUP", "strategies", "w2", "COUNT", "3", "STREAMS",
                                   "market_data_stream:TCS", ">"});
  std::vector<std::string> pending;
  for (const auto& e : taken.elements.at(0).elements.at(1).elements) pending.push_back(e.elements.at(0).string);
  BOOST_REQUIRE_EQUAL(pending.size(), 3u);
  const auto third = w.python("market_data_consumer.py",
                              {"TCS", "--group", "strategies", "--consumer", "w2", "--max-ticks", "3",
                               "--json", "--timeout", "60"},
                              env);
  BOOST_REQUIRE_MESSAGE(third.status == 0, third.err);
  BOOST_TEST(ids_for(json_lines(third.out), "TCS") == pending, boost::test_tools::per_element());
  BOOST_TEST(w.db.command({"XPENDING", "market_data_stream:TCS", "strategies"}).elements.at(0).integer == 0);
}

BOOST_AUTO_TEST_CASE(a_wrong_password_is_an_error_not_a_silent_wait) {
  auto& w = world::get();
  const auto r = w.python("tickstock_consumer.py", {"--max-messages", "1", "--timeout", "10"},
                          {{"REDIS_URL", "redis://:wrong@127.0.0.1:" + std::to_string(w.redis.port()) + "/0"}});
  BOOST_TEST(r.status == 1, r.err);
  BOOST_TEST(r.err.find("tickstock_consumer:") != std::string::npos, r.err);
}

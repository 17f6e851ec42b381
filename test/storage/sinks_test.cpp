// The sinks against a real redis-server: the exact Redis shapes the seeds'
// consumers read, caps and TTLs, pub/sub delivery, candles (contents, period
// close, flush cadence), the DB map with one connection per DB, per-sink
// counters, and every sink switched off.
#define BOOST_TEST_MODULE storage_sinks
#include <boost/test/unit_test.hpp>

#include "test/storage/asio_test_helpers.hpp"  // first: it includes io_context.hpp

#include "storage/connection_pool.hpp"
#include "storage/sinks.hpp"
#include "storage/stats_report.hpp"
#include "test/support/redis_client.hpp"
#include "test/support/redis_server.hpp"

#include <array>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace tickgate::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using storage::clock;
using storage::field_view;

// 2024-01-15 09:15:00 IST in epoch seconds.
constexpr std::int64_t open_0915 = 1705290300;

struct fixture {
  redis_server server;
  asio::io_context io;
  storage::connection_pool pool{io.get_executor(), [this] {
                                  storage::connection_options o;
                                  o.endpoint = storage::parse_redis_url(server.url()).value();
                                  return o;
                                }()};
  fixture() { pool.start(); }
  ~fixture() { pool.stop(); }

  bool settled() {
    for (auto& [db, c] : pool.connections()) {
      if (c->stats().buffered_commands != 0) return false;
    }
    return true;
  }
  void wait_settled() {
    BOOST_REQUIRE(run_until(io, [&] { return settled(); }));
  }
};

BOOST_FIXTURE_TEST_CASE(stream_entries_keep_field_order_and_are_trimmed, fixture) {
  storage::stream_sink::options o;
  o.maxlen = 100;
  o.ttl = 3600s;
  storage::stream_sink sink(pool, o);
  const std::array<field_view, 4> fields = {
      {{"symbol", "TCS"}, {"token", "11536"}, {"ltp", "3901.55"}, {"sequence", "1"}}};
  BOOST_TEST(sink.write("TCS", fields, clock::now()));
  wait_settled();
  redis_client client(server.url());
  const auto entries = client.command({"XRANGE", "market_data_stream:TCS", "-", "+"});
  BOOST_REQUIRE_EQUAL(entries.elements.size(), 1u);
  const auto& kv = entries.elements[0].elements[1].elements;
  const std::vector<std::string> flat = {"symbol", "TCS",     "token",    "11536",
                                         "ltp",    "3901.55", "sequence", "1"};
  BOOST_REQUIRE_EQUAL(kv.size(), flat.size());
  for (std::size_t i = 0; i < flat.size(); ++i) BOOST_TEST(kv[i].string == flat[i]);
  const auto ttl = client.integer({"TTL", "market_data_stream:TCS"});
  BOOST_TEST((ttl > 3500 && ttl <= 3600));

  for (int i = 0; i < 5000; ++i) sink.write("TCS", fields, clock::now());
  wait_settled();
  const auto len = client.integer({"XLEN", "market_data_stream:TCS"});
  BOOST_TEST(len >= 100);  // MAXLEN ~ trims whole nodes: at least maxlen stay
  BOOST_TEST(len < 300);
  const auto s = sink.stats();
  BOOST_TEST(s.records == 5001u);
  BOOST_TEST(s.commands == 2 * 5001u);
  BOOST_TEST(s.acked == s.commands);
  BOOST_TEST(s.errors == 0u);

  // Malformed records are refused and counted, nothing is sent.
  BOOST_TEST(!sink.write("TCS", {}, clock::now()));
  BOOST_TEST(!sink.write("", fields, clock::now()));
  BOOST_TEST(sink.stats().rejected == 2u);
  BOOST_TEST(sink.stats().commands == 2 * 5001u);
}

BOOST_FIXTURE_TEST_CASE(pubsub_reaches_both_channels, fixture) {
  storage::pubsub_sink sink(pool, {});
  redis_client subscriber(server.url());
  subscriber.command({"SUBSCRIBE", "tickstock.all_ticks", "tickstock.ticks.INFY"});
  subscriber.read_reply();  // second confirmation
  BOOST_REQUIRE(run_until(io, [&] { return pool.all_connected(); }));
  const std::string json = R"({"event_type":"tick_data","ticker":"INFY","price":1500.5})";
  BOOST_TEST(sink.publish("INFY", json, clock::now()));
  wait_settled();
  std::vector<std::pair<std::string, std::string>> got;
  for (int i = 0; i < 2; ++i) {
    const auto m = subscriber.read_reply();
    BOOST_REQUIRE_EQUAL(m.elements.size(), 3u);
    BOOST_TEST(m.elements[0].string == "message");
    got.emplace_back(m.elements[1].string, m.elements[2].string);
  }
  BOOST_TEST(got[0].first == "tickstock.all_ticks");
  BOOST_TEST(got[1].first == "tickstock.ticks.INFY");
  BOOST_TEST(got[0].second == json);
  BOOST_TEST(got[1].second == json);
  BOOST_TEST(sink.stats().acked == 2u);
}

BOOST_FIXTURE_TEST_CASE(lists_are_newest_first_and_capped, fixture) {
  storage::list_sink::options o;
  o.cap = 1000;
  o.ttl = 57600s;
  storage::list_sink sink(pool, o);
  const std::string key = "ticks:N_20240115:optiontick:43650";
  for (int i = 1; i <= 1500; ++i) {
    sink.push(key, R"({"ft":)" + std::to_string(i) + "}", clock::now());
  }
  wait_settled();
  redis_client client(server.url());
  BOOST_TEST(client.integer({"LLEN", key}) == 1000);
  BOOST_TEST(client.string({"LINDEX", key, "0"}) == R"({"ft":1500})");
  BOOST_TEST(client.string({"LINDEX", key, "-1"}) == R"({"ft":501})");
  BOOST_TEST(client.integer({"TTL", key}) > 57000);
  BOOST_TEST(sink.stats().commands == 3 * 1500u);
}

BOOST_FIXTURE_TEST_CASE(price_cache_expires_after_ten_seconds, fixture) {
  storage::price_sink sink(pool, {});
  const std::string json = R"({"symbol":"RELIANCE","price":2501.35})";
  BOOST_TEST(sink.set("RELIANCE", json, clock::now()));
  wait_settled();
  redis_client client(server.url());
  BOOST_TEST(client.string({"GET", "price:RELIANCE"}) == json);
  const auto pttl = client.integer({"PTTL", "price:RELIANCE"});
  BOOST_TEST((pttl > 0 && pttl <= 10000));
}

BOOST_FIXTURE_TEST_CASE(candles_are_ohlcv_hashes_with_ttl, fixture) {
  storage::candle_sink sink(pool, {});
  const std::int64_t ms = open_0915 * 1000;
  sink.update("TCS", ms + 1000, 3900.5, 10000);
  sink.update("TCS", ms + 2000, 3910.25, 10100);
  sink.update("TCS", ms + 3000, 3895, 10250);
  sink.update(sink.intern("TCS"), ms + 4000, 3901.55, 10300);  // by id: the router's way
  const auto requests_before = sink.target()->stats().requests;
  sink.flush();
  // The symbol's three candles (HSET + EXPIRE each) are one request.
  BOOST_TEST(sink.target()->stats().requests - requests_before == 1u);
  BOOST_TEST(sink.stats().commands == 6u);
  // An empty symbol has no id; a tick for it is refused, not written.
  BOOST_TEST(sink.intern("") == storage::candle_sink::no_symbol);
  sink.update(sink.intern(""), ms + 4000, 1.0, 1);
  BOOST_TEST(sink.stats().rejected == 1u);
  BOOST_TEST(sink.stats().records == 4u);
  wait_settled();
  redis_client client(server.url());
  for (const char* tf : {"1m", "5m", "15m"}) {
    const std::string key = std::string("candle:TCS:") + tf + ":" + std::to_string(open_0915);
    const auto h = client.hgetall(key);
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"open", "3900.5"},
        {"high", "3910.25"},
        {"low", "3895"},
        {"close", "3901.55"},
        {"volume", "300"},
        {"ticks", "4"},
        {"start", std::to_string(open_0915)}};
    BOOST_TEST((h == expected), key);
    const auto ttl = client.integer({"TTL", key});
    BOOST_TEST((ttl > 3500 && ttl <= 3600));
  }

  // A tick in the next minute closes the 1m candle: written at once with
  // its final values, whatever the cadence.
  sink.update("TCS", ms + 59000, 3950, 10400);  // same minute, not flushed yet
  sink.update("TCS", ms + 61000, 3960, 10450);  // next minute
  wait_settled();
  const auto closed = client.hgetall("candle:TCS:1m:" + std::to_string(open_0915));
  BOOST_REQUIRE_EQUAL(closed.size(), 7u);
  BOOST_TEST(closed[1].second == "3950");  // high
  BOOST_TEST(closed[3].second == "3950");  // close
  BOOST_TEST(closed[5].second == "5");     // ticks
  // The new minute's candle shows up within a flush interval.
  BOOST_REQUIRE(run_until(io, [&] {
    return client.command({"EXISTS", "candle:TCS:1m:" + std::to_string(open_0915 + 60)}).integer ==
           1;
  }));
}

BOOST_FIXTURE_TEST_CASE(candle_writes_follow_the_cadence_not_the_ticks, fixture) {
  storage::candle_sink::options o;
  o.flush_interval = 250ms;
  storage::candle_sink sink(pool, o);
  const std::int64_t ms = open_0915 * 1000;
  const auto started = clock::now();
  constexpr int ticks = 5000;
  // Ticks arrive in bursts of 100 with the io_context running in between,
  // all within one minute of exchange time.
  for (int i = 0; i < ticks; ++i) {
    sink.update("INFY", ms + i * 10, 1500 + (i % 50) * 0.05, 1000 + i);
    if (i % 100 == 99) run_for(io, 2ms);
  }
  const auto elapsed = clock::now() - started;
  sink.flush();
  wait_settled();
  // Each flush writes at most 3 candles (HSET + EXPIRE each); flushes happen
  // at most once per interval, plus the first one and the final flush().
  const auto max_flushes = static_cast<std::uint64_t>(elapsed / o.flush_interval) + 2;
  BOOST_TEST_MESSAGE("candle cadence: "
                     << ticks << " ticks, " << sink.flushes() << " flushes, "
                     << sink.stats().commands << " commands in "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                     << " ms");
  BOOST_TEST(sink.flushes() <= max_flushes);
  BOOST_TEST(sink.stats().commands <= sink.flushes() * 3 * 2);
  BOOST_TEST(sink.stats().commands < static_cast<std::uint64_t>(ticks));
  // And Redis holds the exact aggregate of all 5000 ticks.
  redis_client client(server.url());
  const auto h = client.hgetall("candle:INFY:1m:" + std::to_string(open_0915));
  BOOST_REQUIRE_EQUAL(h.size(), 7u);
  BOOST_TEST(h[0].second == "1500");     // open
  BOOST_TEST(h[1].second == "1502.45");  // high: 1500 + 49 * 0.05
  BOOST_TEST(h[2].second == "1500");     // low
  BOOST_TEST(h[4].second == "4999");     // volume: 5999 - 1000
  BOOST_TEST(h[5].second == "5000");     // ticks
}

BOOST_AUTO_TEST_CASE(db_map_uses_one_connection_per_db) {
  redis_server server;
  asio::io_context io;
  storage::connection_options base;
  base.endpoint = storage::parse_redis_url(server.url(0)).value();
  storage::connection_pool pool(io.get_executor(), base);
  storage::stream_sink::options so;
  so.db = 4;
  storage::list_sink::options lo;
  lo.db = 4;
  storage::price_sink::options po;
  po.db = 2;
  storage::candle_sink::options co;
  co.db = 2;
  storage::stream_sink stream(pool, so);
  storage::list_sink lists(pool, lo);
  storage::price_sink price(pool, po);
  storage::candle_sink candles(pool, co);
  storage::pubsub_sink pubsub(pool, {});        // the URL's db
  BOOST_TEST(pool.connections().size() == 3u);  // dbs 0, 2, 4
  BOOST_TEST(stream.target() == lists.target());
  BOOST_TEST(price.target() == candles.target());
  pool.start();

  const std::array<field_view, 1> f = {{{"ltp", "1"}}};
  stream.write("A", f, clock::now());
  lists.push("ticks:s:indextick", "{}", clock::now());
  price.set("A", "{}", clock::now());
  candles.update("A", open_0915 * 1000, 1, 0);
  candles.flush();
  BOOST_REQUIRE(run_until(io, [&] {
    return stream.stats().acked == 1 && lists.stats().acked == 2 && price.stats().acked == 1 &&
           candles.stats().acked == 6;
  }));
  redis_client db0(server.url(0));
  redis_client db2(server.url(2));
  redis_client db4(server.url(4));
  BOOST_TEST(db0.integer({"DBSIZE"}) == 0);
  BOOST_TEST(db2.integer({"EXISTS", "price:A"}) == 1);
  BOOST_TEST(db2.keys("candle:A:*").size() == 3u);
  BOOST_TEST(db4.integer({"EXISTS", "market_data_stream:A"}) == 1);
  BOOST_TEST(db4.integer({"EXISTS", "ticks:s:indextick"}) == 1);
  BOOST_TEST(run_coroutine(io, pool.drain(5s)));
  pool.stop();
}

BOOST_AUTO_TEST_CASE(every_sink_switched_off) {
  redis_server server;
  asio::io_context io;
  storage::connection_options base;
  base.endpoint = storage::parse_redis_url(server.url()).value();
  storage::connection_pool pool(io.get_executor(), base);
  storage::stream_sink::options so;
  so.enabled = false;
  storage::pubsub_sink::options ps;
  ps.enabled = false;
  storage::list_sink::options lo;
  lo.enabled = false;
  storage::price_sink::options po;
  po.enabled = false;
  storage::candle_sink::options co;
  co.enabled = false;
  storage::stream_sink stream(pool, so);
  storage::pubsub_sink pubsub(pool, ps);
  storage::list_sink lists(pool, lo);
  storage::price_sink price(pool, po);
  storage::candle_sink candles(pool, co);
  BOOST_TEST(pool.connections().empty());  // no connection opened for nothing
  pool.start();
  const std::array<field_view, 1> f = {{{"ltp", "1"}}};
  BOOST_TEST(!stream.write("A", f, clock::now()));
  BOOST_TEST(!pubsub.publish("A", "{}", clock::now()));
  BOOST_TEST(!lists.push("k", "{}", clock::now()));
  BOOST_TEST(!price.set("A", "{}", clock::now()));
  candles.update("A", open_0915 * 1000, 1, 0);
  candles.flush();
  for (const auto* s : {static_cast<const storage::detail::sink_base*>(&stream),
                        static_cast<const storage::detail::sink_base*>(&pubsub),
                        static_cast<const storage::detail::sink_base*>(&lists),
                        static_cast<const storage::detail::sink_base*>(&price),
                        static_cast<const storage::detail::sink_base*>(&candles)}) {
    BOOST_TEST(!s->enabled());
    BOOST_TEST(s->stats().records == 0u);
    BOOST_TEST(s->stats().commands == 0u);
  }
  run_for(io, 50ms);
  redis_client client(server.url());
  BOOST_TEST(client.integer({"DBSIZE"}) == 0);
}

BOOST_FIXTURE_TEST_CASE(stats_as_json_and_prometheus, fixture) {
  storage::price_sink price(pool, {});
  storage::stream_sink stream(pool, {});
  for (int i = 0; i < 10; ++i) price.set("A", "{}", clock::now());
  stream.write("A", {}, clock::now());  // rejected
  wait_settled();

  const auto j = storage::to_json(pool);
  const auto& conns = j.at("connections").as_array();
  BOOST_REQUIRE_EQUAL(conns.size(), 1u);
  const auto& c = conns[0].as_object();
  BOOST_TEST(c.at("connected").as_bool());
  BOOST_TEST(c.at("commands").as_uint64() == 10u);
  BOOST_TEST(c.at("sources").at("price").at("acked").as_uint64() == 10u);
  BOOST_TEST(c.at("latency_us").at("round_trip").at("count").as_uint64() >= 10u);
  BOOST_TEST(c.at("memory_releases").as_uint64() == 0u);
  const auto& queue = pool.connections().front().second->queue();
  BOOST_TEST(c.at("queue_chunk_bytes").as_uint64() == queue.chunk_bytes_allocated());
  BOOST_TEST(c.at("queue_chunk_bytes").as_uint64() > 0u);
  BOOST_TEST(c.at("queue_ring_bytes").as_uint64() == queue.request_ring_bytes());
  BOOST_TEST(c.at("queue_ring_bytes").as_uint64() >= 16u * 32u);  // the ring's first 16 slots
  const auto sj = storage::to_json(stream);
  BOOST_TEST(sj.at("rejected").as_uint64() == 1u);
  BOOST_TEST(sj.at("enabled").as_bool());

  std::string text;
  storage::append_prometheus(text, pool);
  const storage::named_sink sinks[] = {{"price", &price}, {"stream", &stream}};
  storage::append_prometheus(text, sinks);
  // Every line is a comment or `name{labels} value`, and each family's
  // series are contiguous (the text format requires it).
  const std::regex sample(R"(^([a-z_]+)(\{[^}]*\})? [-+0-9.e]+(Inf)?$)");
  std::set<std::string> finished;
  std::string current;
  std::istringstream lines(text);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
    std::smatch m;
    BOOST_TEST_REQUIRE(std::regex_match(line, m, sample), line);
    std::string name = m[1].str();
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (name.ends_with(suffix) && name.find("_seconds") != std::string::npos) {
        name.resize(name.size() - std::string_view(suffix).size());
      }
    }
    if (name != current) {
      BOOST_TEST_REQUIRE(!finished.contains(name), name << " is split");
      if (!current.empty()) finished.insert(current);
      current = name;
    }
    ++samples;
  }
  BOOST_TEST(samples > 40);
  BOOST_TEST(text.find("tickgate_redis_connected{db=\"0\"} 1") != std::string::npos);
  BOOST_TEST(text.find("tickgate_redis_sink_acked_total{db=\"0\",sink=\"price\"} 10") !=
             std::string::npos);
  BOOST_TEST(text.find("tickgate_sink_rejected_total{sink=\"stream\"} 1") != std::string::npos);
  BOOST_TEST(text.find("tickgate_redis_round_trip_seconds_count{db=\"0\"}") != std::string::npos);
  BOOST_TEST(text.find("tickgate_redis_memory_releases_total{db=\"0\"} 0\n") != std::string::npos);
  BOOST_TEST(text.find("tickgate_redis_queue_chunk_bytes{db=\"0\"} " +
                       std::to_string(queue.chunk_bytes_allocated()) + "\n") != std::string::npos);
  BOOST_TEST(text.find("tickgate_redis_queue_ring_bytes{db=\"0\"} " +
                       std::to_string(queue.request_ring_bytes()) + "\n") != std::string::npos);
}

}  // namespace
}  // namespace tickgate::test

// parse_storage_config: the shipped example (the seed's DB map), defaults,
// and errors that name their path.
#define BOOST_TEST_MODULE storage_config
#include <boost/test/unit_test.hpp>

#include "storage/errc.hpp"
#include "storage/storage_config.hpp"
#include "test/support/process.hpp"

#include <boost/json/parse.hpp>

namespace tickgate::test {
namespace {

using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(the_example_db_map_parses_to_the_seed_layout) {
  const auto text =
      read_file(std::string(TICKGATE_SOURCE_DIR) + "/deploy/examples/redis-db-map.json");
  BOOST_REQUIRE(!text.empty());
  const auto doc = boost::json::parse(text);
  std::string detail;
  auto cfg = storage::parse_storage_config(doc.at("redis"), &detail);
  BOOST_REQUIRE_MESSAGE(cfg, detail);
  const storage::storage_config& c = cfg.value();
  BOOST_TEST(c.connection.endpoint.db == 0);
  BOOST_TEST(c.connection.buffer_limit_bytes == 64u << 20);
  BOOST_TEST(c.connection.backlog_limit_bytes == 256u << 20);
  BOOST_TEST(c.stream.db == 4);  // continuous_market
  BOOST_TEST(c.lists.db == 4);
  BOOST_TEST(c.price.db == 2);  // prices
  BOOST_TEST(c.candles.db == 2);
  BOOST_TEST(c.pubsub.db == 0);
  BOOST_TEST((c.stream.ttl == 57600s));
  BOOST_TEST((c.lists.ttl == 57600s));
  BOOST_TEST((c.price.ttl == 10s));
  BOOST_TEST((c.candles.ttl == 3600s));
  BOOST_TEST(c.stream.maxlen == 10000u);
  BOOST_TEST(c.lists.cap == 1000u);
  BOOST_TEST((c.candles.timeframes == std::vector<std::chrono::seconds>{60s, 300s, 900s}));
}

BOOST_AUTO_TEST_CASE(an_empty_section_keeps_every_default) {
  auto cfg = storage::parse_storage_config(boost::json::parse("{}"));
  BOOST_REQUIRE(cfg);
  const storage::storage_config& c = cfg.value();
  BOOST_TEST(c.connection.endpoint.host == "127.0.0.1");
  BOOST_TEST(c.connection.endpoint.port == 6379);
  for (int db : {c.stream.db, c.pubsub.db, c.lists.db, c.price.db, c.candles.db}) {
    BOOST_TEST(db == -1);  // the URL's db: the seeds' db-0 consumers work unchanged
  }
  BOOST_TEST((c.stream.enabled && c.pubsub.enabled && c.lists.enabled && c.price.enabled &&
              c.candles.enabled));
  BOOST_TEST(!c.stream.ttl.has_value());
  BOOST_TEST(c.stream.key_prefix == "market_data_stream:");
  BOOST_TEST((c.connection.request_timeout == 5000ms));
}

BOOST_AUTO_TEST_CASE(switches_and_overrides) {
  auto cfg = storage::parse_storage_config(boost::json::parse(R"({
      "url": "rediss://app:pw@redis.internal:6390/3?ca_file=/ca.pem",
      "sinks": {"pubsub": {"enabled": false}, "stream": {"ttl_seconds": null, "maxlen": 0},
                "candles": {"timeframes": ["90s", "1h", 86400], "flush_interval_ms": 0}}})"));
  BOOST_REQUIRE(cfg);
  const storage::storage_config& c = cfg.value();
  BOOST_TEST(c.connection.endpoint.tls);
  BOOST_TEST(c.connection.endpoint.db == 3);
  BOOST_TEST(!c.pubsub.enabled);
  BOOST_TEST(c.stream.maxlen == 0u);
  BOOST_TEST((c.candles.timeframes == std::vector<std::chrono::seconds>{90s, 3600s, 86400s}));
  BOOST_TEST((c.candles.flush_interval == 0ms));
}

BOOST_AUTO_TEST_CASE(errors_name_their_path) {
  struct row {
    const char* json;
    const char* detail;
  };
  const row rows[] = {
      {"[]", "redis: expected an object"},
      {R"({"ur": "x"})", "redis.ur: unknown key"},
      {R"({"url": 5})", "redis.url: expected a string"},
      {R"({"buffer_limit_bytes": 10})", "redis.buffer_limit_bytes: out of range"},
      {R"({"backlog_limit_bytes": 10})", "redis.backlog_limit_bytes: out of range"},
      {R"({"request_timeout_ms": "5s"})", "redis.request_timeout_ms: expected an integer"},
      {R"({"backoff_initial_ms": 500, "backoff_max_ms": 100})", "redis.backoff_max_ms:"},
      {R"({"sinks": []})", "redis.sinks: expected an object"},
      {R"({"sinks": {"streams": {}}})", "redis.sinks.streams: unknown key"},
      {R"({"sinks": {"stream": {"maxlen": -1}}})", "redis.sinks.stream.maxlen: out of range"},
      {R"({"sinks": {"lists": {"ttl_seconds": 0}}})",
       "redis.sinks.lists.ttl_seconds: out of range"},
      {R"({"sinks": {"price": {"enabled": "yes"}}})", "redis.sinks.price.enabled: expected true"},
      {R"({"sinks": {"candles": {"timeframes": ["1m", "2x"]}}})",
       "redis.sinks.candles.timeframes[1]: expected"},
      {R"({"sinks": {"candles": {"timeframes": ["1m", "60s"]}}})",
       "redis.sinks.candles.timeframes[1]: duplicate"},
      {R"({"sinks": {"candles": {"timeframes": []}}})", "redis.sinks.candles.timeframes:"},
      {R"({"sinks": {"pubsub": {"all_channel": "", "symbol_channel_prefix": ""}}})",
       "redis.sinks.pubsub: enabled with neither"},
      {R"({"sinks": {"stream": {"db": -2}}})", "redis.sinks.stream.db: out of range"},
  };
  for (const row& r : rows) {
    std::string detail;
    auto cfg = storage::parse_storage_config(boost::json::parse(r.json), &detail);
    BOOST_TEST_CONTEXT(r.json) {
      BOOST_REQUIRE(!cfg);
      BOOST_TEST(cfg.error() == storage::make_error_code(storage::errc::bad_config));
      BOOST_TEST(detail.starts_with(r.detail), detail);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_bad_url_never_leaks_its_password) {
  std::string detail;
  auto cfg = storage::parse_storage_config(
      boost::json::parse(R"({"url": "redis://u:hunter2@host:99999/0"})"), &detail);
  BOOST_REQUIRE(!cfg);
  BOOST_TEST(cfg.error() == storage::make_error_code(storage::errc::bad_port));
  BOOST_TEST(detail.find("hunter2") == std::string::npos);
  BOOST_TEST(detail.starts_with("redis.url:"));
}

BOOST_AUTO_TEST_CASE(timeframes) {
  BOOST_TEST(storage::parse_timeframe("1m").value().count() == 60);
  BOOST_TEST(storage::parse_timeframe("15m").value().count() == 900);
  BOOST_TEST(storage::parse_timeframe("90s").value().count() == 90);
  BOOST_TEST(storage::parse_timeframe("2h").value().count() == 7200);
  BOOST_TEST(storage::parse_timeframe("1d").value().count() == 86400);
  BOOST_TEST(storage::parse_timeframe("30").value().count() == 30);
  for (const char* bad : {"", "m", "0m", "-1m", "1w", "1.5m", "999999d"}) {
    BOOST_TEST(!storage::parse_timeframe(bad), bad);
  }
}

}  // namespace
}  // namespace tickgate::test

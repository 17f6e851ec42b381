// The REST control plane against a running gateway: the tickgate binary as a
// process, a real redis-server and the simulator (test/support fixtures),
// spoken to over loopback HTTP. Every route with good and bad input, auth,
// the server's limits, a /metrics scrape parsed line by line, and a run
// replaying the recording shipped in deploy/data/.
#define BOOST_TEST_MODULE rest_api
#include <boost/test/unit_test.hpp>

#include "gateway/recording.hpp"
#include "gateway/replay.hpp"
#include "protocol/frame.hpp"
#include "test/support/http_client.hpp"
#include "test/support/process.hpp"
#include "test/support/redis_client.hpp"
#include "test/support/redis_server.hpp"
#include "test/support/simulator.hpp"

#include <boost/json.hpp>

#include <csignal>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>

using namespace tickgate;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string scrip_master =
    std::string(TICKGATE_SOURCE_DIR) + "/deploy/data/OpenAPIScripMaster.sample.json";
const std::string shipped_data_dir = std::string(TICKGATE_SOURCE_DIR) + "/deploy/data";

struct gateway_options {
  bool feed = true;
  std::string api_token;
  json::object http_extra;   // merged into "http"
  json::object redis_extra;  // merged into "redis"
  json::object recording{{"data_dir", shipped_data_dir}};
  json::array subscribe{
      json::object{{"symbol", "NIFTY"}, {"exchange", "NSE"}, {"mode", "quote"}},
      json::object{{"symbol", "RELIANCE"}, {"exchange", "NSE"}, {"mode", "snap_quote"}},
      json::object{{"symbol", "NIFTY26NOV2624000CE"}, {"exchange", "NFO"}, {"mode", "quote"}},
  };
  double sim_rate = 10;
};

// redis-server + (optionally) the simulator + tickgate with its REST server
// on a free loopback port.
class rest_gateway {
public:
  explicit rest_gateway(gateway_options options = {}) : options_(std::move(options)) {
    if (options_.feed) {
      test::simulator_options so;
      so.rate = options_.sim_rate;
      sim_ = std::make_unique<test::simulator>(so);
    }
    start();
  }

  void start() {
    port_ = test::free_loopback_port();
    json::object http{{"listen", "127.0.0.1:" + std::to_string(port_)}};
    for (const auto& kv : options_.http_extra) http[kv.key()] = kv.value();
    json::object cfg{
        {"feed", {{"enabled", options_.feed}, {"stall_market_hours_only", false}}},
        {"instruments", {{"scrip_master", scrip_master}, {"subscribe", options_.subscribe}}},
        {"redis", redis_section()},
        {"http", http},
        {"recording", options_.recording},
        {"log", {{"level", "debug"}}},
    };
    if (sim_) {
      cfg["angel"] = {{"api_key", sim_->credentials().api_key},
                      {"client_code", sim_->credentials().client_code},
                      {"pin", sim_->credentials().pin},
                      {"totp_secret", sim_->credentials().totp_secret},
                      {"login_url", sim_->login_base_url()},
                      {"feed_url", sim_->feed_url()},
                      {"ca_file", sim_->ca_file().string()}};
    }
    const auto path = dir_.path() / "config.json";
    std::ofstream(path) << json::serialize(cfg);
    std::vector<std::pair<std::string, std::string>> env;
    if (!options_.api_token.empty()) env.emplace_back("TICKGATE_API_TOKEN", options_.api_token);
    process_.emplace(test::process_options{
        {std::string(TICKGATE_BINARY_DIR) + "/tickgate", "--config", path.string()},
        env,
        log_,
        {}});
    BOOST_REQUIRE_MESSAGE(test::wait_for_port(port_, 15s), "gateway did not listen; log:\n"
                                                               << log());
  }

  int stop() { return process_->stop(); }

  json::object redis_section() const {
    json::object r{{"url", redis_.url()}};
    for (const auto& kv : options_.redis_extra) r[kv.key()] = kv.value();
    return r;
  }

  std::uint16_t port() const { return port_; }
  test::redis_server& redis() { return redis_; }
  test::simulator& sim() { return *sim_; }
  std::string log() const { return test::read_file(log_); }
  const std::filesystem::path& dir() const { return dir_.path(); }

  test::http_reply get(std::string_view target) { return test::http_call(port_, "GET", target); }
  test::http_reply post(std::string_view target, std::string body,
                        const test::header_list& headers = {}) {
    test::header_list h = headers;
    if (!options_.api_token.empty() && headers.empty()) {
      h.emplace_back("Authorization", "Bearer " + options_.api_token);
    }
    return test::http_call(port_, "POST", target, std::move(body), h);
  }
  json::value get_json(std::string_view target) {
    const auto r = get(target);
    BOOST_REQUIRE_MESSAGE(r.status == 200, target << " → " << r.status << " " << r.body);
    return json::parse(r.body);
  }

private:
  gateway_options options_;
  test::redis_server redis_;
  std::unique_ptr<test::simulator> sim_;
  test::temp_dir dir_{"tickgate-rest"};
  std::filesystem::path log_ = dir_.path() / "tickgate.log";
  std::uint16_t port_ = 0;
  std::optional<test::child_process> process_;
};

// The error shape of design.md: {"error":{"code","message"}}, nothing else.
void check_error(const test::http_reply& r, unsigned status, std::string_view code) {
  BOOST_TEST_CONTEXT(r.status << " " << r.body) {
    BOOST_TEST(r.status == status);
    BOOST_TEST(r.header("Content-Type") == "application/json");
    boost::system::error_code ec;
    const json::value v = json::parse(r.body, ec);
    BOOST_REQUIRE(!ec);
    BOOST_REQUIRE(v.is_object());
    const auto& e = v.as_object().at("error").as_object();
    BOOST_TEST(e.at("code").as_string() == code);
    BOOST_TEST(!e.at("message").as_string().empty());
    BOOST_TEST(e.size() == 2u);
  }
}

std::vector<std::string> symbols_of(rest_gateway& g) {
  std::vector<std::string> out;
  const json::value body = g.get_json("/symbols");
  for (const auto& s : body.at("symbols").as_array()) {
    out.push_back(std::string(s.at("symbol").as_string()) + "/" +
                  std::string(s.at("mode").as_string()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::uint64_t number(const json::value& v) {
  return v.to_number<std::uint64_t>();
}

}  // namespace

BOOST_AUTO_TEST_CASE(read_only_routes_answer_with_the_seed_fields) {
  rest_gateway g;
  const auto root = g.get_json("/");
  BOOST_TEST(root.at("service").as_string() == "tickgate");
  BOOST_TEST(root.at("version").as_string() == TICKGATE_VERSION);
  BOOST_TEST(root.at("uptime_seconds").to_number<double>() >= 0);

  // Ready once Redis is connected and the feed is subscribed.
  BOOST_REQUIRE_MESSAGE(test::eventually([&] { return g.get("/ready").status == 200; }, 20s),
                        "never ready; log:\n"
                            << g.log());
  BOOST_REQUIRE(
      test::eventually([&] { return number(g.get_json("/health").at("tick_count")) > 5; }, 20s));

  const auto health = g.get_json("/health");
  for (const char* key : {"status", "timestamp", "redis_connected", "ws_connected",
                          "symbols_tracked", "tick_count", "last_tick_time", "has_credentials"}) {
    BOOST_TEST_CONTEXT(key) {
      BOOST_TEST(health.as_object().contains(key));
    }
  }
  BOOST_TEST(health.at("status").as_string() == "healthy");
  BOOST_TEST(health.at("redis_connected").as_bool());
  BOOST_TEST(health.at("ws_connected").as_bool());
  BOOST_TEST(health.at("symbols_tracked").to_number<int>() == 3);
  BOOST_TEST(health.at("has_credentials").as_bool());
  // "2024-01-15T10:30:45.123456": IST, microseconds, no offset.
  const std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})");
  BOOST_TEST(std::regex_match(std::string(health.at("timestamp").as_string()), iso));
  BOOST_TEST(std::regex_match(std::string(health.at("last_tick_time").as_string()), iso));

  const auto stats = g.get_json("/stats");
  for (const char* key : {"symbols_tracked", "symbols", "ws_connected", "tick_count",
                          "last_tick_time", "running", "has_credentials", "redis_connected", "feed",
                          "router", "redis", "sinks", "http", "recording", "run"}) {
    BOOST_TEST_CONTEXT(key) {
      BOOST_TEST(stats.as_object().contains(key));
    }
  }
  std::set<std::string> names;
  for (const auto& s : stats.at("symbols").as_array()) names.insert(std::string(s.as_string()));
  BOOST_TEST((names == std::set<std::string>{"NIFTY", "RELIANCE", "NIFTY26NOV2624000CE"}));
  BOOST_TEST(stats.at("feed").at("connections").as_array().size() >= 1u);
  BOOST_TEST(number(stats.at("feed").at("connections").at(0).at("connects")) == 1u);
  BOOST_TEST(number(stats.at("sinks").at("stream").at("records")) > 0u);
  BOOST_TEST(stats.at("redis").at("connections").as_array().size() >= 1u);
  // Both bounds of the queue, as configured (defaults: 64 MiB outage, 256 MiB backlog).
  BOOST_TEST(number(stats.at("redis").at("connections").at(0).at("buffer_limit_bytes")) ==
             64u << 20);
  BOOST_TEST(number(stats.at("redis").at("connections").at(0).at("backlog_limit_bytes")) ==
             256u << 20);
  // Losses by cause, none on a healthy run.
  for (const char* key : {"dropped_commands", "discarded_commands", "abandoned_commands"}) {
    BOOST_TEST_CONTEXT(key) {
      BOOST_TEST(number(stats.at("redis").at("connections").at(0).at(key)) == 0u);
    }
  }
  // Who holds memory: the queue's chunks and request ring, allocated but
  // small on a healthy run, and no backlog's memory released.
  const auto& redis0 = stats.at("redis").at("connections").at(0);
  BOOST_TEST(number(redis0.at("memory_releases")) == 0u);
  BOOST_TEST(number(redis0.at("queue_chunk_bytes")) > 0u);
  BOOST_TEST(number(redis0.at("queue_chunk_bytes")) <= 4u << 20);
  BOOST_TEST(number(redis0.at("queue_ring_bytes")) > 0u);
  BOOST_TEST(number(redis0.at("queue_ring_bytes")) <= 1u << 20);
  // Secrets never appear.
  for (const std::string& secret : {g.sim().credentials().pin, g.sim().credentials().totp_secret,
                                    g.sim().credentials().api_key}) {
    BOOST_TEST(json::serialize(stats).find(secret) == std::string::npos);
  }

  const auto symbols = g.get_json("/symbols");
  BOOST_TEST(number(symbols.at("total_count")) == 3u);
  std::map<std::string, json::object> by_symbol;
  for (const auto& s : symbols.at("symbols").as_array()) {
    by_symbol[std::string(s.at("symbol").as_string())] = s.as_object();
  }
  BOOST_TEST(by_symbol.at("RELIANCE").at("token").as_string() == "2885");
  BOOST_TEST(by_symbol.at("RELIANCE").at("exchange").as_string() == "NSE");
  BOOST_TEST(by_symbol.at("RELIANCE").at("mode").as_string() == "snap_quote");
  BOOST_TEST(by_symbol.at("RELIANCE").at("class").as_string() == "equity");
  BOOST_TEST(by_symbol.at("NIFTY").at("class").as_string() == "index");
  BOOST_TEST(by_symbol.at("NIFTY26NOV2624000CE").at("class").as_string() == "option");
  BOOST_TEST(by_symbol.at("NIFTY26NOV2624000CE").at("exchange").as_string() == "NFO");

  // Live ticks are readable back through the seed's tick routes.
  BOOST_REQUIRE(test::eventually(
      [&] {
        return number(g.get_json("/api/redis-ticks/optiontick?limit=5").at("total_count")) == 5;
      },
      20s));
  const auto idx = g.get_json("/api/redis-ticks/indextick?limit=3");
  BOOST_TEST(number(idx.at("total_count")) == 3u);
  BOOST_TEST(idx.at("tick_type").as_string() == "indextick");
  BOOST_TEST(idx.at("token").is_null());
  BOOST_TEST(idx.at("database_name").as_string().starts_with("N_"));
  BOOST_TEST(idx.at("ticks").at(0).at("data_type").as_string() == "indextick");
  const auto tokens = g.get_json("/api/redis-option-tokens");
  BOOST_TEST(tokens.at("tokens").as_array() == json::array{"43650"});
  BOOST_TEST(number(tokens.at("total_count")) == 1u);
  BOOST_TEST(tokens.at("database_name") == idx.at("database_name"));
  const auto one = g.get_json("/api/redis-ticks/optiontick?limit=2&token=43650");
  BOOST_TEST(one.at("token").as_string() == "43650");
  BOOST_TEST(number(one.at("total_count")) == 2u);
  const auto none = g.get_json("/api/redis-ticks/optiontick?token=99999");
  BOOST_TEST(number(none.at("total_count")) == 0u);
}

BOOST_AUTO_TEST_CASE(bad_input_gets_a_4xx_error_and_changes_nothing) {
  rest_gateway g;
  BOOST_REQUIRE(test::eventually([&] { return g.get("/ready").status == 200; }, 20s));
  const auto before = symbols_of(g);

  check_error(g.get("/nope"), 404, "not_found");
  check_error(g.get("/health/"), 404, "not_found");
  check_error(g.get("/api/redis-ticks/"), 404, "not_found");
  {
    const auto r = g.post("/health", "{}");
    check_error(r, 405, "method_not_allowed");
    BOOST_TEST(r.header("Allow") == "GET, HEAD");
    const auto s = g.get("/subscribe");
    check_error(s, 405, "method_not_allowed");
    BOOST_TEST(s.header("Allow") == "POST");
    check_error(test::http_call(g.port(), "DELETE", "/api/start-run"), 405, "method_not_allowed");
  }
  check_error(g.post("/subscribe", "[\"INFY\""), 400, "bad_json");
  check_error(g.post("/subscribe", ""), 400, "bad_json");
  check_error(g.post("/subscribe", "{\"symbols\":[\"INFY\"]}"), 400, "bad_request");
  check_error(g.post("/subscribe", "[]"), 400, "bad_request");
  check_error(g.post("/subscribe", "[42]"), 400, "bad_request");
  check_error(g.post("/subscribe", "[{\"symbol\":\"INFY\",\"colour\":\"red\"}]"), 400,
              "bad_request");
  check_error(g.post("/subscribe", "[{\"symbol\":\"INFY\",\"token\":\"1594\"}]"), 400,
              "bad_request");
  check_error(g.post("/subscribe", "[{\"symbol\":\"INFY\",\"mode\":\"fast\"}]"), 400, "bad_mode");
  // One unknown symbol refuses the whole request.
  check_error(g.post("/subscribe", "[\"INFY\",\"NOSUCHSYMBOL\"]"), 404, "unknown_instrument");
  check_error(g.post("/unsubscribe", "[\"NOSUCHSYMBOL\"]"), 404, "unknown_instrument");
  check_error(g.post("/subscribe", "[\"INFY\"]", {{"Content-Type", "text/plain"}}), 415,
              "unsupported_media_type");
  check_error(g.post("/subscribe?x=1", "[\"INFY\"]"), 400, "bad_query");

  check_error(g.get("/api/redis-ticks/futtick"), 400, "bad_tick_type");
  for (const char* bad : {"0", "10001", "-1", "abc", "", "1.5", "99999999999999999999"}) {
    BOOST_TEST_CONTEXT(bad) {
      check_error(g.get(std::string("/api/redis-ticks/optiontick?limit=") + bad), 400, "bad_limit");
    }
  }
  check_error(g.get("/api/redis-ticks/optiontick?token=12a"), 400, "bad_token");
  check_error(g.get("/api/redis-ticks/indextick?token=26000"), 400, "bad_query");
  check_error(g.get("/api/redis-ticks/indextick?limt=5"), 400, "bad_query");
  check_error(g.get("/api/redis-ticks/indextick?limit=5&limit=6"), 400, "bad_query");
  check_error(g.get("/api/redis-ticks/indextick?database_name=a*b"), 400, "bad_database_name");
  check_error(g.get("/api/redis-option-tokens?database_name=../x"), 400, "bad_database_name");

  check_error(g.post("/api/start-run", "{\"database_name\":\"../etc/passwd\"}"), 400,
              "bad_database_name");
  check_error(g.post("/api/start-run", "{\"database_name\":\"no_such_recording\"}"), 404,
              "recording_not_found");
  check_error(g.post("/api/start-run", "{\"database_name\":\"demo\",\"interval_seconds\":-1}"), 400,
              "bad_interval");
  check_error(g.post("/api/start-run", "{\"database_name\":\"demo\",\"interval_seconds\":\"1\"}"),
              400, "bad_interval");
  check_error(g.post("/api/start-run", "{\"interval_seconds\":1}"), 400, "bad_request");
  check_error(g.post("/api/start-run", "[]"), 400, "bad_request");
  check_error(g.post("/api/start-run", "{\"database_name\":\"demo\",\"speed\":2}"), 400,
              "bad_request");
  check_error(g.post("/api/stop-run", ""), 409, "no_active_run");
  check_error(g.post("/api/stop-run", "{\"x\":1}"), 400, "bad_request");

  // Body above http.max_body_bytes (64 KiB): 413, connection closed.
  check_error(g.post("/subscribe", "[\"" + std::string(70 * 1024, 'A') + "\"]"), 413,
              "body_too_large");
  // Header above http.max_header_bytes (8 KiB): 431.
  check_error(
      test::http_call(g.port(), "GET", "/health", {}, {{"X-Padding", std::string(9000, 'x')}}), 431,
      "header_too_large");
  // Not HTTP at all: 400.
  {
    test::http_client c(g.port());
    c.send_raw("HELLO WORLD\r\n\r\n");
    const auto r = c.read_reply();
    BOOST_REQUIRE(r.has_value());
    check_error(*r, 400, "bad_request");
    BOOST_TEST(c.peer_closed());
  }

  // Nothing changed, and the gateway still serves.
  BOOST_TEST(symbols_of(g) == before);
  BOOST_TEST(g.get_json("/stats").at("run").at("runs_started").to_number<int>() == 0);
  BOOST_TEST(g.get("/health").status == 200u);
  const auto stats = g.get_json("/stats");
  BOOST_TEST(number(stats.at("http").at("body_too_large")) == 1u);
  BOOST_TEST(number(stats.at("http").at("header_too_large")) == 1u);
  BOOST_TEST(number(stats.at("http").at("responses").at("404")) >= 3u);
}

BOOST_AUTO_TEST_CASE(subscribe_and_unsubscribe_apply_live_without_reconnecting) {
  rest_gateway g;
  BOOST_REQUIRE(test::eventually([&] { return g.get("/ready").status == 200; }, 20s));
  test::redis_client db(g.redis().url());

  // Seed form: an array of symbols (default exchange NSE, default mode).
  const auto r = g.post("/subscribe", "[\"INFY\",\"ICICIBANK\"]");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  const auto body = json::parse(r.body);
  BOOST_TEST(body.at("status").as_string() == "success");
  BOOST_TEST(body.at("subscribed").as_array().size() == 2u);
  BOOST_TEST(body.at("subscribed").at(0).at("token").as_string() == "1594");
  BOOST_TEST(number(body.at("symbols_tracked")) == 5u);
  BOOST_TEST((symbols_of(g) == std::vector<std::string>{"ICICIBANK/snap_quote", "INFY/snap_quote",
                                                        "NIFTY/quote", "NIFTY26NOV2624000CE/quote",
                                                        "RELIANCE/snap_quote"}));
  // Ticks for the new symbols arrive on the same connection: no reconnect.
  BOOST_REQUIRE(test::eventually(
      [&] {
        return db.integer({"XLEN", "market_data_stream:INFY"}) > 3;
      },
      20s));
  BOOST_TEST(db.integer({"XLEN", "market_data_stream:ICICIBANK"}) > 0);
  auto stats = g.get_json("/stats");
  BOOST_TEST(number(stats.at("feed").at("connections").at(0).at("connects")) == 1u);
  BOOST_TEST(number(stats.at("feed").at("connections").at(0).at("disconnects")) == 0u);

  // Object form: by token, with a mode (a mode change for INFY).
  const auto o = g.post("/subscribe", R"([{"token":"1594","exchange":"NSE","mode":"ltp"},
                                          {"symbol":"NIFTY26NOV2624000PE","exchange":"NFO","mode":"quote"}])");
  BOOST_REQUIRE_MESSAGE(o.status == 200, o.body);
  BOOST_TEST((symbols_of(g) == std::vector<std::string>{"ICICIBANK/snap_quote", "INFY/ltp",
                                                        "NIFTY/quote", "NIFTY26NOV2624000CE/quote",
                                                        "NIFTY26NOV2624000PE/quote",
                                                        "RELIANCE/snap_quote"}));
  // The simulator sees the new mode for INFY.
  BOOST_REQUIRE(test::eventually(
      [&] {
        const json::value sim_stats = g.sim().stats();
        for (const auto& c : sim_stats.at("connections").as_array()) {
          for (const auto& s : c.at("subscriptions").as_array()) {
            if (s.at("token").as_string() == "1594" && s.at("mode").to_number<int>() == 1)
              return true;
          }
        }
        return false;
      },
      10s));

  const auto u = g.post("/unsubscribe", "[\"INFY\",\"TCS\"]");
  BOOST_REQUIRE_MESSAGE(u.status == 200, u.body);
  const auto ub = json::parse(u.body);
  BOOST_TEST(ub.at("unsubscribed").as_array().size() == 1u);
  BOOST_TEST(ub.at("unsubscribed").at(0).at("symbol").as_string() == "INFY");
  BOOST_TEST(ub.at("not_subscribed").as_array().size() == 1u);
  BOOST_TEST(ub.at("not_subscribed").at(0).at("symbol").as_string() == "TCS");
  BOOST_TEST(number(ub.at("symbols_tracked")) == 5u);
  // INFY stops: its stream stops growing.
  g.get_json("/health");
  std::this_thread::sleep_for(500ms);
  const auto len = db.integer({"XLEN", "market_data_stream:INFY"});
  std::this_thread::sleep_for(800ms);
  BOOST_TEST(db.integer({"XLEN", "market_data_stream:INFY"}) == len);
  stats = g.get_json("/stats");
  BOOST_TEST(number(stats.at("feed").at("connections").at(0).at("connects")) == 1u);
  BOOST_TEST(g.get("/ready").status == 200u);
}

BOOST_AUTO_TEST_CASE(mutating_routes_need_the_bearer_token) {
  gateway_options o;
  o.api_token = "s3cret-token-value";
  rest_gateway g(o);
  BOOST_REQUIRE(test::eventually([&] { return g.get("/ready").status == 200; }, 20s));
  const auto before = symbols_of(g);

  const auto no_header = g.post("/subscribe", "[\"INFY\"]", {{"X-None", "1"}});
  check_error(no_header, 401, "unauthorized");
  BOOST_TEST(no_header.header("WWW-Authenticate").starts_with("Bearer"));
  check_error(g.post("/subscribe", "[\"INFY\"]", {{"Authorization", "Bearer wrong"}}), 401,
              "unauthorized");
  check_error(g.post("/subscribe", "[\"INFY\"]", {{"Authorization", "Bearer s3cret-token-valuE"}}),
              401, "unauthorized");
  check_error(g.post("/subscribe", "[\"INFY\"]", {{"Authorization", "Basic s3cret-token-value"}}),
              401, "unauthorized");
  check_error(g.post("/subscribe", "[\"INFY\"]", {{"Authorization", "s3cret-token-value"}}), 401,
              "unauthorized");
  check_error(g.post("/api/stop-run", "", {{"Authorization", "Bearer nope"}}), 401, "unauthorized");
  BOOST_TEST(symbols_of(g) == before);

  // Reads stay open; the right token works (scheme case-insensitive).
  BOOST_TEST(g.get("/stats").status == 200u);
  BOOST_TEST(g.get("/metrics").status == 200u);
  const auto ok =
      g.post("/subscribe", "[\"INFY\"]", {{"Authorization", "bearer s3cret-token-value"}});
  BOOST_TEST(ok.status == 200u, ok.body);
  BOOST_TEST(symbols_of(g).size() == before.size() + 1);

  g.stop();
  const std::string log = g.log();
  BOOST_TEST(log.find("s3cret-token-value") == std::string::npos);
  BOOST_TEST(log.find("\"component\":\"http\"") != std::string::npos);
  BOOST_TEST(log.find("\"path\":\"/subscribe\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_non_loopback_listen_address_needs_a_token) {
  test::temp_dir dir;
  const json::object cfg{
      {"feed", {{"enabled", false}}},
      {"redis", {{"url", "redis://127.0.0.1:1/0"}}},
      {"http", {{"listen", "0.0.0.0:" + std::to_string(test::free_loopback_port())}}}};
  const auto path = dir.path() / "config.json";
  std::ofstream(path) << json::serialize(cfg);
  test::child_process p(test::process_options{
      {std::string(TICKGATE_BINARY_DIR) + "/tickgate", "--config", path.string()},
      {},
      dir.path() / "log",
      {}});
  const auto status = p.wait_for_exit(10s);
  BOOST_REQUIRE(status.has_value());
  BOOST_TEST(*status == 2);
  BOOST_TEST(test::read_file(dir.path() / "log").find("http.api_token") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(head_is_answered_with_the_get_header_and_no_body) {
  gateway_options o;
  o.feed = false;
  rest_gateway g(o);

  // HEAD then GET on one kept-alive connection: a body after the HEAD's
  // header would be read as the start of the next response.
  test::http_client c(g.port(), 3s);
  for (const char* target : {"/health", "/", "/symbols"}) {
    BOOST_TEST_CONTEXT(target) {
      const auto head = c.request("HEAD", target);
      BOOST_TEST(head.status == 200u);
      BOOST_TEST(head.body.empty());
      BOOST_TEST(head.header("Content-Type") == "application/json");
      const auto get = c.request("GET", target);
      BOOST_TEST(get.status == 200u);
      BOOST_TEST(!get.body.empty());
      if (std::string_view(target) != "/health") {
        BOOST_TEST(head.header("Content-Length") == std::to_string(get.body.size()));
      } else {
        BOOST_TEST(std::stoul(head.header("Content-Length")) > 0u);
      }
    }
  }
  // HEAD on an unknown route: the 404 header, no body; the connection goes on.
  const auto missing = c.request("HEAD", "/nowhere");
  BOOST_TEST(missing.status == 404u);
  BOOST_TEST(missing.body.empty());
  // A POST-only route lists what it allows; a GET route allows HEAD too.
  const auto r = c.request("GET", "/subscribe");
  BOOST_TEST(r.status == 405u);
  BOOST_TEST(r.header("Allow") == "POST");
  const auto p = c.request("POST", "/health", "{}");
  BOOST_TEST(p.status == 405u);
  BOOST_TEST(p.header("Allow") == "GET, HEAD");
  BOOST_TEST(c.request("GET", "/health").status == 200u);
}

BOOST_AUTO_TEST_CASE(a_kept_alive_request_header_is_read_under_read_timeout) {
  gateway_options o;
  o.feed = false;
  o.http_extra = {{"idle_timeout_ms", 8000}, {"read_timeout_ms", 400}};
  rest_gateway g(o);
  test::http_client c(g.port(), 6s);
  BOOST_TEST(c.request("GET", "/health").status == 200u);
  // Idle for a while (below idle_timeout): still open, and it answers.
  std::this_thread::sleep_for(600ms);
  BOOST_TEST(c.request("GET", "/health").status == 200u);
  // Then a header that never completes: closed after read_timeout, not
  // after idle_timeout.
  c.send_raw("GET /health HTTP/1.1\r\nHost: x\r\n");
  const auto t0 = std::chrono::steady_clock::now();
  BOOST_TEST(c.peer_closed());
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < 3s));
}

BOOST_AUTO_TEST_CASE(keep_alive_timeouts_and_the_connection_limit) {
  gateway_options o;
  o.feed = false;
  o.http_extra = {{"idle_timeout_ms", 400}, {"read_timeout_ms", 400}, {"max_connections", 3}};
  rest_gateway g(o);

  // Keep-alive: several requests on one connection.
  {
    test::http_client c(g.port());
    for (int i = 0; i < 3; ++i) {
      const auto r = c.request("GET", "/health");
      BOOST_TEST(r.status == 200u);
      BOOST_TEST(r.header("Connection") != "close");
    }
    // Idle for longer than idle_timeout: the server closes.
    std::this_thread::sleep_for(900ms);
    BOOST_TEST(c.peer_closed());
  }
  // A request that never completes: closed after read_timeout.
  {
    test::http_client c(g.port(), 3s);
    c.send_raw("GET /health HTTP/1.1\r\nHost: x\r\n");
    const auto t0 = std::chrono::steady_clock::now();
    BOOST_TEST(c.peer_closed());
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < 2500ms));
  }
  // Connection: close is honoured.
  {
    test::http_client c(g.port(), 3s);
    const auto r = c.request("GET", "/", {}, {}, false);
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(c.peer_closed());
  }
  // At most max_connections open: the next one gets 503 and is closed.
  {
    std::vector<std::unique_ptr<test::http_client>> open;
    for (int i = 0; i < 3; ++i) {
      open.push_back(std::make_unique<test::http_client>(g.port(), 3s));
      BOOST_TEST(open.back()->request("GET", "/health").status == 200u);
    }
    test::http_client extra(g.port(), 3s);
    const auto r = extra.read_reply();
    BOOST_REQUIRE(r.has_value());
    check_error(*r, 503, "too_many_connections");
    open.clear();
    BOOST_TEST(test::eventually([&] { return g.get("/health").status == 200; }, 5s));
  }
  const auto stats = g.get_json("/stats");
  // At least the one above (a probe of the eventually() loop may be refused
  // too, before the server has seen the three clients close).
  BOOST_TEST(number(stats.at("http").at("connections_rejected")) >= 1u);
  BOOST_TEST(number(stats.at("http").at("timeouts")) >= 2u);
}

namespace {

// One scrape, checked line by line against the text exposition format
// (version 0.0.4): HELP/TYPE comments, then samples `name{labels} value`,
// every sample belonging to the family declared just before it.
struct scrape {
  std::map<std::string, std::string> types;  // family → type
  std::map<std::string, double> samples;     // "name{labels}" → value
  double value(const std::string& series) const {
    const auto it = samples.find(series);
    BOOST_REQUIRE_MESSAGE(it != samples.end(), "no series " << series);
    return it->second;
  }
  double sum(const std::string& prefix) const {
    double s = 0;
    for (const auto& [k, v] : samples) {
      if (k.starts_with(prefix)) s += v;
    }
    return s;
  }
};

scrape parse_metrics(const std::string& text) {
  static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*)");
  static const std::regex type(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*")*\})? (-?[0-9.eE+-]+|\+Inf|NaN))");
  scrape out;
  std::string family;
  std::istringstream in(text);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    BOOST_TEST_CONTEXT("line " << n << ": " << line) {
      std::smatch m;
      if (std::regex_match(line, m, help)) {
        family = m[1];
      } else if (std::regex_match(line, m, type)) {
        BOOST_TEST(m[1] == family);
        BOOST_TEST(!out.types.contains(m[1]), "family declared twice");
        out.types[m[1]] = m[2];
      } else if (std::regex_match(line, m, sample)) {
        const std::string name = m[1];
        const bool ok =
            name == family ||
            (out.types[family] == "histogram" &&
             (name == family + "_bucket" || name == family + "_sum" || name == family + "_count"));
        BOOST_TEST(ok, "sample outside its family " << family);
        const std::string value = line.substr(line.rfind(' ') + 1);
        BOOST_TEST(!out.samples.contains(line.substr(0, line.rfind(' '))), "duplicate series");
        out.samples[line.substr(0, line.rfind(' '))] = value == "+Inf" ? 1e308 : std::stod(value);
      } else {
        BOOST_TEST(false, "not a valid exposition line");
      }
    }
  }
  BOOST_TEST(text.ends_with("\n"));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(metrics_scrape_parses_and_counters_move) {
  rest_gateway g;
  BOOST_REQUIRE(test::eventually([&] { return g.get("/ready").status == 200; }, 20s));
  BOOST_REQUIRE(
      test::eventually([&] { return number(g.get_json("/health").at("tick_count")) > 3; }, 20s));
  const auto r1 = g.get("/metrics");
  BOOST_REQUIRE(r1.status == 200u);
  BOOST_TEST(r1.header("Content-Type").starts_with("text/plain; version=0.0.4"));
  const scrape first = parse_metrics(r1.body);
  for (const char* f :
       {"tickgate_frames_received_total", "tickgate_ticks_decoded_total",
        "tickgate_ticks_routed_total", "tickgate_decode_errors_total",
        "tickgate_feed_connects_total", "tickgate_feed_reconnects_total", "tickgate_feed_connected",
        "tickgate_redis_sink_commands_total", "tickgate_redis_sink_dropped_total",
        "tickgate_redis_dropped_commands_total", "tickgate_redis_discarded_commands_total",
        "tickgate_redis_abandoned_commands_total", "tickgate_redis_buffered_bytes",
        "tickgate_redis_buffer_limit_bytes", "tickgate_redis_backlog_limit_bytes",
        "tickgate_redis_memory_releases_total", "tickgate_redis_queue_chunk_bytes",
        "tickgate_redis_queue_ring_bytes", "tickgate_redis_round_trip_seconds",
        "tickgate_redis_origin_to_ack_seconds", "tickgate_process_resident_memory_bytes",
        "tickgate_http_responses_total", "tickgate_feed_recovery_seconds",
        "tickgate_sink_records_total", "tickgate_run_active", "tickgate_recording_active",
        "tickgate_recording_dropped_frames_total", "tickgate_recording_capped_files_total",
        "tickgate_recording_capped_frames_total",
        "tickgate_recording_buffered_bytes"}) {
    BOOST_TEST_CONTEXT(f) {
      BOOST_TEST(first.types.contains(f));
    }
  }
  BOOST_TEST(first.types.at("tickgate_redis_round_trip_seconds") == "histogram");
  BOOST_TEST(first.types.at("tickgate_redis_memory_releases_total") == "counter");
  BOOST_TEST(first.types.at("tickgate_redis_queue_chunk_bytes") == "gauge");
  BOOST_TEST(first.types.at("tickgate_redis_queue_ring_bytes") == "gauge");
  BOOST_TEST(first.value(R"(tickgate_redis_memory_releases_total{db="0"})") == 0);
  BOOST_TEST(first.value(R"(tickgate_redis_queue_chunk_bytes{db="0"})") > 0);
  BOOST_TEST(first.value(R"(tickgate_redis_queue_ring_bytes{db="0"})") > 0);
  BOOST_TEST(first.value(R"(tickgate_ticks_routed_total{mode="snap_quote",exchange="nse_cm"})") >
             0);
  BOOST_TEST(first.value(R"(tickgate_ticks_routed_total{mode="quote",exchange="nse_fo"})") > 0);
  BOOST_TEST(first.value(R"(tickgate_feed_connected{connection="0"})") == 1);
  BOOST_TEST(first.value("tickgate_process_resident_memory_bytes") > 1e6);
  BOOST_TEST(first.sum("tickgate_redis_round_trip_seconds_count") > 0);

  std::this_thread::sleep_for(1s);
  const scrape second = parse_metrics(g.get("/metrics").body);
  BOOST_TEST(second.value("tickgate_frames_received_total") >
             first.value("tickgate_frames_received_total"));
  BOOST_TEST(second.sum("tickgate_redis_sink_acked_total") >
             first.sum("tickgate_redis_sink_acked_total"));
  BOOST_TEST(second.value(R"(tickgate_http_responses_total{status="200"})") >
             first.value(R"(tickgate_http_responses_total{status="200"})"));
  BOOST_TEST(second.sum("tickgate_redis_origin_to_ack_seconds_count") >
             first.sum("tickgate_redis_origin_to_ack_seconds_count"));

  BOOST_TEST(first.types.at("tickgate_process_start_time_seconds") == "gauge");
  const double start = first.value("tickgate_process_start_time_seconds");
  const double now = std::chrono::duration<double>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  BOOST_TEST(start < now);
  BOOST_TEST(start > now - 600);

  // Every histogram's cumulative buckets: non-decreasing, +Inf == _count.
  for (const auto& [fam, t] : first.types) {
    if (t != "histogram") continue;
    BOOST_TEST_CONTEXT(fam) {
      std::map<std::string, std::vector<std::pair<double, double>>> by_series;
      for (const auto& [series, v] : first.samples) {
        if (!series.starts_with(fam + "_bucket{")) continue;
        const auto le = series.find("le=\"");
        BOOST_REQUIRE(le != std::string::npos);
        const auto end = series.find('"', le + 4);
        const std::string bound = series.substr(le + 4, end - le - 4);
        std::string rest = series.substr(0, le) + series.substr(end + 1);
        by_series[rest].emplace_back(bound == "+Inf" ? 1e308 : std::stod(bound), v);
      }
      for (auto& [rest, buckets] : by_series) {
        std::sort(buckets.begin(), buckets.end());
        for (std::size_t i = 1; i < buckets.size(); ++i) {
          BOOST_TEST(buckets[i].second >= buckets[i - 1].second);
        }
      }
    }
  }

  // Decode errors are counted by reason, with the total in a family of its
  // own (sum over reasons counts each error once).
  BOOST_TEST(!first.samples.contains(R"(tickgate_decode_errors_total{reason="all"})"));
  g.sim().send_garbage(3);
  BOOST_REQUIRE(test::eventually(
      [&] { return parse_metrics(g.get("/metrics").body).value("tickgate_decode_errors_all_total") >= 3; },
      10s));
  const scrape third = parse_metrics(g.get("/metrics").body);
  BOOST_TEST(!third.samples.contains(R"(tickgate_decode_errors_total{reason="all"})"));
  BOOST_TEST(third.sum("tickgate_decode_errors_total{") ==
             third.value("tickgate_decode_errors_all_total"));
}

// /api/redis-ticks/optiontick across many token lists keeps only the best
// `limit` by ft as the lists arrive; the answer must equal the reference: all
// entries of all keys (sorted key order, each list as stored), unparsable
// ones dropped, stable-sorted by ft descending, cut at limit.
BOOST_AUTO_TEST_CASE(option_ticks_across_many_tokens_equal_a_stable_sort_by_ft) {
  gateway_options o;
  o.feed = false;
  rest_gateway g(o);
  test::redis_client db(g.redis().url());
  BOOST_REQUIRE(test::eventually([&] { return g.get("/ready").status == 200; }, 10s));

  std::mt19937 rng(20261206);
  std::vector<std::pair<std::string, std::vector<std::string>>> lists;
  for (int k = 0; k < 150; ++k) {
    const std::string token = std::to_string(1000 + (k * 7919) % 100'000);
    std::vector<std::string> entries;
    const int n = 1 + static_cast<int>(rng() % 80);
    std::vector<int> fts;
    for (int i = 0; i < n; ++i) fts.push_back(static_cast<int>(rng() % 400));
    // Mostly newest first, as the gateway writes them, with some disorder.
    std::sort(fts.rbegin(), fts.rend());
    if (k % 5 == 0) std::shuffle(fts.begin(), fts.end(), rng);
    for (int i = 0; i < n; ++i) {
      json::object e{{"ft", fts[static_cast<std::size_t>(i)]}, {"tk", token}, {"i", i}};
      if (i % 23 == 5) e["ft"] = "late";  // not a number: ft 0
      if (i % 29 == 7) e.erase("ft");     // missing: ft 0
      if (i % 31 == 3) e["ft"] = 123.5;
      std::string text = json::serialize(e);
      if (i % 37 == 11) text = "not json " + text;
      if (i % 41 == 13) text = R"({"ft":)" + std::to_string(fts[static_cast<std::size_t>(i)]) + ",";
      entries.push_back(std::move(text));
    }
    std::vector<std::string> cmd{"RPUSH", "ticks:many:optiontick:" + token};
    cmd.insert(cmd.end(), entries.begin(), entries.end());
    db.command(cmd);
    lists.emplace_back("ticks:many:optiontick:" + token, std::move(entries));
  }
  std::sort(lists.begin(), lists.end());

  for (const std::uint64_t limit : {1u, 7u, 80u, 100u, 999u, 10'000u}) {
    BOOST_TEST_CONTEXT("limit " << limit) {
      std::vector<std::pair<double, std::string>> reference;
      for (const auto& [key, entries] : lists) {
        std::vector<std::pair<double, std::string>> head;
        for (std::size_t i = 0; i < entries.size() && i < limit; ++i) {
          boost::system::error_code ec;
          const json::value v = json::parse(entries[i], ec);
          if (ec || !v.is_object()) continue;
          const json::value* ft = v.as_object().if_contains("ft");
          reference.emplace_back(ft != nullptr && ft->is_number() ? ft->to_number<double>() : 0.0,
                                 json::serialize(v));
        }
      }
      std::stable_sort(reference.begin(), reference.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      if (reference.size() > limit) reference.resize(limit);

      const auto body = g.get_json("/api/redis-ticks/optiontick?database_name=many&limit=" +
                                   std::to_string(limit));
      const auto& ticks = body.at("ticks").as_array();
      BOOST_REQUIRE_EQUAL(ticks.size(), reference.size());
      BOOST_TEST(number(body.at("total_count")) == reference.size());
      BOOST_TEST(!body.as_object().contains("truncated"));
      for (std::size_t i = 0; i < ticks.size(); ++i) {
        BOOST_TEST_CONTEXT("tick " << i) {
          BOOST_TEST(json::serialize(ticks[i]) == reference[i].second);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_run_replays_the_shipped_recording_into_the_session_lists) {
  gateway_options o;
  o.feed = false;
  rest_gateway g(o);
  test::redis_client db(g.redis().url());
  // Feed off: ready once Redis is connected (start-run before that is a 503).
  BOOST_REQUIRE(test::eventually([&] { return g.get("/ready").status == 200; }, 10s));
  // Keys of the session from before the run are flushed; others are not.
  db.command({"LPUSH", "ticks:demo:optiontick:1", "stale"});
  db.command({"LPUSH", "ticks:demo:indextick", "stale"});
  db.command({"SET", "ticks:demo2:keep", "1"});

  const auto r = g.post("/api/start-run", R"({"database_name":"demo","interval_seconds":0})");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  const auto started = json::parse(r.body);
  BOOST_TEST(started.at("status").as_string() == "started");
  BOOST_TEST(started.at("database_name").as_string() == "demo");
  BOOST_TEST(number(started.at("flushed_keys")) == 2u);
  BOOST_TEST(started.at("interval_seconds").to_number<double>() == 0.0);
  BOOST_REQUIRE(test::eventually(
      [&] { return g.get_json("/stats").at("run").at("state").as_string() == "finished"; }, 30s));
  const auto run = g.get_json("/stats").at("run");
  BOOST_TEST(number(run.at("frames")) > 100u);
  BOOST_TEST(number(run.at("ticks")) == number(run.at("frames")));
  BOOST_TEST(db.string({"GET", "ticks:demo2:keep"}) == "1");

  // The tick routes read the run's session; the sinks' writes are queued,
  // so wait until Redis holds them.
  BOOST_REQUIRE(test::eventually(
      [&] {
        return number(g.get_json("/api/redis-ticks/optiontick?limit=50").at("total_count")) == 50;
      },
      10s));
  const auto ticks = g.get_json("/api/redis-ticks/optiontick?limit=50");
  BOOST_TEST(ticks.at("database_name").as_string() == "demo");
  BOOST_TEST(ticks.at("tick_type").as_string() == "optiontick");
  BOOST_TEST(ticks.at("token").is_null());
  double previous = 1e18;
  std::set<std::string> tokens_seen;
  for (const auto& t : ticks.at("ticks").as_array()) {
    const auto& o2 = t.as_object();
    for (const char* key : {"ft", "token", "e", "lp", "pc", "rt", "ts", "_id", "data_type"}) {
      BOOST_TEST_CONTEXT(key) {
        BOOST_TEST(o2.contains(key));
      }
    }
    BOOST_TEST(o2.at("data_type").as_string() == "optiontick");
    BOOST_TEST(o2.at("e").as_string() == "NFO");
    const double ft = o2.at("ft").to_number<double>();
    BOOST_TEST(ft <= previous, "not sorted by ft descending");
    previous = ft;
    tokens_seen.insert(json::serialize(o2.at("token")));
  }
  BOOST_TEST(tokens_seen.size() > 1u, "option ticks of several tokens are merged");
  const auto opt_tokens = g.get_json("/api/redis-option-tokens");
  BOOST_TEST(opt_tokens.at("database_name").as_string() == "demo");
  BOOST_TEST(number(opt_tokens.at("total_count")) == 4u);
  BOOST_TEST(number(g.get_json("/api/redis-ticks/indextick?limit=10").at("total_count")) == 10u);
  // No stale entry survived the flush.
  for (const auto& e : db.strings({"LRANGE", "ticks:demo:indextick", "0", "-1"}))
    BOOST_TEST(e != "stale");
  BOOST_TEST(db.integer({"EXISTS", "ticks:demo:optiontick:1"}) == 0);

  // A paced run can be stopped; a second start while running is refused.
  const auto paced = g.post("/api/start-run", R"({"database_name":"demo","interval_seconds":0.5})");
  BOOST_REQUIRE_MESSAGE(paced.status == 200, paced.body);
  check_error(g.post("/api/start-run", R"({"database_name":"demo"})"), 409, "run_active");
  std::this_thread::sleep_for(700ms);
  const auto stopped = g.post("/api/stop-run", "");
  BOOST_REQUIRE_MESSAGE(stopped.status == 200, stopped.body);
  const auto sb = json::parse(stopped.body);
  BOOST_TEST(sb.at("status").as_string() == "stopped");
  BOOST_TEST(number(sb.at("frames_replayed")) >= 1u);
  BOOST_TEST(number(sb.at("frames_replayed")) <= 4u);
  BOOST_TEST(g.get_json("/stats").at("run").at("state").as_string() == "stopped");
  check_error(g.post("/api/stop-run", ""), 409, "no_active_run");

  // Redis down: start-run answers 503 at once and starts nothing.
  g.redis().kill();
  BOOST_REQUIRE(test::eventually(
      [&] { return !g.get_json("/health").at("redis_connected").as_bool(); }, 10s));
  const auto t0 = std::chrono::steady_clock::now();
  check_error(g.post("/api/start-run", R"({"database_name":"demo"})"), 503, "redis_unavailable");
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < 3s));
  check_error(g.get("/api/redis-ticks/indextick"), 503, "redis_unavailable");
  BOOST_TEST(g.get_json("/stats").at("run").at("state").as_string() == "stopped");
  BOOST_TEST(g.get("/ready").status == 503u);
}

// A run at interval 0 against a Redis that does not keep up (writes paused)
// waits instead of filling the outage buffer: with a 16 KiB bound, nothing
// is dropped and every frame is replayed once Redis is back.
BOOST_AUTO_TEST_CASE(a_fast_run_waits_for_redis_instead_of_dropping_writes) {
  gateway_options o;
  o.feed = false;
  o.redis_extra = {{"buffer_limit_bytes", 16384}};
  rest_gateway g(o);
  test::redis_client db(g.redis().url());
  BOOST_REQUIRE(test::eventually([&] { return g.get("/ready").status == 200; }, 10s));

  // Reads still answer (start-run's SCAN finds nothing to flush); writes wait.
  db.command({"CLIENT", "PAUSE", "1500", "WRITE"});
  const auto r = g.post("/api/start-run", R"({"database_name":"demo","interval_seconds":0})");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  std::this_thread::sleep_for(500ms);
  BOOST_TEST(g.get_json("/stats").at("run").at("state").as_string() == "running");
  BOOST_REQUIRE(test::eventually(
      [&] { return g.get_json("/stats").at("run").at("state").as_string() == "finished"; }, 20s));
  BOOST_TEST(number(g.get_json("/stats").at("run").at("frames")) > 100u);
  const scrape m = parse_metrics(g.get("/metrics").body);
  BOOST_TEST(m.sum("tickgate_redis_dropped_commands_total") == 0);
  BOOST_TEST(m.sum("tickgate_redis_timeouts_total") == 0);
}

BOOST_AUTO_TEST_CASE(live_frames_are_recorded_and_replay_as_a_run) {
  test::temp_dir data("tickgate-rec");
  gateway_options o;
  o.recording = {{"enabled", true}, {"data_dir", data.path().string()}, {"database_name", "rec1"}};
  rest_gateway g(o);
  BOOST_REQUIRE(
      test::eventually([&] { return number(g.get_json("/health").at("tick_count")) > 20; }, 20s));
  const json::object recording = g.get_json("/stats").at("recording").as_object();
  BOOST_TEST(recording.at("active").as_bool());
  // The writer thread keeps up with a simulated feed: nothing dropped.
  BOOST_TEST(number(recording.at("dropped")) == 0u);
  BOOST_TEST(!recording.at("capped").as_bool());
  BOOST_TEST(number(recording.at("capped_files")) == 0u);
  BOOST_TEST(recording.contains("buffered_bytes"));
  BOOST_TEST(number(recording.at("capped_frames")) == 0u);
  // A run may neither flush the live session nor read the file being
  // recorded.
  const std::string live(g.get_json("/api/redis-option-tokens").at("database_name").as_string());
  check_error(g.post("/api/start-run", json::serialize(json::object{{"database_name", live}})), 409,
              "live_session");
  check_error(g.post("/api/start-run", R"({"database_name":"rec1"})"), 409,
              "recording_in_progress");
  BOOST_TEST(g.stop() == 0);

  const auto file = data.path() / "rec1.ticks";
  auto opened = gateway::recording_reader::open(file);
  BOOST_REQUIRE(std::holds_alternative<gateway::recording_reader>(opened));
  auto& reader = std::get<gateway::recording_reader>(opened);
  std::size_t frames = 0;
  std::int64_t previous_us = 0;
  std::set<std::string> tokens;
  while (auto rec = reader.next()) {
    auto t = protocol::decode_frame(rec->frame);
    BOOST_REQUIRE(t.has_value());
    tokens.insert(std::string(t->token.view()));
    BOOST_TEST(rec->received_us >= previous_us);
    previous_us = rec->received_us;
    ++frames;
  }
  BOOST_TEST(!reader.corrupt());
  BOOST_TEST(!reader.truncated_tail());
  BOOST_TEST(frames > 20u);
  BOOST_TEST((tokens == std::set<std::string>{"99926000", "2885", "43650"}));
}

// control_api::handle without a socket (the way the fuzz targets drive it):
// the real composition root with the feed off and Redis unreachable, a
// parsed request in, a response out. Checks the contract that does not need
// a live Redis or feed: routing, methods, error shape, validation order, and
// that Redis-backed routes fail fast with 503 instead of waiting.
#define BOOST_TEST_MODULE gateway_control_api
#include <boost/test/unit_test.hpp>

#include "gateway/app.hpp"
#include "gateway/config.hpp"
#include "gateway/instruments.hpp"
#include "test/support/process.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

using namespace tickgate;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

struct fixture {
  boost::asio::io_context io{1};
  std::unique_ptr<gateway::app> app;

  explicit fixture(std::string token = {}) {
    const json::object cfg{
        {"feed", {{"enabled", false}}},
        {"instruments",
         {{"scrip_master",
           std::string(TICKGATE_SOURCE_DIR) + "/deploy/data/OpenAPIScripMaster.sample.json"}}},
        // Nothing listens on port 1: every Redis read fails fast.
        {"redis", {{"url", "redis://127.0.0.1:1/0"}}},
        {"http", {{"enabled", false}, {"api_token", token}}},
        {"recording", {{"data_dir", std::string(TICKGATE_SOURCE_DIR) + "/deploy/data"}}},
        {"log", {{"level", "error"}}}};
    auto parsed =
        gateway::parse_config(json::serialize(cfg), TICKGATE_SOURCE_DIR,
                              [](std::string_view) { return std::optional<std::string>(); });
    BOOST_REQUIRE(std::holds_alternative<gateway::config>(parsed));
    auto c = std::get<gateway::config>(std::move(parsed));
    auto index = gateway::load_instrument_index(c.instruments);
    BOOST_REQUIRE(std::holds_alternative<protocol::instrument_index>(index));
    app = std::make_unique<gateway::app>(io, std::move(c),
                                         std::get<protocol::instrument_index>(std::move(index)));
    BOOST_REQUIRE(!app->start({}).has_value());
  }

  gateway::http_response call(http::verb method, std::string target, std::string body = {},
                              std::vector<std::pair<http::field, std::string>> headers = {}) {
    gateway::http_request req{method, target, 11};
    for (auto& [f, v] : headers) req.set(f, v);
    req.body() = std::move(body);
    req.prepare_payload();
    std::optional<gateway::http_response> out;
    boost::asio::co_spawn(io, app->control().handle(req),
                          [&](std::exception_ptr e, gateway::http_response r) {
                            BOOST_REQUIRE(!e);
                            out = std::move(r);
                          });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!out && std::chrono::steady_clock::now() < deadline)
      io.run_for(std::chrono::milliseconds(10));
    BOOST_REQUIRE(out.has_value());
    return std::move(*out);
  }
};

std::string error_code(const gateway::http_response& r) {
  const json::value v = json::parse(r.body());
  BOOST_REQUIRE(v.as_object().size() == 1u);
  return std::string(v.at("error").at("code").as_string());
}

}  // namespace

BOOST_AUTO_TEST_CASE(routes_methods_and_errors_without_a_socket) {
  fixture f;
  auto r = f.call(http::verb::get, "/");
  BOOST_TEST(r.result_int() == 200u);
  BOOST_TEST(json::parse(r.body()).at("service").as_string() == "tickgate");
  BOOST_TEST(f.call(http::verb::get, "/health").result_int() == 200u);
  BOOST_TEST(f.call(http::verb::get, "/ready").result_int() == 503u);  // Redis is down
  BOOST_TEST(f.call(http::verb::get, "/metrics").result_int() == 200u);
  BOOST_TEST(f.call(http::verb::get, "/symbols").result_int() == 200u);

  r = f.call(http::verb::get, "/missing");
  BOOST_TEST(r.result_int() == 404u);
  BOOST_TEST(error_code(r) == "not_found");
  r = f.call(http::verb::put, "/subscribe");
  BOOST_TEST(r.result_int() == 405u);
  BOOST_TEST(r[http::field::allow] == "POST");
  BOOST_TEST(error_code(f.call(http::verb::get, "/%zz")) == "bad_target");
  BOOST_TEST(error_code(f.call(http::verb::post, "/subscribe", "[\"INFY\"")) == "bad_json");

  // Subscribing with the feed off changes the desired state only.
  r = f.call(http::verb::post, "/subscribe", "[\"INFY\"]");
  BOOST_TEST(r.result_int() == 200u, r.body());
  BOOST_TEST(f.app->market_feed().plan().size() == 1u);
  r = f.call(http::verb::post, "/subscribe", "[\"TCS\",\"NOPE\"]");
  BOOST_TEST(r.result_int() == 404u);
  BOOST_TEST(f.app->market_feed().plan().size() == 1u);

  // Redis-backed routes: validation first (400), then a fast 503.
  BOOST_TEST(error_code(f.call(http::verb::get, "/api/redis-ticks/indextick?limit=0")) ==
             "bad_limit");
  const auto t0 = std::chrono::steady_clock::now();
  r = f.call(http::verb::get, "/api/redis-ticks/optiontick");
  BOOST_TEST(r.result_int() == 503u);
  BOOST_TEST(error_code(r) == "redis_unavailable");
  r = f.call(http::verb::post, "/api/start-run",
             R"({"database_name":"demo","interval_seconds":1})");
  BOOST_TEST(r.result_int() == 503u);
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2)));
  BOOST_TEST(!f.app->runs().running());
  BOOST_TEST(f.app->runs().status().runs_started == 0u);
}

BOOST_AUTO_TEST_CASE(a_configured_token_guards_the_posts_only) {
  fixture f("t0ken");
  auto r = f.call(http::verb::post, "/subscribe", "[\"INFY\"]");
  BOOST_TEST(r.result_int() == 401u);
  BOOST_TEST(error_code(r) == "unauthorized");
  BOOST_TEST(r.body().find("t0ken") == std::string::npos);
  // Auth is checked before the body: a bad body without a token is a 401.
  BOOST_TEST(f.call(http::verb::post, "/subscribe", "{{{").result_int() == 401u);
  r = f.call(http::verb::post, "/subscribe", "[\"INFY\"]",
             {{http::field::authorization, "Bearer t0ken"}});
  BOOST_TEST(r.result_int() == 200u);
  BOOST_TEST(f.call(http::verb::get, "/stats").result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(start_run_after_shutdown_began_is_refused_and_never_sticks) {
  fixture f;
  const std::string body = R"({"database_name":"demo","interval_seconds":1})";
  // A start-run that failed on Redis leaves no "run starting" state behind:
  // the next one fails the same way, not with run_active.
  BOOST_TEST(error_code(f.call(http::verb::post, "/api/start-run", body)) == "redis_unavailable");
  BOOST_TEST(error_code(f.call(http::verb::post, "/api/start-run", body)) == "redis_unavailable");
  // Once shutdown has begun: 503 shutting_down, nothing started.
  f.app->control().stop();
  const auto r = f.call(http::verb::post, "/api/start-run", body);
  BOOST_TEST(r.result_int() == 503u);
  BOOST_TEST(error_code(r) == "shutting_down");
  BOOST_TEST(f.app->runs().status().runs_started == 0u);
}

// Fuzz target: REST request handling — the raw bytes of one HTTP request,
// parsed by Beast with the server's own bounds (http_config max_header_bytes
// and max_body_bytes), then handed to gateway::control_api::handle on the
// real composition root (feed off, Redis unreachable so Redis-backed routes
// answer 503 at once, an API token configured so auth is exercised).
//
// Oracles: no crash, no sanitizer report, no exception out of handle();
// every response is a valid status; every 4xx/5xx body is exactly
// {"error":{"code":string,"message":string}}; no response body or header
// contains the API token, even when the request carried it in its
// Authorization header (a target or body that carries it may be echoed).
#include "gateway/app.hpp"
#include "gateway/config.hpp"
#include "gateway/control_api.hpp"
#include "gateway/instruments.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string_view>

using namespace tickgate;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr std::string_view api_token = "fuzz-api-t0ken-5ecr3t";

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "rest_fuzz: %s\n", what);
  std::abort();
}

struct world {
  boost::asio::io_context io{1};
  std::unique_ptr<gateway::app> app;

  world() {
    const json::object cfg{
        {"feed", {{"enabled", false}}},
        {"instruments",
         {{"scrip_master", std::string(TICKGATE_SOURCE_DIR) + "/deploy/data/OpenAPIScripMaster.sample.json"}}},
        {"redis", {{"url", "redis://127.0.0.1:1/0"}}},  // nothing listens: reads fail fast
        {"http", {{"enabled", false}, {"api_token", api_token}}},
        {"recording", {{"data_dir", std::string(TICKGATE_SOURCE_DIR) + "/deploy/data"}}},
        {"log", {{"level", "error"}}}};
    auto parsed = gateway::parse_config(json::serialize(cfg), TICKGATE_SOURCE_DIR,
                                        [](std::string_view) { return std::optional<std::string>(); });
    if (!std::holds_alternative<gateway::config>(parsed)) fail("config");
    auto c = std::get<gateway::config>(std::move(parsed));
    auto index = gateway::load_instrument_index(c.instruments);
    if (!std::holds_alternative<protocol::instrument_index>(index)) fail("scrip master");
    app = std::make_unique<gateway::app>(io, std::move(c), std::get<protocol::instrument_index>(std::move(index)));
    if (app->start({}).has_value()) fail("start");
  }
};

world& the_world() {
  static world w;
  return w;
}

void check_error_body(const gateway::http_response& r) {
  boost::system::error_code ec;
  const json::value v = json::parse(r.body(), ec);
  if (ec || !v.is_object() || v.as_object().size() != 1) fail("error body is not {\"error\":…}");
  const auto* e = v.as_object().if_contains("error");
  if (e == nullptr || !e->is_object()) fail("error body without an error object");
  const auto* code = e->as_object().if_contains("code");
  const auto* message = e->as_object().if_contains("message");
  if (code == nullptr || !code->is_string() || message == nullptr || !message->is_string()) {
    fail("error object without code and message strings");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  world& w = the_world();
  const auto& limits = w.app->cfg().http;

  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;  // the server answers 400/413/431 and closes
  const gateway::http_request req = parser.release();

  std::optional<gateway::http_response> out;
  std::exception_ptr error;
  boost::asio::co_spawn(w.io, w.app->control().handle(req),
                        [&](std::exception_ptr e, gateway::http_response r) {
                          error = e;
                          out = std::move(r);
                        });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!out && std::chrono::steady_clock::now() < deadline) w.io.run_for(std::chrono::milliseconds(5));
  if (error) fail("handle() threw");
  if (!out) fail("no response within 5 s");

  const unsigned status = out->result_int();
  if (status < 200 || status > 599) fail("bad status");
  // /ready and /health answer 503 with their own status body (not an error).
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const bool status_route = path == "/ready" || path == "/health";
  if (status >= 400 && !status_route) check_error_body(*out);
  // The token may come back only where the request itself carried it
  // outside the Authorization header (a 404 naming the path it was sent in).
  const bool echoable = target.find(api_token) != std::string_view::npos ||
                        req.body().find(api_token) != std::string::npos;
  if (!echoable) {
    if (out->body().find(api_token) != std::string::npos) fail("the API token is in a response body");
    for (const auto& field : *out) {
      if (field.value().find(api_token) != std::string_view::npos) fail("the API token is in a response header");
    }
  }
  return 0;
}

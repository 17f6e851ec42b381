// The REST control plane's transport (design.md "REST control plane"):
// Beast's HTTP/1.1 server on the gateway's io_context (one thread, like
// everything else). It knows nothing of the routes: every parsed request
// goes to one handler (control_api), which returns the response.
//
// Bounds, all from http_config:
// - headers above max_header_bytes → 431, bodies above max_body_bytes → 413,
//   any other unparsable request → 400; the connection is then closed;
// - read_timeout for a request once its first byte has arrived (the whole
//   header and body), idle_timeout while a keep-alive connection waits for
//   the next request, write_timeout for each response; expiry closes the
//   connection;
// - at most max_connections open connections: one more is answered 503 and
//   closed at once.
// HTTP/1.1 keep-alive is honoured (HTTP/1.0 closes unless asked otherwise).
// Errors are the control plane's JSON shape {"error":{"code","message"}}.
//
// Listening on a non-loopback address without an API token is refused
// (listen() returns an error): mutating routes would be open to the network.
//
// Each request is logged as one JSON line (component "http": method, path
// without the query, status, µs, peer) at debug level for successful GETs and
// at info otherwise; header values (Authorization above all) never are.
//
// Lifetime: the accept loop and the connection coroutines share the server's
// state through a shared_ptr, so the server object may be destroyed after
// stop() while coroutine frames are still being torn down.
#pragma once

#include "gateway/config.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace tickgate::gateway {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;

// {"error":{"code":code,"message":message}} with `status`, JSON content type.
http_response make_error_response(unsigned version, unsigned status, std::string_view code,
                                  std::string_view message);

struct http_server_stats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_rejected = 0;  // over max_connections
  std::uint64_t connections_open = 0;      // gauge
  std::uint64_t requests = 0;              // requests handled (parsed)
  std::uint64_t bad_requests = 0;          // unparsable (400)
  std::uint64_t header_too_large = 0;      // 431
  std::uint64_t body_too_large = 0;        // 413
  std::uint64_t timeouts = 0;              // read/idle/write deadline expired
  std::uint64_t handler_errors = 0;        // the handler threw (500)
  std::map<unsigned, std::uint64_t> responses_by_status;
};

class http_server {
public:
  using handler = std::function<boost::asio::awaitable<http_response>(const http_request&)>;

  http_server(const boost::asio::any_io_executor& ex, const http_config& cfg, handler h);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Binds and listens on cfg.host:cfg.port (port 0: any free port). Errors:
  // bind/listen failures, or errc::bad_url when host is not an IP address,
  // or permission_denied when host is not loopback and no token is set.
  boost::system::error_code listen();
  // Starts accepting (after listen()).
  void start();
  // Closes the acceptor and every open connection.
  void stop();

  boost::asio::ip::tcp::endpoint local_endpoint() const;
  const http_server_stats& stats() const noexcept;

private:
  struct state;
  static boost::asio::awaitable<void> accept_loop(std::shared_ptr<state> s);
  static boost::asio::awaitable<void> serve(std::shared_ptr<state> s,
                                            boost::asio::ip::tcp::socket socket);
  std::shared_ptr<state> state_;
};

}  // namespace tickgate::gateway

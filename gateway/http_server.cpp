#include "gateway/http_server.hpp"

#include "gateway/errc.hpp"
#include "storage/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <chrono>
#include <list>

namespace tickgate::gateway {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::as_tuple;
using asio::use_awaitable;

http_response make_error_response(unsigned version, unsigned status, std::string_view code,
                                  std::string_view message) {
  http_response res{static_cast<http::status>(status), version};
  res.set(http::field::server, "tickgate");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  boost::json::object inner{{"code", code}, {"message", message}};
  res.body() = boost::json::serialize(boost::json::object{{"error", std::move(inner)}});
  res.prepare_payload();
  return res;
}

struct http_server::state {
  state(const asio::any_io_executor& e, const http_config& c, handler h)
      : ex(e), cfg(c), on_request(std::move(h)), acceptor(e) {}
  asio::any_io_executor ex;
  http_config cfg;
  handler on_request;
  tcp::acceptor acceptor;
  std::list<beast::tcp_stream*> open;  // for stop()
  http_server_stats stats;
  bool stopped = false;
};

http_server::http_server(const asio::any_io_executor& ex, const http_config& cfg, handler h)
    : state_(std::make_shared<state>(ex, cfg, std::move(h))) {}

http_server::~http_server() {
  stop();
}

boost::system::error_code http_server::listen() {
  const http_config& cfg = state_->cfg;
  if (!is_loopback_host(cfg.host) && cfg.api_token.empty()) {
    return make_error_code(boost::system::errc::permission_denied);
  }
  boost::system::error_code ec;
  const std::string host = cfg.host == "localhost" ? "127.0.0.1" : cfg.host;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return errc::bad_url;
  const tcp::endpoint endpoint(address, cfg.port);
  tcp::acceptor& a = state_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    a.close(ignored);
  }
  return ec;
}

void http_server::start() {
  asio::co_spawn(state_->ex, accept_loop(state_), [](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::error("http", "accept loop failed", {{"error", ex.what()}});
    }
  });
}

void http_server::stop() {
  state_->stopped = true;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  for (beast::tcp_stream* s : state_->open) s->socket().close(ignored);
}

tcp::endpoint http_server::local_endpoint() const {
  boost::system::error_code ec;
  return state_->acceptor.local_endpoint(ec);
}

const http_server_stats& http_server::stats() const noexcept {
  return state_->stats;
}

asio::awaitable<void> http_server::accept_loop(std::shared_ptr<state> s) {
  while (!s->stopped) {
    auto [ec, socket] = co_await s->acceptor.async_accept(as_tuple(use_awaitable));
    if (ec) {
      if (s->stopped || ec == asio::error::operation_aborted) co_return;
      // EMFILE and friends: log, pause briefly, keep serving.
      log::warn("http", "accept failed", {{"error", ec.message()}});
      asio::steady_timer pause(s->ex, std::chrono::milliseconds(100));
      co_await pause.async_wait(as_tuple(use_awaitable));
      continue;
    }
    asio::co_spawn(s->ex, serve(s, std::move(socket)), [](const std::exception_ptr& e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::error("http", "connection failed", {{"error", ex.what()}});
      }
    });
  }
}

namespace {

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

void log_request(const http_request& req, unsigned status, std::int64_t micros,
                 const std::string& peer) {
  const bool quiet = status < 400 && req.method() == http::verb::get;
  const log::level l =
      status >= 500 ? log::level::warn : (quiet ? log::level::debug : log::level::info);
  if (!log::enabled(l)) return;
  std::string_view path = path_of(req.target());
  if (path.size() > 200) path = path.substr(0, 200);
  log::write(l, "http", "request",
             {{"method", std::string_view(req.method_string())},
              {"path", path},
              {"status", status},
              {"us", micros},
              {"peer", peer}});
}

// After an error response on a connection whose request was not read to
// the end: stop sending, then read and discard what the client is still
// sending (bounded in bytes and time) before closing, so that the close does
// not turn into a reset that destroys the response in the client's buffers.
asio::awaitable<void> linger_close(beast::tcp_stream& stream) {
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(std::chrono::milliseconds(500));
  std::array<char, std::size_t{16} * 1024> sink;
  std::size_t discarded = 0;
  while (discarded < (4u << 20)) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), as_tuple(use_awaitable));
    if (ec) break;
    discarded += n;
  }
  stream.socket().close(ignored);
}

}  // namespace

asio::awaitable<void> http_server::serve(std::shared_ptr<state> s, tcp::socket socket) {
  ++s->stats.connections_accepted;
  beast::tcp_stream stream(std::move(socket));
  boost::system::error_code ignored;
  const auto remote = stream.socket().remote_endpoint(ignored);
  const std::string peer = remote.address().to_string() + ":" + std::to_string(remote.port());

  if (s->stats.connections_open >= s->cfg.max_connections) {
    ++s->stats.connections_rejected;
    ++s->stats.responses_by_status[503];
    log::warn("http", "connection refused: too many open connections",
              {{"peer", peer}, {"max_connections", s->cfg.max_connections}});
    auto res = make_error_response(11, 503, "too_many_connections",
                                   "the server has too many open connections; retry later");
    res.keep_alive(false);
    stream.expires_after(s->cfg.write_timeout);
    co_await http::async_write(stream, res, as_tuple(use_awaitable));
    co_await linger_close(stream);
    co_return;
  }

  ++s->stats.connections_open;
  auto tracked = s->open.insert(s->open.end(), &stream);
  struct untrack {
    state& st;
    std::list<beast::tcp_stream*>::iterator it;
    ~untrack() {
      st.open.erase(it);
      --st.stats.connections_open;
    }
  } guard{*s, tracked};

  beast::flat_buffer buffer;
  bool first = true;
  while (!s->stopped) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(s->cfg.max_header_bytes));
    parser.body_limit(s->cfg.max_body_bytes);

    // Waiting for a request on a kept-alive connection: idle_timeout until
    // its first byte arrives; then (and on a new connection) the header and
    // the body each within read_timeout.
    boost::system::error_code ec;
    std::size_t n = 0;
    if (!first && buffer.size() == 0) {
      stream.expires_after(s->cfg.idle_timeout);
      std::tie(ec, n) = co_await stream.async_read_some(buffer.prepare(std::size_t{4} * 1024),
                                                        as_tuple(use_awaitable));
      buffer.commit(n);
    }
    first = false;
    if (!ec) {
      stream.expires_after(s->cfg.read_timeout);
      std::tie(ec, n) =
          co_await http::async_read_header(stream, buffer, parser, as_tuple(use_awaitable));
    }
    if (!ec && !parser.is_done()) {
      stream.expires_after(s->cfg.read_timeout);
      std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
    }
    if (ec) {
      if (ec == http::error::end_of_stream || ec == asio::error::eof ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
          ec == asio::error::bad_descriptor) {
        co_return;
      }
      if (ec == beast::error::timeout) {
        ++s->stats.timeouts;
        co_return;
      }
      unsigned status = 400;
      std::string_view code = "bad_request";
      std::string message = "malformed HTTP request: " + ec.message();
      if (ec == http::error::header_limit) {
        status = 431;
        code = "header_too_large";
        message =
            "request header larger than " + std::to_string(s->cfg.max_header_bytes) + " bytes";
        ++s->stats.header_too_large;
      } else if (ec == http::error::body_limit) {
        status = 413;
        code = "body_too_large";
        message = "request body larger than " + std::to_string(s->cfg.max_body_bytes) + " bytes";
        ++s->stats.body_too_large;
      } else {
        ++s->stats.bad_requests;
      }
      ++s->stats.responses_by_status[status];
      log::info("http", "request refused",
                {{"status", status}, {"error", ec.message()}, {"peer", peer}});
      auto res = make_error_response(11, status, code, message);
      res.keep_alive(false);
      stream.expires_after(s->cfg.write_timeout);
      co_await http::async_write(stream, res, as_tuple(use_awaitable));
      co_await linger_close(stream);
      co_return;
    }

    const http_request& req = parser.get();
    ++s->stats.requests;
    const auto started = std::chrono::steady_clock::now();
    http_response res;
    try {
      res = co_await s->on_request(req);
    } catch (const std::exception& e) {
      ++s->stats.handler_errors;
      log::error("http", "handler failed", {{"path", path_of(req.target())}, {"error", e.what()}});
      res = make_error_response(req.version(), 500, "internal_error", "internal error");
    }
    if (s->stopped) co_return;
    res.version(req.version());
    res.keep_alive(req.keep_alive() && !s->stopped);
    res.prepare_payload();
    if (req.method() == http::verb::head) {
      // The GET's header (its Content-Length included), no body.
      const std::size_t length = res.body().size();
      res.body().clear();
      res.content_length(length);
    }
    const unsigned status = res.result_int();
    ++s->stats.responses_by_status[status];
    log_request(req, status,
                std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count(),
                peer);
    stream.expires_after(s->cfg.write_timeout);
    auto [wec, written] = co_await http::async_write(stream, res, as_tuple(use_awaitable));
    if (wec) {
      if (wec == beast::error::timeout) ++s->stats.timeouts;
      co_return;
    }
    if (!res.keep_alive()) {
      // The same close as after an error: unread request bytes must not
      // turn the close into a reset that destroys the response.
      co_await linger_close(stream);
      co_return;
    }
  }
}

}  // namespace tickgate::gateway

#include "test/sim/server.hpp"

#include "protocol/login.hpp"
#include "protocol/request.hpp"
#include "storage/log.hpp"
#include "test/sim/control_api.hpp"
#include "test/sim/session_io.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
#include <exception>

namespace tickgate::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::as_tuple;
using asio::awaitable;
using asio::use_awaitable;

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

constexpr std::chrono::seconds tls_handshake_timeout{10};
constexpr std::chrono::seconds http_idle_timeout{30};
constexpr std::chrono::seconds http_write_timeout{10};
constexpr std::size_t max_request_body = 1u << 20;

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t wall_clock_seconds() {
  return wall_clock_ms() / 1000;
}

std::string endpoint_text(const tcp::endpoint& e) {
  return e.address().to_string() + ':' + std::to_string(e.port());
}

// Keeps a stream in the server's stop() list while in scope. (Destructors of
// coroutine locals may touch the server: main drains the io_context before
// destroying it, see main.cpp.)
class tracked_stream {
public:
  tracked_stream(server& srv, beast::tcp_stream& s) : srv_(srv), s_(s) { srv_.track(s_); }
  ~tracked_stream() { srv_.untrack(s_); }
  tracked_stream(const tracked_stream&) = delete;
  tracked_stream& operator=(const tracked_stream&) = delete;

private:
  server& srv_;
  beast::tcp_stream& s_;
};

response make_response(const request& req, http::status status, std::string body,
                       std::string_view content_type = "application/json") {
  response res{status, req.version()};
  res.set(http::field::server, "tickgate-sim");
  res.set(http::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::string json_error(std::string_view code, std::string_view message) {
  return R"({"error":{"code":")" + std::string(code) + R"(","message":")" + std::string(message) +
         "\"}}";
}

// §6.1 loginByPassword.
response handle_login(server& srv, const request& req, const std::string& remote) {
  sim_counters& n = srv.counters();
  if (const auto rejection = srv.mutable_faults().take_login_rejection()) {
    ++n.logins.rejected;
    log::info("sim", "login rejected by fault", {{"remote", remote}, {"status", *rejection}});
    if (*rejection == 429) {
      return make_response(req, http::status::too_many_requests,
                           failure_envelope("", "Access denied because of exceeding access rate"));
    }
    return make_response(req, http::status::ok, failure_envelope("AB1004", "Something Went Wrong"));
  }
  const auto parsed = protocol::parse_login_request(req.body());
  if (!parsed) {
    ++n.logins.bad_request;
    return make_response(req, http::status::bad_request,
                         failure_envelope("AB1004", "Something Went Wrong"));
  }
  const auto result =
      srv.mutable_sessions().login(req["X-PrivateKey"], *parsed, wall_clock_seconds());
  log::info("sim", "login", {{"remote", remote}, {"outcome", login_outcome_name(result.outcome)}});
  switch (result.outcome) {
    case login_outcome::ok:
      ++n.logins.ok;
      return make_response(req, http::status::ok, protocol::encode_login_success(result.tokens));
    case login_outcome::bad_api_key: ++n.logins.bad_api_key; break;
    case login_outcome::bad_credentials: ++n.logins.bad_credentials; break;
    case login_outcome::bad_totp: ++n.logins.bad_totp; break;
  }
  return make_response(req, static_cast<http::status>(srv.options().login_error_status),
                       encode_login_failure_body(result.outcome));
}

// §6.2 generateTokens.
response handle_refresh(server& srv, const request& req, const std::string& remote) {
  sim_counters& n = srv.counters();
  const auto parsed = protocol::parse_refresh_request(req.body());
  if (!parsed) {
    ++n.refreshes.bad_request;
    return make_response(req, http::status::bad_request,
                         failure_envelope("AB1004", "Something Went Wrong"));
  }
  const auto tokens = srv.mutable_sessions().refresh(*parsed, wall_clock_seconds());
  log::info("sim", "token refresh", {{"remote", remote}, {"ok", tokens.has_value()}});
  if (!tokens) {
    ++n.refreshes.invalid;
    return make_response(req, static_cast<http::status>(srv.options().login_error_status),
                         encode_refresh_failure_body());
  }
  ++n.refreshes.ok;
  return make_response(req, http::status::ok, protocol::encode_login_success(*tokens));
}

response route(server& srv, const request& req, const std::string& remote, bool loopback) {
  const std::string_view path = path_of(req.target());
  const auto method_not_allowed = [&] {
    return make_response(req, http::status::method_not_allowed,
                         json_error("method_not_allowed", "method not allowed"));
  };
  if (path == protocol::login_path) {
    return req.method() == http::verb::post ? handle_login(srv, req, remote) : method_not_allowed();
  }
  if (path == protocol::refresh_path) {
    return req.method() == http::verb::post ? handle_refresh(srv, req, remote)
                                            : method_not_allowed();
  }
  if (path.starts_with("/sim/")) {
    if (!loopback) {
      return make_response(req, http::status::forbidden,
                           json_error("forbidden", "the control API serves loopback clients only"));
    }
    control_response out;
    if (path == "/sim/stats") {
      if (req.method() != http::verb::get) return method_not_allowed();
      out = handle_stats(srv);
    } else if (path == "/sim/fault") {
      if (req.method() != http::verb::post) return method_not_allowed();
      out = handle_fault(srv, req.body());
    } else {
      return make_response(req, http::status::not_found, json_error("not_found", "no such route"));
    }
    return make_response(req, static_cast<http::status>(out.status), std::move(out.body));
  }
  if (path == "/smart-stream") {
    return make_response(req, http::status::upgrade_required,
                         json_error("upgrade_required", "expected a WebSocket upgrade"));
  }
  return make_response(req, http::status::not_found, json_error("not_found", "no such route"));
}

template <class Stream>
awaitable<bool> write_response(Stream& stream, response res) {
  beast::get_lowest_layer(stream).expires_after(http_write_timeout);
  auto [ec, n] = co_await http::async_write(stream, res, as_tuple(use_awaitable));
  co_return !ec && res.keep_alive();
}

// Bytes for a handshake refusal: status, x-error-message (§1.2), connection close.
response handshake_refusal(const request& req, http::status status, std::string_view message) {
  response res = make_response(req, status, std::string(message), "text/plain");
  if (!message.empty()) res.set("x-error-message", message);
  res.keep_alive(false);
  return res;
}

// The WebSocket upgrade on /smart-stream (§1.2). Checks, in order: a valid
// RFC 6455 upgrade; a pending reject_handshakes fault; the four auth headers;
// the per-client-code connection limit (§5.2, §5.3, [F-3conn], [F-ngk]).
//
// Over the limit, the *new* connection is the one closed: [F-ngk] "the extra
// connection will be closed", and the forum's symptom ([F-3conn], WinError
// 10054 "forcibly closed" on the 4th connection) is a reset of an accepted
// connection, not a refused upgrade. So the upgrade succeeds (101) and the
// socket is then reset (SO_LINGER 0): the three existing connections are
// untouched.
template <class Stream>
awaitable<void> run_upgrade(server& srv, Stream& stream, const request& req,
                            beast::flat_buffer& buffer, const std::string& remote) {
  sim_counters& n = srv.counters();
  const auto refuse = [&](http::status status, std::string_view message) -> awaitable<void> {
    co_await write_response(stream, handshake_refusal(req, status, message));
  };
  if (path_of(req.target()) != "/smart-stream") {
    ++n.handshakes.bad_upgrade;
    co_await refuse(http::status::not_found, "");
    co_return;
  }
  if (req[http::field::sec_websocket_version] != "13") {
    ++n.handshakes.bad_upgrade;
    response res = handshake_refusal(req, http::status::upgrade_required, "");
    res.set(http::field::sec_websocket_version, "13");
    co_await write_response(stream, std::move(res));
    co_return;
  }
  const std::string_view key = req[http::field::sec_websocket_key];
  if (!is_valid_websocket_key(key)) {
    ++n.handshakes.bad_upgrade;
    co_await refuse(http::status::bad_request, "");
    co_return;
  }
  if (const auto rejection = srv.mutable_faults().take_handshake_rejection()) {
    log::info("sim", "handshake rejected by fault", {{"remote", remote}, {"status", *rejection}});
    if (*rejection == 429) {
      ++n.handshakes.rejected_429;
      co_await refuse(http::status::too_many_requests, "");
    } else {
      ++n.handshakes.rejected_401;
      co_await refuse(http::status::unauthorized,
                      handshake_error_message(handshake_outcome::invalid_auth_token));
    }
    co_return;
  }
  std::string client_code;
  const handshake_outcome outcome =
      srv.sessions().check_handshake({req[http::field::authorization], req["x-api-key"],
                                      req["x-client-code"], req["x-feed-token"]},
                                     srv.options().auth, &client_code);
  if (outcome != handshake_outcome::ok) {
    switch (outcome) {
      case handshake_outcome::invalid_auth_token: ++n.handshakes.invalid_auth_token; break;
      case handshake_outcome::invalid_api_key: ++n.handshakes.invalid_api_key; break;
      case handshake_outcome::invalid_client_code: ++n.handshakes.invalid_client_code; break;
      case handshake_outcome::invalid_feed_token: ++n.handshakes.invalid_feed_token; break;
      case handshake_outcome::ok: break;
    }
    log::info("sim", "handshake refused",
              {{"remote", remote}, {"outcome", handshake_outcome_name(outcome)}});
    co_await refuse(http::status::unauthorized, handshake_error_message(outcome));
    co_return;
  }

  http::response<http::empty_body> res{http::status::switching_protocols, req.version()};
  res.set(http::field::server, "tickgate-sim");
  res.set(http::field::upgrade, "websocket");
  res.set(http::field::connection, "Upgrade");
  res.set(http::field::sec_websocket_accept, sec_websocket_accept(key));
  beast::get_lowest_layer(stream).expires_after(http_write_timeout);
  auto [ec, written] = co_await http::async_write(stream, res, as_tuple(use_awaitable));
  if (ec) co_return;

  if (srv.live_connections(client_code) >= srv.options().max_connections) {
    ++n.handshakes.over_limit;
    log::warn("sim", "connection limit exceeded: new connection reset",
              {{"remote", remote},
               {"client_code", client_code},
               {"limit", static_cast<std::uint64_t>(srv.options().max_connections)}});
    boost::system::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream).socket();
    socket.set_option(asio::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
    co_return;
  }

  ++n.handshakes.ok;
  ++n.feed_connections;
  const std::string leftover = beast::buffers_to_string(buffer.data());
  buffer.consume(buffer.size());
  srv.untrack(beast::get_lowest_layer(stream));  // the session owns it now
  basic_feed_session<Stream> session(std::move(stream), srv, srv.next_connection_id(),
                                     std::move(client_code), remote, srv.options());
  srv.register_connection(session);
  log::info("sim", "feed connection opened",
            {{"conn", session.id()}, {"remote", remote}, {"client_code", session.client_code()}});
  try {
    co_await session.run(leftover);
  } catch (const std::exception& e) {
    log::error("sim", "feed session failed", {{"conn", session.id()}, {"error", e.what()}});
    session.abort("internal error");
  }
  if (session.slow()) ++n.slow_disconnects;
  srv.fanout().remove(session);
  srv.unregister_connection(session);
  log::info("sim", "feed connection ended",
            {{"conn", session.id()},
             {"reason", session.close_reason()},
             {"frames_sent", session.frames_sent()},
             {"bytes_sent", session.bytes_sent()}});
}

// One TCP connection after TLS: HTTP/1.1 keep-alive requests until an
// upgrade (which hands the stream to a feed session), an error or a close.
template <class Stream>
awaitable<void> run_http_session(server& srv, Stream stream, std::string remote, bool loopback) {
  const tracked_stream tracked(srv, beast::get_lowest_layer(stream));
  beast::flat_buffer buffer;
  while (!srv.stopping()) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(max_request_body);
    parser.header_limit(16 * 1024);
    beast::get_lowest_layer(stream).expires_after(http_idle_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
    if (ec) {
      const auto& http_category = http::make_error_code(http::error::end_of_stream).category();
      if (ec.category() == http_category && ec != http::error::end_of_stream &&
          ec != http::error::partial_message) {
        // Malformed request: say so once, then close.
        request dummy;
        dummy.version(11);
        dummy.keep_alive(false);
        const bool too_big = ec == http::error::body_limit || ec == http::error::header_limit;
        co_await write_response(stream, make_response(dummy,
                                                      too_big ? http::status::payload_too_large
                                                              : http::status::bad_request,
                                                      json_error("bad_request", ec.message())));
      }
      break;
    }
    ++srv.counters().http_requests;
    request req = parser.release();
    if (beast::websocket::is_upgrade(req)) {
      co_await run_upgrade(srv, stream, req, buffer, remote);
      co_return;  // the stream was handed over, refused or closed
    }
    if (!co_await write_response(stream, route(srv, req, remote, loopback))) break;
  }
  boost::system::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(stream).close();
}

awaitable<void> run_connection(server& srv, tcp::socket socket) {
  srv.socket_opened();
  struct closer {
    server& s;
    ~closer() { s.socket_closed(); }
  } guard{srv};
  boost::system::error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) co_return;
  socket.set_option(tcp::no_delay(true), ec);
  const std::string remote = endpoint_text(peer);
  const bool loopback = is_loopback_client(peer.address());
  if (srv.tls() == nullptr) {
    co_await run_http_session(srv, plain_stream(std::move(socket)), remote, loopback);
    co_return;
  }
  tls_stream stream(plain_stream(std::move(socket)), *srv.tls());
  boost::system::error_code hs_ec;
  {
    const tracked_stream tracked(srv, beast::get_lowest_layer(stream));
    beast::get_lowest_layer(stream).expires_after(tls_handshake_timeout);
    std::tie(hs_ec) =
        co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
  }
  if (srv.stopping()) co_return;
  if (hs_ec) {
    ++srv.counters().tls_failures;
    log::debug("sim", "TLS handshake failed", {{"remote", remote}, {"error", hs_ec.message()}});
    co_return;
  }
  co_await run_http_session(srv, std::move(stream), remote, loopback);
}

}  // namespace

bool is_loopback_client(const asio::ip::address& a) noexcept {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
  }
  return a.is_loopback();
}

server::server(asio::io_context& ioc, const sim_options& options, asio::ssl::context* tls)
    : ioc_(ioc),
      options_(options),
      tls_(tls),
      acceptor_(ioc),
      market_timer_(ioc),
      sessions_(options.creds),
      fanout_(options.seed, options.rate),
      started_at_(std::chrono::steady_clock::now()) {}

boost::system::error_code server::listen() {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options_.host, ec);
  if (ec) return ec;
  const tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  return ec;
}

tcp::endpoint server::local_endpoint() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec);
}

awaitable<void> server::run_acceptor() {
  asio::steady_timer backoff(ioc_);
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(as_tuple(use_awaitable));
    if (stopping_) co_return;
    if (ec) {
      // EMFILE and friends: log, back off briefly, keep serving.
      log::warn("sim", "accept failed", {{"error", ec.message()}});
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(as_tuple(use_awaitable));
      continue;
    }
    ++counters_.tcp_accepted;
    if (open_sockets_ >= max_open_sockets) {
      ++counters_.tcp_rejected;
      continue;  // the socket closes as it goes out of scope
    }
    asio::co_spawn(ioc_, run_connection(*this, std::move(socket)), [](const std::exception_ptr& e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::error("sim", "connection failed", {{"error", ex.what()}});
      }
    });
  }
}

awaitable<void> server::run_market() {
  if (options_.rate <= 0) co_return;
  auto next = std::chrono::steady_clock::now();
  while (!stopping_) {
    next += fanout_.pass_interval();  // shrinks as instruments become active
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;  // behind: run at once, never spin to catch up
    market_timer_.expires_at(std::max(next, faults_.stall_end()));
    co_await market_timer_.async_wait(as_tuple(use_awaitable));
    if (stopping_) break;
    const auto at = std::chrono::steady_clock::now();
    if (faults_.stalled(at)) continue;  // a stall began or grew while waiting
    fanout_.run_due(at, wall_clock_ms());
  }
}

awaitable<void> server::run_replay(gateway::recording_reader reader) {
  // Nobody to send to before the first subscription: wait for one.
  while (!stopping_ && fanout_.active_instruments() == 0) {
    market_timer_.expires_after(std::chrono::milliseconds(20));
    co_await market_timer_.async_wait(as_tuple(use_awaitable));
  }
  const auto path = options_.replay.value_or(std::filesystem::path());
  log::info("sim", "replay started", {{"file", path.string()}});
  std::int64_t previous_us = 0;
  bool first = true;
  auto next = std::chrono::steady_clock::now();
  while (!stopping_) {
    auto record = reader.next();
    if (!record) {
      log::info("sim", "replay reached the end of the recording",
                {{"frames", fanout_.replay_frames()}, {"dropped", fanout_.replay_dropped()},
                 {"corrupt", reader.corrupt()}});
      if (!options_.replay_loop || reader.corrupt()) co_return;
      auto reopened = gateway::recording_reader::open(path);
      if (auto* error = std::get_if<std::string>(&reopened)) {
        log::error("sim", "cannot reopen the recording", {{"error", *error}});
        co_return;
      }
      reader = std::get<gateway::recording_reader>(std::move(reopened));
      first = true;
      continue;
    }
    if (!first) {
      const auto gap = std::chrono::microseconds(
          std::clamp<std::int64_t>(record->received_us - previous_us, 0, 10'000'000));
      next += gap;
    } else {
      next = std::chrono::steady_clock::now();
    }
    first = false;
    previous_us = record->received_us;
    if (next > std::chrono::steady_clock::now() || faults_.stalled(std::chrono::steady_clock::now())) {
      market_timer_.expires_at(std::max(next, faults_.stall_end()));
      co_await market_timer_.async_wait(as_tuple(use_awaitable));
      if (stopping_) break;
    }
    fanout_.emit_recorded(record->frame);
  }
}

void server::stop() {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  market_timer_.cancel();
  for (const auto& [id, conn] : connections_) conn->abort("shutdown");
  for (beast::tcp_stream* s : http_streams_) s->close();
}

void server::on_request(feed_connection& conn, std::string_view text) {
  ++counters_.requests;
  conn.count_request();
  auto parsed = parse_request_text(text);
  if (parsed.error) {
    ++counters_.e1001;
    log::debug("sim", "invalid request", {{"conn", conn.id()}});
    conn.enqueue_text(protocol::encode_server_error(*parsed.error));
    return;
  }
  const apply_result result = conn.subscriptions().apply(*parsed.request);
  counters_.ignored_tokens += result.ignored_tokens;
  fanout_.apply(conn, result.changes, std::chrono::steady_clock::now());
  log::debug("sim", "request",
             {{"conn", conn.id()},
              {"action", static_cast<int>(parsed.request->request_action)},
              {"mode", static_cast<int>(parsed.request->request_mode)},
              {"changes", static_cast<std::uint64_t>(result.changes.size())},
              {"subscribed", static_cast<std::uint64_t>(conn.subscriptions().size())}});
  if (result.error) {
    if (result.error->code == e1002_code)
      ++counters_.e1002;
    else
      ++counters_.e1001;
    conn.enqueue_text(protocol::encode_server_error(*result.error));
  }
}

std::size_t server::live_connections(std::string_view client_code) const {
  std::size_t n = 0;
  for (const auto& [id, conn] : connections_) {
    if (conn->client_code() == client_code &&
        conn->current_state() != feed_connection::state::closed) {
      ++n;
    }
  }
  return n;
}

void server::register_connection(feed_connection& conn) {
  connections_[conn.id()] = &conn;
}

void server::unregister_connection(feed_connection& conn) {
  connections_.erase(conn.id());
}

std::size_t server::apply_fault(const fault& f) {
  ++counters_.faults_applied;
  const auto now = std::chrono::steady_clock::now();
  std::size_t touched = 0;
  const auto for_each_connection = [&](auto&& action) {
    for (const auto& [id, conn] : connections_) {
      if (f.connection && *f.connection != id) continue;
      action(*conn);
      ++touched;
    }
  };
  switch (f.kind) {
    case fault_kind::drop:
      for_each_connection([&](feed_connection& c) {
        if (c.current_state() != feed_connection::state::closed) ++counters_.fault_drops;
        c.abort("fault: drop");
      });
      break;
    case fault_kind::close:
      for_each_connection([&](feed_connection& c) { c.close_gracefully(f.close_code, "fault"); });
      break;
    case fault_kind::stall:
      faults_.stall_until(now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(f.seconds)));
      // Wake the market loop so it re-arms for the stall's end.
      market_timer_.cancel();
      break;
    case fault_kind::garbage:
      for_each_connection([&](feed_connection& c) {
        for (std::uint64_t i = 0; i < f.count; ++i) {
          c.enqueue(make_garbage_frame(i), feed_connection::frame_class::fault);
        }
      });
      break;
    case fault_kind::truncated:
      for_each_connection([&](feed_connection& c) {
        for (std::uint64_t i = 0; i < f.count; ++i) {
          c.enqueue(make_truncated_frame(i), feed_connection::frame_class::fault);
        }
      });
      break;
    case fault_kind::huge: {
      const std::string frame = make_huge_frame(f.bytes);
      for_each_connection(
          [&](feed_connection& c) { c.enqueue(frame, feed_connection::frame_class::fault); });
      break;
    }
    case fault_kind::reject_handshakes: faults_.reject_handshakes(f.count, f.status); break;
    case fault_kind::expire_sessions: sessions_.expire_all(); break;
    case fault_kind::reject_logins: faults_.reject_logins(f.count, f.status); break;
    case fault_kind::reset:
      faults_.reset();
      market_timer_.cancel();
      break;
  }
  return touched;
}

}  // namespace tickgate::sim

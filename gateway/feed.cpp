#include "gateway/feed.hpp"

#include "gateway/errc.hpp"
#include "gateway/ist_time.hpp"
#include "gateway/net.hpp"
#include "gateway/tick_router.hpp"
#include "protocol/request.hpp"
#include "storage/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <functional>

namespace tickgate::gateway {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using namespace asio::experimental::awaitable_operators;
using steady = std::chrono::steady_clock;

namespace {

constexpr std::size_t max_remembered_requests = 1024;
constexpr std::size_t max_recent_errors = 64;
constexpr auto healthy_after = std::chrono::seconds(30);

std::int64_t epoch_us_now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t epoch_ms_now() { return epoch_us_now() / 1000; }

// "subscribe snap_quote nse_cm×5 nse_fo×12": what a correlation ID stood for.
std::string describe(const protocol::subscription_request& r) {
  std::string out = r.request_action == protocol::action::subscribe ? "subscribe " : "unsubscribe ";
  out += protocol::mode_name(r.request_mode);
  for (const auto& g : r.groups) {
    out += ' ';
    out += protocol::exchange_type_name(g.exchange_type);
    out += "\xC3\x97";  // ×
    out += std::to_string(g.tokens.size());
  }
  return out;
}

// A connection coroutine's completion token (see feed::executor_type).
constexpr asio::use_awaitable_t<feed::executor_type> use_task;

// Waits on `timer` until it is cancelled (the notify pattern) or expires;
// wait_task in a connection's coroutines.
asio::awaitable<void> wait(asio::steady_timer& timer) {
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}
asio::awaitable<void, feed::executor_type> wait_task(asio::steady_timer& timer) {
  co_await timer.async_wait(asio::as_tuple(use_task));
}

}  // namespace

std::string_view connection_state_name(connection_state s) noexcept {
  switch (s) {
    case connection_state::idle: return "idle";
    case connection_state::waiting_session: return "waiting_session";
    case connection_state::connecting: return "connecting";
    case connection_state::subscribed: return "subscribed";
    case connection_state::backoff: return "backoff";
    case connection_state::stopped: return "stopped";
  }
  return "unknown";
}

struct feed::connection {
  connection(asio::any_io_executor ex, std::size_t i, const feed_config& f, std::uint64_t seed)
      : index(i),
        retry(f.backoff_initial, f.backoff_max, seed),
        live(f.ping_interval, f.idle_timeout, f.stall_timeout),
        wake(ex),
        sleep(ex),
        watch_timer(ex) {}

  struct outgoing {
    std::string text;
    bool ping = false;
  };

  std::size_t index;
  storage::backoff retry;
  liveness live;
  std::deque<outgoing> outbox;
  asio::steady_timer wake;         // writer: new outgoing messages
  asio::steady_timer sleep;        // idle / waiting for a session / backoff
  asio::steady_timer watch_timer;  // liveness deadlines
  std::map<std::string, std::string> requests;  // correlation ID → description
  std::deque<std::string> request_order;
  bool subscribed = false;
  steady::time_point connected_at{};
  std::optional<steady::time_point> lost_at;
  std::function<void()> abort;  // closes the socket being used, if any
};

feed::feed(executor_type executor, const config& cfg, tick_router& router)
    : executor_(executor),
      config_(cfg),
      router_(router),
      tls_(make_client_tls_context(cfg.angel.ca_file, cfg.angel.insecure_skip_verify)),
      login_(cfg.angel, tls_, cfg.feed.connect_timeout),
      plan_(cfg.feed.max_connections, cfg.feed.max_tokens_per_connection),
      stats_(static_cast<std::size_t>(cfg.feed.max_connections)),
      use_raw_authorization_(cfg.angel.auth_header == auth_header_style::raw),
      session_event_(executor),
      stopped_event_(executor) {
  std::random_device seed;
  for (std::size_t i = 0; i < stats_.size(); ++i) {
    connections_.push_back(std::make_unique<connection>(executor, i, cfg.feed, seed()));
  }
}

feed::~feed() = default;

void feed::start() {
  if (config_.angel.insecure_skip_verify) {
    log::error("feed", "TLS certificate verification is OFF for login and feed "
                       "(angel.insecure_skip_verify): traffic can be intercepted");
  }
  const auto spawn = [this](auto body, std::string name) {
    ++running_;
    asio::co_spawn(executor_, std::move(body), [this, name](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::error("feed", "coroutine failed", {{"task", name}, {"error", ex.what()}});
        }
      }
      --running_;
      stopped_event_.cancel();
    });
  };
  spawn(run_session_keeper(), "session");
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    spawn(run_connection(i), "connection " + std::to_string(i));
  }
}

asio::awaitable<void> feed::stop() {
  stopping_ = true;
  session_event_.cancel();
  for (auto& c : connections_) {
    c->sleep.cancel();
    c->wake.cancel();
    c->watch_timer.cancel();
    if (c->abort) c->abort();
  }
  while (running_ > 0) {
    stopped_event_.expires_after(std::chrono::seconds(1));
    co_await wait(stopped_event_);
  }
}

bool feed::connected() const noexcept {
  for (const auto& c : connections_) {
    if (c->subscribed) return true;
  }
  return false;
}

bool feed::ready() const noexcept {
  for (const auto& c : connections_) {
    const int i = static_cast<int>(c->index);
    if (plan_.wanted(i) && !c->subscribed) return false;
  }
  return true;
}

void feed::notify_all_connections() {
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    const auto state = stats_[i].state;
    if (state == connection_state::idle || state == connection_state::waiting_session) {
      connections_[i]->sleep.cancel();
    }
  }
}

boost::system::error_code feed::subscribe(std::vector<desired_subscription> items) {
  // §2.3: Depth-20 only on NSE cash and for at most 50 tokens in all.
  std::size_t depth20 = 0;
  for (const auto* s : plan_.all()) depth20 += s->mode == protocol::mode::depth_20 ? 1 : 0;
  for (const auto& item : items) {
    if (item.mode != protocol::mode::depth_20) continue;
    if (item.key.exchange_type != protocol::exchange::nse_cm) return make_error_code(errc::depth20_restricted);
    const auto* existing = plan_.find(item.key);
    if (existing == nullptr || existing->mode != protocol::mode::depth_20) ++depth20;
  }
  if (depth20 > 50) return make_error_code(errc::depth20_restricted);

  auto changes = plan_.subscribe(items);
  if (!changes) return changes.error();
  apply(std::move(*changes));
  notify_all_connections();
  return {};
}

std::size_t feed::unsubscribe(const std::vector<token_key>& keys) {
  std::size_t found = 0;
  for (const auto& k : keys) found += plan_.find(k) != nullptr ? 1 : 0;
  apply(plan_.unsubscribe(keys));
  return found;
}

void feed::apply(std::vector<plan_change> changes) {
  for (const auto& change : changes) {
    send(*connections_.at(static_cast<std::size_t>(change.connection)), change.request);
  }
}

void feed::send(connection& c, const protocol::subscription_request& request) {
  protocol::subscription_request r = request;
  r.correlation_id = protocol::make_correlation_id(++correlation_counter_);
  c.outbox.push_back({protocol::encode_subscription_request(r), false});
  c.requests[r.correlation_id] = describe(r);
  c.request_order.push_back(r.correlation_id);
  while (c.request_order.size() > max_remembered_requests) {
    c.requests.erase(c.request_order.front());
    c.request_order.pop_front();
  }
  log::info("feed", "request queued",
            {{"conn", c.index}, {"correlation_id", r.correlation_id}, {"request", describe(r)}});
  c.wake.cancel();
}

void feed::handle_text(connection& c, std::string_view text) {
  auto& stats = stats_[c.index];
  // Server messages are tiny; never keep more than a bounded prefix.
  const auto message = protocol::parse_server_text(text.substr(0, 4096));
  if (std::holds_alternative<protocol::server_pong>(message)) {
    ++stats.pongs;
    return;
  }
  if (const auto* error = std::get_if<protocol::server_error>(&message)) {
    ++stats.server_errors;
    ++server_error_counts_[error->code];
    const auto it = c.requests.find(error->correlation_id);
    server_error_record record{static_cast<int>(c.index), error->correlation_id, error->code,
                               error->message,
                               it != c.requests.end() ? it->second : "unknown request",
                               epoch_ms_now()};
    log::warn("feed", "server error",
              {{"conn", c.index}, {"correlation_id", record.correlation_id},
               {"code", record.code}, {"message", record.message}, {"request", record.request}});
    recent_errors_.push_back(std::move(record));
    while (recent_errors_.size() > max_recent_errors) recent_errors_.pop_front();
    return;
  }
  const auto& unknown = std::get<protocol::server_unknown>(message);
  log::info("feed", "unrecognised server text",
            {{"conn", c.index}, {"text", std::string_view(unknown.text).substr(0, 200)}});
}

bool feed::expecting_ticks(std::size_t index) const {
  const int i = static_cast<int>(index);
  if (plan_.tokens_on(i) == 0) return false;
  if (!config_.feed.stall_market_hours_only) return true;
  const std::int64_t now_us = epoch_ms_now() * 1000;
  return plan_.any_on(i, [now_us](const desired_subscription& s) {
    return in_regular_session(s.segment, now_us);
  });
}

void feed::on_unauthorized(std::uint64_t session_generation) {
  if (session_generation != session_generation_) return;  // a newer session exists already
  if (config_.angel.auth_header == auth_header_style::automatic && !authorization_confirmed_ &&
      !use_raw_authorization_) {
    // §1.2: no source says which form the server wants. "Bearer <jwt>" was
    // refused before any handshake succeeded with it: try the raw JWT.
    use_raw_authorization_ = true;
    log::warn("feed", "handshake refused with \"Bearer <jwt>\"; trying the raw JWT");
    return;
  }
  log::warn("feed", "handshake refused with the current session; logging in again");
  relogin_requested_ = true;
  session_event_.cancel();
}

// GCC 12 reports -Wmismatched-new-delete on this coroutine's frame: it pairs
// Asio's frame allocator (aligned_alloc, or a block recycled per thread) with
// the frame's class-specific operator delete, which hands the block back to
// the same allocator (free for aligned_alloc). They match. The warning
// appears only when the inliner sees both halves; it came with the
// connection coroutines' move to executor_type, not with a change here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
asio::awaitable<void> feed::run_session_keeper() {
  storage::backoff retry(config_.feed.backoff_initial, config_.feed.backoff_max);
  bool daily = false;
  while (!stopping_) {
    if (!config_.feed.enabled) co_return;
    if (!session_ || relogin_requested_) {
      boost::system::result<protocol::session_tokens> result = make_error_code(errc::login_rejected);
      // A 401 with a session that was working: a refresh is cheaper than a
      // login and needs no TOTP (§6.2). The daily re-login is a full login.
      if (session_ && !daily && !session_->refresh.empty()) result = co_await login_.refresh(*session_);
      if (!result && !stopping_) result = co_await login_.login();
      if (stopping_) co_return;
      if (!result) {
        // §5.2, §8.6: after a 429 wait at least the slower rate-limited delay.
        auto delay = retry.next();
        if (result.error() == errc::rate_limited) delay = std::max(delay, config_.feed.rate_limited_backoff);
        session_event_.expires_after(delay);
        co_await wait(session_event_);
        continue;
      }
      session_ = std::move(*result);
      ++session_generation_;
      relogin_requested_ = false;
      daily = false;
      authorization_confirmed_ = false;
      use_raw_authorization_ = config_.angel.auth_header == auth_header_style::raw;
      retry.reset();
      notify_all_connections();
    }
    const auto due = next_ist_time_of_day(std::chrono::system_clock::now(), config_.angel.relogin_minute_ist);
    session_event_.expires_after(due - std::chrono::system_clock::now());
    co_await wait(session_event_);
    if (stopping_) co_return;
    if (std::chrono::system_clock::now() >= due) {
      log::info("feed", "daily re-login");
      relogin_requested_ = true;
      daily = true;
    }
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

feed::task<void> feed::run_connection(std::size_t index) {
  connection& c = *connections_[index];
  auto& stats = stats_[index];
  const int i = static_cast<int>(index);
  while (!stopping_) {
    if (!config_.feed.enabled || !plan_.wanted(i)) {
      stats.state = connection_state::idle;
      c.sleep.expires_at(steady::time_point::max());
      co_await wait_task(c.sleep);
      continue;
    }
    if (!session_ || relogin_requested_) {
      stats.state = connection_state::waiting_session;
      c.sleep.expires_at(steady::time_point::max());
      co_await wait_task(c.sleep);
      continue;
    }
    stats.state = connection_state::connecting;
    const std::uint64_t generation = session_generation_;
    const bool raw_before = use_raw_authorization_;
    const auto ec = co_await connect_and_serve(c);
    c.abort = nullptr;
    if (stopping_) break;
    stats.last_error = ec.message();
    if (ec == errc::unauthorized) {
      on_unauthorized(generation);
      // Switching the Authorization form is not a failure of the server.
      if (use_raw_authorization_ != raw_before) continue;
    }
    auto delay = c.retry.next();
    // §5.2, §8.6: a 429 asks for a slower retry than other failures.
    if (ec == errc::rate_limited) delay = std::max(delay, config_.feed.rate_limited_backoff);
    stats.state = connection_state::backoff;
    log::info("feed", "reconnecting after backoff",
              {{"conn", index}, {"delay_ms", static_cast<std::int64_t>(delay.count())},
               {"reason", ec.message()}});
    c.sleep.expires_after(delay);
    co_await wait_task(c.sleep);
  }
  stats.state = connection_state::stopped;
}

feed::task<boost::system::error_code> feed::connect_and_serve(connection& c) {
  auto& stats = stats_[c.index];
  const auto url = parse_endpoint_url(config_.angel.feed_url);
  if (!url) co_return url.error();
  const auto deadline = steady::now() + config_.feed.connect_timeout;

  concrete_tcp_stream tcp(executor_);
  c.abort = [&tcp] { tcp.close(); };
  if (auto ec = co_await async_connect_bounded(tcp, *url, config_.feed.connect_timeout)) {
    ++stats.connect_failures;
    log::warn("feed", "connect failed", {{"conn", c.index}, {"error", ec.message()}});
    co_return ec;
  }
  if (!url->tls) {
    websocket::stream<concrete_tcp_stream> ws(std::move(tcp));
    c.abort = [&ws] { beast::get_lowest_layer(ws).close(); };
    co_return co_await serve(c, ws);
  }
  websocket::stream<beast::ssl_stream<concrete_tcp_stream>> ws(std::move(tcp), tls_);
  c.abort = [&ws] { beast::get_lowest_layer(ws).close(); };
  if (auto ec = prepare_tls_client(ws.next_layer().native_handle(), url->host,
                                   !config_.angel.insecure_skip_verify)) {
    ++stats.connect_failures;
    co_return ec;
  }
  beast::get_lowest_layer(ws).expires_at(deadline);
  auto [ec] = co_await ws.next_layer().async_handshake(asio::ssl::stream_base::client,
                                                       asio::as_tuple(use_task));
  if (ec) {
    ++stats.connect_failures;
    log::warn("feed", "TLS handshake failed", {{"conn", c.index}, {"error", ec.message()}});
    co_return ec == beast::error::timeout ? make_error_code(errc::timeout) : ec;
  }
  co_return co_await serve(c, ws);
}

template <class WebSocket>
feed::task<boost::system::error_code> feed::serve(connection& c, WebSocket& ws) {
  auto& stats = stats_[c.index];
  const auto url = parse_endpoint_url(config_.angel.feed_url);
  const protocol::session_tokens tokens = *session_;
  const std::uint64_t generation = session_generation_;
  const bool raw = use_raw_authorization_;

  // §1.2: all four headers; the Authorization form per the config / state.
  ws.set_option(websocket::stream_base::decorator([this, &tokens, raw](websocket::request_type& req) {
    req.set(http::field::authorization, raw ? tokens.jwt : "Bearer " + tokens.jwt);
    req.set("x-api-key", config_.angel.api_key.reveal());
    req.set("x-client-code", config_.angel.client_code);
    req.set("x-feed-token", tokens.feed);
    req.set(http::field::user_agent, "tickgate/" TICKGATE_VERSION);
  }));
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = config_.feed.connect_timeout;
  timeouts.idle_timeout = websocket::stream_base::none();  // liveness does this (§4)
  timeouts.keep_alive_pings = false;
  ws.set_option(timeouts);
  ws.read_message_max(0);  // read_frames bounds messages itself, without dropping the link

  const std::string host = url->port == (url->tls ? "443" : "80") ? url->host : url->host + ":" + url->port;
  websocket::response_type response;
  beast::get_lowest_layer(ws).expires_never();
  auto [hec] = co_await ws.async_handshake(response, host, url->target,
                                           asio::as_tuple(use_task));
  if (hec) {
    ++stats.connect_failures;
    if (hec == websocket::error::upgrade_declined) {
      const unsigned status = response.result_int();
      const auto reason = std::string(response["x-error-message"]);
      log::warn("feed", "handshake refused",
                {{"conn", c.index}, {"status", status}, {"x_error_message", reason},
                 {"authorization", raw ? "raw" : "bearer"}});
      if (status == 401) {
        ++stats.handshake_401;
        co_return make_error_code(errc::unauthorized);
      }
      if (status == 429) {
        ++stats.handshake_429;
        co_return make_error_code(errc::rate_limited);
      }
      co_return make_error_code(errc::handshake_failed);
    }
    log::warn("feed", "handshake failed", {{"conn", c.index}, {"error", hec.message()}});
    co_return hec == beast::error::timeout ? make_error_code(errc::timeout) : hec;
  }

  if (generation == session_generation_ && raw == use_raw_authorization_) {
    if (!authorization_confirmed_) {
      log::info("feed", "handshake accepted", {{"authorization", raw ? "raw" : "bearer"}});
    }
    authorization_confirmed_ = true;
  }
  ws.control_callback([this, &c](websocket::frame_type kind, beast::string_view) {
    c.live.on_frame(steady::now());
    if (kind == websocket::frame_type::pong) ++stats_[c.index].pongs;
  });

  const auto now = steady::now();
  ++stats.connects;
  stats.state = connection_state::subscribed;
  stats.connected_since_ms = epoch_ms_now();
  c.connected_at = now;
  c.live.start(now);
  c.subscribed = true;
  c.outbox.clear();
  const auto replay = plan_.on_connected(static_cast<int>(c.index));
  log::info("feed", "connected",
            {{"conn", c.index}, {"tokens", plan_.tokens_on(static_cast<int>(c.index))},
             {"requests", replay.size()}});
  for (const auto& r : replay) send(c, r);

  auto result = co_await (read_frames(c, ws) || write_messages(c, ws) || watch(c));
  const boost::system::error_code ec = std::visit([](auto e) { return e; }, result);

  c.subscribed = false;
  beast::get_lowest_layer(ws).close();
  c.outbox.clear();
  c.requests.clear();
  c.request_order.clear();
  c.lost_at = steady::now();
  ++stats.disconnects;
  stats.connected_since_ms = 0;
  log::warn("feed", "connection lost", {{"conn", c.index}, {"reason", ec.message()}});
  // §5.3/§8.4: the lost connection's tokens move to live ones with room.
  apply(plan_.on_disconnected(static_cast<int>(c.index)));
  co_return ec;
}

template <class WebSocket>
feed::task<boost::system::error_code> feed::read_frames(connection& c, WebSocket& ws) {
  auto& stats = stats_[c.index];
  const std::size_t max = config_.feed.max_frame_bytes;
  beast::flat_buffer buffer;
  buffer.reserve(1024);
  bool oversized = false;
  for (;;) {
    auto [ec, n] = co_await ws.async_read_some(buffer, max + 1, asio::as_tuple(use_task));
    (void)n;
    if (ec) co_return ec;
    const auto now = steady::now();
    c.live.on_frame(now);
    if (buffer.size() > max) {
      // A frame far beyond any SmartStream packet (§3): discard it as it
      // streams in, count it, keep the connection.
      oversized = true;
      buffer.clear();
    }
    if (!ws.is_message_done()) continue;
    const std::int64_t now_us = epoch_us_now();
    const std::int64_t now_ms = now_us / 1000;
    stats.last_frame_ms = now_ms;
    if (oversized) {
      oversized = false;
      ++stats.oversized_frames;
      log::warn("feed", "oversized frame discarded", {{"conn", c.index}, {"limit", max}});
      buffer.clear();
      continue;
    }
    const auto data = buffer.cdata();
    if (ws.got_text()) {
      ++stats.text_frames;
      handle_text(c, std::string_view(static_cast<const char*>(data.data()), data.size()));
    } else {
      ++stats.frames;
      stats.bytes += data.size();
      const std::span<const std::byte> frame(static_cast<const std::byte*>(data.data()), data.size());
      if (router_.on_frame(frame, now, now_us)) {
        ++stats.ticks;
        stats.last_tick_ms = now_ms;
        c.live.on_tick(now);
        if (c.lost_at) {
          recovery_ms_.record(static_cast<std::uint64_t>(
              std::chrono::duration_cast<std::chrono::milliseconds>(now - *c.lost_at).count()));
          c.lost_at.reset();
          c.retry.reset();
        }
      }
    }
    buffer.clear();
  }
}

template <class WebSocket>
feed::task<boost::system::error_code> feed::write_messages(connection& c, WebSocket& ws) {
  auto& stats = stats_[c.index];
  for (;;) {
    while (!c.outbox.empty()) {
      ws.text(true);
      auto [ec, n] = co_await ws.async_write(asio::buffer(c.outbox.front().text),
                                             asio::as_tuple(use_task));
      (void)n;
      if (ec) co_return ec;
      if (c.outbox.front().ping) {
        ++stats.pings_sent;
      } else {
        ++stats.requests_sent;
      }
      c.outbox.pop_front();
    }
    if (stopping_) co_return make_error_code(errc::shutting_down);
    c.wake.expires_at(steady::time_point::max());
    co_await wait_task(c.wake);
    if (stopping_) co_return make_error_code(errc::shutting_down);
  }
}

feed::task<boost::system::error_code> feed::watch(connection& c) {
  auto& stats = stats_[c.index];
  for (;;) {
    c.watch_timer.expires_at(c.live.next_deadline());
    co_await wait_task(c.watch_timer);
    if (stopping_) co_return make_error_code(errc::shutting_down);
    const auto now = steady::now();
    c.live.set_expecting_ticks(expecting_ticks(c.index), now);
    switch (c.live.check(now)) {
      case liveness::verdict::idle:
        ++stats.idle_timeouts;
        co_return make_error_code(errc::idle);
      case liveness::verdict::stalled:
        ++stats.stalls;
        co_return make_error_code(errc::stalled);
      case liveness::verdict::send_ping:
        // §4: text "ping"; the server answers text "pong".
        c.outbox.push_back({"ping", true});
        c.wake.cancel();
        c.live.on_ping_sent(now);
        break;
      case liveness::verdict::ok: break;
    }
    if (now - c.connected_at >= healthy_after) c.retry.reset();
  }
}

}  // namespace tickgate::gateway

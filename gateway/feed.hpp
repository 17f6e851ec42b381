// The SmartStream feed: login, up to max_connections WebSocket connections
// sharing one session, each holding its part of the subscription plan
// (smartstream-protocol.md §1, §2, §4, §5, §6, §8).
//
// Every connection runs the same loop: wait for a session → connect (TCP,
// TLS, WebSocket handshake with the four headers, all under one deadline) →
// replay its whole subscription state → read frames, write requests and
// pings, watch liveness → on any failure: hand its tokens to live
// connections, back off (capped, jittered; slower after a 429; re-login after
// a 401) and start again. The feed reader never waits on Redis: frames go
// straight to the tick router, which only appends to in-memory queues.
#pragma once

#include "gateway/config.hpp"
#include "gateway/liveness.hpp"
#include "gateway/login_client.hpp"
#include "gateway/subscription_plan.hpp"
#include "protocol/instrument.hpp"
#include "protocol/login.hpp"
#include "storage/backoff.hpp"
#include "storage/histogram.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tickgate::gateway {

class tick_router;

enum class connection_state : std::uint8_t { idle, waiting_session, connecting, subscribed, backoff, stopped };
std::string_view connection_state_name(connection_state s) noexcept;

struct feed_connection_stats {
  connection_state state = connection_state::idle;
  std::uint64_t connects = 0;           // successful handshakes
  std::uint64_t connect_failures = 0;   // failed attempts (any reason)
  std::uint64_t disconnects = 0;        // established connections lost
  std::uint64_t handshake_401 = 0;
  std::uint64_t handshake_429 = 0;
  std::uint64_t idle_timeouts = 0;
  std::uint64_t stalls = 0;
  std::uint64_t frames = 0;             // binary frames
  std::uint64_t bytes = 0;
  std::uint64_t ticks = 0;              // frames that decoded to a tick
  std::uint64_t text_frames = 0;
  std::uint64_t pongs = 0;              // text "pong" and control pongs
  std::uint64_t pings_sent = 0;
  std::uint64_t oversized_frames = 0;   // > max_frame_bytes: discarded
  std::uint64_t server_errors = 0;      // error JSON
  std::uint64_t requests_sent = 0;
  std::int64_t connected_since_ms = 0;  // epoch ms, 0 when down
  std::int64_t last_frame_ms = 0;
  std::int64_t last_tick_ms = 0;
  std::string last_error;
};

// One server error JSON, tied to the request that caused it (§5.1).
struct server_error_record {
  int connection = 0;
  std::string correlation_id;
  std::string code;
  std::string message;
  std::string request;  // "subscribe quote nse_cm×3, …" or "unknown request"
  std::int64_t at_ms = 0;
};

class feed {
public:
  // The io_context's own executor type: the connections' coroutines and
  // streams use it, so the per-frame read path copies no type-erased
  // executors (tickgate-micro-bench websocket/*: ~0.4 µs a message).
  using executor_type = boost::asio::io_context::executor_type;

  feed(executor_type executor, const config& cfg, tick_router& router);
  ~feed();
  feed(const feed&) = delete;
  feed& operator=(const feed&) = delete;

  // Spawns the session keeper and the connections.
  void start();
  // Stops every coroutine and closes the connections; completes when they
  // have all finished.
  boost::asio::awaitable<void> stop();

  // Live changes (REST, start-up). All-or-nothing: errc::capacity_exceeded,
  // errc::depth20_restricted. Sent at once on live connections; no reconnect.
  boost::system::error_code subscribe(std::vector<desired_subscription> items);
  // Returns how many of `keys` were subscribed (and are now removed).
  std::size_t unsubscribe(const std::vector<token_key>& keys);

  const subscription_plan& plan() const noexcept { return plan_; }
  const std::vector<feed_connection_stats>& connection_stats() const noexcept { return stats_; }
  const login_stats& login() const noexcept { return login_.stats(); }
  const std::map<std::string, std::uint64_t>& server_error_counts() const noexcept {
    return server_error_counts_;
  }
  const std::deque<server_error_record>& recent_server_errors() const noexcept {
    return recent_errors_;
  }
  // Disconnect → first tick again, per reconnect, ms.
  const metrics::histogram& recovery_ms() const noexcept { return recovery_ms_; }

  bool has_session() const noexcept { return session_.has_value(); }
  // Any connection subscribed.
  bool connected() const noexcept;
  // Every connection that holds tokens (and the first) is subscribed.
  bool ready() const noexcept;

private:
  struct connection;

  // A connection's coroutines run on executor_type.
  template <class T>
  using task = boost::asio::awaitable<T, executor_type>;

  boost::asio::awaitable<void> run_session_keeper();
  task<void> run_connection(std::size_t index);
  template <class WebSocket>
  task<boost::system::error_code> serve(connection& c, WebSocket& ws);
  template <class WebSocket>
  task<boost::system::error_code> read_frames(connection& c, WebSocket& ws);
  template <class WebSocket>
  task<boost::system::error_code> write_messages(connection& c, WebSocket& ws);
  task<boost::system::error_code> watch(connection& c);
  task<boost::system::error_code> connect_and_serve(connection& c);

  void apply(std::vector<plan_change> changes);
  void send(connection& c, const protocol::subscription_request& request);
  void handle_text(connection& c, std::string_view text);
  bool expecting_ticks(std::size_t index) const;
  // A connection got 401: maybe switch the Authorization form, else re-login.
  void on_unauthorized(std::uint64_t session_generation);
  void notify_all_connections();

  executor_type executor_;
  const config& config_;
  tick_router& router_;
  boost::asio::ssl::context tls_;
  login_client login_;
  subscription_plan plan_;
  std::vector<std::unique_ptr<connection>> connections_;
  std::vector<feed_connection_stats> stats_;

  std::optional<protocol::session_tokens> session_;
  std::uint64_t session_generation_ = 0;
  bool relogin_requested_ = false;
  bool use_raw_authorization_ = false;    // auth_header_style::automatic state
  bool authorization_confirmed_ = false;  // a handshake succeeded with the current form
  boost::asio::steady_timer session_event_;  // cancelled to wake the keeper
  std::uint64_t correlation_counter_ = 0;
  bool stopping_ = false;
  std::size_t running_ = 0;
  boost::asio::steady_timer stopped_event_;

  std::map<std::string, std::uint64_t> server_error_counts_;
  std::deque<server_error_record> recent_errors_;
  metrics::histogram recovery_ms_;
};

}  // namespace tickgate::gateway

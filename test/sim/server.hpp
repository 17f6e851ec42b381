// tickgate-sim's server: one port, one io_context, one thread. Routes:
//   POST /rest/auth/angelbroking/user/v1/loginByPassword   login (§6.1)
//   POST /rest/auth/angelbroking/jwt/v1/generateTokens     refresh (§6.2)
//   GET  /smart-stream (WebSocket upgrade)                 the feed (§1–§5)
//   GET  /sim/stats, POST /sim/fault                       control API (control_api.hpp),
//                                                          loopback clients only
// over TLS (cert.pem/key.pem in --tls-dir) or plain (--plain).
//
// Lifetimes: the server outlives every session (main runs the io_context to
// completion before destroying it); sessions own their streams and register
// themselves in `connections()` while they run.
#pragma once

#include "gateway/replay.hpp"

#include "test/sim/faults.hpp"
#include "test/sim/feed_connection.hpp"
#include "test/sim/options.hpp"
#include "test/sim/session_store.hpp"
#include "test/sim/sim_counters.hpp"
#include "test/sim/tick_fanout.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

namespace tickgate::sim {

// The control API's gate: 127.0.0.0/8, ::1 and their v4-mapped forms.
bool is_loopback_client(const boost::asio::ip::address& address) noexcept;

// What a feed session needs from the server (kept narrow so session_io.hpp
// does not depend on the whole server).
class feed_session_host {
public:
  // A client text frame other than "ping": a subscription request (§2).
  virtual void on_request(feed_connection& conn, std::string_view text) = 0;
  // End of the current stall (in the past when none).
  virtual std::chrono::steady_clock::time_point stall_end() const noexcept = 0;
  virtual sim_counters& counters() noexcept = 0;

protected:
  ~feed_session_host() = default;
};

class server final : public feed_session_host {
public:
  // `tls` is null for --plain; otherwise it must outlive the server.
  server(boost::asio::io_context& ioc, const sim_options& options, boost::asio::ssl::context* tls);

  // Binds and listens on options.host:options.port.
  boost::system::error_code listen();
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  boost::asio::awaitable<void> run_acceptor();
  boost::asio::awaitable<void> run_market();
  // --replay: waits for the first subscription, then sends every recorded
  // frame to its instrument's subscribers at the recorded pace (gaps capped
  // at 10 s), from the start again with --replay-loop. Faults (stall) apply.
  boost::asio::awaitable<void> run_replay(gateway::recording_reader reader);

  // Closes the acceptor, aborts every feed connection, closes every socket
  // still in its TLS handshake or HTTP phase, stops the market: afterwards
  // every coroutine finishes promptly and the io_context runs out of work.
  void stop();

  // feed_session_host
  void on_request(feed_connection& conn, std::string_view text) override;
  std::chrono::steady_clock::time_point stall_end() const noexcept override {
    return faults_.stall_end();
  }
  sim_counters& counters() noexcept override { return counters_; }
  const sim_counters& counters() const noexcept { return counters_; }

  // For the control API.
  const sim_options& options() const noexcept { return options_; }
  const std::map<std::uint64_t, feed_connection*>& connections() const noexcept {
    return connections_;
  }
  const tick_fanout& fanout() const noexcept { return fanout_; }
  tick_fanout& fanout() noexcept { return fanout_; }
  const session_store& sessions() const noexcept { return sessions_; }
  const fault_state& faults() const noexcept { return faults_; }
  std::chrono::steady_clock::time_point started_at() const noexcept { return started_at_; }
  // Applies one fault (control_api.hpp documents each kind); returns how many
  // feed connections it touched.
  std::size_t apply_fault(const fault& f);

  // Used by the HTTP sessions (server.cpp).
  session_store& mutable_sessions() noexcept { return sessions_; }
  fault_state& mutable_faults() noexcept { return faults_; }
  std::uint64_t next_connection_id() noexcept { return ++last_connection_id_; }
  std::size_t live_connections(std::string_view client_code) const;
  void register_connection(feed_connection& conn);
  void unregister_connection(feed_connection& conn);
  boost::asio::ssl::context* tls() const noexcept { return tls_; }
  bool stopping() const noexcept { return stopping_; }
  // TCP sessions in progress, bounded by max_open_sockets.
  static constexpr std::size_t max_open_sockets = 4096;
  std::size_t open_sockets() const noexcept { return open_sockets_; }
  void socket_opened() noexcept { ++open_sockets_; }
  void socket_closed() noexcept { --open_sockets_; }
  // Streams in their TLS handshake or HTTP phase, for stop().
  void track(boost::beast::tcp_stream& s) { http_streams_.insert(&s); }
  void untrack(boost::beast::tcp_stream& s) noexcept { http_streams_.erase(&s); }

private:
  boost::asio::io_context& ioc_;
  const sim_options& options_;
  boost::asio::ssl::context* tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer market_timer_;
  session_store sessions_;
  fault_state faults_;
  tick_fanout fanout_;
  sim_counters counters_;
  std::map<std::uint64_t, feed_connection*> connections_;
  std::uint64_t last_connection_id_ = 0;
  std::chrono::steady_clock::time_point started_at_;
  std::size_t open_sockets_ = 0;
  std::set<boost::beast::tcp_stream*> http_streams_;
  bool stopping_ = false;
};

}  // namespace tickgate::sim

#include "storage/connection.hpp"

#include "storage/backoff.hpp"
#include "storage/errc.hpp"
#include "storage/log.hpp"
#include "storage/process_memory.hpp"
#include "storage/resp_encoder.hpp"
#include "storage/resp_parser.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <unordered_map>

namespace tickgate::storage {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_buffer_size = 64 * 1024;
constexpr int max_coalescing_yields = 16;
constexpr std::string_view component = "redis";
// Drops past the bound: at most one log line per interval, and every drop in
// a line at most one interval after it happened.
constexpr auto drop_log_interval = std::chrono::seconds(5);
// At most one memory release (queue shrink + malloc_trim) per this interval,
// and only after a backlog (request_queue::end_interval()). A release costs
// a move of the live requests' slots (a few KiB once drained) and
// malloc_trim(0), which on a ~20 MB heap took 0.15-0.4 ms after 3-6 MB of
// backlog was freed, ~1 ms after 20 MB, 0.01 ms with nothing to give back
// (glibc 2.36, the 2-core build machine): even one
// release every interval would cost < 0.01 % of a core. The log line gives
// each release's duration (release_us).
constexpr auto memory_release_interval = std::chrono::seconds(10);

std::uint64_t micros(clock::duration d) noexcept {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return us > 0 ? static_cast<std::uint64_t>(us) : 0;
}

// Errors after which Redis will accept the same write later: it is loading
// its dataset after a restart, running a long script, a replica not ready,
// or the endpoint is (still) a read-only replica after a failover — a
// reconnect resolves the name again. The request is left unacknowledged and
// replayed on reconnect. Errors about the command itself (WRONGTYPE, OOM,
// syntax) are final: counted and logged.
bool is_retryable(std::string_view error) noexcept {
  for (std::string_view prefix : {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY"}) {
    if (error.starts_with(prefix) &&
        (error.size() == prefix.size() || error[prefix.size()] == ' ')) {
      return true;
    }
  }
  return false;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (std::tolower(x) != std::tolower(y)) return false;
  }
  return true;
}

// Commands that would change what the connection is (its db, its user, its
// protocol) or make Redis answer other than once per command. The connection
// owns that state; exec() refuses them.
bool changes_connection_state(std::string_view name, std::string_view first_arg) noexcept {
  for (std::string_view c :
       {"SELECT", "HELLO", "AUTH", "RESET", "QUIT", "MONITOR", "SUBSCRIBE", "PSUBSCRIBE",
        "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "SYNC", "PSYNC", "REPLCONF"}) {
    if (iequals(name, c)) return true;
  }
  return iequals(name, "CLIENT") && iequals(first_arg, "REPLY");
}

// True when `bytes` is exactly `count` complete RESP arrays of bulk strings
// (commands), none of which changes the connection's state, and every MULTI
// is closed by EXEC or DISCARD within them.
bool holds_commands(std::string_view bytes, std::size_t count) {
  resp_parser p;
  std::size_t commands = 0;
  std::size_t arg = 0;  // index of the next argument in the current command
  std::string_view name;
  bool in_multi = false;
  while (!bytes.empty()) {
    auto r = p.next(bytes);
    if (!r || !r.value()) return false;
    const resp_node node = r.value().value();
    bytes.remove_prefix(p.consumed());
    if (node.depth == 0) {
      if (node.type != resp_type::array || node.aggregate_size == 0) return false;
      arg = 0;
    } else if (node.depth != 1 || node.type != resp_type::bulk_string) {
      return false;
    } else {
      if (arg == 0) name = node.value;
      if ((arg == 0 && p.done()) || arg == 1) {  // the name and first argument are known
        if (changes_connection_state(name, arg == 1 ? node.value : std::string_view{})) {
          return false;
        }
      }
      ++arg;
    }
    if (p.done()) {
      ++commands;
      if (iequals(name, "MULTI")) {
        if (in_multi) return false;
        in_multi = true;
      } else if (iequals(name, "EXEC") || iequals(name, "DISCARD")) {
        in_multi = false;
      }
    }
  }
  return p.depth() == 0 && commands == count && !in_multi;
}

}  // namespace

class connection::impl : public std::enable_shared_from_this<impl> {
public:
  impl(asio::any_io_executor ex, connection_options options);

  void start();
  void stop();
  void stop_accepting() noexcept { draining_ = true; }
  asio::awaitable<bool> drain(std::chrono::milliseconds bound);
  asio::awaitable<bool> flush(std::chrono::milliseconds bound);
  asio::awaitable<boost::system::result<std::vector<resp_value>>> exec(std::string commands,
                                                                       std::size_t count);

  bool accepting(request_kind kind) const noexcept {
    return !stopped_ && !draining_ && (kind != request_kind::fire_and_forget || connected_);
  }
  std::string& begin_request() noexcept { return queue_.buffer(); }
  bool commit_request(std::size_t mark, request_kind kind, std::uint32_t commands, source_id source,
                      clock::time_point origin);
  void refuse(source_id source, std::uint32_t commands) noexcept {
    queue_.count_refused(source, commands,
                         stopped_ || draining_ ? loss_cause::shutdown : loss_cause::disconnect);
    refresh_gauges();
  }

  const asio::any_io_executor& executor() const noexcept { return ex_; }

  source_id add_source(std::string name) {
    source_names_.push_back(std::move(name));
    return queue_.add_source();
  }

  // Read by the public accessors.
  connection_options opt_;
  std::string redacted_;
  request_queue queue_;
  std::vector<std::string> source_names_{"connection"};
  connection_stats stats_;
  metrics::histogram rtt_;
  metrics::histogram origin_ack_;
  bool connected_ = false;

private:
  struct waiter {
    asio::steady_timer timer;
    std::vector<resp_value> replies;
    error_code ec;
    bool done = false;
  };

  asio::awaitable<void> run();
  asio::awaitable<error_code> run_session();
  asio::awaitable<error_code> race(asio::awaitable<error_code> op, asio::steady_timer& deadline);
  asio::awaitable<error_code> connect_tcp(tcp::socket& socket);
  asio::awaitable<error_code> tls_handshake(asio::ssl::stream<tcp::socket>& stream);
  template <class Stream>
  asio::awaitable<error_code> run_established(Stream& stream, asio::steady_timer& deadline);
  template <class Stream>
  asio::awaitable<error_code> redis_handshake(Stream& stream);
  template <class Stream>
  asio::awaitable<error_code> read_reply(Stream& stream, resp_value& out);
  template <class Stream>
  asio::awaitable<void> run_reader(Stream& stream);
  template <class Stream>
  asio::awaitable<void> run_writer(Stream& stream);
  asio::awaitable<void> run_health(asio::steady_timer& timer);

  error_code process_input();
  void on_node(const resp_node& node);
  error_code on_reply();
  void make_room();
  void end_session(error_code ec, std::string_view reason);
  void close_socket() noexcept;
  void wake_writer() noexcept;
  void complete_waiter(std::uint64_t token, error_code ec);
  void refresh_gauges() noexcept;
  void log_error_reply(source_id source);
  void log_connect_failure(error_code ec, std::chrono::milliseconds retry_in);
  void log_bound_drops(bool force);
  void arm_drop_log_timer();
  void release_backlog_memory(clock::time_point now);

  asio::any_io_executor ex_;
  backoff backoff_;
  std::optional<asio::ssl::context> tls_;
  error_code tls_error_;
  asio::steady_timer wake_writer_;
  asio::steady_timer retry_timer_;
  asio::steady_timer drop_log_timer_;  // logs drops the rate limit held back
  bool drop_log_armed_ = false;
  std::vector<asio::const_buffer> write_buffers_;
  std::size_t max_write_;
  bool writer_waiting_ = false;
  bool started_ = false;
  bool stopped_ = false;
  bool draining_ = false;

  // The session in progress.
  tcp::socket* socket_ = nullptr;  // lowest layer, closed by end_session/stop
  asio::steady_timer* health_timer_ = nullptr;
  bool session_ending_ = false;
  // Redis acknowledged a request in this session: the link works, so the
  // next drop reconnects from backoff_initial. A session that only got
  // through the handshake (then -READONLY, -BUSY, …) keeps backing off.
  bool session_proven_ = false;
  error_code session_error_;
  std::string session_reason_;
  clock::time_point last_read_{};
  clock::time_point last_ping_{};

  // Reading: unparsed bytes are rbuf_[rbegin_, rend_).
  std::vector<char> rbuf_;
  std::size_t rbegin_ = 0;
  std::size_t rend_ = 0;
  resp_parser parser_;
  resp_builder builder_;
  bool reply_started_ = false;
  bool reply_push_ = false;
  bool reply_error_ = false;
  bool reply_build_ = false;
  std::string reply_error_text_;
  std::optional<clock::time_point> read_time_;  // when this read's replies arrived

  std::unordered_map<std::uint64_t, waiter*> waiters_;

  struct flush_waiter {
    std::uint64_t target;  // done when every request before it is gone
    asio::steady_timer timer;
  };
  std::vector<flush_waiter*> flush_waiters_;
  void check_flush_waiters();
  std::uint64_t next_token_ = 1;

  clock::time_point last_error_log_{};
  std::uint64_t suppressed_error_logs_ = 0;
  std::uint64_t failures_in_a_row_ = 0;
  clock::time_point last_failure_log_{};
  // Commands dropped past the outage bound: logged at most every
  // drop_log_interval, and at most that long after the drop.
  clock::time_point last_drop_log_{};
  std::uint64_t drop_logged_commands_ = 0;  // queue_.dropped_commands() at the last log
  std::uint64_t drop_logged_bytes_ = 0;     // queue_.dropped_bytes() at the last log
  // Memory a drained backlog grew is given back at most every
  // memory_release_interval (release_backlog_memory).
  clock::time_point last_memory_release_{};
};

connection::impl::impl(asio::any_io_executor ex, connection_options options)
    : opt_(std::move(options)),
      redacted_(redact(opt_.endpoint)),
      queue_(opt_.buffer_limit_bytes),
      ex_(std::move(ex)),
      backoff_(opt_.backoff_initial, opt_.backoff_max),
      wake_writer_(ex_),
      retry_timer_(ex_),
      drop_log_timer_(ex_),
      max_write_(opt_.max_write_bytes != 0
                     ? opt_.max_write_bytes
                     : std::clamp<std::size_t>(opt_.buffer_limit_bytes / 4, 16384, 4u << 20)),
      rbuf_(read_buffer_size) {
  const redis_endpoint& ep = opt_.endpoint;
  if (!ep.tls) return;
  tls_.emplace(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
  error_code ec;
  if (ep.verify_peer) {
    tls_->set_verify_mode(asio::ssl::verify_peer, ec);
    if (!ec) {
      if (ep.ca_file.empty()) {
        tls_->set_default_verify_paths(ec);
      } else {
        tls_->load_verify_file(ep.ca_file, ec);
      }
    }
  } else {
    tls_->set_verify_mode(asio::ssl::verify_none, ec);
    // Only an explicit verify=false in the URL gets here: say it loudly.
    log::error(component, "TLS peer verification is OFF (verify=false): traffic can be intercepted",
               {{"url", redacted_}});
  }
  if (!ec && !ep.cert_file.empty()) {
    tls_->use_certificate_chain_file(ep.cert_file, ec);
    if (!ec) tls_->use_private_key_file(ep.key_file, asio::ssl::context::pem, ec);
  }
  if (ec) {
    tls_error_ = errc::tls_setup_failed;
    log::error(component, "cannot set up TLS", {{"url", redacted_}, {"error", ec.message()}});
  }
}

void connection::impl::start() {
  if (started_ || stopped_) return;
  started_ = true;
  asio::co_spawn(
      ex_, [self = shared_from_this()]() { return self->run(); },
      [self = shared_from_this()](std::exception_ptr e) {
        if (!e) return;
        // A bug, not a Redis condition: stop rather than limp on.
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          log::error(component, "connection failed",
                     {{"url", self->redacted_}, {"error", x.what()}});
        }
        self->stop();
      });
}

void connection::impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  draining_ = true;
  log_bound_drops(true);
  drop_log_timer_.cancel();
  end_session(asio::error::operation_aborted, "stopped");
  retry_timer_.cancel();
  const auto abandoned_before = queue_.abandoned_commands();
  queue_.clear([this](std::uint64_t token) { complete_waiter(token, errc::stopped); });
  connected_ = false;
  refresh_gauges();
  check_flush_waiters();
  log::info(component, "stopped",
            {{"url", redacted_},
             {"abandoned_commands", queue_.abandoned_commands() - abandoned_before}});
}

asio::awaitable<bool> connection::impl::drain(std::chrono::milliseconds bound) {
  draining_ = true;
  const bool flushed = co_await flush(bound);
  co_return flushed && !stopped_;
}

asio::awaitable<bool> connection::impl::flush(std::chrono::milliseconds bound) {
  const std::uint64_t target = queue_.next_sequence();
  if (queue_.done_before(target)) co_return true;
  flush_waiter w{target, asio::steady_timer(ex_)};
  flush_waiters_.push_back(&w);
  w.timer.expires_after(bound);
  co_await w.timer.async_wait(nothrow);  // cancelled by check_flush_waiters()
  std::erase(flush_waiters_, &w);
  co_return queue_.done_before(target);
}

void connection::impl::check_flush_waiters() {
  for (flush_waiter* w : flush_waiters_) {
    if (queue_.done_before(w->target)) w->timer.cancel();
  }
}

bool connection::impl::commit_request(std::size_t mark, request_kind kind, std::uint32_t commands,
                                      source_id source, clock::time_point origin) {
  ++stats_.requests;
  stats_.commands += commands;
  const bool queued = queue_.commit(mark, kind, commands, source, origin);
  // dropped_bytes grows only when the byte bound drops requests (the oldest,
  // or this one when it alone exceeds the bound): never silently.
  if (queue_.dropped_bytes() != drop_logged_bytes_) log_bound_drops(false);
  refresh_gauges();
  if (!flush_waiters_.empty()) check_flush_waiters();  // the bound may have dropped some
  if (queued && connected_) wake_writer();
  return queued;
}

void connection::impl::refresh_gauges() noexcept {
  stats_.buffered_bytes = queue_.held_bytes();
  stats_.buffered_commands = queue_.held_commands();
  stats_.in_flight_commands = queue_.sent_commands();
  stats_.dropped_commands = queue_.dropped_commands();
  stats_.dropped_bytes = queue_.dropped_bytes();
  stats_.discarded_commands = queue_.discarded_commands();
  stats_.abandoned_commands = queue_.abandoned_commands();
  stats_.connected = connected_;
}

void connection::impl::wake_writer() noexcept {
  if (writer_waiting_) {
    writer_waiting_ = false;
    wake_writer_.cancel();
  }
}

void connection::impl::close_socket() noexcept {
  if (socket_ == nullptr) return;
  error_code ignored;
  socket_->close(ignored);
}

void connection::impl::end_session(error_code ec, std::string_view reason) {
  if (session_ending_) return;
  session_ending_ = true;
  session_error_ = ec;
  session_reason_ = reason;
  close_socket();
  writer_waiting_ = false;
  wake_writer_.cancel();
  if (health_timer_ != nullptr) health_timer_->cancel();
}

void connection::impl::complete_waiter(std::uint64_t token, error_code ec) {
  const auto it = waiters_.find(token);
  if (it == waiters_.end()) return;
  waiter& w = *it->second;
  waiters_.erase(it);
  w.done = true;
  w.ec = ec;
  w.timer.cancel();
}

asio::awaitable<void> connection::impl::run() {
  while (!stopped_) {
    const auto connects_before = stats_.connects;
    const error_code ec = co_await run_session();
    if (stopped_) break;
    const auto delay = backoff_.next();
    if (stats_.connects == connects_before) {  // never got through the handshake
      ++stats_.connect_failures;
      log_connect_failure(ec, delay);
    }
    retry_timer_.expires_after(delay);
    co_await retry_timer_.async_wait(nothrow);
  }
}

// dropped_bytes grows with every drop past the bound and with nothing else.
void connection::impl::log_bound_drops(bool force) {
  const auto now = clock::now();
  if (queue_.dropped_bytes() == drop_logged_bytes_) return;
  if (!force && last_drop_log_ != clock::time_point{} && now - last_drop_log_ < drop_log_interval) {
    arm_drop_log_timer();  // held back: log them when the interval is over
    return;
  }
  log::error(component, "outage buffer full: oldest commands dropped",
             {{"url", redacted_},
              {"dropped_commands_since_last_log", queue_.dropped_commands() - drop_logged_commands_},
              {"dropped_bytes_since_last_log", queue_.dropped_bytes() - drop_logged_bytes_},
              {"dropped_commands", queue_.dropped_commands()},
              {"buffer_limit_bytes", opt_.buffer_limit_bytes},
              {"limit_bytes", queue_.limit()},
              {"connected", connected_}});
  last_drop_log_ = now;
  drop_logged_commands_ = queue_.dropped_commands();
  drop_logged_bytes_ = queue_.dropped_bytes();
}

void connection::impl::release_backlog_memory(clock::time_point now) {
  last_memory_release_ = now;
  const std::size_t peak = queue_.held_bytes_peak();
  const std::size_t working_set = queue_.working_set();
  const auto rss_before = resident_set_bytes();
  const auto started = clock::now();
  const std::size_t freed = queue_.release_memory();
  return_free_heap();
  const auto took = clock::now() - started;
  const auto rss_after = resident_set_bytes();
  ++stats_.memory_releases;
  log::info(component, "backlog drained: memory released",
            {{"url", redacted_},
             {"peak_buffered_bytes", std::uint64_t{peak}},
             {"working_set_bytes", std::uint64_t{working_set}},
             {"buffered_bytes", std::uint64_t{queue_.held_bytes()}},
             {"queue_bytes_released", std::uint64_t{freed}},
             {"release_us", micros(took)},
             {"rss_before_bytes", std::uint64_t{rss_before.value_or(0)}},
             {"rss_after_bytes", std::uint64_t{rss_after.value_or(0)}}});
}

void connection::impl::arm_drop_log_timer() {
  if (drop_log_armed_ || stopped_) return;
  drop_log_armed_ = true;
  drop_log_timer_.expires_at(last_drop_log_ + drop_log_interval);
  drop_log_timer_.async_wait([self = shared_from_this()](error_code ec) {
    self->drop_log_armed_ = false;
    if (!ec && !self->stopped_) self->log_bound_drops(false);
  });
}

void connection::impl::log_connect_failure(error_code ec, std::chrono::milliseconds retry_in) {
  ++failures_in_a_row_;
  const auto now = clock::now();
  // A long outage retries every backoff_max: log the first few failures,
  // then at most one line per 30 s.
  if (failures_in_a_row_ > 3 && now - last_failure_log_ < 30s) return;
  last_failure_log_ = now;
  log::warn(component, "cannot connect",
            {{"url", redacted_},
             {"error", session_reason_.empty() ? ec.message() : session_reason_},
             {"failures_in_a_row", failures_in_a_row_},
             {"retry_in_ms", static_cast<std::int64_t>(retry_in.count())},
             {"buffered_bytes", queue_.held_bytes()}});
}

asio::awaitable<error_code> connection::impl::race(asio::awaitable<error_code> op,
                                                   asio::steady_timer& deadline) {
  auto result = co_await (std::move(op) || deadline.async_wait(nothrow));
  if (result.index() == 0) co_return std::get<0>(result);
  close_socket();  // whatever the operation was, it must not outlive its deadline
  session_reason_ = "not connected within connect_timeout (" +
                    std::to_string(opt_.connect_timeout.count()) + " ms)";
  co_return make_error_code(errc::connect_timeout);
}

asio::awaitable<error_code> connection::impl::connect_tcp(tcp::socket& socket) {
  const redis_endpoint& ep = opt_.endpoint;
  error_code ec;
  const auto address = asio::ip::make_address(ep.host, ec);
  if (!ec) {
    auto [e] = co_await socket.async_connect(tcp::endpoint(address, ep.port), nothrow);
    if (e) co_return e;
  } else {
    tcp::resolver resolver(ex_);
    auto [e, results] = co_await resolver.async_resolve(ep.host, std::to_string(ep.port), nothrow);
    if (e) co_return e;
    auto [e2, endpoint] = co_await asio::async_connect(socket, results, nothrow);
    if (e2) co_return e2;
  }
  socket.set_option(tcp::no_delay(true), ec);
  socket.set_option(asio::socket_base::keep_alive(true), ec);
  co_return error_code{};
}

asio::awaitable<error_code> connection::impl::run_session() {
  session_ending_ = false;
  session_error_ = {};
  session_reason_.clear();
  parser_.reset();
  builder_.reset();
  reply_started_ = reply_push_ = reply_error_ = reply_build_ = false;
  rbegin_ = rend_ = 0;
  if (tls_error_) {
    session_reason_ = "TLS setup failed (see the earlier error)";
    co_return tls_error_;
  }

  asio::steady_timer deadline(ex_);
  deadline.expires_after(opt_.connect_timeout);
  tcp::socket socket(ex_);
  socket_ = &socket;
  error_code ec = co_await race(connect_tcp(socket), deadline);
  if (!ec && opt_.endpoint.tls) {
    asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
    socket_ = &stream.next_layer();
    const std::string& name = opt_.endpoint.tls_name();
    error_code not_ip;
    asio::ip::make_address(name, not_ip);
    if (not_ip) {  // SNI takes host names only (SSL_set_tlsext_host_name)
      SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(name.c_str()));
    }
    if (opt_.endpoint.verify_peer) {
      stream.set_verify_callback(asio::ssl::host_name_verification(name));
    }
    ec = co_await race(tls_handshake(stream), deadline);
    if (ec) {
      session_reason_ = "TLS handshake: " + ec.message();
    } else {
      ec = co_await run_established(stream, deadline);
    }
  } else if (!ec) {
    ec = co_await run_established(socket, deadline);
  }
  socket_ = nullptr;
  co_return ec;
}

asio::awaitable<error_code> connection::impl::tls_handshake(
    asio::ssl::stream<tcp::socket>& stream) {
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, nothrow);
  co_return ec;
}

template <class Stream>
asio::awaitable<error_code> connection::impl::run_established(Stream& stream,
                                                              asio::steady_timer& deadline) {
  error_code ec = co_await race(redis_handshake(stream), deadline);
  if (ec) co_return ec;

  log_bound_drops(true);  // the tail of an outage's drops, not yet logged
  connected_ = true;
  queue_.set_limit(std::max(opt_.backlog_limit_bytes, opt_.buffer_limit_bytes));
  ++stats_.connects;
  if (stats_.connects > 1) ++stats_.reconnects;
  failures_in_a_row_ = 0;
  session_proven_ = false;
  const auto now = clock::now();
  last_read_ = now;
  last_ping_ = now;
  refresh_gauges();
  log::info(component, "connected",
            {{"url", redacted_},
             {"reconnects", stats_.reconnects},
             {"queued_commands", queue_.held_commands()},
             {"buffered_bytes", queue_.held_bytes()}});

  asio::steady_timer health(ex_);
  health_timer_ = &health;
  co_await (run_reader(stream) || run_writer(stream) || run_health(health));
  health_timer_ = nullptr;
  close_socket();

  connected_ = false;
  ++stats_.disconnects;
  const auto discarded_before = queue_.discarded_commands();
  const std::size_t replay =
      queue_.rewind([this](std::uint64_t token) { complete_waiter(token, errc::connection_lost); });
  const auto discarded = queue_.discarded_commands() - discarded_before;
  stats_.replayed_commands += replay;
  // An outage from here on: what the backlog held past the outage bound
  // goes now, oldest first, and is counted and logged.
  queue_.set_limit(opt_.buffer_limit_bytes);
  if (queue_.dropped_bytes() != drop_logged_bytes_) log_bound_drops(false);
  refresh_gauges();
  check_flush_waiters();
  if (!stopped_) {
    log::warn(component, "disconnected",
              {{"url", redacted_},
               {"reason", session_reason_.empty() ? session_error_.message() : session_reason_},
               {"unacknowledged_commands", replay},
               {"buffered_bytes", queue_.held_bytes()}});
    if (discarded != 0) {
      log::warn(component,
                "fire-and-forget commands discarded at the disconnect: pub/sub messages in "
                "flight are lost by design, never replayed",
                {{"url", redacted_},
                 {"discarded_commands", discarded},
                 {"discarded_commands_total", queue_.discarded_commands()}});
    }
  }
  co_return session_error_ ? session_error_ : make_error_code(errc::connection_lost);
}

template <class Stream>
asio::awaitable<error_code> connection::impl::redis_handshake(Stream& stream) {
  const redis_endpoint& ep = opt_.endpoint;
  std::string out;
  std::vector<resp_arg> hello{"HELLO", "3"};
  // A user without a password still authenticates (an ACL "nopass" user);
  // neither: the default user, which needs no AUTH unless requirepass.
  if (!ep.password.empty() || !ep.user.empty()) {
    hello.emplace_back("AUTH");
    hello.emplace_back(ep.user.empty() ? std::string_view("default") : std::string_view(ep.user));
    hello.emplace_back(ep.password);
  }
  if (!opt_.client_name.empty()) {
    hello.emplace_back("SETNAME");
    hello.emplace_back(opt_.client_name);
  }
  append_command(out, std::span<const resp_arg>(hello));
  std::vector<std::string_view> names{"HELLO"};
  if (ep.db != 0) {
    append_command(out, "SELECT", ep.db);
    names.emplace_back("SELECT");
  }
  // PING is refused while Redis loads its dataset (-LOADING) or runs a long
  // script (-BUSY): start writing only once it accepts ordinary commands,
  // rather than finding out in the middle of a pipeline.
  append_command(out, "PING");
  names.emplace_back("PING");
  const std::size_t expected = names.size();
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), nothrow);
  OPENSSL_cleanse(out.data(), out.size());  // it held the password
  if (ec) {
    session_reason_ = "write: " + ec.message();
    co_return ec;
  }
  stats_.bytes_written += n;

  for (std::size_t i = 0; i < expected;) {
    resp_value reply;
    ec = co_await read_reply(stream, reply);
    if (ec) {
      if (session_reason_.empty()) session_reason_ = "handshake read: " + ec.message();
      co_return ec;
    }
    if (reply.type == resp_type::push) continue;
    if (reply.is_error()) {
      // Redis' messages (WRONGPASS …, NOAUTH …, LOADING …) never echo the password.
      session_reason_ = std::string(names[i]) + ": " + reply.string;
      co_return make_error_code(errc::handshake_failed);
    }
    ++i;
  }
  co_return error_code{};
}

template <class Stream>
asio::awaitable<error_code> connection::impl::read_reply(Stream& stream, resp_value& out) {
  for (;;) {
    for (;;) {
      auto r = parser_.next(std::string_view(rbuf_.data() + rbegin_, rend_ - rbegin_));
      if (!r) {
        ++stats_.protocol_errors;
        co_return r.error();
      }
      if (!r.value()) break;
      rbegin_ += parser_.consumed();
      builder_.on_node(r.value().value());
      if (parser_.done()) {
        out = builder_.take();
        co_return error_code{};
      }
    }
    make_room();
    auto [ec, n] = co_await stream.async_read_some(
        asio::buffer(rbuf_.data() + rend_, rbuf_.size() - rend_), nothrow);
    if (ec) co_return ec;
    rend_ += n;
    stats_.bytes_read += n;
  }
}

void connection::impl::make_room() {
  if (rbegin_ == rend_) {
    rbegin_ = rend_ = 0;
    // Give back what one huge exec() reply made us grow to.
    if (rbuf_.size() > read_buffer_size) {
      rbuf_.resize(read_buffer_size);
      rbuf_.shrink_to_fit();
    }
  } else if (rbegin_ > 0 && rbuf_.size() - rend_ < 16384) {
    std::memmove(rbuf_.data(), rbuf_.data() + rbegin_, rend_ - rbegin_);
    rend_ -= rbegin_;
    rbegin_ = 0;
  }
  // One reply larger than the buffer: grow (the parser bounds reply sizes).
  if (rend_ == rbuf_.size()) rbuf_.resize(rbuf_.size() * 2);
}

template <class Stream>
asio::awaitable<void> connection::impl::run_reader(Stream& stream) {
  for (;;) {
    if (const error_code ec = process_input()) {
      end_session(ec, ec == errc::server_busy ? "Redis busy: " + reply_error_text_
                                              : "bad reply: " + ec.message());
      co_return;
    }
    if (session_ending_) co_return;
    make_room();
    auto [ec, n] = co_await stream.async_read_some(
        asio::buffer(rbuf_.data() + rend_, rbuf_.size() - rend_), nothrow);
    if (ec) {
      end_session(ec, ec == asio::error::eof ? "closed by Redis" : "read: " + ec.message());
      co_return;
    }
    rend_ += n;
    stats_.bytes_read += n;
    last_read_ = clock::now();
  }
}

error_code connection::impl::process_input() {
  read_time_.reset();
  error_code ec;
  for (;;) {
    auto r = parser_.next(std::string_view(rbuf_.data() + rbegin_, rend_ - rbegin_));
    if (!r) {
      ++stats_.protocol_errors;
      ec = r.error();
      break;
    }
    if (!r.value()) break;
    rbegin_ += parser_.consumed();
    on_node(r.value().value());
    if (parser_.done()) {
      ec = on_reply();
      if (ec) break;
    }
  }
  if (rbegin_ == rend_) rbegin_ = rend_ = 0;
  refresh_gauges();
  return ec;
}

void connection::impl::on_node(const resp_node& node) {
  if (!reply_started_) {
    reply_started_ = true;
    const auto expected = queue_.expecting_reply();
    reply_build_ =
        expected && expected->kind == request_kind::control && waiters_.contains(expected->token);
  }
  if (node.depth == 0 && node.type != resp_type::attribute) {
    reply_push_ = node.type == resp_type::push;
    reply_error_ = is_error(node.type);
    if (reply_error_) reply_error_text_.assign(node.value.substr(0, 512));
  }
  if (reply_build_) builder_.on_node(node);
}

error_code connection::impl::on_reply() {
  reply_started_ = false;
  if (reply_push_) {
    reply_push_ = false;
    ++stats_.push_frames;
    if (reply_build_) builder_.reset();
    return {};
  }
  const auto expected = queue_.expecting_reply();
  if (!expected) {
    ++stats_.protocol_errors;
    return errc::unexpected_reply;
  }
  const bool error = reply_error_;
  reply_error_ = false;
  if (error && expected->kind == request_kind::durable && is_retryable(reply_error_text_)) {
    // Not applied: leave it unacknowledged, reconnect (with backoff) and replay.
    if (reply_build_) builder_.reset();
    return errc::server_busy;
  }
  ++stats_.replies;
  if (error) {
    ++stats_.error_replies;
    log_error_reply(expected->source);
  }
  if (reply_build_) {
    const auto it = waiters_.find(expected->token);
    if (it != waiters_.end()) {
      it->second->replies.push_back(builder_.take());
    } else {
      builder_.reset();
    }
  }
  if (const auto done = queue_.on_reply(error)) {
    if (!session_proven_ && done->kind != request_kind::health_check) {
      session_proven_ = true;
      backoff_.reset();
    }
    // The replies of one read arrived together: one clock reading serves them.
    if (!read_time_) read_time_ = clock::now();
    rtt_.record(micros(*read_time_ - done->sent_at));
    if (done->origin != clock::time_point{}) {
      origin_ack_.record(micros(*read_time_ - done->origin));
    }
    if (done->kind == request_kind::control) complete_waiter(done->token, {});
    if (!flush_waiters_.empty()) check_flush_waiters();
  }
  return {};
}

void connection::impl::log_error_reply(source_id source) {
  const auto now = clock::now();
  if (now - last_error_log_ < 1s) {
    ++suppressed_error_logs_;
    return;
  }
  log::warn(component, "error reply",
            {{"url", redacted_},
             {"source", source_names_[source]},
             {"error", reply_error_text_},
             {"suppressed_since_last", suppressed_error_logs_}});
  last_error_log_ = now;
  suppressed_error_logs_ = 0;
}

template <class Stream>
asio::awaitable<void> connection::impl::run_writer(Stream& stream) {
  for (;;) {
    if (session_ending_) co_return;
    if (!queue_.has_pending()) {
      wake_writer_.expires_at(clock::time_point::max());
      writer_waiting_ = true;
      co_await wake_writer_.async_wait(nothrow);
      writer_waiting_ = false;
      continue;
    }
    // Coalesce: handlers that are already runnable (the next frames of a
    // burst the feed delivered at once) queue their requests before this
    // write instead of each paying a write of its own. A yield costs a post;
    // a write, a system call. Stop as soon as a yield brings nothing new.
    for (int i = 0; i < max_coalescing_yields; ++i) {
      const std::uint64_t before = queue_.next_sequence();
      co_await asio::post(ex_, asio::use_awaitable);
      if (session_ending_) co_return;
      if (queue_.next_sequence() == before) break;
    }
    const auto views = queue_.prepare_write(clock::now(), max_write_);
    write_buffers_.clear();
    for (std::string_view v : views) write_buffers_.emplace_back(v.data(), v.size());
    if (opt_.write_tap) {
      for (std::string_view v : views) opt_.write_tap(v);
    }
    refresh_gauges();
    // A span, not the vector: the write operation copies its buffer
    // sequence, and copying a span allocates nothing.
    auto [ec, n] = co_await asio::async_write(
        stream, std::span<const asio::const_buffer>(write_buffers_), nothrow);
    queue_.write_done();
    if (ec) {
      end_session(ec, "write: " + ec.message());
      co_return;
    }
    ++stats_.writes;
    stats_.bytes_written += n;
  }
}

asio::awaitable<void> connection::impl::run_health(asio::steady_timer& timer) {
  const auto interval = opt_.health_check_interval;
  const auto tick = std::clamp<std::chrono::milliseconds>(
      std::min(interval, opt_.request_timeout / 4), 5ms, 1000ms);
  for (;;) {
    timer.expires_after(tick);
    co_await timer.async_wait(nothrow);
    if (session_ending_) co_return;
    const auto now = clock::now();
    if (const auto oldest = queue_.oldest_sent_at();
        oldest && now - *oldest > opt_.request_timeout) {
      ++stats_.timeouts;
      end_session(errc::request_timeout, "no reply within request_timeout");
      co_return;
    }
    // A backlog has drained: give back what it grew. Decided here, once per
    // health tick (the queue's interval), so the request path pays one
    // comparison.
    if (queue_.end_interval() && now - last_memory_release_ >= memory_release_interval) {
      release_backlog_memory(now);
    }
    // An idle link: probe it, so a dead peer (host gone, no RST) is found
    // by the request deadline instead of at the next write.
    if (queue_.sent_commands() == 0 && now - last_read_ >= interval &&
        now - last_ping_ >= interval) {
      std::string& out = queue_.buffer();
      const std::size_t mark = out.size();
      append_command(out, "PING");
      queue_.commit(mark, request_kind::health_check, 1, 0, clock::time_point{});
      ++stats_.health_checks;
      last_ping_ = now;
      wake_writer();
    }
  }
}

asio::awaitable<boost::system::result<std::vector<resp_value>>> connection::impl::exec(
    std::string commands, std::size_t count) {
  if (stopped_ || draining_) co_return errc::stopped;
  if (!connected_) co_return errc::not_connected;
  if (count > UINT32_MAX || !holds_commands(commands, count)) co_return errc::bad_request;
  if (count == 0) co_return std::vector<resp_value>{};

  waiter w{asio::steady_timer(ex_), {}, {}, false};
  const std::uint64_t token = next_token_++;
  std::string& out = queue_.buffer();
  const std::size_t mark = out.size();
  out += commands;
  if (!queue_.commit(mark, request_kind::control, static_cast<std::uint32_t>(count), 0,
                     clock::time_point{}, token)) {
    co_return errc::request_too_large;
  }
  waiters_.emplace(token, &w);
  refresh_gauges();
  wake_writer();
  w.timer.expires_after(opt_.request_timeout);
  co_await w.timer.async_wait(nothrow);
  waiters_.erase(token);  // a late reply is matched and dropped
  if (!w.done) co_return errc::request_timeout;
  if (w.ec) co_return w.ec;
  co_return std::move(w.replies);
}

// --- connection -----------------------------------------------------------

connection::connection(boost::asio::any_io_executor ex, connection_options options)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(options))) {}

connection::~connection() {
  impl_->stop();
}

void connection::start() {
  impl_->start();
}
void connection::stop_accepting() noexcept {
  impl_->stop_accepting();
}
void connection::stop() {
  impl_->stop();
}

boost::asio::awaitable<bool> connection::drain(std::chrono::milliseconds bound) {
  auto self = impl_;  // alive across the suspension even if *this is destroyed
  co_return co_await self->drain(bound);
}

boost::asio::awaitable<bool> connection::flush(std::chrono::milliseconds bound) {
  auto self = impl_;
  co_return co_await self->flush(bound);
}

boost::asio::awaitable<boost::system::result<std::vector<resp_value>>> connection::exec(
    std::string commands, std::size_t count) {
  auto self = impl_;
  co_return co_await self->exec(std::move(commands), count);
}

bool connection::connected() const noexcept {
  return impl_->connected_;
}
boost::asio::any_io_executor connection::get_executor() const noexcept {
  return impl_->executor();
}
const connection_stats& connection::stats() const noexcept {
  return impl_->stats_;
}
const metrics::histogram& connection::round_trip() const noexcept {
  return impl_->rtt_;
}
const metrics::histogram& connection::origin_to_ack() const noexcept {
  return impl_->origin_ack_;
}
const connection_options& connection::options() const noexcept {
  return impl_->opt_;
}
const std::string& connection::redacted_url() const noexcept {
  return impl_->redacted_;
}
const request_queue& connection::queue() const noexcept {
  return impl_->queue_;
}

source_id connection::add_source(std::string name) {
  return impl_->add_source(std::move(name));
}
const source_counters& connection::source(source_id id) const noexcept {
  return impl_->queue_.source(id);
}
std::size_t connection::source_count() const noexcept {
  return impl_->queue_.source_count();
}
const std::string& connection::source_name(source_id id) const noexcept {
  return impl_->source_names_[id];
}

bool connection::accepting(request_kind kind) const noexcept {
  return impl_->accepting(kind);
}
std::string& connection::begin_request() noexcept {
  return impl_->begin_request();
}
bool connection::commit_request(std::size_t mark, request_kind kind, std::uint32_t commands,
                                source_id source, clock::time_point origin) {
  return impl_->commit_request(mark, kind, commands, source, origin);
}
void connection::refuse(source_id source, std::uint32_t commands) noexcept {
  impl_->refuse(source, commands);
}

}  // namespace tickgate::storage

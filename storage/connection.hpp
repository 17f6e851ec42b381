// One Redis connection: a request queue, automatic pipelining, in-order reply
// matching, health checks, reconnection, and an outage buffer — the design of
// Boost.Redis, on Boost 1.81's Asio.
//
// Producers never wait. send() encodes a request straight into the queue
// (request_queue.hpp) and returns; a writer coroutine writes everything
// queued since its last write in one go, so requests issued while a write is
// in flight, within one handler, or by handlers that were already runnable
// (the rest of a burst of feed frames) are pipelined together. A reader
// coroutine parses replies (resp_parser.hpp) and matches them to requests in
// order. A health coroutine declares the connection dead when the oldest
// written request has waited longer than request_timeout, and sends PING when
// the link has been idle for health_check_interval.
//
// Every (re)connect: resolve, TCP connect, TLS handshake (peer verification,
// SNI, host-name check) and `HELLO 3 [AUTH user pass] SETNAME name`,
// `SELECT db` and `PING` (refused while Redis is loading or busy), all within
// connect_timeout; failures retry with capped exponential backoff and jitter.
// Needs Redis >= 6 (HELLO). Replies are RESP3. Requests queued while the connection is down
// wait in the outage buffer (bounded by buffer_limit_bytes, oldest dropped
// and counted; while connected the larger backlog_limit_bytes bounds the
// same queue, so a burst Redis is still working through is not mistaken
// for an outage) and are written on reconnect, after the replay of whatever was
// written but not acknowledged before the drop: at-least-once, in order. A
// reply of -LOADING, -BUSY, -TRYAGAIN, -MASTERDOWN or -READONLY to a durable
// request means Redis did not apply it: the connection is recycled and the
// request replayed (commands pipelined behind it that Redis did apply are
// then applied again — at-least-once). Other error replies are final,
// counted and logged.
//
// After a backlog (Redis fell at least 1 MiB behind) has drained to a
// quarter of its high-water mark (request_queue.hpp "Memory after a
// backlog"), the health tick gives back what it grew, at most every 10 s:
// the queue's extra request slots and free chunks, then free heap pages to the
// OS (malloc_trim on glibc), with one info log line "backlog drained: memory
// released" (peak bytes, RSS before and after, duration). Steady state pays
// one comparison per request.
//
// Threading and lifetime: one io_context thread; every member function must
// be called on it. The coroutines keep the connection's state alive, so the
// object may be destroyed at any time after stop() (the destructor calls it).
#pragma once

#include "storage/histogram.hpp"
#include "storage/redis_url.hpp"
#include "storage/request_queue.hpp"
#include "storage/resp_value.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tickgate::storage {

using clock = std::chrono::steady_clock;

struct connection_options {
  redis_endpoint endpoint;
  // Outage buffer bound: encoded bytes + request_queue::request_overhead per
  // request, pending or waiting for a reply.
  std::size_t buffer_limit_bytes = 64u << 20;
  // Backlog bound, the same accounting while Redis is connected: how far a
  // healthy but momentarily slower Redis may fall behind (a market-open
  // burst) before the oldest is dropped. At a disconnect what is held is cut
  // to buffer_limit_bytes at once (oldest dropped). Below buffer_limit_bytes:
  // buffer_limit_bytes.
  std::size_t backlog_limit_bytes = 256u << 20;
  std::chrono::milliseconds connect_timeout{2000};  // resolve + connect + TLS + HELLO/SELECT
  std::chrono::milliseconds request_timeout{5000};  // oldest written request → connection dead
  std::chrono::milliseconds health_check_interval{1000};  // PING after this long idle
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  std::string client_name = "tickgate";  // CLIENT SETNAME via HELLO; empty: none
  // Most bytes in one socket write; 0: a quarter of the bound, 16 KiB–4 MiB.
  std::size_t max_write_bytes = 0;
  // Benchmarks: sees every request byte the writer puts on the socket, in
  // order (not the handshake). tickgate-e2e-bench captures the command
  // stream with it to replay as the Redis ceiling. Empty: none (the default).
  std::function<void(std::string_view)> write_tap;
};

struct connection_stats {
  // Counters.
  std::uint64_t requests = 0;  // queued (committed) requests
  std::uint64_t commands = 0;  // queued commands
  std::uint64_t writes = 0;    // socket writes; commands / writes = pipeline depth
  std::uint64_t bytes_written = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t replies = 0;        // replies matched to requests
  std::uint64_t error_replies = 0;  // of which Redis errors (-ERR, -WRONGTYPE, …)
  std::uint64_t push_frames = 0;    // RESP3 out-of-band frames, ignored
  // Commands lost, apart by cause (request_queue.hpp "Losses"); per
  // producer, source_counters::dropped is their sum.
  std::uint64_t dropped_commands = 0;  // past the byte bound only (logged at error level)
  std::uint64_t dropped_bytes = 0;     // their bytes
  // Fire-and-forget (PUBLISH) lost to a disconnect, by design: on the wire
  // or queued when the connection dropped (logged once per disconnect), or
  // sent while it was down.
  std::uint64_t discarded_commands = 0;
  // Lost to shutdown: sent once stopping, or still queued at stop().
  std::uint64_t abandoned_commands = 0;
  std::uint64_t replayed_commands = 0;  // written again after a reconnect
  std::uint64_t connects = 0;           // successful handshakes
  std::uint64_t reconnects = 0;         // successful handshakes after the first
  std::uint64_t connect_failures = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t timeouts = 0;         // connections declared dead by request_timeout
  std::uint64_t health_checks = 0;    // PINGs sent
  std::uint64_t protocol_errors = 0;  // unparsable or unexpected replies
  // Times a drained backlog's memory was given back (request_queue.hpp
  // "Memory after a backlog"; at most every 10 s, each logged at info).
  std::uint64_t memory_releases = 0;
  // Gauges.
  std::uint64_t buffered_bytes = 0;      // outage-buffer accounting (see buffer_limit_bytes)
  std::uint64_t buffered_commands = 0;   // pending or waiting for a reply
  std::uint64_t in_flight_commands = 0;  // written, waiting for a reply
  bool connected = false;
};

class connection {
public:
  connection(boost::asio::any_io_executor ex, connection_options options);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Starts connecting (and reconnecting until stop()). Requests sent before
  // start() wait in the outage buffer.
  void start();
  // Stops accepting requests and waits until every queued request has been
  // acknowledged, or `bound` has passed. True when nothing is left.
  boost::asio::awaitable<bool> drain(std::chrono::milliseconds bound);
  // Waits until every request queued before the call has been acknowledged
  // (or dropped), or `bound` has passed; true in the first case. Requests
  // keep being accepted meanwhile. For tests, benchmarks and control
  // operations that must see their writes in Redis before going on.
  boost::asio::awaitable<bool> flush(std::chrono::milliseconds bound);
  // The first half of drain(): from now on send() and exec() refuse new
  // requests; queued ones are still written.
  void stop_accepting() noexcept;
  // Closes the connection; whatever is still queued is counted as abandoned
  // and pending exec() calls fail with errc::stopped.
  void stop();

  bool connected() const noexcept;
  boost::asio::any_io_executor get_executor() const noexcept;
  const connection_stats& stats() const noexcept;
  const metrics::histogram& round_trip() const noexcept;     // write → reply, µs
  const metrics::histogram& origin_to_ack() const noexcept;  // caller's origin → reply, µs
  const connection_options& options() const noexcept;
  // The endpoint for logs and /stats (password redacted).
  const std::string& redacted_url() const noexcept;
  // The request queue, read-only: its memory (chunk_bytes_allocated(),
  // request_capacity()) for tests and diagnostics.
  const request_queue& queue() const noexcept;

  // Control plane: runs `count` RESP-encoded commands (exactly `count`
  // complete commands, e.g. built with append_command) and returns their
  // replies in order; Redis error replies are values in the vector. Not
  // buffered through an outage: fails fast with errc::not_connected while
  // down, errc::connection_lost if the connection drops before the replies,
  // errc::request_timeout after request_timeout, errc::stopped, or
  // errc::bad_request when `commands` does not hold `count` commands, holds
  // one that would change the connection's state (SELECT, AUTH, HELLO,
  // RESET, QUIT, MONITOR, [P|S]SUBSCRIBE, CLIENT REPLY, replication), or
  // opens a MULTI it does not close with EXEC or DISCARD.
  boost::asio::awaitable<boost::system::result<std::vector<resp_value>>> exec(std::string commands,
                                                                              std::size_t count);

  // --- Hot path ------------------------------------------------------------
  // Registers a producer (a sink) for per-producer counters.
  source_id add_source(std::string name);
  const source_counters& source(source_id id) const noexcept;
  std::size_t source_count() const noexcept;
  const std::string& source_name(source_id id) const noexcept;

  // Queues one request of `commands` RESP commands, which `encode` appends to
  // the std::string& it is given (and nothing else), e.g.
  //   conn.send(src, request_kind::durable, 1, origin,
  //             [&](std::string& out) { append_command(out, "SET", key, value); });
  // Never waits and never throws on Redis state. kind is durable (replayed
  // until acknowledged) or fire_and_forget (discarded while the connection is
  // down). `origin` (e.g. when the frame was received) feeds origin_to_ack().
  // Returns false when the request was not queued — stopped or draining
  // (counted as abandoned), fire-and-forget while down (discarded), or larger
  // than the bound (dropped); `encode` is then not called unless it was too
  // large.
  template <class Encode>
  bool send(source_id source, request_kind kind, std::uint32_t commands, clock::time_point origin,
            Encode&& encode) {
    if (!accepting(kind)) {
      refuse(source, commands);
      return false;
    }
    std::string& out = begin_request();
    const std::size_t mark = out.size();
    std::forward<Encode>(encode)(out);
    return commit_request(mark, kind, commands, source, origin);
  }

  // Whether send() would queue a request of this kind now.
  bool accepting(request_kind kind) const noexcept;

  class impl;

private:
  std::string& begin_request() noexcept;
  bool commit_request(std::size_t mark, request_kind kind, std::uint32_t commands, source_id source,
                      clock::time_point origin);
  void refuse(source_id source, std::uint32_t commands) noexcept;

  std::shared_ptr<impl> impl_;
};

}  // namespace tickgate::storage

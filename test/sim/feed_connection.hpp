// One SmartStream feed connection as the rest of the simulator sees it: its
// identity, subscriptions, counters and a bounded send buffer of ready-made
// WebSocket frames. No I/O here: session_io.hpp's basic_feed_session owns the
// stream and drains the buffer; the fan-out and the control API only append.
#pragma once

#include "test/sim/subscription_set.hpp"
#include "test/sim/websocket_codec.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tickgate::sim {

class feed_connection {
public:
  enum class state : std::uint8_t {
    open,     // frames flow both ways
    closing,  // a close frame is queued: nothing else is queued after it
    closed,   // transport closed (or closing now): nothing is queued
  };
  // Why frames are queued: data frames (ticks) count as frames_sent; faults'
  // frames are exempt from the queue bound (a "huge" frame may exceed it).
  enum class frame_class : std::uint8_t { data, control, fault };

  feed_connection(std::uint64_t id, std::string client_code, std::string remote,
                  std::size_t max_tokens, std::size_t max_queue_bytes) noexcept;
  virtual ~feed_connection() = default;
  feed_connection(const feed_connection&) = delete;
  feed_connection& operator=(const feed_connection&) = delete;

  std::uint64_t id() const noexcept { return id_; }
  const std::string& client_code() const noexcept { return client_code_; }
  const std::string& remote() const noexcept { return remote_; }
  state current_state() const noexcept { return state_; }
  bool is_open() const noexcept { return state_ == state::open; }

  subscription_set& subscriptions() noexcept { return subscriptions_; }
  const subscription_set& subscriptions() const noexcept { return subscriptions_; }

  // Appends one complete frame (header included). Data and control frames
  // count against max_queue_bytes of unsent bytes; past it the connection is
  // a slow client: it is aborted ("slow client") and false is returned, as
  // it is whenever the connection is not open. The bytes are copied: `frame`
  // may be reused by the caller at once.
  bool enqueue(std::string_view frame, frame_class what = frame_class::data);

  // Convenience: frames a text message (pong, error JSON) and enqueues it.
  bool enqueue_text(std::string_view text);

  // Queues a close frame and stops queueing; the transport closes once the
  // peer answers or a short bound passes.
  void close_gracefully(std::uint16_t code, std::string_view reason = {});

  // Closes the transport now: TCP close, no close frame, no TLS close_notify
  // (the "drop" fault, slow clients, write timeouts). Idempotent.
  void abort(std::string_view reason);

  // Counters.
  std::uint64_t frames_sent() const noexcept { return frames_sent_; }  // data frames written
  std::uint64_t bytes_sent() const noexcept { return bytes_sent_; }
  std::uint64_t frames_queued() const noexcept { return frames_queued_; }
  std::uint64_t other_frames_sent() const noexcept { return other_frames_sent_; }
  std::uint64_t requests() const noexcept { return requests_; }
  std::size_t queued_bytes() const noexcept { return pending_.size() + inflight_.size(); }
  bool slow() const noexcept { return slow_; }
  const std::string& close_reason() const noexcept { return close_reason_; }
  std::chrono::system_clock::time_point connected_at() const noexcept { return connected_at_; }

  void count_request() noexcept { ++requests_; }

protected:
  // The transport: wake the writer (new bytes or state change) and close the
  // socket now.
  virtual void wake_writer() noexcept = 0;
  virtual void close_transport() noexcept = 0;
  // Called once when a graceful close was queued (arms the close bound).
  virtual void on_close_queued() {}

  // For the writer: moves everything queued into the in-flight buffer.
  // Returns false when there was nothing to take.
  bool take_pending();
  // For the writer: the in-flight buffer was written.
  void written() noexcept;
  const std::string& inflight() const noexcept { return inflight_; }
  bool has_pending() const noexcept { return !pending_.empty(); }
  void mark_closed() noexcept { state_ = state::closed; }

private:
  std::uint64_t id_;
  std::string client_code_;
  std::string remote_;
  subscription_set subscriptions_;
  std::size_t max_queue_bytes_;
  state state_ = state::open;
  bool slow_ = false;
  std::string close_reason_;
  std::chrono::system_clock::time_point connected_at_;

  // pending_ collects frames while inflight_ is being written; the writer
  // swaps them, so appending never touches bytes a write is reading.
  std::string pending_;
  std::string inflight_;
  std::uint64_t pending_data_frames_ = 0;
  std::uint64_t pending_other_frames_ = 0;
  std::uint64_t inflight_data_frames_ = 0;
  std::uint64_t inflight_other_frames_ = 0;

  std::uint64_t frames_sent_ = 0;
  std::uint64_t other_frames_sent_ = 0;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t frames_queued_ = 0;
  std::uint64_t requests_ = 0;
};

}  // namespace tickgate::sim

#include "test/sim/feed_connection.hpp"

#include "storage/log.hpp"

#include <utility>

namespace tickgate::sim {

feed_connection::feed_connection(std::uint64_t id, std::string client_code, std::string remote,
                                 std::size_t max_tokens, std::size_t max_queue_bytes) noexcept
    : id_(id),
      client_code_(std::move(client_code)),
      remote_(std::move(remote)),
      subscriptions_(max_tokens),
      max_queue_bytes_(max_queue_bytes),
      connected_at_(std::chrono::system_clock::now()) {}

bool feed_connection::enqueue(std::string_view frame, frame_class what) {
  if (state_ != state::open) return false;
  if (what != frame_class::fault && queued_bytes() + frame.size() > max_queue_bytes_) {
    // Backpressure policy: a client that does not read is disconnected, not
    // buffered without bound and not silently skipped (a real server cannot
    // hold a slow reader's backlog either).
    slow_ = true;
    log::warn("sim", "slow client disconnected",
              {{"conn", id_},
               {"queued_bytes", static_cast<std::uint64_t>(queued_bytes())},
               {"limit", static_cast<std::uint64_t>(max_queue_bytes_)}});
    abort("slow client");
    return false;
  }
  const bool was_empty = pending_.empty();
  pending_.append(frame);
  if (what == frame_class::data) {
    ++pending_data_frames_;
    ++frames_queued_;
  } else {
    ++pending_other_frames_;
  }
  if (was_empty) wake_writer();
  return true;
}

bool feed_connection::enqueue_text(std::string_view text) {
  std::string frame;
  frame.reserve(frame_header_size(text.size()) + text.size());
  append_frame(frame, ws_opcode::text, text);
  return enqueue(frame, frame_class::control);
}

void feed_connection::close_gracefully(std::uint16_t code, std::string_view reason) {
  if (state_ != state::open) return;
  std::string frame;
  append_close_frame(frame, code, reason);
  pending_.append(frame);
  ++pending_other_frames_;
  state_ = state::closing;
  close_reason_ = "close " + std::to_string(code);
  on_close_queued();
  wake_writer();
}

void feed_connection::abort(std::string_view reason) {
  if (state_ == state::closed) return;
  state_ = state::closed;
  if (close_reason_.empty()) close_reason_ = reason;
  close_transport();
  wake_writer();
}

bool feed_connection::take_pending() {
  if (pending_.empty()) return false;
  inflight_.clear();
  std::swap(pending_, inflight_);
  inflight_data_frames_ = std::exchange(pending_data_frames_, 0);
  inflight_other_frames_ = std::exchange(pending_other_frames_, 0);
  return true;
}

void feed_connection::written() noexcept {
  frames_sent_ += inflight_data_frames_;
  other_frames_sent_ += inflight_other_frames_;
  bytes_sent_ += inflight_.size();
  inflight_data_frames_ = inflight_other_frames_ = 0;
  inflight_.clear();
  // Keep the capacity of both buffers (steady-state: no allocation per
  // flush), but give back a huge one left by a "huge" fault frame.
  if (inflight_.capacity() > (16u << 20)) inflight_.shrink_to_fit();
}

}  // namespace tickgate::sim

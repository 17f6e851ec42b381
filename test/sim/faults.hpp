// Faults injected at run time through POST /sim/fault (see control_api.hpp
// for the wire format). parse_fault validates a request; fault_state holds
// the faults that last beyond the request (pending rejections, a stall).
// Plain objects: time is passed in.
#pragma once

#include "test/sim/errc.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tickgate::sim {

enum class fault_kind : std::uint8_t {
  drop,               // TCP close of feed connections, no close frame
  close,              // WebSocket close frame (code), then TCP close
  stall,              // send nothing, answer no ping, for `seconds`
  garbage,            // `count` binary frames with an unknown mode byte
  truncated,          // `count` binary frames shorter than their mode's size
  huge,               // one binary frame of `bytes` bytes
  reject_handshakes,  // the next `count` handshakes get HTTP `status` (401/429)
  expire_sessions,    // every session invalid until a new login
  reject_logins,      // the next `count` logins get `status` (429, or 200 + envelope)
  reset,              // clear pending rejections and end a stall
};
std::string_view fault_kind_name(fault_kind k) noexcept;

struct fault {
  fault_kind kind = fault_kind::drop;
  std::uint64_t count = 1;
  double seconds = 0;
  std::size_t bytes = 0;
  unsigned status = 0;
  std::uint16_t close_code = 1001;
  std::optional<std::uint64_t> connection;  // feed-connection faults: one connection only
};

// Bounds: count 1–1 000 000; seconds (0, 3600]; bytes 1–64 MiB; handshake
// status 401 or 429 (default 401); login status 429 or 200 (default 429);
// close code 1000–4999 (default 1001). Error: errc::bad_fault.
inline constexpr std::size_t max_huge_frame_bytes = 64u << 20;
boost::system::result<fault> parse_fault(std::string_view json);

// The frames the feed faults send, WebSocket header included (binary,
// final, unmasked). Each payload is built so protocol::decode_frame rejects it:
//   garbage:   51 bytes, mode byte 5 + i % 251 (no such mode, §3.1) → unknown_mode;
//   truncated: a Quote header cut short: 10 bytes when i % 4 == 0
//              (frame_too_short), else 27–122 bytes (frame_length_mismatch);
//   huge:      `bytes` bytes with a SnapQuote header (mode 3) — any size but
//              379 is frame_length_mismatch.
std::string make_garbage_frame(std::uint64_t i);
std::string make_truncated_frame(std::uint64_t i);
std::string make_huge_frame(std::size_t bytes);

class fault_state {
public:
  using clock = std::chrono::steady_clock;

  void reject_handshakes(std::uint64_t count, unsigned status) noexcept {
    handshake_rejections_ = count;
    handshake_status_ = status;
  }
  // The status to reject this handshake with, consuming one; nullopt: none pending.
  std::optional<unsigned> take_handshake_rejection() noexcept {
    if (handshake_rejections_ == 0) return std::nullopt;
    --handshake_rejections_;
    return handshake_status_;
  }

  void reject_logins(std::uint64_t count, unsigned status) noexcept {
    login_rejections_ = count;
    login_status_ = status;
  }
  std::optional<unsigned> take_login_rejection() noexcept {
    if (login_rejections_ == 0) return std::nullopt;
    --login_rejections_;
    return login_status_;
  }

  // A later stall replaces an earlier one.
  void stall_until(clock::time_point end) noexcept { stall_end_ = end; }
  bool stalled(clock::time_point now) const noexcept { return now < stall_end_; }
  clock::time_point stall_end() const noexcept { return stall_end_; }

  void reset() noexcept { *this = fault_state{}; }

  std::uint64_t pending_handshake_rejections() const noexcept { return handshake_rejections_; }
  std::uint64_t pending_login_rejections() const noexcept { return login_rejections_; }

private:
  std::uint64_t handshake_rejections_ = 0;
  unsigned handshake_status_ = 401;
  std::uint64_t login_rejections_ = 0;
  unsigned login_status_ = 429;
  clock::time_point stall_end_{};
};

}  // namespace tickgate::sim

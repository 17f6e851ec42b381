// SmartStream binary frames: decoding (gateway) and encoding (simulator,
// tests, benchmarks). One tick per WebSocket binary message (§3).
#pragma once

#include "protocol/errc.hpp"
#include "protocol/tick.hpp"

#include <boost/system/result.hpp>

#include <cstddef>
#include <span>
#include <string>

namespace tickgate::protocol {

// Where the Depth-20 header puts its two timestamps (§3.6, contradiction §9).
enum class depth20_layout {
  // Java and JS SDKs: exchange timestamp @27, packet received time @35.
  exchange_ts_at_27,
  // Python SDK: offset 27 ignored; both timestamps read from @35.
  both_at_35,
};

struct decode_options {
  depth20_layout depth20 = depth20_layout::exchange_ts_at_27;
};

// Decodes one binary frame.
//
// The length is checked against the mode before any field is read; all
// integers are little-endian; the token ends at the first NUL. Errors:
// frame_too_short, unknown_mode, frame_length_mismatch, bad_token,
// bad_best_five_flag. The returned tick owns its data (no view into frame).
boost::system::result<tick> decode_frame(std::span<const std::byte> frame,
                                         const decode_options& options = {}) noexcept;

// Same, writing into `out` (reused by the hot path to avoid a large return
// copy). On error `out` is unspecified.
boost::system::error_code decode_frame(std::span<const std::byte> frame, tick& out,
                                       const decode_options& options = {}) noexcept;

// Appends the frame for `t` in t.subscription_mode to `out`, the exact inverse
// of decode_frame for ticks whose best-five sides are full: the block is
// written as all five best_buy entries (flag 1) then all five best_sell
// entries (flag 0), whatever best_buy_count/best_sell_count say.
void encode_frame(const tick& t, std::string& out,
                  const decode_options& options = {});

}  // namespace tickgate::protocol

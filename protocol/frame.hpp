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
// integers are little-endian; the token ends at the first NUL (bytes after it
// are ignored) and must satisfy is_valid_token. Fields the frame's mode does
// not carry are zero on success. Errors (checked in this order):
//   frame_too_short        fewer than the 27 header bytes;
//   unknown_mode           byte 0 not in 1–4;
//   frame_length_mismatch  length is not frame_size(mode), longer or shorter;
//   bad_token              empty, or a byte outside 0x21–0x7E before the NUL;
//   bad_best_five_flag     (SnapQuote, §3.5) a flag outside {0, 1}, or more
//                          than five non-empty entries on one side.
// Best-five entries go to best_buy (flag 1) / best_sell (flag 0) in frame
// order; an entry whose quantity, price and orders are all zero is an empty
// level and is skipped, so the counts say how many levels each side has.
// Exchange types outside §2.2 are not an error (the tick carries the raw
// byte). The returned tick owns its data (no view into frame).
boost::system::result<tick> decode_frame(std::span<const std::byte> frame,
                                         const decode_options& options = {}) noexcept;

// Same, writing into `out` (reused by the hot path to avoid a large return
// copy). Allocates nothing.
// Precondition: `out` is a valid tick, i.e. the fields its subscription_mode
// does not carry are zero (tick.hpp): true of a value-initialised tick and of
// every tick this function has written, whatever it returned. Only the groups
// the previous mode carried and the new one does not are cleared, so a stream
// of same-mode frames never touches the 480-byte Depth-20 arrays. A tick
// whose subscription_mode is not 1–4 is cleared entirely.
// On error `out` is still a valid tick; its content is unspecified.
boost::system::error_code decode_frame(std::span<const std::byte> frame, tick& out,
                                       const decode_options& options = {}) noexcept;

// Appends the frame for `t` in t.subscription_mode to `out`, the exact inverse
// of decode_frame for ticks whose best-five sides are full (five non-empty
// entries each): the block is written as all five best_buy entries (flag 1)
// then all five best_sell entries (flag 0), whatever best_buy_count/
// best_sell_count say. Depth-20 frames always get the exchange timestamp @27
// and packet_received_time @35, whatever `options` says; a both_at_35 reader
// then sees packet_received_time for both. Precondition: t.token.size <= 25.
void encode_frame(const tick& t, std::string& out, const decode_options& options = {});

}  // namespace tickgate::protocol

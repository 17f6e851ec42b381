// The recording file format (design.md "Recording and runs"): every frame the
// feed received, with its receive time, so a session can be replayed through
// the same decode → route → sink path later, by the gateway (POST
// /api/start-run) or by the simulator (tickgate-sim --replay FILE).
//
//   file   := magic record*
//   magic  := "TGTICKS1"                       (8 bytes)
//   record := length:u32le received_us:i64le frame:length bytes
//
// `length` is the frame's size (1 ..= max_recorded_frame_bytes);
// `received_us` is the gateway's receive time, epoch microseconds. Records
// are appended as frames arrive, so a file being written may end in a
// partial record: readers treat a truncated tail as the end, not as an error.
//
// Sans-IO: the encoder appends to a buffer the caller owns and the decoder
// reads from a byte span; the recorder and the replayer do the file I/O.
#pragma once

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tickgate::gateway {

inline constexpr std::string_view recording_magic = "TGTICKS1";
inline constexpr std::size_t recording_record_header_bytes = 12;
// Real frames are at most 443 bytes (SnapQuote/Depth-20); the feed's own
// bound (feed.max_frame_bytes) defaults to 64 KiB.
inline constexpr std::size_t max_recorded_frame_bytes = 1 << 20;

// Appends one record.
void append_recording_record(std::string& out, std::span<const std::byte> frame,
                             std::int64_t received_us);

enum class recording_status : std::uint8_t {
  record,     // `record` is valid, `consumed` bytes were used
  need_more,  // the bytes end inside a record (or are empty)
  corrupt,    // a length of 0 or above max_recorded_frame_bytes: not a recording
};

struct recording_record {
  std::int64_t received_us = 0;
  std::span<const std::byte> frame;  // a view into the decoder's input
};

struct recording_decode_result {
  recording_status status = recording_status::need_more;
  std::size_t consumed = 0;
  recording_record record;
};

// Decodes the record at the start of `bytes` (after the magic).
recording_decode_result decode_recording_record(std::span<const std::byte> bytes) noexcept;

// True when `bytes` starts with the magic (needs at least 8 bytes).
bool has_recording_magic(std::span<const std::byte> bytes) noexcept;

}  // namespace tickgate::gateway

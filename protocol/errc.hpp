// Error codes of the protocol layer. Every decoder and parser in protocol/
// reports malformed input as one of these values; nothing here throws on bad
// input.
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace tickgate::protocol {

enum class errc {
  // Binary frames (smartstream-protocol.md §3).
  frame_too_short = 1,    // shorter than the 27-byte common header
  unknown_mode,           // byte 0 is not 1, 2, 3 or 4
  frame_length_mismatch,  // length differs from the mode's fixed size
  bad_token,              // token empty or not printable non-space ASCII
  bad_best_five_flag,     // a best-five entry's flag is neither 0 nor 1,
                          // or one side holds more than five entries
  // Text and JSON messages.
  bad_json,          // not valid JSON, or not the expected top-level type
  missing_field,     // a required member is absent
  bad_field,         // a member has the wrong type or an out-of-range value
  unknown_action,    // subscription action other than 0 or 1
  // TOTP.
  bad_base32,  // secret is not RFC 4648 base32
  // Instruments.
  bad_csv,                // symbols CSV header or row malformed
  unknown_symbol,         // no instrument matches
  ambiguous_symbol,       // more than one instrument matches
  unknown_exchange,       // exch_seg / exchange name not recognised
};

const boost::system::error_category& protocol_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), protocol_category()};
}

}  // namespace tickgate::protocol

template <>
struct boost::system::is_error_code_enum<tickgate::protocol::errc> : std::true_type {};

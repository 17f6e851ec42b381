// RFC 6238 TOTP as SmartAPI uses it (§6.3): HMAC-SHA1, 30-second step,
// T0 = 0, 6 digits, base32 secret.
#pragma once

#include "protocol/errc.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tickgate::protocol {

// RFC 4648 base32, case-insensitive; spaces and '=' padding are ignored.
// Error: bad_base32.
boost::system::result<std::vector<std::uint8_t>> decode_base32(std::string_view text);

// The code for `unix_seconds`, zero-padded to `digits`.
std::string totp_code(const std::vector<std::uint8_t>& key, std::int64_t unix_seconds,
                      int digits = 6, int period_seconds = 30);

// True when `code` matches the step of `unix_seconds` or one within ±window
// steps (clock skew). Comparison is constant-time in the code's length.
bool verify_totp(const std::vector<std::uint8_t>& key, std::string_view code,
                 std::int64_t unix_seconds, int window = 1);

}  // namespace tickgate::protocol

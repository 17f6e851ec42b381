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

// RFC 4648 base32, case-insensitive; whitespace and '=' padding are ignored.
// Error: bad_base32 (a character outside the alphabet, a symbol count that
// cannot encode whole bytes, or no symbols at all: an empty secret is no key).
boost::system::result<std::vector<std::uint8_t>> decode_base32(std::string_view text);

// The code for `unix_seconds`, zero-padded to `digits`. Out-of-range
// arguments are clamped: digits to 1–10, unix_seconds below 0 to 0, a
// non-positive period to 30. Returns "" only if OpenSSL cannot compute
// HMAC-SHA1 (no provider loaded).
std::string totp_code(const std::vector<std::uint8_t>& key, std::int64_t unix_seconds,
                      int digits = 6, int period_seconds = 30);

// True when `code` has exactly `digits` characters and matches the step of
// `unix_seconds` or one within ±window steps (clock skew). The content
// comparison is constant-time (CRYPTO_memcmp) and every step is checked.
bool verify_totp(const std::vector<std::uint8_t>& key, std::string_view code,
                 std::int64_t unix_seconds, int window = 1, int digits = 6,
                 int period_seconds = 30);

}  // namespace tickgate::protocol

// RFC 6238 TOTP over RFC 4226 HOTP with HMAC-SHA1 (smartstream-protocol.md
// §6.3), using OpenSSL 3's EVP_Q_mac (no deprecated HMAC_* calls).
#include "protocol/totp.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <string>

namespace tickgate::protocol {

boost::system::result<std::vector<std::uint8_t>> decode_base32(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;  // at most 12 pending bits
  int bits = 0;
  std::size_t symbols = 0;
  for (const char c : text) {
    std::uint32_t value = 0;
    if (c >= 'A' && c <= 'Z') {
      value = static_cast<std::uint32_t>(c - 'A');
    } else if (c >= 'a' && c <= 'z') {
      value = static_cast<std::uint32_t>(c - 'a');
    } else if (c >= '2' && c <= '7') {
      value = static_cast<std::uint32_t>(c - '2' + 26);
    } else if (c == '=' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      continue;
    } else {
      return make_error_code(errc::bad_base32);
    }
    buffer = (buffer << 5) | value;
    bits += 5;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(buffer >> bits));
      buffer &= (1u << bits) - 1;
    }
  }
  // RFC 4648 §6: a final quantum has 2, 4, 5 or 7 symbols; 1, 3 or 6 cannot
  // come from whole bytes. An empty secret is no usable key.
  const std::size_t tail = symbols % 8;
  if (symbols == 0 || tail == 1 || tail == 3 || tail == 6) {
    return make_error_code(errc::bad_base32);
  }
  return out;
}

namespace {

constexpr int max_digits = 10;  // the 31-bit truncated value has at most 10

// RFC 4226 §5.3 dynamic truncation of HMAC-SHA1(key, counter). Returns false
// only when OpenSSL cannot compute the MAC (no SHA-1 provider).
bool hotp_value(const std::vector<std::uint8_t>& key, std::uint64_t counter, std::uint32_t& out) {
  std::array<unsigned char, 8> message{};
  for (std::size_t i = message.size(); i-- > 0;) {
    message[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  std::array<unsigned char, 20> mac{};
  std::size_t mac_size = 0;
  // A zero-length key still needs a valid pointer.
  static constexpr unsigned char empty_key = 0;
  const void* key_data = key.empty() ? &empty_key : key.data();
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA1", nullptr, key_data, key.size(), message.data(),
                message.size(), mac.data(), mac.size(), &mac_size) == nullptr ||
      mac_size != mac.size()) {
    return false;
  }
  const std::size_t offset = mac[19] & 0x0f;
  out = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
        (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
        (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
        static_cast<std::uint32_t>(mac[offset + 3]);
  return true;
}

std::string format_code(std::uint32_t value, int digits) {
  std::string code(static_cast<std::size_t>(digits), '0');
  std::uint64_t v = value;
  for (std::size_t i = code.size(); i-- > 0;) {
    code[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return code;
}

std::string code_for_counter(const std::vector<std::uint8_t>& key, std::uint64_t counter,
                             int digits) {
  std::uint32_t value = 0;
  if (!hotp_value(key, counter, value)) return {};
  return format_code(value, digits);  // keeps the low `digits` decimal digits
}

std::int64_t time_step(std::int64_t unix_seconds, int period_seconds) {
  if (unix_seconds < 0) unix_seconds = 0;
  if (period_seconds <= 0) period_seconds = 30;
  return unix_seconds / period_seconds;
}

}  // namespace

std::string totp_code(const std::vector<std::uint8_t>& key, std::int64_t unix_seconds, int digits,
                      int period_seconds) {
  digits = std::clamp(digits, 1, max_digits);
  const auto step = time_step(unix_seconds, period_seconds);
  return code_for_counter(key, static_cast<std::uint64_t>(step), digits);
}

bool verify_totp(const std::vector<std::uint8_t>& key, std::string_view code,
                 std::int64_t unix_seconds, int window, int digits, int period_seconds) {
  // The length is public (it is the configured digit count); the content is
  // compared without data-dependent branches, and every step in the window is
  // checked even after a match.
  if (digits < 1 || digits > max_digits || code.size() != static_cast<std::size_t>(digits)) {
    return false;
  }
  if (window < 0) window = 0;
  const auto step = time_step(unix_seconds, period_seconds);
  bool match = false;
  for (std::int64_t s = step - window; s <= step + window; ++s) {
    if (s < 0) continue;
    const std::string expected = code_for_counter(key, static_cast<std::uint64_t>(s), digits);
    if (expected.size() != code.size()) continue;  // MAC failure: never a match
    match |= CRYPTO_memcmp(expected.data(), code.data(), code.size()) == 0;
  }
  return match;
}

}  // namespace tickgate::protocol

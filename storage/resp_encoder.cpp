#include "storage/resp_encoder.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace tickgate::storage {
namespace {

// Writes `<marker><n>\r\n` at p; returns the end. Lengths and counts are
// mostly below 100: those skip to_chars.
char* put_header(char* p, char marker, std::size_t n) noexcept {
  *p++ = marker;
  if (n < 10) {
    *p++ = static_cast<char>('0' + n);
  } else if (n < 100) {
    *p++ = static_cast<char>('0' + n / 10);
    *p++ = static_cast<char>('0' + n % 10);
  } else {
    p = std::to_chars(p, p + 20, n).ptr;
  }
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

char* put_bytes(char* p, std::string_view bytes) noexcept {
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  return p + bytes.size();
}

}  // namespace

resp_arg::resp_arg(double v) noexcept {
  inline_ = true;
  if (std::isnan(v)) {
    std::memcpy(buf_, "nan", 3);
    size_ = 3;
    return;
  }
  if (std::isinf(v)) {  // Redis reads "inf"/"-inf" (e.g. ZADD, INCRBYFLOAT rejects them)
    const char* text = v > 0 ? "inf" : "-inf";
    size_ = std::strlen(text);
    std::memcpy(buf_, text, size_);
    return;
  }
  // Plain decimals for every magnitude a price, volume or ratio can have
  // (consumers parse candle fields as decimals: never "1e+05"); the
  // shortest round-trip text in fixed notation there, scientific outside.
  const double a = std::fabs(v);
  if (a != 0 && (a < 1e-4 || a >= 1e15)) {
    size_ = static_cast<std::size_t>(std::to_chars(buf_, buf_ + sizeof buf_, v).ptr - buf_);
    return;
  }
  // Fast path for prices (candles: paise / 100): v is the double nearest to
  // n / 100 with 0.01 <= |v| < 1e13. Its shortest round-trip text is then
  // n / 100 with trailing zeros trimmed (at most 15 significant digits, and
  // 15 identify a double uniquely), exactly what to_chars writes in fixed
  // notation, without its general algorithm.
  if (a >= 0.01 && a < 1e13) {
    const auto n = static_cast<std::int64_t>(std::llround(v * 100));
    if (static_cast<double>(n) / 100.0 == v) {
      char* p = buf_;
      std::uint64_t m = static_cast<std::uint64_t>(n < 0 ? -n : n);
      if (n < 0) *p++ = '-';
      p = std::to_chars(p, p + 20, m / 100).ptr;
      if (const auto cents = static_cast<unsigned>(m % 100); cents != 0) {
        *p++ = '.';
        *p++ = static_cast<char>('0' + cents / 10);
        if (cents % 10 != 0) *p++ = static_cast<char>('0' + cents % 10);
      }
      size_ = static_cast<std::size_t>(p - buf_);
      return;
    }
  }
  // Fits: at most 17 significant digits, 4 leading zeros, sign and point.
  const auto r = std::to_chars(buf_, buf_ + sizeof buf_, v, std::chars_format::fixed);
  size_ = static_cast<std::size_t>(r.ptr - buf_);
}

resp_arg& resp_arg::operator=(const resp_arg& other) noexcept {
  if (this == &other) return *this;
  ptr_ = other.ptr_;
  size_ = other.size_;
  inline_ = other.inline_;
  if (inline_) std::memcpy(buf_, other.buf_, size_);
  return *this;
}

void resp_arg::format_integer(std::int64_t v) noexcept {
  inline_ = true;
  size_ = static_cast<std::size_t>(std::to_chars(buf_, buf_ + sizeof buf_, v).ptr - buf_);
}

void resp_arg::format_unsigned(std::uint64_t v) noexcept {
  inline_ = true;
  size_ = static_cast<std::size_t>(std::to_chars(buf_, buf_ + sizeof buf_, v).ptr - buf_);
}

std::size_t encoded_size(std::span<const resp_arg> args) noexcept {
  std::size_t n = 3 + decimal_digits(args.size());
  for (const resp_arg& a : args) {
    const std::size_t len = a.view().size();
    n += 1 + decimal_digits(len) + 2 + len + 2;
  }
  return n;
}

void append_command(std::string& out, std::span<const resp_arg> args) {
  const std::size_t start = out.size();
  out.resize(start + encoded_size(args));  // the one growth for this command
  char* p = out.data() + start;
  p = put_header(p, '*', args.size());
  for (const resp_arg& a : args) {
    const std::string_view v = a.view();
    p = put_bytes(put_header(p, '$', v.size()), v);
    *p++ = '\r';
    *p++ = '\n';
  }
}

char* put_array_header(char* p, std::size_t count) noexcept { return put_header(p, '*', count); }

char* put_bulk(char* p, std::string_view bytes) noexcept {
  p = put_bytes(put_header(p, '$', bytes.size()), bytes);
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

char* put_bulk(char* p, std::string_view a, std::string_view b) noexcept {
  p = put_bytes(put_bytes(put_header(p, '$', a.size() + b.size()), a), b);
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

// One growth per piece (not one per header, payload and CRLF).
void append_array_header(std::string& out, std::size_t count) {
  const std::size_t at = out.size();
  out.resize(at + array_header_size(count));
  put_array_header(out.data() + at, count);
}

void append_bulk(std::string& out, std::string_view bytes) {
  const std::size_t at = out.size();
  out.resize(at + bulk_size(bytes.size()));
  put_bulk(out.data() + at, bytes);
}

void append_bulk(std::string& out, std::string_view a, std::string_view b) {
  const std::size_t at = out.size();
  out.resize(at + bulk_size(a.size() + b.size()));
  put_bulk(out.data() + at, a, b);
}

}  // namespace tickgate::storage

#include "storage/resp_encoder.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace tickgate::storage {
namespace {

std::size_t decimal_digits(std::size_t v) noexcept {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

// Writes `<marker><n>\r\n` at p; returns the end.
char* put_header(char* p, char marker, std::size_t n) noexcept {
  *p++ = marker;
  p = std::to_chars(p, p + 20, n).ptr;
  *p++ = '\r';
  *p++ = '\n';
  return p;
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
  const auto r = std::to_chars(buf_, buf_ + sizeof buf_, v);  // shortest round-trip
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
    p = put_header(p, '$', v.size());
    if (!v.empty()) std::memcpy(p, v.data(), v.size());
    p += v.size();
    *p++ = '\r';
    *p++ = '\n';
  }
}

void append_array_header(std::string& out, std::size_t count) {
  char buf[24];
  const char* end = put_header(buf, '*', count);
  out.append(buf, static_cast<std::size_t>(end - buf));
}

void append_bulk(std::string& out, std::string_view bytes) {
  char buf[24];
  const char* end = put_header(buf, '$', bytes.size());
  out.append(buf, static_cast<std::size_t>(end - buf));
  out.append(bytes);
  out.append("\r\n", 2);
}

void append_bulk(std::string& out, std::string_view a, std::string_view b) {
  char buf[24];
  const char* end = put_header(buf, '$', a.size() + b.size());
  out.append(buf, static_cast<std::size_t>(end - buf));
  out.append(a);
  out.append(b);
  out.append("\r\n", 2);
}

}  // namespace tickgate::storage

// RESP command encoding: every command is an array of bulk strings
// (`*<n>\r\n` then `$<len>\r\n<bytes>\r\n` per argument), appended to a
// buffer the caller owns. Pipelining is appending many commands and writing
// the buffer once.
//
// No allocation per argument: numbers are formatted into the argument object
// on the stack, and append_command() grows the output once per command. The
// output buffer itself is reused by the connection, so in steady state
// encoding does not allocate at all.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace tickgate::storage {

// One command argument: a view of caller-owned bytes (valid for the call), or
// an integer/double formatted in place. Doubles use the shortest text that
// round-trips (std::to_chars), in fixed notation for 1e-4 <= |v| < 1e15
// ("100000", not "1e+05") and scientific beyond.
class resp_arg {
public:
  resp_arg(std::string_view s) noexcept : ptr_(s.data()), size_(s.size()) {}
  resp_arg(const char* s) noexcept : resp_arg(std::string_view(s)) {}
  resp_arg(const std::string& s) noexcept : resp_arg(std::string_view(s)) {}
  template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, char>) resp_arg(T v)
  noexcept {
    if constexpr (std::is_signed_v<T>) {
      format_integer(static_cast<std::int64_t>(v));
    } else {
      format_unsigned(static_cast<std::uint64_t>(v));
    }
  }
  resp_arg(double v) noexcept;

  resp_arg(const resp_arg& other) noexcept { *this = other; }
  resp_arg& operator=(const resp_arg& other) noexcept;

  std::string_view view() const noexcept {
    return inline_ ? std::string_view(buf_, size_) : std::string_view(ptr_, size_);
  }

private:
  void format_integer(std::int64_t v) noexcept;
  void format_unsigned(std::uint64_t v) noexcept;

  const char* ptr_ = nullptr;
  std::size_t size_ = 0;
  bool inline_ = false;
  char buf_[32] = {};
};

// Appends one command. Precondition: !args.empty().
void append_command(std::string& out, std::span<const resp_arg> args);
inline void append_command(std::string& out, std::initializer_list<resp_arg> args) {
  append_command(out, std::span<const resp_arg>(args.begin(), args.size()));
}
// Anything append_command() takes as one argument.
template <class T>
concept resp_argument = std::constructible_from<resp_arg, const T&>;

// append_command(out, "SET", key, value, "EX", 10)
template <resp_argument First, resp_argument... Rest>
void append_command(std::string& out, const First& first, const Rest&... rest) {
  const resp_arg list[] = {resp_arg(first), resp_arg(rest)...};
  append_command(out, std::span<const resp_arg>(list));
}

// Building blocks for commands whose argument count is only known at run
// time (XADD with a field list): the array header, then each argument.
void append_array_header(std::string& out, std::size_t count);
void append_bulk(std::string& out, std::string_view bytes);
// One bulk string made of a + b (a key prefix and a symbol) without building
// the concatenation first.
void append_bulk(std::string& out, std::string_view a, std::string_view b);

// Bytes append_command() would append.
std::size_t encoded_size(std::span<const resp_arg> args) noexcept;

// For hot-path encoders that size the output once and then write through a
// pointer (stream_sink's XADD): exact sizes, and writers that return the
// end of what they wrote. The caller guarantees the room.
constexpr std::size_t decimal_digits(std::size_t v) noexcept {
  std::size_t n = 1;
  for (; v >= 10; v /= 10) ++n;
  return n;
}
// "*<count>\r\n"
constexpr std::size_t array_header_size(std::size_t count) noexcept {
  return 3 + decimal_digits(count);
}
// "$<len>\r\n<bytes>\r\n"
constexpr std::size_t bulk_size(std::size_t len) noexcept {
  return 5 + decimal_digits(len) + len;
}
char* put_array_header(char* p, std::size_t count) noexcept;
char* put_bulk(char* p, std::string_view bytes) noexcept;
char* put_bulk(char* p, std::string_view a, std::string_view b) noexcept;

}  // namespace tickgate::storage

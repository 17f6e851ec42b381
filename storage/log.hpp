// Process-wide structured logging: one JSON object per line on stdout.
//
// It lives in storage/ because storage is the lowest layer that does I/O and
// both storage and gateway log; protocol/ never logs (it returns errors).
// Single-threaded by design (one io_context, one thread); the simulator and
// tests may log from their own thread, which is safe because each line is
// written with one fwrite.
//
// Never pass a secret as a field: callers hold secrets in gateway::secret,
// which has no string conversion.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace tickgate::log {

enum class level : std::uint8_t { debug, info, warn, error };

std::string_view level_name(level l) noexcept;
// "debug" | "info" | "warn" | "error"; false when unknown.
bool parse_level(std::string_view text, level& out) noexcept;

struct field {
  std::string_view key;
  std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool> value;

  field(std::string_view k, std::string_view v) : key(k), value(v) {}
  field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  field(std::string_view k, bool v) : key(k), value(v) {}
  field(std::string_view k, double v) : key(k), value(v) {}
  field(std::string_view k, std::int64_t v) : key(k), value(v) {}
  field(std::string_view k, std::uint64_t v) : key(k), value(v) {}
  field(std::string_view k, int v) : key(k), value(std::int64_t{v}) {}
  field(std::string_view k, unsigned v) : key(k), value(std::uint64_t{v}) {}
  field(std::string_view k, long long v) : key(k), value(static_cast<std::int64_t>(v)) {}
  field(std::string_view k, unsigned long long v) : key(k), value(static_cast<std::uint64_t>(v)) {}
};

// `s` as a JSON string literal: quotes, backslash and control characters
// (and DEL) escaped; other bytes, UTF-8 included, copied as they are.
void append_json_string(std::string& out, std::string_view s);

void set_min_level(level l) noexcept;
level min_level() noexcept;
bool enabled(level l) noexcept;

// Replaces the output (default: stdout). Tests capture lines with it.
void set_output(std::function<void(std::string_view line)> output);

// {"ts":"2026-11-23T20:29:43.123Z","level":"info","component":"feed",
//  "msg":"connected","conn":0,…}\n
std::string format_line(level l, std::string_view component, std::string_view message,
                        std::initializer_list<field> fields);

void write(level l, std::string_view component, std::string_view message,
           std::initializer_list<field> fields = {});

inline void debug(std::string_view component, std::string_view message,
                  std::initializer_list<field> fields = {}) {
  if (enabled(level::debug)) write(level::debug, component, message, fields);
}
inline void info(std::string_view component, std::string_view message,
                 std::initializer_list<field> fields = {}) {
  if (enabled(level::info)) write(level::info, component, message, fields);
}
inline void warn(std::string_view component, std::string_view message,
                 std::initializer_list<field> fields = {}) {
  if (enabled(level::warn)) write(level::warn, component, message, fields);
}
inline void error(std::string_view component, std::string_view message,
                  std::initializer_list<field> fields = {}) {
  write(level::error, component, message, fields);
}

}  // namespace tickgate::log

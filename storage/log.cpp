#include "storage/log.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace tickgate::log {
namespace {

std::atomic<level> g_min_level{level::info};

std::function<void(std::string_view)>& output_slot() {
  static std::function<void(std::string_view)> slot;
  return slot;
}


template <class T>
void append_number(std::string& out, T v) {
  std::array<char, 32> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec == std::errc{}) out.append(buf.data(), end);
}

void append_utc_now(std::string& out) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 40> buf{};
  const int n = std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                              tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  if (n > 0) out.append(buf.data(), static_cast<std::size_t>(n));
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += "\\u00";
          out.push_back(hex[u >> 4]);
          out.push_back(hex[u & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

std::string_view level_name(level l) noexcept {
  switch (l) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
  }
  return "error";
}

bool parse_level(std::string_view text, level& out) noexcept {
  for (level l : {level::debug, level::info, level::warn, level::error}) {
    if (text == level_name(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

void set_min_level(level l) noexcept { g_min_level.store(l, std::memory_order_relaxed); }
level min_level() noexcept { return g_min_level.load(std::memory_order_relaxed); }
bool enabled(level l) noexcept { return l >= min_level(); }

void set_output(std::function<void(std::string_view)> output) {
  output_slot() = std::move(output);
}

std::string format_line(level l, std::string_view component, std::string_view message,
                        std::initializer_list<field> fields) {
  std::string line;
  line.reserve(160);
  line += "{\"ts\":\"";
  append_utc_now(line);
  line += "\",\"level\":\"";
  line += level_name(l);
  line += "\",\"component\":";
  append_json_string(line, component);
  line += ",\"msg\":";
  append_json_string(line, message);
  for (const field& f : fields) {
    line.push_back(',');
    append_json_string(line, f.key);
    line.push_back(':');
    std::visit(
        [&line](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string_view>) {
            append_json_string(line, v);
          } else if constexpr (std::is_same_v<T, bool>) {
            line += v ? "true" : "false";
          } else if constexpr (std::is_same_v<T, double>) {
            if (!std::isfinite(v)) {  // NaN and infinities are not JSON
              line += "null";
            } else {
              append_number(line, v);
            }
          } else {
            append_number(line, v);
          }
        },
        f.value);
  }
  line += "}\n";
  return line;
}

void write(level l, std::string_view component, std::string_view message,
           std::initializer_list<field> fields) {
  const std::string line = format_line(l, component, message, fields);
  if (auto& out = output_slot()) {
    out(line);
    return;
  }
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace tickgate::log

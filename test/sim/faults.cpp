#include "test/sim/faults.hpp"

#include "test/sim/websocket_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace tickgate::sim {
namespace {

namespace json = boost::json;

constexpr std::array<std::pair<std::string_view, fault_kind>, 10> kinds{{
    {"drop", fault_kind::drop},
    {"close", fault_kind::close},
    {"stall", fault_kind::stall},
    {"garbage", fault_kind::garbage},
    {"truncated", fault_kind::truncated},
    {"huge", fault_kind::huge},
    {"reject_handshakes", fault_kind::reject_handshakes},
    {"expire_sessions", fault_kind::expire_sessions},
    {"reject_logins", fault_kind::reject_logins},
    {"reset", fault_kind::reset},
}};

// An integer member in [lo, hi]; `fallback` when absent; nullopt when present
// but not such an integer.
std::optional<std::int64_t> int_member(const json::object& o, std::string_view name,
                                       std::int64_t lo, std::int64_t hi, std::int64_t fallback) {
  const auto* v = o.if_contains(name);
  if (v == nullptr) return fallback;
  std::int64_t n = 0;
  if (v->is_int64())
    n = v->get_int64();
  else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(hi))
    n = static_cast<std::int64_t>(v->get_uint64());
  else
    return std::nullopt;
  if (n < lo || n > hi) return std::nullopt;
  return n;
}

// The 27-byte common header (§3.1): mode, exchange type, NUL-padded token.
void append_header(std::string& payload, std::uint8_t mode_byte, std::string_view token) {
  payload.push_back(static_cast<char>(mode_byte));
  payload.push_back(static_cast<char>(1));  // nse_cm
  payload.append(token);
  payload.append(25 - token.size(), '\0');
}

std::string framed(const std::string& payload) {
  std::string out;
  out.reserve(frame_header_size(payload.size()) + payload.size());
  append_frame(out, ws_opcode::binary, payload);
  return out;
}

}  // namespace

std::string make_garbage_frame(std::uint64_t i) {
  std::string payload;
  append_header(payload, static_cast<std::uint8_t>(5 + i % 251), "GARBAGE");
  std::uint64_t x = 0x9E3779B97F4A7C15ULL * (i + 1);
  while (payload.size() < 51) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    payload.push_back(static_cast<char>(x & 0xFF));
  }
  return framed(payload);
}

std::string make_truncated_frame(std::uint64_t i) {
  std::string payload;
  append_header(payload, 2, "TRUNCATED");  // a Quote frame is 123 bytes (§3.3)
  const std::size_t size = i % 4 == 0 ? 10 : 27 + static_cast<std::size_t>((i * 13) % 96);
  payload.resize(size, '\x01');
  return framed(payload);
}

std::string make_huge_frame(std::size_t bytes) {
  std::string payload;
  payload.reserve(std::max<std::size_t>(bytes, 27));
  append_header(payload, 3, "HUGE");  // SnapQuote (§3.4)
  payload.resize(bytes, '\0');
  return framed(payload);
}

std::string_view fault_kind_name(fault_kind k) noexcept {
  for (const auto& [name, kind] : kinds) {
    if (kind == k) return name;
  }
  return "unknown";
}

boost::system::result<fault> parse_fault(std::string_view text) {
  boost::system::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) return errc::bad_fault;
  const json::object& o = root.get_object();
  const auto* kind_value = o.if_contains("kind");
  if (kind_value == nullptr || !kind_value->is_string()) return errc::bad_fault;
  fault f;
  bool known = false;
  for (const auto& [name, kind] : kinds) {
    if (kind_value->get_string() == name) {
      f.kind = kind;
      known = true;
    }
  }
  if (!known) return errc::bad_fault;

  if (o.contains("connection")) {
    const auto id = int_member(o, "connection", 0, INT64_MAX, 0);
    if (!id) return errc::bad_fault;
    f.connection = static_cast<std::uint64_t>(*id);
  }
  const auto count = int_member(o, "count", 1, 1'000'000, 1);
  if (!count) return errc::bad_fault;
  f.count = static_cast<std::uint64_t>(*count);

  switch (f.kind) {
    case fault_kind::stall: {
      const auto* s = o.if_contains("seconds");
      if (s == nullptr || !s->is_number()) return errc::bad_fault;
      f.seconds = s->to_number<double>();
      if (!std::isfinite(f.seconds) || f.seconds <= 0 || f.seconds > 3600) return errc::bad_fault;
      break;
    }
    case fault_kind::huge: {
      const auto bytes = int_member(o, "bytes", 1, max_huge_frame_bytes, 0);
      if (!bytes || *bytes == 0) return errc::bad_fault;
      f.bytes = static_cast<std::size_t>(*bytes);
      break;
    }
    case fault_kind::reject_handshakes: {
      const auto status = int_member(o, "status", 401, 429, 401);
      if (!status || (*status != 401 && *status != 429)) return errc::bad_fault;
      f.status = static_cast<unsigned>(*status);
      break;
    }
    case fault_kind::reject_logins: {
      const auto status = int_member(o, "status", 200, 429, 429);
      if (!status || (*status != 200 && *status != 429)) return errc::bad_fault;
      f.status = static_cast<unsigned>(*status);
      break;
    }
    case fault_kind::close: {
      const auto code = int_member(o, "code", 1000, 4999, 1001);
      if (!code) return errc::bad_fault;
      f.close_code = static_cast<std::uint16_t>(*code);
      break;
    }
    default: break;
  }
  return f;
}

}  // namespace tickgate::sim

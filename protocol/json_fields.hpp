// Internal to protocol/: typed member access on a parsed Boost.JSON object,
// reporting absent members as missing_field and wrongly typed ones as
// bad_field. Nothing here throws on bad input.
#pragma once

#include "protocol/errc.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <string_view>

namespace tickgate::protocol::detail {

// Parses `text` as JSON whose top level must be an object; bad_json otherwise.
// The returned value owns its storage (default resource).
inline boost::system::result<boost::json::value> parse_json_object(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return make_error_code(errc::bad_json);
  return v;
}

// The member or nullptr.
inline const boost::json::value* find_member(const boost::json::object& o,
                                             std::string_view key) noexcept {
  return o.if_contains(key);
}

inline boost::system::result<std::string_view> string_member(const boost::json::object& o,
                                                             std::string_view key) {
  const auto* v = find_member(o, key);
  if (v == nullptr) return make_error_code(errc::missing_field);
  if (!v->is_string()) return make_error_code(errc::bad_field);
  return std::string_view(v->get_string());
}

// An integral JSON number (no fraction, no exponent) within [lo, hi].
inline boost::system::result<std::int64_t> int_member(const boost::json::object& o,
                                                      std::string_view key, std::int64_t lo,
                                                      std::int64_t hi) {
  const auto* v = find_member(o, key);
  if (v == nullptr) return make_error_code(errc::missing_field);
  // Boost.JSON stores integers that fit as int64; uint64 only holds values
  // above INT64_MAX, outside every range used here.
  if (!v->is_int64()) return make_error_code(errc::bad_field);
  const std::int64_t n = v->get_int64();
  if (n < lo || n > hi) return make_error_code(errc::bad_field);
  return n;
}

}  // namespace tickgate::protocol::detail

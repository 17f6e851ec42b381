// Client → server JSON text frames: subscribe / unsubscribe (§2), and the
// server → client text frames: "pong" and error JSON (§5.1).
#pragma once

#include "protocol/errc.hpp"
#include "protocol/tick.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tickgate::protocol {

enum class action : std::uint8_t { unsubscribe = 0, subscribe = 1 };

struct token_group {
  std::uint8_t exchange_type = 0;
  std::vector<std::string> tokens;  // sent as JSON strings
  friend bool operator==(const token_group&, const token_group&) = default;
};

struct subscription_request {
  std::string correlation_id;  // empty: member omitted
  action request_action = action::subscribe;
  mode request_mode = mode::ltp;
  std::vector<token_group> groups;
  friend bool operator==(const subscription_request&, const subscription_request&) = default;
};

// {"correlationID":"…","action":1,"params":{"mode":1,"tokenList":[
//   {"exchangeType":1,"tokens":["10626"]}]}}
std::string encode_subscription_request(const subscription_request& request);

// Inverse of encode (the simulator's side). Errors: bad_json (not JSON or not
// an object), missing_field (action, params, params.mode, params.tokenList,
// exchangeType, tokens), bad_field (wrong type; mode outside 1–4; exchangeType
// outside 0–255; a token that is not a string or fails is_valid_token),
// unknown_action (an integer other than 0 or 1). correlationID is optional.
// Unknown exchange types are accepted: the server ignores them (§2.2).
boost::system::result<subscription_request> parse_subscription_request(std::string_view json);

// A 10-character alphanumeric correlation ID (§2.1 "safe choice") derived
// from a counter, so IDs are unique per process and reproducible in tests:
// fixed-width base 62, distinct for every counter below 62^10 (~8.4e17).
std::string make_correlation_id(std::uint64_t counter);

// Server text frames.
struct server_pong {};
struct server_error {
  std::string correlation_id;
  std::string code;     // "E1001", "E1002", …
  std::string message;
  friend bool operator==(const server_error&, const server_error&) = default;
};
struct server_unknown {
  std::string text;  // anything else, kept verbatim (bounded by the caller)
};
using server_message = std::variant<server_pong, server_error, server_unknown>;

// "pong" (exact, surrounding whitespace ignored) → server_pong; a JSON object
// with errorCode → server_error (a non-string code or message is kept as its
// JSON text; absent ones are ""); anything else → server_unknown. Never
// throws on any input.
server_message parse_server_text(std::string_view text);

std::string encode_server_error(const server_error& error);

}  // namespace tickgate::protocol

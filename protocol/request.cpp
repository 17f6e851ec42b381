// Subscription requests (smartstream-protocol.md §2.1) and server text frames
// (§5.1).
#include "protocol/request.hpp"

#include "protocol/json_fields.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <limits>

namespace tickgate::protocol {

namespace json = boost::json;

std::string encode_subscription_request(const subscription_request& request) {
  // json::object keeps insertion order, which gives exactly the §2.1 shape:
  // correlationID (when set), action, params{mode, tokenList[{exchangeType,
  // tokens}]}.
  json::object root;
  if (!request.correlation_id.empty()) root["correlationID"] = request.correlation_id;
  root["action"] = static_cast<std::int64_t>(request.request_action);
  json::object params;
  params["mode"] = static_cast<std::int64_t>(request.request_mode);
  json::array token_list;
  token_list.reserve(request.groups.size());
  for (const auto& group : request.groups) {
    json::object entry;
    entry["exchangeType"] = static_cast<std::int64_t>(group.exchange_type);
    json::array tokens;
    tokens.reserve(group.tokens.size());
    for (const auto& token : group.tokens) tokens.emplace_back(json::string(token));
    entry["tokens"] = std::move(tokens);
    token_list.emplace_back(std::move(entry));
  }
  params["tokenList"] = std::move(token_list);
  root["params"] = std::move(params);
  return json::serialize(root);
}

boost::system::result<subscription_request> parse_subscription_request(std::string_view text) {
  auto parsed = detail::parse_json_object(text);
  if (!parsed) return parsed.error();
  const json::object& root = parsed->get_object();

  subscription_request request;
  if (const auto* id = detail::find_member(root, "correlationID")) {
    if (!id->is_string()) return errc::bad_field;
    request.correlation_id = id->get_string();
  }

  const auto raw_action =
      detail::int_member(root, "action", std::numeric_limits<std::int64_t>::min(),
                         std::numeric_limits<std::int64_t>::max());
  if (!raw_action) return raw_action.error();
  if (*raw_action != 0 && *raw_action != 1) return errc::unknown_action;
  request.request_action = static_cast<action>(*raw_action);

  const auto* params_value = detail::find_member(root, "params");
  if (params_value == nullptr) return errc::missing_field;
  if (!params_value->is_object()) return errc::bad_field;
  const json::object& params = params_value->get_object();

  const auto raw_mode = detail::int_member(params, "mode", 1, 4);
  if (!raw_mode) return raw_mode.error();
  request.request_mode = static_cast<mode>(*raw_mode);

  const auto* list_value = detail::find_member(params, "tokenList");
  if (list_value == nullptr) return errc::missing_field;
  if (!list_value->is_array()) return errc::bad_field;
  const json::array& list = list_value->get_array();
  request.groups.reserve(list.size());
  for (const auto& entry_value : list) {
    if (!entry_value.is_object()) return errc::bad_field;
    const json::object& entry = entry_value.get_object();
    // Any byte value: the server ignores unknown exchange types (§2.2), so
    // deciding about them is the receiver's business, not the parser's.
    const auto exchange_type = detail::int_member(entry, "exchangeType", 0, 255);
    if (!exchange_type) return exchange_type.error();
    const auto* tokens_value = detail::find_member(entry, "tokens");
    if (tokens_value == nullptr) return errc::missing_field;
    if (!tokens_value->is_array()) return errc::bad_field;

    token_group group;
    group.exchange_type = static_cast<std::uint8_t>(*exchange_type);
    group.tokens.reserve(tokens_value->get_array().size());
    for (const auto& token : tokens_value->get_array()) {
      // Tokens are JSON strings (§2.1) that must fit a frame's token field.
      if (!token.is_string() || !is_valid_token(token.get_string())) return errc::bad_field;
      group.tokens.emplace_back(token.get_string());
    }
    request.groups.push_back(std::move(group));
  }
  return request;
}

std::string make_correlation_id(std::uint64_t counter) {
  // Fixed-width base 62, most significant digit first: injective on
  // [0, 62^10) (about 8.4e17 IDs, far beyond any process lifetime), then
  // wrapping modulo 62^10.
  static constexpr std::string_view digits =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string id(10, '0');
  for (std::size_t i = id.size(); i-- > 0;) {
    id[i] = digits[counter % digits.size()];
    counter /= digits.size();
  }
  return id;
}

namespace {

std::string_view trim(std::string_view s) noexcept {
  constexpr std::string_view space = " \t\r\n";
  const auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

// errorCode is documented as a string ("E1002"); a number is kept as its JSON
// text rather than dropped.
std::string text_of(const json::value* v) {
  if (v == nullptr || v->is_null()) return {};
  if (v->is_string()) return std::string(v->get_string());
  return json::serialize(*v);
}

}  // namespace

server_message parse_server_text(std::string_view text) {
  const std::string_view trimmed = trim(text);
  if (trimmed == "pong") return server_pong{};
  if (!trimmed.empty() && trimmed.front() == '{') {
    if (auto parsed = detail::parse_json_object(trimmed)) {
      const json::object& o = parsed->get_object();
      if (const auto* code = detail::find_member(o, "errorCode")) {
        return server_error{text_of(detail::find_member(o, "correlationID")), text_of(code),
                            text_of(detail::find_member(o, "errorMessage"))};
      }
    }
  }
  return server_unknown{std::string(text)};
}

std::string encode_server_error(const server_error& error) {
  // §5.1: {"correlationID":"…","errorCode":"E1002","errorMessage":"…"}
  json::object o;
  o["correlationID"] = error.correlation_id;
  o["errorCode"] = error.code;
  o["errorMessage"] = error.message;
  return json::serialize(o);
}

}  // namespace tickgate::protocol

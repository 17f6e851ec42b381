// SmartAPI REST login bodies and envelopes (smartstream-protocol.md §6.1,
// §6.2).
#include "protocol/login.hpp"

#include "protocol/json_fields.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace tickgate::protocol {

namespace json = boost::json;

std::string encode_login_request(const login_request& request) {
  json::object o;
  o["clientcode"] = request.client_code;
  o["password"] = request.pin;
  o["totp"] = request.totp;
  return json::serialize(o);
}

boost::system::result<login_request> parse_login_request(std::string_view text) {
  auto parsed = detail::parse_json_object(text);
  if (!parsed) return parsed.error();
  const json::object& o = parsed->get_object();
  const auto client_code = detail::string_member(o, "clientcode");
  if (!client_code) return client_code.error();
  const auto pin = detail::string_member(o, "password");
  if (!pin) return pin.error();
  const auto totp = detail::string_member(o, "totp");
  if (!totp) return totp.error();
  return login_request{std::string(*client_code), std::string(*pin), std::string(*totp)};
}

std::string encode_refresh_request(std::string_view refresh_token) {
  json::object o;
  o["refreshToken"] = refresh_token;
  return json::serialize(o);
}

boost::system::result<std::string> parse_refresh_request(std::string_view text) {
  auto parsed = detail::parse_json_object(text);
  if (!parsed) return parsed.error();
  const auto token = detail::string_member(parsed->get_object(), "refreshToken");
  if (!token) return token.error();
  return std::string(*token);
}

namespace {

// An optional string member: absent or null → "", a string → its value,
// anything else → bad_field.
boost::system::result<std::string> optional_string(const json::object& o, std::string_view key) {
  const auto* v = detail::find_member(o, key);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return make_error_code(errc::bad_field);
  return std::string(v->get_string());
}

// The first of two spellings that is present (§6.1: "status"/"errorcode" and
// "success"/"errorCode").
const json::value* either_member(const json::object& o, std::string_view a, std::string_view b) {
  const auto* v = detail::find_member(o, a);
  return v != nullptr ? v : detail::find_member(o, b);
}

// §1.2: some SDKs hand the JWT around as "Bearer <jwt>"; keep the bare token.
std::string strip_bearer(std::string_view jwt) {
  constexpr std::string_view prefix = "bearer ";
  const auto lower = [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
  };
  if (jwt.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), jwt.begin(),
                                                [&](char p, char c) { return p == lower(c); })) {
    jwt.remove_prefix(prefix.size());
  }
  return std::string(jwt);
}

}  // namespace

boost::system::result<login_response> parse_login_response(std::string_view body) {
  auto parsed = detail::parse_json_object(body);
  if (!parsed) return parsed.error();
  const json::object& o = parsed->get_object();

  const auto* status = either_member(o, "status", "success");
  if (status == nullptr) return errc::missing_field;
  if (!status->is_bool()) return errc::bad_field;

  login_response response;
  response.ok = status->get_bool();
  auto message = optional_string(o, "message");
  if (!message) return message.error();
  response.message = std::move(*message);

  const auto* code = either_member(o, "errorcode", "errorCode");
  if (code != nullptr && !code->is_null()) {
    if (!code->is_string()) return errc::bad_field;
    response.error_code = code->get_string();
  }

  // data: an object on success; on failure null, "null", "" or (rarely) an
  // object. Anything else is not a login envelope.
  const auto* data = detail::find_member(o, "data");
  const bool data_is_object = data != nullptr && data->is_object();
  if (data != nullptr && !data_is_object && !data->is_null() && !data->is_string()) {
    return errc::bad_field;
  }
  if (!response.ok) return response;

  if (!data_is_object) return errc::missing_field;
  const json::object& d = data->get_object();
  const auto jwt = detail::string_member(d, "jwtToken");
  if (!jwt) return jwt.error();
  response.tokens.jwt = strip_bearer(*jwt);
  if (response.tokens.jwt.empty()) return errc::bad_field;
  auto refresh = optional_string(d, "refreshToken");
  if (!refresh) return refresh.error();
  response.tokens.refresh = std::move(*refresh);
  auto feed = optional_string(d, "feedToken");
  if (!feed) return feed.error();
  response.tokens.feed = std::move(*feed);
  return response;
}

std::string encode_login_success(const session_tokens& tokens) {
  // §6.1 success envelope.
  json::object data;
  data["jwtToken"] = tokens.jwt;
  data["refreshToken"] = tokens.refresh;
  data["feedToken"] = tokens.feed;
  json::object o;
  o["status"] = true;
  o["message"] = "SUCCESS";
  o["errorcode"] = "";
  o["data"] = std::move(data);
  return json::serialize(o);
}

std::string encode_login_failure(std::string_view error_code, std::string_view message,
                                 envelope_shape shape) {
  // §6.1 failure envelopes, verbatim shapes:
  //   {"status":false,"message":"…","errorcode":"AB1007","data":null}
  //   {"success":false,"message":"…","errorCode":"AG8001","data":""}
  json::object o;
  if (shape == envelope_shape::status) {
    o["status"] = false;
    o["message"] = message;
    o["errorcode"] = error_code;
    o["data"] = nullptr;
  } else {
    o["success"] = false;
    o["message"] = message;
    o["errorCode"] = error_code;
    o["data"] = "";
  }
  return json::serialize(o);
}

}  // namespace tickgate::protocol

// SmartAPI REST login (§6): loginByPassword and generateTokens bodies and
// their response envelopes, both shapes ("status"/"errorcode" and
// "success"/"errorCode").
#pragma once

#include "protocol/errc.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace tickgate::protocol {

inline constexpr std::string_view login_path = "/rest/auth/angelbroking/user/v1/loginByPassword";
inline constexpr std::string_view refresh_path = "/rest/auth/angelbroking/jwt/v1/generateTokens";

struct login_request {
  std::string client_code;
  std::string pin;   // sent as "password"
  std::string totp;  // 6 digits
};

// {"clientcode":"…","password":"…","totp":"…"}
std::string encode_login_request(const login_request& request);
boost::system::result<login_request> parse_login_request(std::string_view json);

// {"refreshToken":"…"}
std::string encode_refresh_request(std::string_view refresh_token);
boost::system::result<std::string> parse_refresh_request(std::string_view json);

struct session_tokens {
  std::string jwt;      // data.jwtToken (may arrive with a "Bearer " prefix: stripped)
  std::string refresh;  // data.refreshToken (absent in some refresh replies)
  std::string feed;     // data.feedToken (absent in some refresh replies)
};

struct login_response {
  bool ok = false;
  session_tokens tokens;    // when ok
  std::string error_code;   // "AB1007", "AB1050", "AG8001", … when !ok
  std::string message;
};

// Parses either envelope. A well-formed failure envelope is a value with
// ok == false, not an error; errors mean the body is not a login envelope
// (bad_json, missing_field, bad_field), including ok == true without jwtToken.
// Details: "status" or "success" must be a bool (missing_field / bad_field);
// "message" and "errorcode"/"errorCode" are optional strings (null → "");
// "data" may be an object, null or a string ("null" and "" are seen; another
// type is bad_field); on success data must be an object with a non-empty string
// jwtToken ("Bearer " prefix stripped, case-insensitively); refreshToken and
// feedToken are optional strings ("" when absent).
boost::system::result<login_response> parse_login_response(std::string_view body);

// {"status":true,"message":"SUCCESS","errorcode":"","data":{"jwtToken":…,
//  "refreshToken":…,"feedToken":…}}
std::string encode_login_success(const session_tokens& tokens);

// The two failure envelope shapes seen from the real service (§6.1).
enum class envelope_shape {
  status,   // {"status":false,"message":…,"errorcode":…,"data":null}
  success,  // {"success":false,"message":…,"errorCode":…,"data":""}
};
std::string encode_login_failure(std::string_view error_code, std::string_view message,
                                 envelope_shape shape = envelope_shape::status);

}  // namespace tickgate::protocol

// SmartAPI login bodies and both response envelopes (§6.1, §6.2).
#define BOOST_TEST_MODULE login_test
#include <boost/test/unit_test.hpp>

#include "protocol/login.hpp"

#include <string>

namespace tickgate::test {
namespace {

using protocol::errc;

void check_error(std::string_view body, errc expected) {
  const auto parsed = protocol::parse_login_response(body);
  BOOST_TEST_REQUIRE(parsed.has_error(), body);
  BOOST_TEST(parsed.error() == make_error_code(expected),
             body << " → " << parsed.error().message());
}

protocol::login_response parse_ok(std::string_view body) {
  auto parsed = protocol::parse_login_response(body);
  BOOST_TEST_REQUIRE(parsed.has_value(), body << " → " << parsed.error().message());
  return std::move(parsed).value();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(requests)

BOOST_AUTO_TEST_CASE(login_request_shape_and_round_trip) {
  const protocol::login_request r{"D12345", "1234", "012345"};
  const std::string body = protocol::encode_login_request(r);
  BOOST_TEST(body == R"({"clientcode":"D12345","password":"1234","totp":"012345"})");
  const auto parsed = protocol::parse_login_request(body);
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST(parsed.value().client_code == "D12345");
  BOOST_TEST(parsed.value().pin == "1234");
  BOOST_TEST(parsed.value().totp == "012345");
}

BOOST_AUTO_TEST_CASE(login_request_escapes) {
  const protocol::login_request r{"D\"1", "p\\n", "0"};
  const auto parsed = protocol::parse_login_request(protocol::encode_login_request(r));
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST(parsed.value().client_code == "D\"1");
  BOOST_TEST(parsed.value().pin == "p\\n");
}

BOOST_AUTO_TEST_CASE(login_request_errors) {
  const struct {
    std::string_view body;
    errc expected;
  } cases[] = {
      {"", errc::bad_json},
      {"[]", errc::bad_json},
      {R"({"password":"1","totp":"1"})", errc::missing_field},
      {R"({"clientcode":"D","totp":"1"})", errc::missing_field},
      {R"({"clientcode":"D","password":"1"})", errc::missing_field},
      {R"({"clientcode":1,"password":"1","totp":"1"})", errc::bad_field},
      {R"({"clientcode":"D","password":1234,"totp":"1"})", errc::bad_field},
      {R"({"clientcode":"D","password":"1","totp":123456})", errc::bad_field},
  };
  for (const auto& c : cases) {
    const auto parsed = protocol::parse_login_request(c.body);
    BOOST_TEST_REQUIRE(parsed.has_error(), c.body);
    BOOST_TEST(parsed.error() == make_error_code(c.expected), c.body);
  }
}

BOOST_AUTO_TEST_CASE(refresh_request) {
  const std::string body = protocol::encode_refresh_request("rt-1");
  BOOST_TEST(body == R"({"refreshToken":"rt-1"})");
  const auto parsed = protocol::parse_refresh_request(body);
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST(parsed.value() == "rt-1");
  BOOST_TEST(protocol::parse_refresh_request("{}").error() == make_error_code(errc::missing_field));
  BOOST_TEST(protocol::parse_refresh_request(R"({"refreshToken":null})").error() ==
             make_error_code(errc::bad_field));
  BOOST_TEST(protocol::parse_refresh_request("nope").error() == make_error_code(errc::bad_json));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(responses)

BOOST_AUTO_TEST_CASE(success_status_envelope) {
  const auto r = parse_ok(
      R"({"status":true,"message":"SUCCESS","errorcode":"","data":{"jwtToken":"eyJ.a.b","refreshToken":"eyJ.r","feedToken":"eyJ.f"}})");
  BOOST_TEST(r.ok);
  BOOST_TEST(r.message == "SUCCESS");
  BOOST_TEST(r.error_code == "");
  BOOST_TEST(r.tokens.jwt == "eyJ.a.b");
  BOOST_TEST(r.tokens.refresh == "eyJ.r");
  BOOST_TEST(r.tokens.feed == "eyJ.f");
}

BOOST_AUTO_TEST_CASE(success_success_envelope) {
  const auto r =
      parse_ok(R"({"success":true,"message":"SUCCESS","errorCode":"","data":{"jwtToken":"j"}})");
  BOOST_TEST(r.ok);
  BOOST_TEST(r.tokens.jwt == "j");
  BOOST_TEST(r.tokens.refresh == "");  // absent in some refresh replies
  BOOST_TEST(r.tokens.feed == "");
}

BOOST_AUTO_TEST_CASE(bearer_prefix_is_stripped) {
  for (const std::string_view prefix : {"Bearer ", "bearer ", "BEARER "}) {
    const std::string body = R"({"status":true,"data":{"jwtToken":")" + std::string(prefix) +
                             R"(eyJ.x","feedToken":"f"}})";
    BOOST_TEST(parse_ok(body).tokens.jwt == "eyJ.x", prefix);
  }
  // Only a prefix, and only once.
  BOOST_TEST(parse_ok(R"({"status":true,"data":{"jwtToken":"xBearer y"}})").tokens.jwt ==
             "xBearer y");
  BOOST_TEST(parse_ok(R"({"status":true,"data":{"jwtToken":"Bearer Bearer y"}})").tokens.jwt ==
             "Bearer y");
}

// The three failure envelopes quoted in §6.1, verbatim, plus every `data`
// variant with both envelope shapes.
BOOST_AUTO_TEST_CASE(documented_failures) {
  auto r = parse_ok(
      R"({"status":false,"message":"Login Id or password is invalid","errorcode":"AB1007","data":"null"})");
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.error_code == "AB1007");
  BOOST_TEST(r.message == "Login Id or password is invalid");

  r = parse_ok(R"({"status":false,"message":"Invalid totp","errorcode":"AB1050","data":null})");
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.error_code == "AB1050");

  r = parse_ok(R"({"success":false,"message":"Invalid Token","errorCode":"AG8001","data":""})");
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.error_code == "AG8001");
  BOOST_TEST(r.message == "Invalid Token");
}

BOOST_AUTO_TEST_CASE(failure_with_every_data_variant) {
  for (const std::string_view status : {R"("status":false)", R"("success":false)"}) {
    for (const std::string_view data : {R"(,"data":null)", R"(,"data":"null")", R"(,"data":"")",
                                        R"(,"data":{})", R"(,"data":{"jwtToken":"j"})", ""}) {
      const std::string body = "{" + std::string(status) + R"(,"message":"m","errorcode":"E1")" +
                               std::string(data) + "}";
      const auto r = parse_ok(body);
      BOOST_TEST(!r.ok, body);
      BOOST_TEST(r.error_code == "E1", body);
      BOOST_TEST(r.tokens.jwt == "", body);
    }
  }
}

BOOST_AUTO_TEST_CASE(malformed_envelopes) {
  check_error("", errc::bad_json);
  check_error("<html>502 Bad Gateway</html>", errc::bad_json);
  check_error("[]", errc::bad_json);
  check_error(R"({"message":"x","data":null})", errc::missing_field);
  check_error(R"({"status":"true","data":{"jwtToken":"j"}})", errc::bad_field);
  check_error(R"({"status":1,"data":{"jwtToken":"j"}})", errc::bad_field);
  check_error(R"({"status":true,"message":5,"data":{"jwtToken":"j"}})", errc::bad_field);
  check_error(R"({"status":false,"errorcode":1007,"data":null})", errc::bad_field);
  check_error(R"({"status":false,"data":5})", errc::bad_field);
  check_error(R"({"status":false,"data":[]})", errc::bad_field);
  // ok without a usable jwtToken is not a login envelope.
  for (const std::string_view data : {"null", R"("null")", R"("")", "{}"}) {
    check_error(R"({"status":true,"data":)" + std::string(data) + "}", errc::missing_field);
    check_error(R"({"success":true,"data":)" + std::string(data) + "}", errc::missing_field);
  }
  check_error(R"({"status":true})", errc::missing_field);
  check_error(R"({"status":true,"data":{"jwtToken":null}})", errc::bad_field);
  check_error(R"({"status":true,"data":{"jwtToken":""}})", errc::bad_field);
  check_error(R"({"status":true,"data":{"jwtToken":"Bearer "}})", errc::bad_field);
  check_error(R"({"status":true,"data":{"jwtToken":"j","feedToken":7}})", errc::bad_field);
  check_error(R"({"status":true,"data":{"jwtToken":"j","refreshToken":[]}})", errc::bad_field);
}

BOOST_AUTO_TEST_CASE(encode_success_round_trips) {
  const protocol::session_tokens tokens{"eyJ.jwt", "eyJ.refresh", "eyJ.feed"};
  const std::string body = protocol::encode_login_success(tokens);
  BOOST_TEST(
      body ==
      R"({"status":true,"message":"SUCCESS","errorcode":"","data":{"jwtToken":"eyJ.jwt","refreshToken":"eyJ.refresh","feedToken":"eyJ.feed"}})");
  const auto r = parse_ok(body);
  BOOST_TEST(r.ok);
  BOOST_TEST(r.tokens.jwt == tokens.jwt);
  BOOST_TEST(r.tokens.refresh == tokens.refresh);
  BOOST_TEST(r.tokens.feed == tokens.feed);
}

BOOST_AUTO_TEST_CASE(encode_failure_both_shapes_round_trip) {
  std::string body = protocol::encode_login_failure("AB1050", "Invalid totp");
  BOOST_TEST(body ==
             R"({"status":false,"message":"Invalid totp","errorcode":"AB1050","data":null})");
  auto r = parse_ok(body);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.error_code == "AB1050");
  BOOST_TEST(r.message == "Invalid totp");

  body =
      protocol::encode_login_failure("AG8001", "Invalid Token", protocol::envelope_shape::success);
  BOOST_TEST(body ==
             R"({"success":false,"message":"Invalid Token","errorCode":"AG8001","data":""})");
  r = parse_ok(body);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.error_code == "AG8001");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace tickgate::test

// RFC 4648 base32 and RFC 6238 TOTP (§6.3).
#define BOOST_TEST_MODULE totp_test
#include <boost/test/unit_test.hpp>

#include "protocol/totp.hpp"

#include <string>
#include <vector>

namespace tickgate::test {
namespace {

using protocol::errc;

std::vector<std::uint8_t> bytes_of(std::string_view s) {
  return {s.begin(), s.end()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(base32)

// RFC 4648 §10 test vectors (the empty one aside: an empty secret is an error).
BOOST_AUTO_TEST_CASE(rfc4648_vectors) {
  const struct {
    std::string_view encoded;
    std::string_view decoded;
  } cases[] = {
      {"MY======", "f"},
      {"MZXQ====", "fo"},
      {"MZXW6===", "foo"},
      {"MZXW6YQ=", "foob"},
      {"MZXW6YTB", "fooba"},
      {"MZXW6YTBOI======", "foobar"},
      {"MZXW6YTBOI", "foobar"},
      {"mzxw6ytboi", "foobar"},
      {"MZXW 6YTB OI", "foobar"},
      {"JBSWY3DPEHPK3PXP", "Hello!\xDE\xAD\xBE\xEF"},
      {"jbsw y3dp ehpk 3pxp", "Hello!\xDE\xAD\xBE\xEF"},
  };
  for (const auto& c : cases) {
    const auto decoded = protocol::decode_base32(c.encoded);
    BOOST_TEST_REQUIRE(decoded.has_value(), c.encoded);
    BOOST_TEST((decoded.value() == bytes_of(c.decoded)), c.encoded);
  }
}

BOOST_AUTO_TEST_CASE(rejects_what_is_not_base32) {
  for (const std::string_view text : {"", "====", "   ", "A", "ABC", "ABCDEF", "ABCDEFGHA", "MZXW1",
                                      "MZXW8", "MZ-XW", "MZXW6YTB!", "ÄBCD"}) {
    const auto decoded = protocol::decode_base32(text);
    BOOST_TEST_REQUIRE(decoded.has_error(), text);
    BOOST_TEST(decoded.error() == make_error_code(errc::bad_base32), text);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(totp)

// RFC 6238 appendix B, SHA-1 rows: 8 digits, ASCII key "12345678901234567890".
BOOST_AUTO_TEST_CASE(rfc6238_sha1_vectors) {
  const auto key = bytes_of("12345678901234567890");
  const struct {
    std::int64_t time;
    std::string_view code;
  } cases[] = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
  };
  for (const auto& c : cases) {
    BOOST_TEST(protocol::totp_code(key, c.time, 8) == c.code, c.time);
    BOOST_TEST(protocol::verify_totp(key, c.code, c.time, 0, 8), c.time);
  }
}

// The simulator's demo secret; expected values computed independently with
// Python's hmac/hashlib (pyotp's algorithm).
BOOST_AUTO_TEST_CASE(demo_secret_six_digits) {
  const auto key = protocol::decode_base32("JBSWY3DPEHPK3PXP");
  BOOST_TEST_REQUIRE(key.has_value());
  const struct {
    std::int64_t time;
    std::string_view code;
  } cases[] = {
      {0, "282760"},          {59, "996554"},         {1111111109, "071271"},
      {1700000000, "324550"}, {1763900000, "705839"}, {2000000000, "890699"},
  };
  for (const auto& c : cases) {
    BOOST_TEST(protocol::totp_code(key.value(), c.time) == c.code, c.time);
    // Every second of the 30-second step gives the same code.
    const std::int64_t step_start = c.time - c.time % 30;
    BOOST_TEST(protocol::totp_code(key.value(), step_start) == c.code);
    BOOST_TEST(protocol::totp_code(key.value(), step_start + 29) == c.code);
  }
}

BOOST_AUTO_TEST_CASE(verify_accepts_the_window_and_nothing_else) {
  const auto key = protocol::decode_base32("JBSWY3DPEHPK3PXP").value();
  const std::int64_t now = 1700000000;
  const std::string current = protocol::totp_code(key, now);
  const std::string previous = protocol::totp_code(key, now - 30);
  const std::string next = protocol::totp_code(key, now + 30);
  const std::string two_back = protocol::totp_code(key, now - 60);
  BOOST_TEST(protocol::verify_totp(key, current, now));
  BOOST_TEST(protocol::verify_totp(key, previous, now));
  BOOST_TEST(protocol::verify_totp(key, next, now));
  BOOST_TEST(!protocol::verify_totp(key, two_back, now));
  BOOST_TEST(!protocol::verify_totp(key, previous, now, 0));
  BOOST_TEST(protocol::verify_totp(key, two_back, now, 2));

  // A wrong digit, a wrong length, non-digits, another key.
  std::string wrong = current;
  wrong[5] = wrong[5] == '9' ? '0' : static_cast<char>(wrong[5] + 1);
  BOOST_TEST(!protocol::verify_totp(key, wrong, now, 0));
  BOOST_TEST(!protocol::verify_totp(key, current.substr(0, 5), now));
  BOOST_TEST(!protocol::verify_totp(key, current + "0", now));
  BOOST_TEST(!protocol::verify_totp(key, "", now));
  BOOST_TEST(!protocol::verify_totp(key, "abcdef", now));
  BOOST_TEST(!protocol::verify_totp(bytes_of("another key"), current, now, 0));
}

BOOST_AUTO_TEST_CASE(out_of_range_arguments_are_clamped) {
  const auto key = protocol::decode_base32("JBSWY3DPEHPK3PXP").value();
  BOOST_TEST(protocol::totp_code(key, -5) == protocol::totp_code(key, 0));
  BOOST_TEST(protocol::totp_code(key, 100, 0).size() == 1u);
  BOOST_TEST(protocol::totp_code(key, 100, 12).size() == 10u);
  BOOST_TEST(protocol::totp_code(key, 100, 6, 0) == protocol::totp_code(key, 100, 6, 30));
  // The 10-digit form ends with the 8- and 6-digit ones (same truncated value).
  const std::string ten = protocol::totp_code(key, 1111111109, 10);
  BOOST_TEST(ten.substr(4) == protocol::totp_code(key, 1111111109, 6));
  // Early steps: the window does not reach below step 0.
  BOOST_TEST(protocol::verify_totp(key, protocol::totp_code(key, 0), 10));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace tickgate::test

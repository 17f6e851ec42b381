// Subscription requests (§2.1), correlation IDs and server text frames (§5.1).
#define BOOST_TEST_MODULE request_test
#include <boost/test/unit_test.hpp>

#include "protocol/request.hpp"

#include <cctype>
#include <set>
#include <string>

namespace tickgate::test {
namespace {

using protocol::action;
using protocol::errc;
using protocol::mode;
using protocol::subscription_request;

// §2.1's example, whitespace removed.
constexpr std::string_view doc_example =
    R"({"correlationID":"abcde12345","action":1,"params":{"mode":1,"tokenList":[)"
    R"({"exchangeType":1,"tokens":["10626","5290"]},)"
    R"({"exchangeType":5,"tokens":["234230","234235","234219"]}]}})";

subscription_request doc_request() {
  return {"abcde12345",
          action::subscribe,
          mode::ltp,
          {{1, {"10626", "5290"}}, {5, {"234230", "234235", "234219"}}}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(subscription)

BOOST_AUTO_TEST_CASE(encodes_exactly_the_documented_shape) {
  BOOST_TEST(protocol::encode_subscription_request(doc_request()) == doc_example);
}

BOOST_AUTO_TEST_CASE(parses_the_documented_example) {
  const auto parsed = protocol::parse_subscription_request(doc_example);
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST((parsed.value() == doc_request()));
}

BOOST_AUTO_TEST_CASE(empty_correlation_id_is_omitted_and_optional) {
  subscription_request r{"", action::unsubscribe, mode::snap_quote, {{13, {"1"}}}};
  const std::string text = protocol::encode_subscription_request(r);
  BOOST_TEST(
      text ==
      R"({"action":0,"params":{"mode":3,"tokenList":[{"exchangeType":13,"tokens":["1"]}]}})");
  const auto parsed = protocol::parse_subscription_request(text);
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST((parsed.value() == r));
}

BOOST_AUTO_TEST_CASE(round_trips_every_mode_and_action) {
  for (const mode m : {mode::ltp, mode::quote, mode::snap_quote, mode::depth_20}) {
    for (const action a : {action::subscribe, action::unsubscribe}) {
      subscription_request r{"Q1w2E3r4T5", a, m, {{1, {"26000", "2885"}}, {2, {}}, {7, {"x"}}}};
      const auto parsed =
          protocol::parse_subscription_request(protocol::encode_subscription_request(r));
      BOOST_TEST_REQUIRE(parsed.has_value());
      BOOST_TEST((parsed.value() == r));
    }
  }
}

BOOST_AUTO_TEST_CASE(whitespace_and_member_order_do_not_matter) {
  const auto parsed = protocol::parse_subscription_request(
      R"( { "params" : { "tokenList" : [ { "tokens" : [ "2885" ] , "exchangeType" : 1 } ] ,
            "mode" : 2 } , "action" : 1 } )");
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST((parsed.value().request_mode == mode::quote));
  BOOST_TEST(parsed.value().groups.at(0).tokens.at(0) == "2885");
}

BOOST_AUTO_TEST_CASE(bad_requests_get_the_right_error) {
  const struct {
    std::string_view text;
    errc expected;
  } cases[] = {
      {"", errc::bad_json},
      {"not json", errc::bad_json},
      {R"({"action":1,)", errc::bad_json},
      {"[1,2]", errc::bad_json},
      {R"("text")", errc::bad_json},
      {R"({"params":{"mode":1,"tokenList":[]}})", errc::missing_field},
      {R"({"action":"1","params":{"mode":1,"tokenList":[]}})", errc::bad_field},
      {R"({"action":1.0,"params":{"mode":1,"tokenList":[]}})", errc::bad_field},
      {R"({"action":2,"params":{"mode":1,"tokenList":[]}})", errc::unknown_action},
      {R"({"action":-1,"params":{"mode":1,"tokenList":[]}})", errc::unknown_action},
      {R"({"action":1})", errc::missing_field},
      {R"({"action":1,"params":[]})", errc::bad_field},
      {R"({"action":1,"params":{"tokenList":[]}})", errc::missing_field},
      {R"({"action":1,"params":{"mode":0,"tokenList":[]}})", errc::bad_field},
      {R"({"action":1,"params":{"mode":5,"tokenList":[]}})", errc::bad_field},
      {R"({"action":1,"params":{"mode":"1","tokenList":[]}})", errc::bad_field},
      {R"({"action":1,"params":{"mode":1}})", errc::missing_field},
      {R"({"action":1,"params":{"mode":1,"tokenList":{}}})", errc::bad_field},
      {R"({"action":1,"params":{"mode":1,"tokenList":[1]}})", errc::bad_field},
      {R"({"action":1,"params":{"mode":1,"tokenList":[{"tokens":["1"]}]}})", errc::missing_field},
      {R"({"action":1,"params":{"mode":1,"tokenList":[{"exchangeType":256,"tokens":["1"]}]}})",
       errc::bad_field},
      {R"({"action":1,"params":{"mode":1,"tokenList":[{"exchangeType":"1","tokens":["1"]}]}})",
       errc::bad_field},
      {R"({"action":1,"params":{"mode":1,"tokenList":[{"exchangeType":1}]}})", errc::missing_field},
      {R"({"action":1,"params":{"mode":1,"tokenList":[{"exchangeType":1,"tokens":"1"}]}})",
       errc::bad_field},
      {R"({"action":1,"params":{"mode":1,"tokenList":[{"exchangeType":1,"tokens":[2885]}]}})",
       errc::bad_field},
      {R"({"action":1,"params":{"mode":1,"tokenList":[{"exchangeType":1,"tokens":[""]}]}})",
       errc::bad_field},
      {R"({"action":1,"params":{"mode":1,"tokenList":[{"exchangeType":1,"tokens":["28 85"]}]}})",
       errc::bad_field},
      {R"({"action":1,"params":{"mode":1,"tokenList":[{"exchangeType":1,"tokens":["12345678901234567890123456"]}]}})",
       errc::bad_field},
      {R"({"correlationID":5,"action":1,"params":{"mode":1,"tokenList":[]}})", errc::bad_field},
  };
  for (const auto& c : cases) {
    const auto parsed = protocol::parse_subscription_request(c.text);
    BOOST_TEST_REQUIRE(parsed.has_error(), c.text);
    BOOST_TEST(parsed.error() == make_error_code(c.expected),
               c.text << " → " << parsed.error().message());
  }
}

BOOST_AUTO_TEST_CASE(unknown_exchange_types_parse) {
  // §2.2: the server ignores them silently; that is the receiver's decision.
  const auto parsed = protocol::parse_subscription_request(
      R"({"action":1,"params":{"mode":1,"tokenList":[{"exchangeType":9,"tokens":["1"]}]}})");
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST(parsed.value().groups.at(0).exchange_type == 9);
}

BOOST_AUTO_TEST_CASE(tokens_are_escaped_in_json) {
  subscription_request r{"", action::subscribe, mode::ltp, {{1, {R"(a"b\c)"}}}};
  const std::string text = protocol::encode_subscription_request(r);
  BOOST_TEST(text.find(R"("a\"b\\c")") != std::string::npos);
  const auto parsed = protocol::parse_subscription_request(text);
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST(parsed.value().groups.at(0).tokens.at(0) == R"(a"b\c)");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(correlation_id)

BOOST_AUTO_TEST_CASE(ten_alphanumerics_unique_and_reproducible) {
  std::set<std::string> seen;
  const auto check = [&](std::uint64_t counter) {
    const std::string id = protocol::make_correlation_id(counter);
    BOOST_TEST_REQUIRE(id.size() == 10u);
    for (const char c : id) BOOST_TEST_REQUIRE(std::isalnum(static_cast<unsigned char>(c)) != 0);
    BOOST_TEST_REQUIRE(seen.insert(id).second, "duplicate for " << counter);
    BOOST_TEST(protocol::make_correlation_id(counter) == id);
  };
  for (std::uint64_t i = 0; i < 20000; ++i) check(i);
  constexpr std::uint64_t span = 839299365868340224ULL;  // 62^10
  for (std::uint64_t i = span - 1000; i < span; ++i) check(i);
  for (std::uint64_t i = 1; i < 60; ++i) check(span / 61 * i + 12345);
}

BOOST_AUTO_TEST_CASE(fixed_width_base_62) {
  BOOST_TEST(protocol::make_correlation_id(0) == "0000000000");
  BOOST_TEST(protocol::make_correlation_id(61) == "000000000z");
  BOOST_TEST(protocol::make_correlation_id(62) == "0000000010");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(server_text)

BOOST_AUTO_TEST_CASE(pong) {
  for (const std::string_view text : {"pong", " pong", "pong\n", "\r\n\tpong  "}) {
    BOOST_TEST(std::holds_alternative<protocol::server_pong>(protocol::parse_server_text(text)),
               text);
  }
  for (const std::string_view text : {"PONG", "ping", "pong!", "po ng", ""}) {
    const auto message = protocol::parse_server_text(text);
    BOOST_TEST_REQUIRE(std::holds_alternative<protocol::server_unknown>(message), text);
    BOOST_TEST(std::get<protocol::server_unknown>(message).text == text);
  }
}

BOOST_AUTO_TEST_CASE(documented_error_json) {
  const auto message = protocol::parse_server_text(
      R"({"correlationID":"abcde12345","errorCode":"E1002","errorMessage":"Invalid Request. Subscription Limit Exceeded"})");
  BOOST_TEST_REQUIRE(std::holds_alternative<protocol::server_error>(message));
  const auto& e = std::get<protocol::server_error>(message);
  BOOST_TEST(e.correlation_id == "abcde12345");
  BOOST_TEST(e.code == "E1002");
  BOOST_TEST(e.message == "Invalid Request. Subscription Limit Exceeded");
}

BOOST_AUTO_TEST_CASE(error_json_variants) {
  auto message = protocol::parse_server_text(R"( {"errorCode":"E1001"} )");
  BOOST_TEST_REQUIRE(std::holds_alternative<protocol::server_error>(message));
  BOOST_TEST(
      (std::get<protocol::server_error>(message) == protocol::server_error{"", "E1001", ""}));

  message = protocol::parse_server_text(R"({"errorCode":1002,"errorMessage":null})");
  BOOST_TEST_REQUIRE(std::holds_alternative<protocol::server_error>(message));
  BOOST_TEST((std::get<protocol::server_error>(message) == protocol::server_error{"", "1002", ""}));

  for (const std::string_view text :
       {R"({"correlationID":"x"})", R"({"errorCode":)", R"(["errorCode"])", "{}", "\xff\xfe"}) {
    message = protocol::parse_server_text(text);
    BOOST_TEST_REQUIRE(std::holds_alternative<protocol::server_unknown>(message), text);
    BOOST_TEST(std::get<protocol::server_unknown>(message).text == text);
  }
}

BOOST_AUTO_TEST_CASE(encode_server_error_round_trips) {
  const protocol::server_error e{"abcde12345", "E1002",
                                 "Invalid Request. Subscription Limit Exceeded"};
  const std::string text = protocol::encode_server_error(e);
  BOOST_TEST(
      text ==
      R"({"correlationID":"abcde12345","errorCode":"E1002","errorMessage":"Invalid Request. Subscription Limit Exceeded"})");
  const auto message = protocol::parse_server_text(text);
  BOOST_TEST_REQUIRE(std::holds_alternative<protocol::server_error>(message));
  BOOST_TEST((std::get<protocol::server_error>(message) == e));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace tickgate::test

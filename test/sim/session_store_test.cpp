#define BOOST_TEST_MODULE sim_session_store
#include <boost/test/unit_test.hpp>

#include "protocol/login.hpp"
#include "protocol/totp.hpp"
#include "test/sim/session_store.hpp"

#include <boost/json/parse.hpp>

#include <set>

namespace tickgate::test {
namespace {

using sim::auth_style;
using sim::handshake_outcome;
using sim::login_outcome;

constexpr std::int64_t now = 1'750'000'000;

std::string code_at(std::int64_t t) {
  return protocol::totp_code(protocol::decode_base32("JBSWY3DPEHPK3PXP").value(), t);
}

protocol::login_request good_login(std::int64_t at = now) {
  return {"D12345", "1234", code_at(at)};
}

BOOST_AUTO_TEST_CASE(login_outcomes) {
  sim::session_store store(sim::credentials{});
  struct row {
    std::string name;
    std::string api_key;
    protocol::login_request request;
    login_outcome expected;
  };
  const std::vector<row> rows = {
      {"good", "demo-api-key", good_login(), login_outcome::ok},
      {"previous step", "demo-api-key", good_login(now - 30), login_outcome::ok},
      {"next step", "demo-api-key", good_login(now + 30), login_outcome::ok},
      {"two steps old", "demo-api-key", good_login(now - 60), login_outcome::bad_totp},
      {"bad api key", "demo-api-kez", good_login(), login_outcome::bad_api_key},
      {"empty api key", "", good_login(), login_outcome::bad_api_key},
      {"bad pin", "demo-api-key", {"D12345", "1235", code_at(now)}, login_outcome::bad_credentials},
      {"bad client",
       "demo-api-key",
       {"D12346", "1234", code_at(now)},
       login_outcome::bad_credentials},
      // A bad PIN is reported as such even with a bad TOTP (§6.1 order).
      {"bad pin and totp",
       "demo-api-key",
       {"D12345", "0000", "000000"},
       login_outcome::bad_credentials},
  };
  for (const auto& r : rows) {
    const auto result = store.login(r.api_key, r.request, now);
    BOOST_TEST((result.outcome == r.expected), r.name);
    BOOST_TEST(result.tokens.jwt.empty() == (r.expected != login_outcome::ok), r.name);
  }
  BOOST_TEST(store.live_sessions() == 3u);
}

BOOST_AUTO_TEST_CASE(failure_envelopes_match_smartapi) {
  struct row {
    login_outcome outcome;
    std::string code;
    std::string message;
    std::string flag;  // "status" or "success"
  };
  for (const auto& r : std::vector<row>{
           {login_outcome::bad_api_key, "AG8004", "Invalid API Key", "success"},
           {login_outcome::bad_credentials, "AB1007", "Login Id or password is invalid", "status"},
           {login_outcome::bad_totp, "AB1050", "Invalid totp", "status"}}) {
    const std::string body = sim::encode_login_failure_body(r.outcome);
    const auto parsed = protocol::parse_login_response(body).value();
    BOOST_TEST(!parsed.ok);
    BOOST_TEST(parsed.error_code == r.code);
    BOOST_TEST(parsed.message == r.message);
    BOOST_TEST(boost::json::parse(body).as_object().at(r.flag).as_bool() == false);
  }
  BOOST_TEST(
      protocol::parse_login_response(sim::encode_refresh_failure_body()).value().error_code ==
      "AB8050");
}

BOOST_AUTO_TEST_CASE(tokens_are_fresh_and_jwt_shaped) {
  sim::session_store store(sim::credentials{});
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    const auto t = store.login("demo-api-key", good_login(), now).tokens;
    for (const auto& token : {t.jwt, t.refresh, t.feed}) {
      BOOST_TEST(std::count(token.begin(), token.end(), '.') == 2);
      BOOST_TEST(token.find_first_of("+/= ") == std::string::npos);  // base64url
      BOOST_TEST(seen.insert(token).second);
    }
  }
}

BOOST_AUTO_TEST_CASE(handshake_checks_each_header) {
  sim::session_store store(sim::credentials{});
  const auto t = store.login("demo-api-key", good_login(), now).tokens;
  const std::string bearer = "Bearer " + t.jwt;
  const std::string lower_bearer = "bearer " + t.jwt;  // handshake_headers holds views
  struct row {
    std::string name;
    sim::handshake_headers headers;
    auth_style style;
    handshake_outcome expected;
  };
  const std::vector<row> rows = {
      {"bearer/any",
       {bearer, "demo-api-key", "D12345", t.feed},
       auth_style::any,
       handshake_outcome::ok},
      {"raw/any",
       {t.jwt, "demo-api-key", "D12345", t.feed},
       auth_style::any,
       handshake_outcome::ok},
      {"lower-case bearer",
       {lower_bearer, "demo-api-key", "D12345", t.feed},
       auth_style::bearer,
       handshake_outcome::ok},
      {"bearer/bearer",
       {bearer, "demo-api-key", "D12345", t.feed},
       auth_style::bearer,
       handshake_outcome::ok},
      {"raw/bearer",
       {t.jwt, "demo-api-key", "D12345", t.feed},
       auth_style::bearer,
       handshake_outcome::invalid_auth_token},
      {"raw/raw",
       {t.jwt, "demo-api-key", "D12345", t.feed},
       auth_style::raw,
       handshake_outcome::ok},
      {"bearer/raw",
       {bearer, "demo-api-key", "D12345", t.feed},
       auth_style::raw,
       handshake_outcome::invalid_auth_token},
      {"empty",
       {"", "demo-api-key", "D12345", t.feed},
       auth_style::any,
       handshake_outcome::invalid_auth_token},
      {"bearer only",
       {"Bearer ", "demo-api-key", "D12345", t.feed},
       auth_style::any,
       handshake_outcome::invalid_auth_token},
      {"feed token as jwt",
       {t.feed, "demo-api-key", "D12345", t.feed},
       auth_style::any,
       handshake_outcome::invalid_auth_token},
      {"api key",
       {bearer, "x", "D12345", t.feed},
       auth_style::any,
       handshake_outcome::invalid_api_key},
      {"client code",
       {bearer, "demo-api-key", "d12345", t.feed},
       auth_style::any,
       handshake_outcome::invalid_client_code},
      {"feed token",
       {bearer, "demo-api-key", "D12345", t.jwt},
       auth_style::any,
       handshake_outcome::invalid_feed_token},
  };
  for (const auto& r : rows) {
    std::string client;
    BOOST_TEST((store.check_handshake(r.headers, r.style, &client) == r.expected), r.name);
    if (r.expected == handshake_outcome::ok) BOOST_TEST(client == "D12345", r.name);
  }
  BOOST_TEST(sim::handshake_error_message(handshake_outcome::invalid_auth_token) ==
             "Invalid Auth token");
  BOOST_TEST(sim::handshake_error_message(handshake_outcome::invalid_api_key) == "Invalid API Key");
  BOOST_TEST(sim::handshake_error_message(handshake_outcome::invalid_client_code) ==
             "Invalid Client Code");
  BOOST_TEST(sim::handshake_error_message(handshake_outcome::invalid_feed_token) ==
             "Invalid Feed Token");
}

BOOST_AUTO_TEST_CASE(refresh_and_expiry) {
  sim::session_store store(sim::credentials{});
  const auto first = store.login("demo-api-key", good_login(), now).tokens;
  const auto second = store.login("demo-api-key", good_login(), now).tokens;
  const auto renewed = store.refresh(first.refresh, now + 100);
  BOOST_REQUIRE(renewed.has_value());
  BOOST_TEST(renewed->refresh == first.refresh);
  BOOST_TEST(renewed->jwt != first.jwt);
  const auto check = [&](const protocol::session_tokens& t) {
    return store.check_handshake({t.jwt, "demo-api-key", "D12345", t.feed}, auth_style::any);
  };
  BOOST_TEST((check(*renewed) == handshake_outcome::ok));
  BOOST_TEST((check(first) == handshake_outcome::invalid_auth_token));  // replaced
  BOOST_TEST((check(second) == handshake_outcome::ok));                 // another session
  BOOST_TEST(!store.refresh("nope", now).has_value());
  store.expire_all();
  BOOST_TEST((check(second) == handshake_outcome::invalid_auth_token));
  BOOST_TEST(!store.refresh(first.refresh, now).has_value());
  BOOST_TEST(store.live_sessions() == 0u);
}

BOOST_AUTO_TEST_CASE(sessions_are_bounded_oldest_first) {
  sim::session_store store(sim::credentials{}, 2);
  const auto a = store.login("demo-api-key", good_login(), now).tokens;
  const auto b = store.login("demo-api-key", good_login(), now).tokens;
  const auto c = store.login("demo-api-key", good_login(), now).tokens;
  BOOST_TEST(store.live_sessions() == 2u);
  const auto check = [&](const protocol::session_tokens& t) {
    return store.check_handshake({t.jwt, "demo-api-key", "D12345", t.feed}, auth_style::any);
  };
  BOOST_TEST((check(a) == handshake_outcome::invalid_auth_token));
  BOOST_TEST((check(b) == handshake_outcome::ok));
  BOOST_TEST((check(c) == handshake_outcome::ok));
}

BOOST_AUTO_TEST_CASE(custom_credentials_and_bad_secret) {
  sim::credentials creds{"k", "C1", "9876", "GEZDGNBVGY3TQOJQ"};
  sim::session_store store(creds);
  const auto code = protocol::totp_code(protocol::decode_base32(creds.totp_secret).value(), now);
  BOOST_TEST((store.login("k", {"C1", "9876", code}, now).outcome == login_outcome::ok));
  BOOST_TEST((store.login("demo-api-key", {"C1", "9876", code}, now).outcome ==
              login_outcome::bad_api_key));
  BOOST_CHECK_THROW(sim::session_store(sim::credentials{"k", "C1", "1", "not base32!"}),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(auth_style_names) {
  for (const auto s : {auth_style::bearer, auth_style::raw, auth_style::any}) {
    auth_style parsed = auth_style::any;
    BOOST_TEST(sim::parse_auth_style(sim::auth_style_name(s), parsed));
    BOOST_TEST((parsed == s));
  }
  auth_style unused = auth_style::any;
  BOOST_TEST(!sim::parse_auth_style("Bearer", unused));
}

}  // namespace
}  // namespace tickgate::test

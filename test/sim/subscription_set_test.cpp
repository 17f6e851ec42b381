#define BOOST_TEST_MODULE sim_subscription_set
#include <boost/test/unit_test.hpp>

#include "test/sim/subscription_set.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace tickgate::sim {
// For Boost.Test messages.
std::ostream& operator<<(std::ostream& os, const subscription_change& c) {
  return os << static_cast<int>(c.what) << ' ' << int{c.exchange_type} << ':' << c.token << ' '
            << static_cast<int>(c.old_mode) << "->" << static_cast<int>(c.new_mode);
}
}  // namespace tickgate::sim

namespace tickgate::test {
namespace {

using protocol::action;
using protocol::mode;
using sim::subscription_change;
using sim::subscription_set;
using kind = subscription_change::kind;

protocol::subscription_request req(action a, mode m, std::vector<protocol::token_group> groups,
                                   std::string id = "corr000001") {
  return {std::move(id), a, m, std::move(groups)};
}

std::string error_code(const sim::apply_result& r) {
  return r.error ? r.error->code : "";
}

BOOST_AUTO_TEST_CASE(subscribe_adds_in_request_order) {
  subscription_set s(1000);
  const auto r =
      s.apply(req(action::subscribe, mode::quote, {{1, {"2885", "1594"}}, {2, {"45829"}}}));
  BOOST_TEST(!r.error);
  const std::vector<subscription_change> want = {
      {kind::added, 1, "2885", mode::quote, mode::quote},
      {kind::added, 1, "1594", mode::quote, mode::quote},
      {kind::added, 2, "45829", mode::quote, mode::quote},
  };
  BOOST_TEST(r.changes == want, boost::test_tools::per_element());
  BOOST_TEST(s.size() == 3u);
}

BOOST_AUTO_TEST_CASE(duplicates_are_ignored_and_the_latest_mode_wins) {
  subscription_set s(1000);
  s.apply(req(action::subscribe, mode::ltp, {{1, {"2885"}}}));
  auto r = s.apply(req(action::subscribe, mode::ltp, {{1, {"2885", "2885"}}}));
  BOOST_TEST(r.changes.empty());
  BOOST_TEST(!r.error);
  r = s.apply(req(action::subscribe, mode::snap_quote, {{1, {"2885"}}}));
  const std::vector<subscription_change> want = {
      {kind::mode_changed, 1, "2885", mode::snap_quote, mode::ltp}};
  BOOST_TEST(r.changes == want, boost::test_tools::per_element());
  BOOST_TEST((s.entries().at({1, "2885"}) == mode::snap_quote));
  BOOST_TEST(s.size() == 1u);
}

BOOST_AUTO_TEST_CASE(index_spellings_are_two_subscriptions) {
  subscription_set s(1000);
  s.apply(req(action::subscribe, mode::ltp, {{1, {"26000", "99926000"}}}));
  BOOST_TEST(s.size() == 2u);  // each is echoed in its own spelling
}

BOOST_AUTO_TEST_CASE(unsubscribe_matches_token_and_mode) {
  subscription_set s(1000);
  s.apply(req(action::subscribe, mode::quote, {{1, {"2885", "1594"}}}));
  // Unknown token and wrong mode: ignored, no error.
  auto r = s.apply(req(action::unsubscribe, mode::quote, {{1, {"999"}}}));
  BOOST_TEST(r.changes.empty());
  BOOST_TEST(!r.error);
  r = s.apply(req(action::unsubscribe, mode::ltp, {{1, {"2885"}}}));
  BOOST_TEST(r.changes.empty());
  BOOST_TEST(s.size() == 2u);
  r = s.apply(req(action::unsubscribe, mode::quote, {{1, {"2885"}}}));
  const std::vector<subscription_change> want = {
      {kind::removed, 1, "2885", mode::quote, mode::quote}};
  BOOST_TEST(r.changes == want, boost::test_tools::per_element());
  BOOST_TEST(s.size() == 1u);
  // Subscribe in the new mode, then unsubscribe the old one: the token stays.
  s.apply(req(action::subscribe, mode::ltp, {{1, {"1594"}}}));
  r = s.apply(req(action::unsubscribe, mode::quote, {{1, {"1594"}}}));
  BOOST_TEST(r.changes.empty());
  BOOST_TEST(s.size() == 1u);
}

BOOST_AUTO_TEST_CASE(limit_keeps_the_first_and_answers_e1002) {
  subscription_set s(3);
  auto r = s.apply(
      req(action::subscribe, mode::ltp, {{1, {"1", "2"}}, {2, {"3", "4", "5"}}}, "lim0000001"));
  BOOST_TEST(r.changes.size() == 3u);
  BOOST_TEST(error_code(r) == "E1002");
  BOOST_TEST(r.error->message == "Invalid Request. Subscription Limit Exceeded");
  BOOST_TEST(r.error->correlation_id == "lim0000001");
  BOOST_TEST(s.entries().contains({2, "3"}));
  BOOST_TEST(!s.entries().contains({2, "4"}));
  // At the limit: a mode change and a duplicate are fine, a new token is not.
  r = s.apply(req(action::subscribe, mode::quote, {{1, {"1"}}}));
  BOOST_TEST(!r.error);
  r = s.apply(req(action::subscribe, mode::quote, {{1, {"1", "9"}}}));
  BOOST_TEST(error_code(r) == "E1002");
  BOOST_TEST(r.changes.empty());
  // Room again after an unsubscribe.
  s.apply(req(action::unsubscribe, mode::ltp, {{1, {"2"}}}));
  r = s.apply(req(action::subscribe, mode::ltp, {{1, {"9"}}}));
  BOOST_TEST(!r.error);
  BOOST_TEST(s.size() == 3u);
}

BOOST_AUTO_TEST_CASE(unknown_exchange_types_are_silent) {
  subscription_set s(1000);
  const auto r =
      s.apply(req(action::subscribe, mode::ltp, {{6, {"1", "2"}}, {0, {"3"}}, {1, {"4"}}}));
  BOOST_TEST(!r.error);
  BOOST_TEST(r.ignored_tokens == 3u);
  BOOST_TEST(r.changes.size() == 1u);
  BOOST_TEST(s.size() == 1u);
}

BOOST_AUTO_TEST_CASE(invalid_requests_are_e1001_and_apply_nothing) {
  std::vector<std::string> fifty_one;
  for (int i = 0; i < 51; ++i) fifty_one.push_back(std::to_string(i + 1));
  struct row {
    std::string name;
    protocol::subscription_request request;
  };
  const std::vector<row> rows = {
      {"no groups", req(action::subscribe, mode::ltp, {})},
      {"no tokens", req(action::subscribe, mode::ltp, {{1, {}}})},
      {"empty token", req(action::subscribe, mode::ltp, {{1, {"1", ""}}})},
      {"26-character token", req(action::subscribe, mode::ltp, {{1, {std::string(26, '1')}}})},
      {"token with a space", req(action::subscribe, mode::ltp, {{1, {"12 3"}}})},
      {"depth-20 on nse_fo", req(action::subscribe, mode::depth_20, {{1, {"1"}}, {2, {"2"}}})},
      {"depth-20 on an unknown exchange", req(action::subscribe, mode::depth_20, {{9, {"1"}}})},
      {"51 depth-20 tokens", req(action::subscribe, mode::depth_20, {{1, fifty_one}})},
  };
  for (const auto& r : rows) {
    subscription_set s(1000);
    s.apply(req(action::subscribe, mode::ltp, {{1, {"100"}}}));
    const auto result = s.apply(r.request);
    BOOST_TEST(error_code(result) == "E1001", r.name);
    BOOST_TEST(result.error->message == "Invalid Request Payload", r.name);
    BOOST_TEST(result.error->correlation_id == "corr000001", r.name);
    BOOST_TEST(result.changes.empty(), r.name);
    BOOST_TEST(s.size() == 1u, r.name);  // the existing subscription is untouched
  }
}

BOOST_AUTO_TEST_CASE(depth20_counts_per_connection) {
  subscription_set s(1000);
  std::vector<std::string> tokens;
  for (int i = 0; i < 50; ++i) tokens.push_back(std::to_string(i + 1));
  BOOST_TEST(!s.apply(req(action::subscribe, mode::depth_20, {{1, tokens}})).error);
  BOOST_TEST(s.depth20_count() == 50u);
  // Re-subscribing the same 50 is not "more than 50".
  BOOST_TEST(!s.apply(req(action::subscribe, mode::depth_20, {{1, {"1", "2"}}})).error);
  BOOST_TEST(error_code(s.apply(req(action::subscribe, mode::depth_20, {{1, {"51"}}}))) == "E1001");
  // Moving one out of Depth-20 frees a slot; unsubscribing Depth-20 on nse_fo is harmless.
  s.apply(req(action::subscribe, mode::ltp, {{1, {"1"}}}));
  BOOST_TEST(s.depth20_count() == 49u);
  BOOST_TEST(!s.apply(req(action::subscribe, mode::depth_20, {{1, {"51"}}})).error);
  BOOST_TEST(!s.apply(req(action::unsubscribe, mode::depth_20, {{2, {"7"}}})).error);
  s.apply(req(action::unsubscribe, mode::depth_20, {{1, {"51"}}}));
  BOOST_TEST(s.depth20_count() == 49u);
}

BOOST_AUTO_TEST_CASE(clear_removes_everything) {
  subscription_set s(1000);
  s.apply(req(action::subscribe, mode::depth_20, {{1, {"1", "2"}}}));
  s.apply(req(action::subscribe, mode::ltp, {{2, {"3"}}}));
  const auto changes = s.clear();
  BOOST_TEST(changes.size() == 3u);
  for (const auto& c : changes) BOOST_TEST((c.what == kind::removed));
  BOOST_TEST(s.size() == 0u);
  BOOST_TEST(s.depth20_count() == 0u);
}

BOOST_AUTO_TEST_CASE(request_text_parsing_echoes_the_correlation_id) {
  struct row {
    std::string text;
    bool ok;
    std::string id;
  };
  const std::vector<row> rows = {
      {R"({"correlationID":"abcde12345","action":1,"params":{"mode":1,"tokenList":[{"exchangeType":1,"tokens":["1"]}]}})",
       true, ""},
      {R"({"action":0,"params":{"mode":3,"tokenList":[{"exchangeType":5,"tokens":["1","2"]}]}})",
       true, ""},
      {"not json", false, ""},
      {R"({"correlationID":"x1","action":1})", false, "x1"},
      {R"({"correlationID":"x2","action":2,"params":{"mode":1,"tokenList":[]}})", false, "x2"},
      {R"({"correlationID":7,"action":1})", false, ""},
      {R"(["correlationID"])", false, ""},
  };
  for (const auto& r : rows) {
    const auto parsed = sim::parse_request_text(r.text);
    BOOST_TEST(parsed.request.has_value() == r.ok, r.text);
    BOOST_TEST(parsed.error.has_value() == !r.ok, r.text);
    if (parsed.error) {
      BOOST_TEST(parsed.error->code == "E1001", r.text);
      BOOST_TEST(parsed.error->correlation_id == r.id, r.text);
    }
  }
}

}  // namespace
}  // namespace tickgate::test

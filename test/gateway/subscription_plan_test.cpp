#define BOOST_TEST_MODULE subscription_plan
#include <boost/test/unit_test.hpp>

#include "gateway/errc.hpp"
#include "gateway/subscription_plan.hpp"

#include <set>

using namespace tickgate;
using namespace tickgate::gateway;
using protocol::mode;

namespace tickgate::protocol {
std::ostream& operator<<(std::ostream& os, mode m) { return os << mode_name(m); }
std::ostream& operator<<(std::ostream& os, action a) { return os << static_cast<int>(a); }
}  // namespace tickgate::protocol

namespace {

desired_subscription sub(std::uint8_t ex, std::string token, mode m = mode::quote) {
  return {{ex, std::move(token)}, m, ex == 2 ? "NFO" : "NSE"};
}

std::vector<desired_subscription> many(std::size_t n, std::size_t first = 0, std::uint8_t ex = 1) {
  std::vector<desired_subscription> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(sub(ex, std::to_string(first + i)));
  return out;
}

std::size_t tokens_in(const std::vector<protocol::subscription_request>& requests) {
  std::size_t n = 0;
  for (const auto& r : requests) {
    for (const auto& g : r.groups) n += g.tokens.size();
  }
  return n;
}

std::size_t tokens_in(const std::vector<plan_change>& changes) {
  std::size_t n = 0;
  for (const auto& c : changes) {
    for (const auto& g : c.request.groups) n += g.tokens.size();
  }
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(nothing_is_sent_before_a_connection_is_live) {
  subscription_plan plan(3, 1000);
  auto changes = plan.subscribe(many(5));
  BOOST_REQUIRE(changes);
  BOOST_TEST(changes->empty());
  BOOST_TEST(plan.tokens_on(0) == 5u);
  // The replay on connect carries everything, one request for the one mode,
  // grouped by exchangeType.
  const auto replay = plan.on_connected(0);
  BOOST_REQUIRE_EQUAL(replay.size(), 1u);
  BOOST_TEST(replay[0].request_action == protocol::action::subscribe);
  BOOST_TEST(replay[0].request_mode == mode::quote);
  BOOST_REQUIRE_EQUAL(replay[0].groups.size(), 1u);
  BOOST_TEST(replay[0].groups[0].exchange_type == 1);
  BOOST_TEST(replay[0].groups[0].tokens.size() == 5u);
}

BOOST_AUTO_TEST_CASE(replay_batches_by_mode_and_exchange) {
  subscription_plan plan(3, 1000);
  std::vector<desired_subscription> items{sub(1, "1", mode::ltp), sub(2, "2", mode::ltp),
                                          sub(1, "3", mode::snap_quote), sub(2, "4", mode::ltp)};
  BOOST_REQUIRE(plan.subscribe(items));
  const auto replay = plan.on_connected(0);
  BOOST_REQUIRE_EQUAL(replay.size(), 2u);  // one per mode
  BOOST_TEST(replay[0].request_mode == mode::ltp);
  BOOST_REQUIRE_EQUAL(replay[0].groups.size(), 2u);  // nse_cm and nse_fo
  BOOST_TEST(replay[0].groups[1].tokens.size() == 2u);
  BOOST_TEST(replay[1].request_mode == mode::snap_quote);
}

BOOST_AUTO_TEST_CASE(live_changes_are_sent_at_once) {
  subscription_plan plan(3, 1000);
  BOOST_REQUIRE(plan.subscribe(many(2)));
  plan.on_connected(0);
  auto changes = plan.subscribe(std::vector{sub(1, "100")});
  BOOST_REQUIRE(changes);
  BOOST_REQUIRE_EQUAL(changes->size(), 1u);
  BOOST_TEST((*changes)[0].connection == 0);
  BOOST_TEST((*changes)[0].request.groups[0].tokens[0] == "100");
  // Duplicate in the same mode: nothing to send.
  changes = plan.subscribe(std::vector{sub(1, "100")});
  BOOST_TEST(changes->empty());
  // Mode change: unsubscribe the old mode, subscribe the new one.
  changes = plan.subscribe(std::vector{sub(1, "100", mode::ltp)});
  BOOST_REQUIRE_EQUAL(changes->size(), 2u);
  BOOST_TEST((*changes)[0].request.request_action == protocol::action::unsubscribe);
  BOOST_TEST((*changes)[0].request.request_mode == mode::quote);
  BOOST_TEST((*changes)[1].request.request_action == protocol::action::subscribe);
  BOOST_TEST((*changes)[1].request.request_mode == mode::ltp);
  // Unsubscribe, including a key never subscribed (ignored).
  const std::vector<token_key> keys{{1, "100"}, {1, "nope"}};
  const auto removed = plan.unsubscribe(keys);
  BOOST_REQUIRE_EQUAL(removed.size(), 1u);
  BOOST_TEST(removed[0].request.request_mode == mode::ltp);
  BOOST_TEST(plan.size() == 2u);
}

BOOST_AUTO_TEST_CASE(capacity_is_enforced_all_or_nothing) {
  subscription_plan plan(3, 1000);
  BOOST_REQUIRE(plan.subscribe(many(2990)));
  const auto refused = plan.subscribe(many(11, 5000));
  BOOST_REQUIRE(!refused);
  BOOST_TEST(refused.error() == make_error_code(errc::capacity_exceeded));
  BOOST_TEST(plan.size() == 2990u);  // nothing changed
  BOOST_REQUIRE(plan.subscribe(many(10, 5000)));
  BOOST_TEST(plan.size() == 3000u);
  for (int i = 0; i < 3; ++i) BOOST_TEST(plan.tokens_on(i) == 1000u);
  // Re-moding existing tokens at full capacity is fine.
  BOOST_TEST(plan.subscribe(std::vector{sub(1, "0", mode::ltp)}).has_value());
}

BOOST_AUTO_TEST_CASE(connections_are_taken_into_use_only_when_needed) {
  subscription_plan plan(3, 1000);
  BOOST_REQUIRE(plan.subscribe(many(10)));
  BOOST_TEST(plan.wanted(0));
  BOOST_TEST(!plan.wanted(1));
  BOOST_TEST(!plan.wanted(2));
  BOOST_REQUIRE(plan.subscribe(many(1500, 100)));
  BOOST_TEST(plan.tokens_on(0) == 1000u);
  BOOST_TEST(plan.tokens_on(1) == 510u);
  BOOST_TEST(!plan.wanted(2));
  // Requests never exceed the per-connection limit.
  BOOST_TEST(tokens_in(plan.on_connected(0)) == 1000u);
  BOOST_TEST(tokens_in(plan.on_connected(1)) == 510u);
}

BOOST_AUTO_TEST_CASE(lost_connection_tokens_move_to_live_ones_with_room) {
  subscription_plan plan(3, 1000);
  BOOST_REQUIRE(plan.subscribe(many(1500)));
  plan.on_connected(0);
  plan.on_connected(1);
  BOOST_TEST(plan.tokens_on(0) == 1000u);
  BOOST_TEST(plan.tokens_on(1) == 500u);
  // Connection 0 lost: 500 fit on connection 1, the other 500 wait.
  const auto moved = plan.on_disconnected(0);
  BOOST_TEST(tokens_in(moved) == 500u);
  for (const auto& c : moved) BOOST_TEST(c.connection == 1);
  BOOST_TEST(plan.tokens_on(1) == 1000u);
  BOOST_TEST(plan.tokens_on(0) == 500u);
  // Reconnected, it replays only what it still holds.
  BOOST_TEST(tokens_in(plan.on_connected(0)) == 500u);
  // Every token is on exactly one connection.
  std::set<int> seen;
  std::size_t total = 0;
  for (int i = 0; i < 3; ++i) total += plan.tokens_on(i);
  BOOST_TEST(total == 1500u);
}

BOOST_AUTO_TEST_CASE(new_tokens_prefer_live_connections) {
  subscription_plan plan(2, 10);
  BOOST_REQUIRE(plan.subscribe(many(15)));  // 10 on 0, 5 on 1
  plan.on_connected(1);                     // only 1 is live
  auto changes = plan.subscribe(std::vector{sub(1, "x")});
  BOOST_REQUIRE(changes);
  BOOST_REQUIRE_EQUAL(changes->size(), 1u);
  BOOST_TEST((*changes)[0].connection == 1);
}

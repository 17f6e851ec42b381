// Token sharding and limits against a simulator that enforces them like the
// real service (smartstream-protocol.md §5.3, §8.4, §8.5): tokens spread over
// connections of at most N tokens, moved when a connection is lost, every one
// back after reconnects; subscribing past capacity is refused whole; the
// server's error JSON is tied to the request's correlation ID; both forms of
// index tokens (§7).
#define BOOST_TEST_MODULE feed_sharding
#include "gateway/errc.hpp"
#include "test/gateway/feed_harness.hpp"

#include <map>

using namespace tickgate;
using namespace std::chrono_literals;

namespace {

// Twelve instruments from the sample master: 4 NSE equities, 8 NIFTY options.
boost::json::array twelve() {
  boost::json::array out;
  for (const char* s : {"RELIANCE", "TCS", "INFY", "HDFCBANK"}) {
    out.push_back({{"symbol", s}, {"exchange", "NSE"}, {"mode", "ltp"}});
  }
  for (int strike = 24000; strike <= 24300; strike += 100) {
    for (const char* type : {"CE", "PE"}) {
      out.push_back({{"symbol", "NIFTY26NOV26" + std::to_string(strike) + type},
                     {"exchange", "NFO"},
                     {"mode", "quote"}});
    }
  }
  return out;
}

// connection id → number of tokens, over the simulator's open connections.
std::map<std::int64_t, std::size_t> per_connection(test::feed_harness& h) {
  std::map<std::int64_t, std::size_t> out;
  const boost::json::value stats = h.sim().stats();
  for (const auto& c : stats.at("connections").as_array()) {
    if (c.at("state").as_string() != "open") continue;
    out[c.at("id").to_number<std::int64_t>()] = c.at("subscriptions").as_array().size();
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(tokens_spread_over_connections_and_survive_losses) {
  test::harness_options options;
  options.subscribe = twelve();
  options.feed["max_tokens_per_connection"] = 5;
  options.sim.extra_args = {"--max-tokens-per-connection", "5"};
  test::feed_harness h(options);
  h.start();

  // 12 tokens at 5 per connection: three connections, 5 + 5 + 2.
  BOOST_REQUIRE(h.run_until([&] { return h.feed().ready() && h.ticks() >= 24; }, 20s));
  BOOST_REQUIRE(h.sim_subscriptions_are(h.desired_keys()));
  auto counts = per_connection(h);
  BOOST_REQUIRE_EQUAL(counts.size(), 3u);
  std::multiset<std::size_t> sizes;
  for (const auto& [id, n] : counts) sizes.insert(n);
  BOOST_TEST((sizes == std::multiset<std::size_t>{2, 5, 5}));

  // Lose one full connection: 3 of its tokens move to the connection with
  // room at once; the other 2 come back with the reconnect.
  const auto full = std::find_if(counts.begin(), counts.end(), [](const auto& kv) { return kv.second == 5; });
  h.sim().fault({{"kind", "drop"}, {"connection", full->first}});
  BOOST_REQUIRE(h.run_until([&] { return h.sum(&gateway::feed_connection_stats::disconnects) >= 1; }, 10s));
  BOOST_REQUIRE(h.run_until([&] { return h.feed().ready(); }, 10s));
  BOOST_REQUIRE(h.run_until([&] { return h.sim_subscriptions_are(h.desired_keys()); }, 10s));
  counts = per_connection(h);
  for (const auto& [id, n] : counts) BOOST_TEST(n <= 5u);
  std::size_t total = 0;
  for (const auto& [id, n] : counts) total += n;
  BOOST_TEST(total == 12u);

  // Lose everything: all twelve come back, still within the limits.
  h.sim().drop_connections();
  BOOST_REQUIRE(h.run_until([&] { return h.sum(&gateway::feed_connection_stats::disconnects) >= 4; }, 10s));
  BOOST_REQUIRE(h.run_until([&] { return h.feed().ready() && h.sim_subscriptions_are(h.desired_keys()); }, 15s));
  const auto ticks = h.ticks();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= ticks + 24; }, 10s));
  BOOST_TEST(h.sim_counter("feed", "e1002") == 0u);
}

BOOST_AUTO_TEST_CASE(subscribing_past_capacity_is_refused_whole) {
  test::harness_options options;
  options.subscribe = twelve();
  options.feed["max_tokens_per_connection"] = 5;
  options.feed["max_connections"] = 2;  // capacity 10 < 12
  // The config resolves, but start-up refuses: nothing is subscribed.
  test::feed_harness h(options);
  BOOST_TEST(h.app().start(h.initial()).has_value());
  BOOST_TEST(h.feed().plan().size() == 0u);

  // Live: 8 fit, then 3 more do not (8 + 3 > 10) and change nothing.
  std::vector<gateway::desired_subscription> first(h.initial().begin(), h.initial().begin() + 8);
  BOOST_TEST(!h.feed().subscribe(first));
  std::vector<gateway::desired_subscription> more(h.initial().begin() + 8, h.initial().begin() + 11);
  BOOST_TEST(h.feed().subscribe(more) == make_error_code(gateway::errc::capacity_exceeded));
  BOOST_TEST(h.feed().plan().size() == 8u);
}

BOOST_AUTO_TEST_CASE(server_limit_error_is_tied_to_its_request) {
  // The gateway believes 10 tokens fit on a connection; the server allows 5
  // and answers E1002 with the request's correlation ID (§5.1).
  test::harness_options options;
  options.subscribe = twelve();
  options.feed["max_tokens_per_connection"] = 12;
  options.sim.extra_args = {"--max-tokens-per-connection", "5"};
  test::feed_harness h(options);
  h.start();
  BOOST_REQUIRE(h.run_until([&] { return h.feed().server_error_counts().contains("E1002"); }, 20s));
  const auto& errors = h.feed().recent_server_errors();
  BOOST_REQUIRE(!errors.empty());
  const auto& e = errors.back();
  BOOST_TEST(e.code == "E1002");
  BOOST_TEST(e.correlation_id.size() == 10u);
  BOOST_TEST(e.request.find("subscribe") == 0u);  // the request it answered, not "unknown request"
  BOOST_TEST(h.sum(&gateway::feed_connection_stats::server_errors) >= 1u);
}

BOOST_AUTO_TEST_CASE(index_tokens_in_either_form) {
  for (const std::string form : {"master", "short"}) {
    BOOST_TEST_CONTEXT(form) {
      test::harness_options options;
      options.subscribe = boost::json::array{
          boost::json::object{{"symbol", "NIFTY"}, {"exchange", "NSE"}, {"mode", "quote"}}};
      options.feed["index_tokens"] = form;
      test::feed_harness h(options);
      const std::string expected = form == "master" ? "99926000" : "26000";
      BOOST_TEST(h.initial().at(0).key.token == expected);
      h.start();
      // Frames carry the token as subscribed; both route to NIFTY.
      BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= 5; }, 20s));
      BOOST_TEST(h.sim_subscriptions_are({"1:" + expected}));
      test::redis_client db(h.redis().url());
      // Routed ticks reach Redis a moment later: keep the gateway running.
      BOOST_TEST(h.run_until([&] { return db.integer({"XLEN", "market_data_stream:NIFTY"}) >= 5; }, 10s));
      const auto last = db.command({"XREVRANGE", "market_data_stream:NIFTY", "+", "-", "COUNT", "1"});
      BOOST_TEST(last.elements.at(0).elements.at(1).elements.at(3).string == expected);  // token
      BOOST_TEST(h.app().router().stats().unknown_instrument == 0u);
    }
  }
}

// Feed faults, end to end: what reached Redis when the simulator drops,
// stalls, sends garbage, truncated or huge frames, or refuses handshakes.
// test/gateway/feed_*_test.cpp check the feed's own reactions in-process;
// these run the three processes and check the streams: ticks arrive in
// order, never twice, and the only ticks lost are those the simulator had
// already written into a socket it then dropped (its instruments pause while
// nobody is subscribed, so sequence numbers resume where they stopped).
#define BOOST_TEST_MODULE reliability_feed_faults
#include <boost/test/unit_test.hpp>

#include "test/reliability/stream_check.hpp"
#include "test/support/tickgate_process.hpp"
#include "test/support/redis_server.hpp"

#include <thread>

using namespace tickgate;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr double rate = 25;  // ticks per second per instrument

struct fixture {
  test::redis_server redis;
  test::simulator sim{[] {
    test::simulator_options o;
    o.rate = rate;
    return o;
  }()};
  std::optional<test::tickgate_process> gateway;
  std::optional<test::redis_client> db;

  void start(json::object config = {}) {
    test::gateway_options options;
    options.config = std::move(config);
    gateway.emplace(sim, redis.url(), std::move(options));
    db.emplace(redis.url());
    wait_for_more(20);
  }

  std::int64_t length(const std::string& symbol) {
    return db->integer({"XLEN", "market_data_stream:" + symbol});
  }

  // Every tracked stream grows by `n` entries from now.
  void wait_for_more(std::int64_t n) {
    std::vector<std::int64_t> base;
    for (const auto& t : test::default_tracked) base.push_back(length(t.symbol));
    const bool grew = test::eventually(
        [&] {
          for (std::size_t i = 0; i < base.size(); ++i) {
            if (length(test::default_tracked[i].symbol) < base[i] + n) return false;
          }
          return true;
        },
        60s);
    BOOST_REQUIRE_MESSAGE(grew, "ticks stopped; gateway log:\n" << gateway->log());
  }

  // "connection lost" lines before stop() (stopping closes connections too).
  std::size_t lost = 0;

  void stop() {
    lost = gateway->log_messages("connection lost", "feed").size();
    const auto status = gateway->terminate(30s);
    BOOST_REQUIRE_MESSAGE(status.has_value(), "gateway did not exit; log:\n" << gateway->log());
    BOOST_TEST(*status == 0, "gateway log:\n" << gateway->log());
  }

  // In order, never twice, from 1; at most `max_gaps` runs of at most
  // `max_missing` lost ticks in all.
  void check_streams(std::size_t max_gaps, std::size_t max_missing) {
    test::check_tracked_streams(*db, {.max_missing = max_missing,
                                      .max_gaps = max_gaps,
                                      .sim = &sim,
                                      .max_behind = static_cast<std::int64_t>(rate)});
    // Nothing but the tracked instruments reached the streams.
    BOOST_TEST(db->keys("market_data_stream:*").size() == test::default_tracked.size());
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(feed_faults, fixture)

BOOST_AUTO_TEST_CASE(dropped_connections_reconnect_and_resubscribe) {
  start();
  sim.drop_connections();
  wait_for_more(25);
  sim.drop_connections();
  wait_for_more(25);
  stop();
  check_streams(2, static_cast<std::size_t>(2 * rate));
  BOOST_TEST(lost >= 2u);
  BOOST_TEST(gateway->log_messages("connected", "feed").size() >= 3u);
}

BOOST_AUTO_TEST_CASE(a_short_stall_loses_nothing_and_keeps_the_connection) {
  start();
  sim.stall(3.0);  // below idle_timeout (20 s)
  std::this_thread::sleep_for(3s);
  wait_for_more(25);
  stop();
  check_streams(0, 0);
  BOOST_TEST(lost == 0u);
}

BOOST_AUTO_TEST_CASE(a_stall_past_the_idle_timeout_reconnects) {
  start({{"feed", {{"idle_timeout_ms", 1500}, {"ping_interval_ms", 500}}}});
  sim.stall(4.0);
  BOOST_TEST(gateway->wait_for_log("connection lost", 10s, "feed"));
  wait_for_more(25);
  stop();
  // The gateway closed the stalled connection; when the stall ends the
  // simulator's market resumes before it notices that close, so the few
  // ticks it writes to the dead socket are lost (one gap, under a second).
  check_streams(1, static_cast<std::size_t>(rate));
  BOOST_TEST(gateway->log_messages("connected", "feed").size() >= 2u);
}

BOOST_AUTO_TEST_CASE(garbage_and_truncated_frames_are_rejected_and_counted) {
  start({{"log", {{"level", "debug"}}}});
  sim.send_garbage(20);
  sim.send_truncated(20);
  wait_for_more(25);
  stop();
  check_streams(0, 0);
  // Each bad frame is rejected with its reason; the connection stays.
  BOOST_TEST(gateway->log_messages("frame rejected", "router").size() == 40u);
  BOOST_TEST(lost == 0u);
}

BOOST_AUTO_TEST_CASE(a_huge_frame_is_discarded_and_the_connection_kept) {
  start();
  sim.send_huge(4u << 20);  // 4 MiB against max_frame_bytes 64 KiB
  BOOST_TEST(gateway->wait_for_log("oversized frame discarded", 20s, "feed"));
  wait_for_more(25);
  stop();
  check_streams(0, 0);
  BOOST_TEST(gateway->log_messages("oversized frame discarded", "feed").size() == 1u);
  BOOST_TEST(lost == 0u);
}

BOOST_AUTO_TEST_CASE(handshakes_refused_with_401_log_in_again) {
  start();
  sim.reject_handshakes(2, 401);
  sim.drop_connections();
  wait_for_more(25);
  stop();
  check_streams(1, static_cast<std::size_t>(rate));
  BOOST_TEST(gateway->log_messages("handshake refused", "feed").size() >= 2u);
  // A new session each time: a refresh (§6.2) or a full login.
  BOOST_TEST(gateway->log_messages("logged in", "login").size() +
                 gateway->log_messages("session refreshed", "login").size() >=
             2u);
}

BOOST_AUTO_TEST_CASE(handshakes_refused_with_429_back_off_longer) {
  start({{"feed", {{"rate_limited_backoff_ms", 1500}}}});
  sim.reject_handshakes(1, 429);
  sim.drop_connections();
  wait_for_more(25);
  stop();
  check_streams(1, static_cast<std::size_t>(3 * rate));
  const auto refused = gateway->log_messages("handshake refused", "feed");
  BOOST_REQUIRE_GE(refused.size(), 1u);
  BOOST_TEST(gateway->log_messages("connected", "feed").size() >= 2u);
}

BOOST_AUTO_TEST_SUITE_END()

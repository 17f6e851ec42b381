// Feed faults against the simulator: dropped connections, stalls (silent
// server), a server that answers pings but sends no ticks, garbage,
// truncated and huge frames. After each, ticks flow again within the backoff
// bound and every subscribed token is back.
#define BOOST_TEST_MODULE feed_reconnect
#include "gateway/ist_time.hpp"
#include "test/gateway/feed_harness.hpp"

using namespace tickgate;
using namespace std::chrono_literals;

namespace {

std::uint64_t recovery_p50(test::feed_harness& h) { return h.feed().recovery_ms().quantile(0.5); }

}  // namespace

BOOST_AUTO_TEST_CASE(dropped_connection_reconnects_and_resubscribes_everything) {
  test::feed_harness h;
  h.start();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= 10; }, 20s));
  BOOST_TEST(h.sim_subscriptions_are(h.desired_keys()));

  for (int round = 0; round < 3; ++round) {
    BOOST_TEST_CONTEXT("round " << round) {
      const auto connects = h.sum(&gateway::feed_connection_stats::connects);
      h.sim().drop_connections();
      // Reconnected, resubscribed, ticking: within the backoff bound (800 ms
      // cap) plus connect time — generously bounded for a loaded machine.
      BOOST_REQUIRE(h.run_until([&] { return h.sum(&gateway::feed_connection_stats::connects) > connects; }, 10s));
      const auto ticks = h.ticks();
      BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= ticks + 10; }, 10s));
      BOOST_TEST(h.sim_subscriptions_are(h.desired_keys()));
    }
  }
  BOOST_TEST(h.sum(&gateway::feed_connection_stats::disconnects) == 3u);
  BOOST_TEST(h.feed().recovery_ms().count() == 3u);
  BOOST_TEST_MESSAGE("drop → first tick again: p50 " << recovery_p50(h) << " ms, max "
                                                     << h.feed().recovery_ms().max() << " ms");
  BOOST_TEST(h.feed().recovery_ms().max() < 5000u);
}

BOOST_AUTO_TEST_CASE(silent_server_is_detected_by_the_idle_timeout) {
  test::feed_harness h;
  h.start();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= 10; }, 20s));
  // The simulator stops sending anything (no ticks, no pongs) for 3 s; the
  // gateway declares the link dead after 1.2 s without a frame.
  h.sim().stall(3.0);
  BOOST_REQUIRE(h.run_until([&] { return h.sum(&gateway::feed_connection_stats::idle_timeouts) >= 1; }, 10s));
  const auto ticks = h.ticks();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= ticks + 10; }, 15s));
  BOOST_TEST(h.sim_subscriptions_are(h.desired_keys()));
  BOOST_TEST_MESSAGE("stall → first tick again: " << h.feed().recovery_ms().max() << " ms");
}

BOOST_AUTO_TEST_CASE(subscribed_without_ticks_is_a_stall) {
  // A server that keeps answering pings but sends no data: --rate 0 never
  // ticks. The stall detector (1.5 s here) reconnects; pongs keep the idle
  // detector quiet.
  test::harness_options options;
  options.sim.rate = 0;
  options.feed["stall_timeout_ms"] = 1500;
  test::feed_harness h(options);
  h.start();
  BOOST_REQUIRE(h.run_until([&] { return h.sum(&gateway::feed_connection_stats::stalls) >= 2; }, 20s));
  BOOST_TEST(h.sum(&gateway::feed_connection_stats::idle_timeouts) == 0u);
  BOOST_TEST(h.sum(&gateway::feed_connection_stats::pongs) > 0u);
  BOOST_TEST(h.sum(&gateway::feed_connection_stats::connects) >= 2u);
}

BOOST_AUTO_TEST_CASE(market_hours_gate_the_stall_detector) {
  // Same silent market, but the detector only runs in the regular session:
  // outside NSE hours (or at any hour, if this runs then, it reconnects) the
  // connection must not be torn down for lack of ticks.
  test::harness_options options;
  options.sim.rate = 0;
  options.feed["stall_timeout_ms"] = 1000;
  options.feed["stall_market_hours_only"] = true;
  test::feed_harness h(options);
  h.start();
  h.run_for(3500ms);
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  if (gateway::in_regular_session("NSE", now_us)) {
    BOOST_TEST(h.sum(&gateway::feed_connection_stats::stalls) >= 1u);
  } else {
    BOOST_TEST(h.sum(&gateway::feed_connection_stats::stalls) == 0u);
    BOOST_TEST(h.sum(&gateway::feed_connection_stats::connects) == 1u);
  }
}

BOOST_AUTO_TEST_CASE(garbage_and_truncated_frames_are_counted_not_fatal) {
  test::feed_harness h;
  h.start();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= 5; }, 20s));
  h.sim().send_garbage(7);
  h.sim().send_truncated(5);
  const auto& errors = h.app().router().stats().decode_errors_by_code;
  BOOST_REQUIRE(h.run_until([&] { return h.app().router().stats().decode_errors >= 12; }, 10s));
  BOOST_TEST(errors[static_cast<std::size_t>(protocol::errc::unknown_mode)] == 7u);
  BOOST_TEST(errors[static_cast<std::size_t>(protocol::errc::frame_length_mismatch)] +
                 errors[static_cast<std::size_t>(protocol::errc::frame_too_short)] == 5u);
  // Same connection, still ticking.
  const auto ticks = h.ticks();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= ticks + 10; }, 10s));
  BOOST_TEST(h.sum(&gateway::feed_connection_stats::connects) == 1u);
  BOOST_TEST(h.sum(&gateway::feed_connection_stats::disconnects) == 0u);
}

BOOST_AUTO_TEST_CASE(huge_frame_is_discarded_without_dropping_the_link) {
  test::feed_harness h;
  h.start();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= 5; }, 20s));
  h.sim().send_huge(4u << 20);  // 4 MiB against the 64 KiB frame bound
  BOOST_REQUIRE(h.run_until([&] { return h.sum(&gateway::feed_connection_stats::oversized_frames) == 1; }, 15s));
  const auto ticks = h.ticks();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= ticks + 10; }, 10s));
  BOOST_TEST(h.sum(&gateway::feed_connection_stats::disconnects) == 0u);
  // Ticks around the huge frame are not lost: the stream's sequence has no gap.
  test::redis_client db(h.redis().url());
  const auto reply = db.command({"XRANGE", "market_data_stream:RELIANCE", "-", "+"});
  std::int64_t previous = -1;
  for (const auto& entry : reply.elements) {
    const auto& kv = entry.elements.at(1).elements;
    for (std::size_t i = 0; i + 1 < kv.size(); i += 2) {
      if (kv[i].string != "sequence") continue;
      const auto sequence = std::stoll(kv[i + 1].string);
      if (previous >= 0) BOOST_TEST(sequence == previous + 1);
      previous = sequence;
    }
  }
  BOOST_TEST(previous > 0);
}

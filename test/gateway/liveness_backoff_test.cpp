#define BOOST_TEST_MODULE liveness_backoff
#include <boost/test/unit_test.hpp>

#include "gateway/backoff.hpp"
#include "gateway/liveness.hpp"

using namespace tickgate::gateway;
using namespace std::chrono_literals;
using clock_type = liveness::clock;

BOOST_AUTO_TEST_CASE(backoff_grows_to_the_cap_with_jitter) {
  backoff b(100ms, 2000ms, 7);
  std::vector<std::chrono::milliseconds> ceilings;
  for (int i = 0; i < 10; ++i) {
    const auto ceiling = b.current_ceiling();
    const auto d = b.next();
    BOOST_TEST(d >= 50ms);  // floor: initial / 2
    BOOST_TEST(d <= ceiling);
    ceilings.push_back(ceiling);
  }
  BOOST_TEST(ceilings[0] == 100ms);
  BOOST_TEST(ceilings[1] == 200ms);
  BOOST_TEST(ceilings[4] == 1600ms);
  BOOST_TEST(ceilings[5] == 2000ms);
  BOOST_TEST(ceilings[9] == 2000ms);
  b.reset();
  BOOST_TEST(b.current_ceiling() == 100ms);
}

BOOST_AUTO_TEST_CASE(backoff_jitter_spreads_delays) {
  backoff a(1000ms, 30000ms, 1);
  backoff b(1000ms, 30000ms, 2);
  for (int i = 0; i < 5; ++i) {
    a.next();
    b.next();
  }
  int differ = 0;
  for (int i = 0; i < 20; ++i) differ += a.next() != b.next() ? 1 : 0;
  BOOST_TEST(differ > 15);
}

BOOST_AUTO_TEST_CASE(backoff_escalates_after_429) {
  backoff b(100ms, 1000ms, 3);
  b.escalate(15000ms);
  BOOST_TEST(b.current_ceiling() == 15000ms);
  BOOST_TEST(b.next() >= 7500ms);
  b.reset(100ms);
  BOOST_TEST(b.current_ceiling() == 100ms);
}

BOOST_AUTO_TEST_CASE(liveness_pings_then_declares_idle) {
  liveness l(10s, 20s, 60s);
  const auto t0 = clock_type::time_point{} + 1000s;
  l.start(t0);
  BOOST_TEST((l.check(t0 + 5s) == liveness::verdict::ok));
  BOOST_TEST((l.check(t0 + 10s) == liveness::verdict::send_ping));
  l.on_ping_sent(t0 + 10s);
  BOOST_TEST((l.next_deadline() == t0 + 20s));
  BOOST_TEST((l.check(t0 + 19s) == liveness::verdict::ok));
  BOOST_TEST((l.check(t0 + 20s) == liveness::verdict::idle));
  // A pong (any frame) keeps it alive.
  l.on_frame(t0 + 19s);
  BOOST_TEST((l.check(t0 + 20s) != liveness::verdict::idle));
  BOOST_TEST((l.check(t0 + 39s) == liveness::verdict::idle));
}

BOOST_AUTO_TEST_CASE(stall_needs_expected_ticks) {
  liveness l(10s, 20s, 60s);
  const auto t0 = clock_type::time_point{} + 1000s;
  l.start(t0);
  // Pongs keep arriving but no ticks: not a stall while ticks are not expected.
  for (auto t = t0; t < t0 + 200s; t += 5s) l.on_frame(t);
  BOOST_TEST((l.check(t0 + 200s) != liveness::verdict::stalled));
  // Expected from t0+200s: the stall clock starts then, not at the last tick.
  l.set_expecting_ticks(true, t0 + 200s);
  l.on_frame(t0 + 255s);
  l.on_ping_sent(t0 + 255s);
  BOOST_TEST((l.check(t0 + 259s) == liveness::verdict::ok));
  l.on_frame(t0 + 259s);
  BOOST_TEST((l.check(t0 + 260s) == liveness::verdict::stalled));
  l.on_tick(t0 + 259s);
  BOOST_TEST((l.check(t0 + 260s) != liveness::verdict::stalled));
  // A zero stall timeout disables the detector.
  liveness off(10s, 20s, 0s);
  off.start(t0);
  off.set_expecting_ticks(true, t0);
  for (auto t = t0; t < t0 + 500s; t += 5s) off.on_frame(t);
  off.on_ping_sent(t0 + 495s);
  BOOST_TEST((off.check(t0 + 500s) == liveness::verdict::ok));
}

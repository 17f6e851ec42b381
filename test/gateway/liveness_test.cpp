#define BOOST_TEST_MODULE liveness
#include <boost/test/unit_test.hpp>

#include "gateway/liveness.hpp"

using namespace tickgate::gateway;
using namespace std::chrono_literals;
using clock_type = liveness::clock;

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

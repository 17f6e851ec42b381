// backoff: exponential growth, cap, jitter range, reset.
#define BOOST_TEST_MODULE storage_backoff
#include <boost/test/unit_test.hpp>

#include "storage/backoff.hpp"

#include <set>

namespace tickgate::test {
namespace {

using std::chrono::milliseconds;

BOOST_AUTO_TEST_CASE(grows_to_the_cap_within_jitter_bounds) {
  storage::backoff b(milliseconds(100), milliseconds(5000), 42);
  const std::int64_t ceilings[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
  for (std::int64_t ceiling : ceilings) {
    const auto d = b.next().count();
    BOOST_TEST(d >= ceiling / 2);
    BOOST_TEST(d <= ceiling);
  }
}

BOOST_AUTO_TEST_CASE(stays_capped_forever) {
  storage::backoff b(milliseconds(1), milliseconds(1000), 1);
  for (int i = 0; i < 10000; ++i) BOOST_TEST_REQUIRE(b.next().count() <= 1000);
}

BOOST_AUTO_TEST_CASE(reset_starts_over) {
  storage::backoff b(milliseconds(100), milliseconds(5000), 3);
  for (int i = 0; i < 10; ++i) b.next();
  b.reset();
  BOOST_TEST(b.next().count() <= 100);
}

BOOST_AUTO_TEST_CASE(jitter_spreads_delays) {
  // Two gateways restarted together must not retry in lockstep.
  std::set<std::int64_t> seen;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    storage::backoff b(milliseconds(1000), milliseconds(1000), seed);
    seen.insert(b.next().count());
  }
  BOOST_TEST(seen.size() > 10u);
  for (auto d : seen) BOOST_TEST((d >= 500 && d <= 1000));
}

BOOST_AUTO_TEST_CASE(degenerate_arguments_are_clamped) {
  storage::backoff b(milliseconds(0), milliseconds(0), 5);
  for (int i = 0; i < 5; ++i) {
    const auto d = b.next().count();
    BOOST_TEST((d >= 0 && d <= 1));
  }
}

}  // namespace
}  // namespace tickgate::test

// metrics::histogram: bucket bounds, quantiles, and the cumulative counts
// behind /metrics' `le` buckets (which must never count a sample above the
// bound, even when the bound falls inside a log-linear bucket).
#define BOOST_TEST_MODULE storage_histogram
#include <boost/test/unit_test.hpp>

#include "storage/histogram.hpp"

#include <random>
#include <vector>

using tickgate::metrics::histogram;

BOOST_AUTO_TEST_CASE(every_value_lies_inside_its_bucket) {
  for (std::uint64_t v : {0ull, 1ull, 15ull, 16ull, 31ull, 32ull, 999ull, 1000ull, 1023ull,
                          1024ull, 123'456'789ull}) {
    const std::size_t i = histogram::bucket_index(v);
    BOOST_TEST(histogram::bucket_upper_bound(i) >= v);
    if (i > 0) BOOST_TEST(histogram::bucket_upper_bound(i - 1) < v);
  }
}

BOOST_AUTO_TEST_CASE(le_counts_never_include_a_sample_above_the_bound) {
  histogram h;
  // 1000 µs lies inside the bucket [992, 1023]: 1010 shares it.
  h.record(990);
  h.record(1010);
  h.record(5000);
  BOOST_TEST(h.count_at_or_below(1000) == 1u);
  BOOST_TEST(h.count_at_or_below(1023) == 2u);
  BOOST_TEST(h.count_at_or_below(4999) == 2u);
  BOOST_TEST(h.count_at_or_below(1'000'000) == 3u);
  BOOST_TEST(h.count_at_or_below(0) == 0u);

  // Against the exact count over random samples: never above it, and below
  // it by at most the samples of the one bucket that straddles the bound.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::uint64_t> d(0, 200'000);
  histogram r;
  std::vector<std::uint64_t> values;
  for (int i = 0; i < 20'000; ++i) {
    values.push_back(d(rng));
    r.record(values.back());
  }
  for (std::uint64_t bound : {100ull, 500ull, 1000ull, 2500ull, 5000ull, 10'000ull, 50'000ull,
                              100'000ull}) {
    std::uint64_t exact = 0;
    std::uint64_t straddling = 0;
    const std::size_t b = histogram::bucket_index(bound);
    for (std::uint64_t v : values) {
      if (v <= bound) ++exact;
      if (histogram::bucket_index(v) == b && v <= bound) ++straddling;
    }
    BOOST_TEST_CONTEXT("le " << bound) {
      const std::uint64_t got = r.count_at_or_below(bound);
      BOOST_TEST(got <= exact);
      BOOST_TEST(got + straddling >= exact);
    }
  }
}

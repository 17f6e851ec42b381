// A fixed-size log-linear latency histogram (HDR-style): values in
// microseconds, 16 linear sub-buckets per power of two, so any recorded value
// is reported within 1/16 (6.25 %) of itself. Recording is O(1) with no
// allocation; used for Redis round-trip and frame→Redis latency and by the
// benchmarks for p50/p99/p99.9.
//
// Single-threaded, like everything in the gateway.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace tickgate::metrics {

class histogram {
public:
  static constexpr int sub_bucket_bits = 4;                    // 16 per octave
  static constexpr int octaves = 40;                           // up to ~2^40 µs
  static constexpr std::size_t bucket_count = (octaves + 1) << sub_bucket_bits;

  void record(std::uint64_t value_us) noexcept;
  void reset() noexcept;

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t sum() const noexcept { return sum_; }  // µs
  std::uint64_t max() const noexcept { return max_; }

  // Smallest recorded-bucket upper bound v such that at least q of the
  // samples are <= v (q in [0, 1]); 0 when empty.
  std::uint64_t quantile(double q) const noexcept;

  // Number of samples in buckets whose upper bound is <= bound_us (never a
  // sample above the bound), for Prometheus cumulative buckets.
  std::uint64_t count_at_or_below(std::uint64_t bound_us) const noexcept;

  // Adds another histogram's samples (for aggregation across connections).
  void merge(const histogram& other) noexcept;

  static std::size_t bucket_index(std::uint64_t value) noexcept;
  static std::uint64_t bucket_upper_bound(std::size_t index) noexcept;

private:
  std::array<std::uint64_t, bucket_count> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace tickgate::metrics

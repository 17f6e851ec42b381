#include "storage/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tickgate::metrics {

// Values below 2^sub_bucket_bits map one-to-one onto the first buckets; above,
// octave k (the value's highest set bit, k >= sub_bucket_bits) holds 16
// buckets of width 2^(k - sub_bucket_bits).
std::size_t histogram::bucket_index(std::uint64_t value) noexcept {
  constexpr std::uint64_t sub_count = std::uint64_t{1} << sub_bucket_bits;
  if (value < sub_count) return static_cast<std::size_t>(value);
  const int msb = 63 - std::countl_zero(value);
  const int shift = msb - sub_bucket_bits;
  const std::uint64_t sub = (value >> shift) - sub_count;  // 0..15
  const std::size_t index =
      (static_cast<std::size_t>(msb - sub_bucket_bits + 1) << sub_bucket_bits) +
      static_cast<std::size_t>(sub);
  return std::min(index, bucket_count - 1);
}

std::uint64_t histogram::bucket_upper_bound(std::size_t index) noexcept {
  constexpr std::size_t sub_count = std::size_t{1} << sub_bucket_bits;
  if (index < sub_count) return index;
  const std::size_t octave = (index >> sub_bucket_bits) - 1;  // 0 for [16, 32)
  const std::uint64_t sub = index & (sub_count - 1);
  const std::uint64_t width = std::uint64_t{1} << octave;
  return ((sub_count + sub) << octave) + width - 1;
}

void histogram::record(std::uint64_t value_us) noexcept {
  ++buckets_[bucket_index(value_us)];
  ++count_;
  sum_ += value_us;
  max_ = std::max(max_, value_us);
}

void histogram::reset() noexcept { *this = histogram{}; }

std::uint64_t histogram::quantile(double q) const noexcept {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto target = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += buckets_[i];
    if (seen >= target) return std::min(bucket_upper_bound(i), max_);
  }
  return max_;
}

std::uint64_t histogram::count_at_or_below(std::uint64_t bound_us) const noexcept {
  // Only whole buckets at or below the bound: a bucket that straddles it
  // may hold samples above it, and a Prometheus `le` bucket must not count
  // those (the count is low by at most the straddling bucket, never high).
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < bucket_count && bucket_upper_bound(i) <= bound_us; ++i) {
    n += buckets_[i];
  }
  return n;
}

void histogram::merge(const histogram& other) noexcept {
  for (std::size_t i = 0; i < bucket_count; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

}  // namespace tickgate::metrics

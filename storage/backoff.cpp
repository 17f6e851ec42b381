#include "storage/backoff.hpp"

#include <algorithm>

namespace tickgate::storage {

backoff::backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 std::uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      rng_(seed) {}

std::chrono::milliseconds backoff::next() noexcept {
  // Double until the cap; stop counting once there so the shift cannot overflow.
  std::int64_t ceiling = initial_.count();
  for (unsigned i = 0; i < attempt_ && ceiling < max_.count(); ++i) ceiling *= 2;
  ceiling = std::min<std::int64_t>(ceiling, max_.count());
  if (ceiling < max_.count()) ++attempt_;
  const std::int64_t floor = ceiling / 2;
  std::uniform_int_distribution<std::int64_t> pick(floor, ceiling);
  return std::chrono::milliseconds(pick(rng_));
}

}  // namespace tickgate::storage

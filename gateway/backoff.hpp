// Capped exponential backoff with full jitter (the delay is uniform in
// [0, min(cap, initial · 2^attempt)]), so that three feed connections, or many
// gateways restarting together, do not reconnect in lockstep — the retry storm
// the OpenAlgo keepalive audit warns about (smartstream-protocol.md §8.3).
//
// A floor keeps the delay from collapsing to zero: delays are never below
// `initial / 2`. Plain object: the caller owns the timer.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace tickgate::gateway {

class backoff {
public:
  using duration = std::chrono::milliseconds;

  backoff(duration initial, duration cap, std::uint64_t seed = std::random_device{}())
      : initial_(initial), cap_(cap), rng_(seed) {}

  // The delay before the next attempt; grows the ceiling for the one after.
  duration next() {
    const duration ceiling = current_ceiling();
    if (attempt_ < 62) ++attempt_;
    const auto floor = initial_ / 2;
    if (ceiling <= floor) return floor;
    std::uniform_int_distribution<std::int64_t> dist(floor.count(), ceiling.count());
    return duration(dist(rng_));
  }

  // Raises the base for the following delays (HTTP 429: back off slower).
  void escalate(duration base) {
    if (base > initial_) initial_ = base;
    if (initial_ > cap_) cap_ = initial_;
  }

  void reset(duration initial) {
    initial_ = initial;
    attempt_ = 0;
  }
  void reset() { attempt_ = 0; }

  int attempts() const noexcept { return attempt_; }

  // The largest delay next() can return now.
  duration current_ceiling() const noexcept {
    const int shift = attempt_ < 30 ? attempt_ : 30;
    const auto grown = initial_.count() * (std::int64_t{1} << shift);
    return grown >= cap_.count() || grown < 0 ? cap_ : duration(grown);
  }

private:
  duration initial_;
  duration cap_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace tickgate::gateway

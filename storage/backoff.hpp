// Capped exponential backoff with jitter for reconnect loops.
//
// Attempt n (from 0) waits a random duration in [d/2, d] where
// d = min(max, initial * 2^n) ("equal jitter"): the delay keeps growing to the
// cap, and the jitter spreads the reconnects of many gateways restarted
// together, so they do not hit a recovering Redis in lockstep.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace tickgate::storage {

class backoff {
public:
  // Preconditions: initial > 0, max >= initial.
  backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
          std::uint64_t seed = std::random_device{}());

  // The delay before the next attempt; advances the attempt counter.
  std::chrono::milliseconds next() noexcept;
  // After a success: the next failure starts again from `initial`.
  void reset() noexcept { attempt_ = 0; }

private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  unsigned attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace tickgate::storage

// The simulated market (design.md "The simulator models one market, like the
// real service"): one instrument_model per (exchangeType, token), whatever
// mode or token spelling its subscribers use. Plain objects: no I/O, no
// clock; the server passes wall-clock time in.
#pragma once

#include "protocol/tick.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace tickgate::sim {

// The instrument's identity in the market. Index tokens have two spellings
// (§7: the READMEs subscribe "26000", the scrip master lists "99926000");
// canonical_token maps an 8-digit "999xxxxx" token on nse_cm/bse_cm to its
// 5-digit suffix so both spellings share one model. Other tokens are kept
// as they are.
std::string_view canonical_token(std::uint8_t exchange_type, std::string_view token) noexcept;

struct instrument_key {
  std::uint8_t exchange_type = 0;
  std::string token;  // canonical
  friend bool operator==(const instrument_key&, const instrument_key&) = default;
};

struct instrument_key_hash {
  std::size_t operator()(const instrument_key& k) const noexcept;
};

// What kind of instrument a key stands for, and the scale of its prices.
// Prices are in the feed's units for the exchange type: paise, or 10^-7
// rupees for cde_fo (protocol::price_divisor, §3.7).
struct instrument_profile {
  bool index = false;       // NSE/BSE index: no volume, no book (§7 index tokens)
  bool derivative = false;  // carries open interest (nse_fo, bse_fo, mcx_fo, ncx_fo, cde_fo)
  std::int64_t tick_size = 5;
  std::int64_t close = 0;  // previous close, fixed per token
  std::int64_t lot_size = 1;
};

// Deterministic from (seed, exchange type, canonical token).
instrument_profile make_profile(std::uint64_t seed, std::uint8_t exchange_type,
                                std::string_view canonical);

// One instrument's random walk. Every field of every mode is tracked, so one
// advance() yields the values that all modes' frames carry for that tick.
//
// Invariants after each advance(): sequence counts 1, 2, 3, …; ltp, open,
// high, low, close, avg price, book prices and circuits are multiples of
// tick_size; lower_circuit <= low <= ltp <= high <= upper_circuit; volume
// grows by last_traded_qty; best five buy prices ltp − k·tick (k = 1…5) and
// sell prices ltp + k·tick with non-zero quantities and orders; Depth-20 the
// same for k = 1…20. Indices have zero quantities and an empty book.
class instrument_model {
public:
  instrument_model(std::uint64_t seed, std::uint8_t exchange_type, std::string canonical);

  // Moves the market by one trade at `now_ms` (epoch ms, wall clock).
  void advance(std::int64_t now_ms);

  // The current state as the frame in mode `m` carries it, with `echo_token`
  // (the spelling the subscriber used) in the header: exactly what
  // protocol::decode_frame returns for that frame. Precondition: advance()
  // was called at least once; echo_token is a valid token.
  protocol::tick snapshot(protocol::mode m, std::string_view echo_token) const;

  // Same as snapshot() but fills every field of every mode into `out` (the
  // hot path: the frame encoder reads only the fields of out.subscription_mode).
  void fill(protocol::tick& out) const;

  std::uint8_t exchange_type() const noexcept { return exchange_type_; }
  const std::string& token() const noexcept { return canonical_; }
  const instrument_profile& profile() const noexcept { return profile_; }
  std::int64_t sequence() const noexcept { return sequence_; }
  std::int64_t ltp() const noexcept { return ltp_; }

private:
  std::uint64_t next_random() noexcept;
  std::int64_t uniform(std::int64_t lo, std::int64_t hi) noexcept;  // inclusive
  std::int64_t on_grid(std::int64_t price) const noexcept;

  std::uint8_t exchange_type_;
  std::string canonical_;
  instrument_profile profile_;
  std::uint64_t rng_;

  std::int64_t sequence_ = 0;
  std::int64_t now_ms_ = 0;
  std::int64_t ltp_ = 0;
  std::int64_t open_ = 0;
  std::int64_t high_ = 0;
  std::int64_t low_ = 0;
  std::int64_t last_qty_ = 0;
  std::int64_t volume_ = 0;
  double traded_value_ = 0;  // Σ price·qty, for the average price
  std::int64_t oi_ = 0;
  std::int64_t oi_open_ = 0;
  std::int64_t upper_circuit_ = 0;
  std::int64_t lower_circuit_ = 0;
  std::int64_t week52_high_ = 0;
  std::int64_t week52_low_ = 0;
  // Book quantities and order counts, re-drawn each tick.
  std::array<std::int64_t, 20> buy_qty_{};
  std::array<std::int64_t, 20> sell_qty_{};
  std::array<std::int16_t, 20> buy_orders_{};
  std::array<std::int16_t, 20> sell_orders_{};
  double total_buy_qty_ = 0;
  double total_sell_qty_ = 0;
};

}  // namespace tickgate::sim

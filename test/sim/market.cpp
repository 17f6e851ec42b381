#include "test/sim/market.hpp"

#include <algorithm>
#include <cmath>

namespace tickgate::sim {
namespace {

using protocol::mode;

// SplitMix64 (Steele, Lea, Flood 2014): a tiny, well-mixed 64-bit generator;
// one state word per instrument keeps every walk independent and reproducible.
std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 0xCBF29CE484222325ULL) noexcept {
  for (const char c : s) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

std::uint64_t instrument_seed(std::uint64_t seed, std::uint8_t exchange_type,
                              std::string_view canonical) noexcept {
  std::uint64_t state = seed ^ (std::uint64_t{exchange_type} << 56) ^ fnv1a(canonical);
  return splitmix64(state);
}

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::int64_t token_number(std::string_view s) noexcept {
  if (!all_digits(s) || s.size() > 9) return -1;
  std::int64_t n = 0;
  for (const char c : s) n = n * 10 + (c - '0');
  return n;
}

// Known index levels (rupees), so the demo's NIFTY looks like NIFTY.
std::int64_t known_index_level(std::uint8_t exchange_type, std::int64_t token) noexcept {
  if (exchange_type == protocol::exchange::nse_cm) {
    switch (token) {
      case 26000: return 24000;  // Nifty 50
      case 26009: return 52000;  // Nifty Bank
      case 26017: return 14;     // India VIX
      case 26037: return 23500;  // Nifty Fin Service
      case 26074: return 12500;  // NIFTY MID SELECT
      default: return 0;
    }
  }
  if (exchange_type == protocol::exchange::bse_cm && token == 19000) return 80000;  // SENSEX
  return 0;
}

}  // namespace

std::string_view canonical_token(std::uint8_t exchange_type, std::string_view token) noexcept {
  if ((exchange_type == protocol::exchange::nse_cm ||
       exchange_type == protocol::exchange::bse_cm) &&
      token.size() == 8 && token.starts_with("999") && all_digits(token)) {
    return token.substr(3);
  }
  return token;
}

std::size_t instrument_key_hash::operator()(const instrument_key& k) const noexcept {
  return static_cast<std::size_t>(fnv1a(k.token, 0xCBF29CE484222325ULL ^ k.exchange_type));
}

instrument_profile make_profile(std::uint64_t seed, std::uint8_t exchange_type,
                                std::string_view canonical) {
  std::uint64_t state = instrument_seed(seed, exchange_type, canonical) ^ 0x5EED;
  const auto draw = [&state](std::int64_t lo, std::int64_t hi) {
    return lo +
           static_cast<std::int64_t>(splitmix64(state) % static_cast<std::uint64_t>(hi - lo + 1));
  };
  instrument_profile p;
  const std::int64_t number = token_number(canonical);
  using namespace protocol::exchange;
  switch (exchange_type) {
    case nse_cm:
    case bse_cm: {
      // Index ranges: NSE 26000–26099, BSE 19000–19099 (the short forms of
      // the scrip master's 999260xx / 999190xx, §7).
      const bool index = (exchange_type == nse_cm && number >= 26000 && number <= 26099) ||
                         (exchange_type == bse_cm && number >= 19000 && number <= 19099);
      if (index) {
        p.index = true;
        p.tick_size = 1;
        const std::int64_t level = known_index_level(exchange_type, number);
        p.close = (level != 0 ? level : draw(5'000, 50'000)) * 100 + draw(0, 99);
      } else {
        p.tick_size = 5;
        p.close = draw(100, 5'000) * 100 + draw(0, 19) * 5;
      }
      break;
    }
    case nse_fo:
    case bse_fo: {
      // Options dominate F&O subscriptions: premiums of a few rupees to a few hundred.
      p.derivative = true;
      p.tick_size = 5;
      p.close = draw(5, 800) * 100 + draw(0, 19) * 5;
      static constexpr std::int64_t lots[] = {15, 25, 50, 75};
      p.lot_size = lots[draw(0, 3)];
      break;
    }
    case mcx_fo:
    case ncx_fo:
      p.derivative = true;
      p.tick_size = 100;  // one rupee
      p.close = draw(1'000, 80'000) * 100;
      p.lot_size = draw(1, 10);
      break;
    case cde_fo:
      // Currency prices in 10^-7 rupees (§3.7): USDINR-like 80–90, tick 0.0025.
      p.derivative = true;
      p.tick_size = 25'000;
      p.close = draw(80, 89) * 10'000'000 + draw(0, 399) * 25'000;
      p.lot_size = 1'000;
      break;
    default:
      p.tick_size = 5;
      p.close = draw(100, 5'000) * 100;
      break;
  }
  return p;
}

instrument_model::instrument_model(std::uint64_t seed, std::uint8_t exchange_type,
                                   std::string canonical)
    : exchange_type_(exchange_type),
      canonical_(std::move(canonical)),
      profile_(make_profile(seed, exchange_type, canonical_)),
      rng_(instrument_seed(seed, exchange_type, canonical_)) {
  const std::int64_t close = profile_.close;
  // Daily price band ±20 % and a 52-week range around the previous close.
  upper_circuit_ = on_grid(close + close / 5);
  lower_circuit_ = on_grid(close - close / 5);
  week52_high_ = on_grid(close + close * uniform(10, 60) / 100);
  week52_low_ = on_grid(close - close * uniform(10, 50) / 100);
  if (profile_.derivative) {
    oi_open_ = profile_.lot_size * uniform(1'000, 100'000);
    oi_ = oi_open_;
  }
}

std::uint64_t instrument_model::next_random() noexcept {
  return splitmix64(rng_);
}

std::int64_t instrument_model::uniform(std::int64_t lo, std::int64_t hi) noexcept {
  return lo + static_cast<std::int64_t>(next_random() % static_cast<std::uint64_t>(hi - lo + 1));
}

std::int64_t instrument_model::on_grid(std::int64_t price) const noexcept {
  return price / profile_.tick_size * profile_.tick_size;
}

void instrument_model::advance(std::int64_t now_ms) {
  const std::int64_t tick = profile_.tick_size;
  now_ms_ = now_ms;
  ++sequence_;
  if (sequence_ == 1) {
    // The opening trade: within ±1 % of the previous close.
    const std::int64_t gap = profile_.close / 100 / tick;
    ltp_ = profile_.close + tick * uniform(-gap, gap);
    ltp_ = std::clamp(ltp_, lower_circuit_ + 20 * tick, upper_circuit_ - 20 * tick);
    open_ = high_ = low_ = ltp_;
  } else {
    // A symmetric walk of up to three ticks, reflected inside the band (and
    // far enough inside that a 20-level book stays positive).
    std::int64_t next = ltp_ + tick * uniform(-3, 3);
    if (next < lower_circuit_ + 20 * tick || next > upper_circuit_ - 20 * tick) {
      next = 2 * ltp_ - next;
    }
    ltp_ = next;
    high_ = std::max(high_, ltp_);
    low_ = std::min(low_, ltp_);
  }
  week52_high_ = std::max(week52_high_, high_);
  week52_low_ = std::min(week52_low_, low_);

  if (profile_.index) return;  // an index trades nothing: no quantities, no book

  last_qty_ = profile_.lot_size * uniform(1, profile_.derivative ? 20 : 500);
  volume_ += last_qty_;
  traded_value_ += static_cast<double>(ltp_) * static_cast<double>(last_qty_);
  if (profile_.derivative) {
    oi_ = std::max<std::int64_t>(0, oi_ + profile_.lot_size * uniform(-5, 5));
  }
  std::int64_t buy_total = 0;
  std::int64_t sell_total = 0;
  for (std::size_t i = 0; i < buy_qty_.size(); ++i) {
    buy_qty_[i] = profile_.lot_size * uniform(1, 200);
    sell_qty_[i] = profile_.lot_size * uniform(1, 200);
    buy_orders_[i] = static_cast<std::int16_t>(uniform(1, 40));
    sell_orders_[i] = static_cast<std::int16_t>(uniform(1, 40));
    buy_total += buy_qty_[i];
    sell_total += sell_qty_[i];
  }
  // The whole book is deeper than the 20 levels shown.
  total_buy_qty_ = static_cast<double>(buy_total * uniform(3, 8));
  total_sell_qty_ = static_cast<double>(sell_total * uniform(3, 8));
}

void instrument_model::fill(protocol::tick& t) const {
  const std::int64_t tick = profile_.tick_size;
  t.exchange_type = exchange_type_;
  t.sequence = sequence_;
  t.exchange_timestamp_ms = now_ms_;
  t.ltp = ltp_;
  t.last_traded_qty = last_qty_;
  t.avg_price =
      volume_ == 0
          ? 0
          : static_cast<std::int64_t>(std::llround(traded_value_ / static_cast<double>(volume_)));
  t.volume = volume_;
  t.total_buy_qty = total_buy_qty_;
  t.total_sell_qty = total_sell_qty_;
  t.open = open_;
  t.high = high_;
  t.low = low_;
  t.close = profile_.close;
  t.last_traded_timestamp = now_ms_ / 1000;  // seconds ([NET] "InSeconds", §3.4)
  t.open_interest = oi_;
  t.oi_change_pct =
      oi_open_ == 0 ? 0.0
                    : static_cast<double>(oi_ - oi_open_) * 100.0 / static_cast<double>(oi_open_);
  t.upper_circuit = upper_circuit_;
  t.lower_circuit = lower_circuit_;
  t.week52_high = week52_high_;
  t.week52_low = week52_low_;
  t.packet_received_time = now_ms_;
  if (profile_.index) {
    t.best_buy = {};
    t.best_sell = {};
    t.best_buy_count = t.best_sell_count = 0;
    t.depth_buy = {};
    t.depth_sell = {};
    return;
  }
  for (std::size_t i = 0; i < 5; ++i) {
    const auto k = static_cast<std::int64_t>(i + 1);
    t.best_buy[i] = {buy_qty_[i], ltp_ - k * tick, buy_orders_[i]};
    t.best_sell[i] = {sell_qty_[i], ltp_ + k * tick, sell_orders_[i]};
  }
  t.best_buy_count = t.best_sell_count = 5;
  // Depth-20 levels are int32 (§3.6); only nse_cm may subscribe to mode 4
  // (§2.3), whose prices and quantities fit.
  for (std::size_t i = 0; i < 20; ++i) {
    const auto k = static_cast<std::int64_t>(i + 1);
    t.depth_buy[i] = {static_cast<std::int32_t>(buy_qty_[i]),
                      static_cast<std::int32_t>(ltp_ - k * tick), buy_orders_[i]};
    t.depth_sell[i] = {static_cast<std::int32_t>(sell_qty_[i]),
                       static_cast<std::int32_t>(ltp_ + k * tick), sell_orders_[i]};
  }
}

protocol::tick instrument_model::snapshot(protocol::mode m, std::string_view echo_token) const {
  protocol::tick full;
  fill(full);
  protocol::tick t;
  t.subscription_mode = m;
  t.exchange_type = exchange_type_;
  t.token = protocol::token_string::from(echo_token);
  if (m == mode::depth_20) {
    // §3.6: no sequence number and no LTP; two timestamps and the levels.
    t.exchange_timestamp_ms = full.exchange_timestamp_ms;
    t.packet_received_time = full.packet_received_time;
    t.depth_buy = full.depth_buy;
    t.depth_sell = full.depth_sell;
    return t;
  }
  t.sequence = full.sequence;
  t.exchange_timestamp_ms = full.exchange_timestamp_ms;
  t.ltp = full.ltp;
  if (m == mode::ltp) return t;
  t.last_traded_qty = full.last_traded_qty;
  t.avg_price = full.avg_price;
  t.volume = full.volume;
  t.total_buy_qty = full.total_buy_qty;
  t.total_sell_qty = full.total_sell_qty;
  t.open = full.open;
  t.high = full.high;
  t.low = full.low;
  t.close = full.close;
  if (m == mode::quote) return t;
  t.last_traded_timestamp = full.last_traded_timestamp;
  t.open_interest = full.open_interest;
  t.oi_change_pct = full.oi_change_pct;
  t.best_buy = full.best_buy;
  t.best_sell = full.best_sell;
  t.best_buy_count = full.best_buy_count;
  t.best_sell_count = full.best_sell_count;
  t.upper_circuit = full.upper_circuit;
  t.lower_circuit = full.lower_circuit;
  t.week52_high = full.week52_high;
  t.week52_low = full.week52_low;
  return t;
}

}  // namespace tickgate::sim

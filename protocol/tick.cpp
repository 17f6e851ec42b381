#include "protocol/tick.hpp"

#include <algorithm>

namespace tickgate::protocol {

bool is_known_exchange_type(std::uint8_t exchange_type) noexcept {
  switch (exchange_type) {
    case exchange::nse_cm:
    case exchange::nse_fo:
    case exchange::bse_cm:
    case exchange::bse_fo:
    case exchange::mcx_fo:
    case exchange::ncx_fo:
    case exchange::cde_fo: return true;
    default: return false;
  }
}

std::string_view exchange_type_name(std::uint8_t exchange_type) noexcept {
  switch (exchange_type) {
    case exchange::nse_cm: return "nse_cm";
    case exchange::nse_fo: return "nse_fo";
    case exchange::bse_cm: return "bse_cm";
    case exchange::bse_fo: return "bse_fo";
    case exchange::mcx_fo: return "mcx_fo";
    case exchange::ncx_fo: return "ncx_fo";
    case exchange::cde_fo: return "cde_fo";
    default: return "unknown";
  }
}

std::string_view mode_name(mode m) noexcept {
  switch (m) {
    case mode::ltp: return "ltp";
    case mode::quote: return "quote";
    case mode::snap_quote: return "snap_quote";
    case mode::depth_20: return "depth_20";
  }
  return "unknown";
}

std::size_t frame_size(mode m) noexcept {
  switch (m) {
    case mode::ltp: return 51;
    case mode::quote: return 123;
    case mode::snap_quote: return 379;
    case mode::depth_20: return 443;
  }
  return 0;
}

std::int64_t price_divisor(std::uint8_t exchange_type) noexcept {
  return exchange_type == exchange::cde_fo ? 10'000'000 : 100;
}

bool is_valid_token(std::string_view token) noexcept {
  if (token.empty() || token.size() > token_string{}.bytes.size()) return false;
  return std::all_of(token.begin(), token.end(), [](char c) { return c >= '\x21' && c <= '\x7e'; });
}

token_string token_string::from(std::string_view s) noexcept {
  token_string t;
  t.size = static_cast<std::uint8_t>(std::min(s.size(), t.bytes.size()));
  std::copy_n(s.data(), t.size, t.bytes.data());
  return t;
}

// The book's entries are not relied on to be sorted (§3.5 "don't rely on
// order"): best bid is the highest buy price, best ask the lowest sell price,
// ignoring empty (zero-price) levels.
std::int64_t tick::best_bid() const noexcept {
  std::int64_t best = 0;
  if (subscription_mode == mode::snap_quote) {
    for (std::size_t i = 0; i < best_buy_count; ++i) best = std::max(best, best_buy[i].price);
  } else if (subscription_mode == mode::depth_20) {
    for (const auto& level : depth_buy) best = std::max<std::int64_t>(best, level.price);
  }
  return best;
}

std::int64_t tick::best_ask() const noexcept {
  std::int64_t best = 0;
  const auto consider = [&best](std::int64_t price) {
    if (price > 0 && (best == 0 || price < best)) best = price;
  };
  if (subscription_mode == mode::snap_quote) {
    for (std::size_t i = 0; i < best_sell_count; ++i) consider(best_sell[i].price);
  } else if (subscription_mode == mode::depth_20) {
    for (const auto& level : depth_sell) consider(level.price);
  }
  return best;
}

}  // namespace tickgate::protocol

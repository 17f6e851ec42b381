// The tick model: one decoded SmartStream binary frame.
//
// Prices are kept exactly as the feed sends them, as integers in the
// exchange's minor unit (paise for everything but currency); price_divisor()
// turns them into rupees. Quantities, volume, OI and order counts are
// unscaled (smartstream-protocol.md §3.7).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace tickgate::protocol {

// Subscription mode: byte 0 of every frame and params.mode of a request (§2.1).
enum class mode : std::uint8_t { ltp = 1, quote = 2, snap_quote = 3, depth_20 = 4 };

// exchangeType codes (§2.2). Frames carry a raw byte; these are the known ones.
namespace exchange {
inline constexpr std::uint8_t nse_cm = 1;
inline constexpr std::uint8_t nse_fo = 2;
inline constexpr std::uint8_t bse_cm = 3;
inline constexpr std::uint8_t bse_fo = 4;
inline constexpr std::uint8_t mcx_fo = 5;
inline constexpr std::uint8_t ncx_fo = 7;
inline constexpr std::uint8_t cde_fo = 13;
}  // namespace exchange

// True for the exchangeType codes in §2.2.
bool is_known_exchange_type(std::uint8_t exchange_type) noexcept;

// "nse_cm", "nse_fo", ... for known codes, "unknown" otherwise.
std::string_view exchange_type_name(std::uint8_t exchange_type) noexcept;

// "ltp", "quote", "snap_quote", "depth_20".
std::string_view mode_name(mode m) noexcept;

// Fixed frame size of each mode (§3.2–§3.6): 51, 123, 379, 443.
std::size_t frame_size(mode m) noexcept;

// Divisor from the feed's integer price to rupees. 100 for every segment
// except cde_fo (13), where it is 10^7. The currency divisor is the choice of
// the third-party decoders (§3.7); no official source confirms it and OpenAlgo
// uses 100, so the gateway lets the config override it per exchange type.
std::int64_t price_divisor(std::uint8_t exchange_type) noexcept;

// True when `token` can travel in a frame's token field (§3.1): 1–25
// printable, non-space ASCII characters (0x21–0x7E). Frames with any other
// token are rejected (errc::bad_token), and so are requests carrying one.
bool is_valid_token(std::string_view token) noexcept;

// The 25-byte NUL-padded token field, cut at the first NUL (§3.1). Stored
// inline so a tick owns all of its data and outlives the frame it came from.
struct token_string {
  std::array<char, 25> bytes{};
  std::uint8_t size = 0;

  std::string_view view() const noexcept { return {bytes.data(), size}; }
  // Precondition: s.size() <= 25.
  static token_string from(std::string_view s) noexcept;
  friend bool operator==(const token_string& a, const token_string& b) noexcept {
    return a.view() == b.view();
  }
};

// One entry of the SnapQuote best-five block (§3.5), sorted to its side by
// the flag (1 = buy, 0 = sell), not by position.
struct best_five_entry {
  std::int64_t quantity = 0;
  std::int64_t price = 0;  // feed units
  std::int16_t orders = 0;
  friend bool operator==(const best_five_entry&, const best_five_entry&) = default;
};

// One Depth-20 level (§3.6): int32 quantity, int32 price, int16 orders.
struct depth_level {
  std::int32_t quantity = 0;
  std::int32_t price = 0;  // feed units
  std::int16_t orders = 0;
  friend bool operator==(const depth_level&, const depth_level&) = default;
};

struct tick {
  // Common header (§3.1).
  mode subscription_mode = mode::ltp;
  std::uint8_t exchange_type = 0;
  token_string token;

  // LTP (§3.2). Depth-20 frames carry no sequence number (0 here).
  std::int64_t sequence = 0;
  std::int64_t exchange_timestamp_ms = 0;
  std::int64_t ltp = 0;

  // Quote (§3.3); zero in LTP frames.
  std::int64_t last_traded_qty = 0;
  std::int64_t avg_price = 0;
  std::int64_t volume = 0;  // traded today, cumulative
  double total_buy_qty = 0;
  double total_sell_qty = 0;
  std::int64_t open = 0;
  std::int64_t high = 0;
  std::int64_t low = 0;
  std::int64_t close = 0;  // previous close

  // SnapQuote (§3.4); zero below mode 3.
  std::int64_t last_traded_timestamp = 0;  // unit unstated by every source
  std::int64_t open_interest = 0;
  double oi_change_pct = 0;  // read as double (DOCX, JAVA, JS, GO; PY reads int64)
  std::array<best_five_entry, 5> best_buy{};
  std::array<best_five_entry, 5> best_sell{};
  std::uint8_t best_buy_count = 0;
  std::uint8_t best_sell_count = 0;
  std::int64_t upper_circuit = 0;
  std::int64_t lower_circuit = 0;
  std::int64_t week52_high = 0;
  std::int64_t week52_low = 0;

  // Depth-20 (§3.6); the side is positional.
  std::int64_t packet_received_time = 0;
  std::array<depth_level, 20> depth_buy{};
  std::array<depth_level, 20> depth_sell{};

  // Best buy (highest) / best sell (lowest non-zero) price in feed units over
  // the best-five block (SnapQuote) or the Depth-20 levels; 0 when the mode
  // carries no book or the side is empty.
  std::int64_t best_bid() const noexcept;
  std::int64_t best_ask() const noexcept;

  friend bool operator==(const tick&, const tick&) = default;
};

}  // namespace tickgate::protocol

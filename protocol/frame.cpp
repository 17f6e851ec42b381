// SmartStream binary frames (smartstream-protocol.md §3).
//
// Every read goes through load_little_* at a fixed offset of a frame whose
// length has already been checked against its mode, so no read can run past
// the end. Bytes are reached as `unsigned char` through `void*`
// (static_cast, which char types may alias), never with reinterpret_cast.
#include "protocol/frame.hpp"

#include <boost/endian/conversion.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace tickgate::protocol {
namespace {

// Offsets of §3.1–§3.6.
namespace off {
inline constexpr std::size_t mode = 0;
inline constexpr std::size_t exchange_type = 1;
inline constexpr std::size_t token = 2;
inline constexpr std::size_t token_size = 25;
inline constexpr std::size_t header_size = 27;
// §3.2 LTP.
inline constexpr std::size_t sequence = 27;
inline constexpr std::size_t exchange_timestamp = 35;
inline constexpr std::size_t ltp = 43;
// §3.3 Quote.
inline constexpr std::size_t last_traded_qty = 51;
inline constexpr std::size_t avg_price = 59;
inline constexpr std::size_t volume = 67;
inline constexpr std::size_t total_buy_qty = 75;
inline constexpr std::size_t total_sell_qty = 83;
inline constexpr std::size_t open = 91;
inline constexpr std::size_t high = 99;
inline constexpr std::size_t low = 107;
inline constexpr std::size_t close = 115;
// §3.4 SnapQuote.
inline constexpr std::size_t last_traded_timestamp = 123;
inline constexpr std::size_t open_interest = 131;
inline constexpr std::size_t oi_change_pct = 139;
inline constexpr std::size_t best_five = 147;
inline constexpr std::size_t best_five_entries = 10;
inline constexpr std::size_t best_five_entry_size = 20;
inline constexpr std::size_t upper_circuit = 347;
inline constexpr std::size_t lower_circuit = 355;
inline constexpr std::size_t week52_high = 363;
inline constexpr std::size_t week52_low = 371;
// §3.5 best-five entry (relative).
inline constexpr std::size_t bf_flag = 0;
inline constexpr std::size_t bf_quantity = 2;
inline constexpr std::size_t bf_price = 10;
inline constexpr std::size_t bf_orders = 18;
// §3.6 Depth-20.
inline constexpr std::size_t depth_exchange_timestamp = 27;
inline constexpr std::size_t depth_packet_received_time = 35;
inline constexpr std::size_t depth_buy = 43;
inline constexpr std::size_t depth_sell = 243;
inline constexpr std::size_t depth_levels = 20;
inline constexpr std::size_t depth_level_size = 10;
// §3.6 level (relative).
inline constexpr std::size_t dl_quantity = 0;
inline constexpr std::size_t dl_price = 4;
inline constexpr std::size_t dl_orders = 8;
}  // namespace off

static_assert(off::best_five + off::best_five_entries * off::best_five_entry_size ==
              off::upper_circuit);
static_assert(off::depth_sell + off::depth_levels * off::depth_level_size == 443);

// ---- reading ---------------------------------------------------------------

// A frame whose length has been validated; every accessor reads at a fixed
// offset below that length.
class reader {
public:
  explicit reader(const std::byte* data) noexcept
      : p_(static_cast<const unsigned char*>(static_cast<const void*>(data))) {}

  std::uint8_t u8(std::size_t at) const noexcept { return p_[at]; }
  std::int16_t s16(std::size_t at) const noexcept {
    return boost::endian::load_little_s16(p_ + at);
  }
  std::int32_t s32(std::size_t at) const noexcept {
    return boost::endian::load_little_s32(p_ + at);
  }
  std::int64_t s64(std::size_t at) const noexcept {
    return boost::endian::load_little_s64(p_ + at);
  }
  // IEEE-754 binary64, little-endian: the u64 bits reinterpreted by value.
  double f64(std::size_t at) const noexcept {
    return std::bit_cast<double>(boost::endian::load_little_u64(p_ + at));
  }
  const unsigned char* at(std::size_t offset) const noexcept { return p_ + offset; }

private:
  const unsigned char* p_;
};

// §3.1: the token runs up to the first NUL (bytes after it are ignored) and
// must be 1–25 printable, non-space ASCII characters (is_valid_token). Writes
// `out` only on success.
bool read_token(const reader& r, token_string& out) noexcept {
  const unsigned char* field = r.at(off::token);
  std::size_t size = 0;
  for (; size < off::token_size && field[size] != 0; ++size) {
    if (field[size] < 0x21 || field[size] > 0x7e) return false;
  }
  if (size == 0) return false;
  out.bytes = {};
  std::memcpy(out.bytes.data(), field, size);
  out.size = static_cast<std::uint8_t>(size);
  return true;
}

// Fields a mode does not carry are zero (tick.hpp); these clear one group
// each. They run only when the tick's previous mode may have left the group
// non-zero (see decode_frame), so a stream of same-mode frames clears nothing.
void clear_quote_fields(tick& t) noexcept {
  t.last_traded_qty = 0;
  t.avg_price = 0;
  t.volume = 0;
  t.total_buy_qty = 0;
  t.total_sell_qty = 0;
  t.open = 0;
  t.high = 0;
  t.low = 0;
  t.close = 0;
}

void clear_snap_quote_fields(tick& t) noexcept {
  t.last_traded_timestamp = 0;
  t.open_interest = 0;
  t.oi_change_pct = 0;
  t.best_buy = {};
  t.best_sell = {};
  t.best_buy_count = 0;
  t.best_sell_count = 0;
  t.upper_circuit = 0;
  t.lower_circuit = 0;
  t.week52_high = 0;
  t.week52_low = 0;
}

void clear_depth_fields(tick& t) noexcept {
  t.packet_received_time = 0;
  t.depth_buy = {};
  t.depth_sell = {};
}

void read_ltp_fields(const reader& r, tick& t) noexcept {
  t.sequence = r.s64(off::sequence);
  t.exchange_timestamp_ms = r.s64(off::exchange_timestamp);
  // int64 on the wire; the int32 writers (§3.2 contradiction) leave the upper
  // four bytes zero, which reads back as the same value.
  t.ltp = r.s64(off::ltp);
}

void read_quote_fields(const reader& r, tick& t) noexcept {
  t.last_traded_qty = r.s64(off::last_traded_qty);
  t.avg_price = r.s64(off::avg_price);
  t.volume = r.s64(off::volume);
  t.total_buy_qty = r.f64(off::total_buy_qty);
  t.total_sell_qty = r.f64(off::total_sell_qty);
  t.open = r.s64(off::open);
  t.high = r.s64(off::high);
  t.low = r.s64(off::low);
  t.close = r.s64(off::close);
}

// §3.4 and §3.5. Entries go to their side by flag (1 = buy, 0 = sell), in
// frame order, never by position. An entry whose quantity, price and order
// count are all zero is an empty level and is skipped whatever its flag, so a
// thin book padded with zero entries is not mistaken for a sixth level; a
// flag outside {0, 1} is an error even on an empty entry.
bool read_snap_quote_fields(const reader& r, tick& t) noexcept {
  t.last_traded_timestamp = r.s64(off::last_traded_timestamp);
  t.open_interest = r.s64(off::open_interest);
  t.oi_change_pct = r.f64(off::oi_change_pct);

  std::uint8_t buys = 0;
  std::uint8_t sells = 0;
  for (std::size_t i = 0; i < off::best_five_entries; ++i) {
    const std::size_t base = off::best_five + i * off::best_five_entry_size;
    const std::int16_t flag = r.s16(base + off::bf_flag);
    if (flag != 0 && flag != 1) return false;
    const best_five_entry entry{r.s64(base + off::bf_quantity), r.s64(base + off::bf_price),
                                r.s16(base + off::bf_orders)};
    if (entry.quantity == 0 && entry.price == 0 && entry.orders == 0) continue;
    if (flag == 1) {
      if (buys == t.best_buy.size()) return false;
      t.best_buy[buys++] = entry;
    } else {
      if (sells == t.best_sell.size()) return false;
      t.best_sell[sells++] = entry;
    }
  }
  std::fill(t.best_buy.begin() + buys, t.best_buy.end(), best_five_entry{});
  std::fill(t.best_sell.begin() + sells, t.best_sell.end(), best_five_entry{});
  t.best_buy_count = buys;
  t.best_sell_count = sells;

  t.upper_circuit = r.s64(off::upper_circuit);
  t.lower_circuit = r.s64(off::lower_circuit);
  t.week52_high = r.s64(off::week52_high);
  t.week52_low = r.s64(off::week52_low);
  return true;
}

void read_depth_levels(const reader& r, std::size_t base, std::array<depth_level, 20>& levels) {
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const std::size_t at = base + i * off::depth_level_size;
    levels[i] = depth_level{r.s32(at + off::dl_quantity), r.s32(at + off::dl_price),
                            r.s16(at + off::dl_orders)};
  }
}

// §3.6: no sequence number and no LTP; sides are positional.
void read_depth_fields(const reader& r, tick& t, depth20_layout layout) noexcept {
  t.packet_received_time = r.s64(off::depth_packet_received_time);
  t.exchange_timestamp_ms = layout == depth20_layout::exchange_ts_at_27
                                ? r.s64(off::depth_exchange_timestamp)
                                : t.packet_received_time;
  read_depth_levels(r, off::depth_buy, t.depth_buy);
  read_depth_levels(r, off::depth_sell, t.depth_sell);
}

// ---- writing ---------------------------------------------------------------

class writer {
public:
  explicit writer(char* data) noexcept
      : p_(static_cast<unsigned char*>(static_cast<void*>(data))) {}

  void u8(std::size_t at, std::uint8_t v) noexcept { p_[at] = v; }
  void s16(std::size_t at, std::int16_t v) noexcept { boost::endian::store_little_s16(p_ + at, v); }
  void s32(std::size_t at, std::int32_t v) noexcept { boost::endian::store_little_s32(p_ + at, v); }
  void s64(std::size_t at, std::int64_t v) noexcept { boost::endian::store_little_s64(p_ + at, v); }
  void f64(std::size_t at, double v) noexcept {
    boost::endian::store_little_u64(p_ + at, std::bit_cast<std::uint64_t>(v));
  }
  unsigned char* at(std::size_t offset) noexcept { return p_ + offset; }

private:
  unsigned char* p_;
};

void write_best_five(writer& w, std::size_t index, std::int16_t flag, const best_five_entry& e) {
  const std::size_t base = off::best_five + index * off::best_five_entry_size;
  w.s16(base + off::bf_flag, flag);
  w.s64(base + off::bf_quantity, e.quantity);
  w.s64(base + off::bf_price, e.price);
  w.s16(base + off::bf_orders, e.orders);
}

void write_depth_levels(writer& w, std::size_t base, const std::array<depth_level, 20>& levels) {
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const std::size_t at = base + i * off::depth_level_size;
    w.s32(at + off::dl_quantity, levels[i].quantity);
    w.s32(at + off::dl_price, levels[i].price);
    w.s16(at + off::dl_orders, levels[i].orders);
  }
}

}  // namespace

boost::system::error_code decode_frame(std::span<const std::byte> frame, tick& out,
                                       const decode_options& options) noexcept {
  // §3.2–§3.6 sizes, indexed by the mode byte (frame_size() without a call).
  static constexpr std::array<std::size_t, 5> sizes{0, 51, 123, 379, 443};
  if (frame.size() < off::header_size) return errc::frame_too_short;
  const reader r(frame.data());
  const std::uint8_t raw_mode = r.u8(off::mode);
  if (raw_mode < 1 || raw_mode > 4) return errc::unknown_mode;
  if (frame.size() != sizes[raw_mode]) return errc::frame_length_mismatch;
  if (!read_token(r, out.token)) return errc::bad_token;
  const auto m = static_cast<mode>(raw_mode);

  // `out` is a valid tick (precondition): only the groups its previous mode
  // carries can be non-zero. Clear those the new mode does not overwrite.
  const mode previous = out.subscription_mode;
  const bool had_quote = previous == mode::quote || previous == mode::snap_quote;
  const bool had_snap_quote = previous == mode::snap_quote;
  const bool had_depth = previous == mode::depth_20;
  const bool valid_previous = had_quote || had_depth || previous == mode::ltp;
  if (!valid_previous || (had_quote && (m == mode::ltp || m == mode::depth_20))) {
    clear_quote_fields(out);
  }
  if (!valid_previous || (had_snap_quote && m != mode::snap_quote)) clear_snap_quote_fields(out);
  if (!valid_previous || (had_depth && m != mode::depth_20)) clear_depth_fields(out);

  out.subscription_mode = m;
  out.exchange_type = r.u8(off::exchange_type);
  switch (m) {
    case mode::ltp: read_ltp_fields(r, out); break;
    case mode::quote:
      read_ltp_fields(r, out);
      read_quote_fields(r, out);
      break;
    case mode::snap_quote:
      if (!read_snap_quote_fields(r, out)) {
        // Partly written: leave a valid (empty) tick for the next call.
        out = tick{};
        return errc::bad_best_five_flag;
      }
      read_ltp_fields(r, out);
      read_quote_fields(r, out);
      break;
    case mode::depth_20:
      out.sequence = 0;
      out.ltp = 0;
      read_depth_fields(r, out, options.depth20);
      break;
  }
  return {};
}

boost::system::result<tick> decode_frame(std::span<const std::byte> frame,
                                         const decode_options& options) noexcept {
  // Decoded in place inside the result: no second 1 KiB copy of the tick.
  boost::system::result<tick> decoded(boost::system::in_place_value);
  if (const auto ec = decode_frame(frame, *decoded, options)) decoded = ec;
  return decoded;
}

void encode_frame(const tick& t, std::string& out, const decode_options& options) {
  // The layout only changes how a reader interprets offset 27 (§3.6): the
  // server side writes the exchange timestamp @27 and the received time @35,
  // so a both_at_35 reader sees packet_received_time twice.
  static_cast<void>(options);
  const std::size_t size = frame_size(t.subscription_mode);
  const std::size_t start = out.size();
  out.resize(start + size, '\0');
  writer w(out.data() + start);

  w.u8(off::mode, static_cast<std::uint8_t>(t.subscription_mode));
  w.u8(off::exchange_type, t.exchange_type);
  const auto token = t.token.view();
  std::memcpy(w.at(off::token), token.data(), std::min(token.size(), off::token_size));

  if (t.subscription_mode == mode::depth_20) {
    w.s64(off::depth_exchange_timestamp, t.exchange_timestamp_ms);
    w.s64(off::depth_packet_received_time, t.packet_received_time);
    write_depth_levels(w, off::depth_buy, t.depth_buy);
    write_depth_levels(w, off::depth_sell, t.depth_sell);
    return;
  }

  w.s64(off::sequence, t.sequence);
  w.s64(off::exchange_timestamp, t.exchange_timestamp_ms);
  w.s64(off::ltp, t.ltp);
  if (t.subscription_mode == mode::ltp) return;

  w.s64(off::last_traded_qty, t.last_traded_qty);
  w.s64(off::avg_price, t.avg_price);
  w.s64(off::volume, t.volume);
  w.f64(off::total_buy_qty, t.total_buy_qty);
  w.f64(off::total_sell_qty, t.total_sell_qty);
  w.s64(off::open, t.open);
  w.s64(off::high, t.high);
  w.s64(off::low, t.low);
  w.s64(off::close, t.close);
  if (t.subscription_mode == mode::quote) return;

  w.s64(off::last_traded_timestamp, t.last_traded_timestamp);
  w.s64(off::open_interest, t.open_interest);
  w.f64(off::oi_change_pct, t.oi_change_pct);
  for (std::size_t i = 0; i < t.best_buy.size(); ++i) write_best_five(w, i, 1, t.best_buy[i]);
  for (std::size_t i = 0; i < t.best_sell.size(); ++i) {
    write_best_five(w, t.best_buy.size() + i, 0, t.best_sell[i]);
  }
  w.s64(off::upper_circuit, t.upper_circuit);
  w.s64(off::lower_circuit, t.lower_circuit);
  w.s64(off::week52_high, t.week52_high);
  w.s64(off::week52_low, t.week52_low);
}

}  // namespace tickgate::protocol

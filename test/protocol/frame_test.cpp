// SmartStream binary frames (smartstream-protocol.md §3): golden frames built
// byte by byte at the doc's offsets by a builder that shares nothing with
// encode_frame, every truncation, every error code, best-five flag handling,
// both Depth-20 layouts and a randomised encode → decode round trip.
#define BOOST_TEST_MODULE frame_test
#include <boost/test/unit_test.hpp>

#include "protocol/frame.hpp"
#include "test/protocol/allocation_counter.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace tickgate::test {
namespace {

using protocol::decode_frame;
using protocol::decode_options;
using protocol::depth20_layout;
using protocol::encode_frame;
using protocol::errc;
using protocol::mode;
using protocol::tick;

// Writes little-endian values at absolute offsets, one byte at a time.
class frame_builder {
public:
  explicit frame_builder(std::size_t size) : bytes_(size) {}

  frame_builder& u8(std::size_t at, std::uint8_t v) { return put(at, v, 1); }
  frame_builder& i16(std::size_t at, std::int16_t v) {
    return put(at, static_cast<std::uint16_t>(v), 2);
  }
  frame_builder& i32(std::size_t at, std::int32_t v) {
    return put(at, static_cast<std::uint32_t>(v), 4);
  }
  frame_builder& i64(std::size_t at, std::int64_t v) {
    return put(at, static_cast<std::uint64_t>(v), 8);
  }
  frame_builder& f64(std::size_t at, double v) {
    return put(at, std::bit_cast<std::uint64_t>(v), 8);
  }
  frame_builder& text(std::size_t at, std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) bytes_.at(at + i) = static_cast<std::byte>(s[i]);
    return *this;
  }
  // §3.1: mode @0, exchange type @1, token @2 (25 bytes, NUL-padded).
  frame_builder& header(std::uint8_t m, std::uint8_t exchange_type, std::string_view token) {
    return u8(0, m).u8(1, exchange_type).text(2, token);
  }

  std::vector<std::byte>& bytes() { return bytes_; }
  std::span<const std::byte> span() const { return bytes_; }
  std::span<const std::byte> prefix(std::size_t n) const { return std::span(bytes_).first(n); }

private:
  frame_builder& put(std::size_t at, std::uint64_t v, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i) {
      bytes_.at(at + i) = static_cast<std::byte>((v >> (8 * i)) & 0xff);
    }
    return *this;
  }

  std::vector<std::byte> bytes_;
};

// Best-five entry i at 147 + 20·i: flag @0, qty @2, price @10, orders @18 (§3.5).
void best_five(frame_builder& b, std::size_t i, std::int16_t flag, std::int64_t qty,
               std::int64_t price, std::int16_t orders) {
  const std::size_t base = 147 + 20 * i;
  b.i16(base, flag).i64(base + 2, qty).i64(base + 10, price).i16(base + 18, orders);
}

frame_builder golden_ltp() {
  frame_builder b(51);
  b.header(1, 1, "2885");
  b.i64(27, 123456789).i64(35, 1710909637000).i64(43, 293545);
  return b;
}

void quote_fields(frame_builder& b) {
  b.i64(51, 25).i64(59, 293012).i64(67, 4567890);
  b.f64(75, 123456.0).f64(83, 654321.5);
  b.i64(91, 292000).i64(99, 295000).i64(107, 291000).i64(115, 290000);
}

frame_builder golden_quote() {
  frame_builder b(123);
  b.header(2, 2, "45829");
  b.i64(27, 42).i64(35, 1710909638000).i64(43, 12345);
  quote_fields(b);
  return b;
}

// Sides interleaved and out of price order: the decoder must split by flag.
frame_builder golden_snap_quote() {
  frame_builder b(379);
  b.header(3, 1, "11536");
  b.i64(27, 7).i64(35, 1710909639000).i64(43, 401050);
  quote_fields(b);
  b.i64(123, 1710909636).i64(131, 987654).f64(139, 1.25);
  best_five(b, 0, 0, 100, 401100, 3);   // sell
  best_five(b, 1, 1, 200, 401000, 4);   // buy
  best_five(b, 2, 1, 210, 400950, 5);   // buy
  best_five(b, 3, 0, 110, 401150, 6);   // sell
  best_five(b, 4, 1, 220, 400900, 7);   // buy
  best_five(b, 5, 0, 120, 401200, 8);   // sell
  best_five(b, 6, 0, 130, 401250, 9);   // sell
  best_five(b, 7, 1, 230, 400850, 10);  // buy
  best_five(b, 8, 1, 240, 400800, 11);  // buy
  best_five(b, 9, 0, 140, 401300, 12);  // sell
  b.i64(347, 441000).i64(355, 361000).i64(363, 450000).i64(371, 300000);
  return b;
}

// Level i: qty 1000+i, price 150000−i (buy) / 150100+i (sell), orders 1+i.
frame_builder golden_depth_20() {
  frame_builder b(443);
  b.header(4, 1, "1594");
  b.i64(27, 1710909640000).i64(35, 1710909640123);
  for (std::int32_t i = 0; i < 20; ++i) {
    const std::size_t buy = 43 + 10 * static_cast<std::size_t>(i);
    const std::size_t sell = 243 + 10 * static_cast<std::size_t>(i);
    b.i32(buy, 1000 + i).i32(buy + 4, 150000 - i).i16(buy + 8, static_cast<std::int16_t>(1 + i));
    b.i32(sell, 2000 + i)
        .i32(sell + 4, 150100 + i)
        .i16(sell + 8, static_cast<std::int16_t>(30 + i));
  }
  return b;
}

frame_builder golden_frame(mode m) {
  switch (m) {
    case mode::ltp: return golden_ltp();
    case mode::quote: return golden_quote();
    case mode::snap_quote: return golden_snap_quote();
    case mode::depth_20: return golden_depth_20();
  }
  return frame_builder(0);
}

constexpr mode all_modes[] = {mode::ltp, mode::quote, mode::snap_quote, mode::depth_20};

tick decode_ok(std::span<const std::byte> frame, const decode_options& options = {}) {
  auto r = decode_frame(frame, options);
  BOOST_REQUIRE_MESSAGE(r.has_value(), "decode failed: " << r.error().message());
  return r.value();
}

void check_quote_fields(const tick& t) {
  BOOST_TEST(t.last_traded_qty == 25);
  BOOST_TEST(t.avg_price == 293012);
  BOOST_TEST(t.volume == 4567890);
  BOOST_TEST(t.total_buy_qty == 123456.0);
  BOOST_TEST(t.total_sell_qty == 654321.5);
  BOOST_TEST(t.open == 292000);
  BOOST_TEST(t.high == 295000);
  BOOST_TEST(t.low == 291000);
  BOOST_TEST(t.close == 290000);
}

void check_no_quote_fields(const tick& t) {
  BOOST_TEST(t.last_traded_qty == 0);
  BOOST_TEST(t.avg_price == 0);
  BOOST_TEST(t.volume == 0);
  BOOST_TEST(t.total_buy_qty == 0.0);
  BOOST_TEST(t.total_sell_qty == 0.0);
  BOOST_TEST(t.open == 0);
  BOOST_TEST(t.high == 0);
  BOOST_TEST(t.low == 0);
  BOOST_TEST(t.close == 0);
}

void check_no_snap_quote_fields(const tick& t) {
  BOOST_TEST(t.last_traded_timestamp == 0);
  BOOST_TEST(t.open_interest == 0);
  BOOST_TEST(t.oi_change_pct == 0.0);
  BOOST_TEST(t.best_buy_count == 0);
  BOOST_TEST(t.best_sell_count == 0);
  BOOST_TEST((t.best_buy == decltype(t.best_buy){}));
  BOOST_TEST((t.best_sell == decltype(t.best_sell){}));
  BOOST_TEST(t.upper_circuit == 0);
  BOOST_TEST(t.lower_circuit == 0);
  BOOST_TEST(t.week52_high == 0);
  BOOST_TEST(t.week52_low == 0);
}

void check_no_depth_fields(const tick& t) {
  BOOST_TEST(t.packet_received_time == 0);
  BOOST_TEST((t.depth_buy == decltype(t.depth_buy){}));
  BOOST_TEST((t.depth_sell == decltype(t.depth_sell){}));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(golden_frames)

BOOST_AUTO_TEST_CASE(ltp_frame_decodes_every_field) {
  const tick t = decode_ok(golden_ltp().span());
  BOOST_TEST((t.subscription_mode == mode::ltp));
  BOOST_TEST(t.exchange_type == 1);
  BOOST_TEST(t.token.view() == "2885");
  BOOST_TEST(t.sequence == 123456789);
  BOOST_TEST(t.exchange_timestamp_ms == 1710909637000);
  BOOST_TEST(t.ltp == 293545);
  check_no_quote_fields(t);
  check_no_snap_quote_fields(t);
  check_no_depth_fields(t);
}

BOOST_AUTO_TEST_CASE(quote_frame_decodes_every_field) {
  const tick t = decode_ok(golden_quote().span());
  BOOST_TEST((t.subscription_mode == mode::quote));
  BOOST_TEST(t.exchange_type == 2);
  BOOST_TEST(t.token.view() == "45829");
  BOOST_TEST(t.sequence == 42);
  BOOST_TEST(t.exchange_timestamp_ms == 1710909638000);
  BOOST_TEST(t.ltp == 12345);
  check_quote_fields(t);
  check_no_snap_quote_fields(t);
  check_no_depth_fields(t);
}

BOOST_AUTO_TEST_CASE(snap_quote_frame_decodes_every_field_and_splits_by_flag) {
  const tick t = decode_ok(golden_snap_quote().span());
  BOOST_TEST((t.subscription_mode == mode::snap_quote));
  BOOST_TEST(t.token.view() == "11536");
  BOOST_TEST(t.sequence == 7);
  BOOST_TEST(t.ltp == 401050);
  check_quote_fields(t);
  BOOST_TEST(t.last_traded_timestamp == 1710909636);
  BOOST_TEST(t.open_interest == 987654);
  BOOST_TEST(t.oi_change_pct == 1.25);
  BOOST_TEST(t.best_buy_count == 5);
  BOOST_TEST(t.best_sell_count == 5);
  // Frame order within each side, whatever the interleaving.
  const std::array<protocol::best_five_entry, 5> buys{
      {{200, 401000, 4}, {210, 400950, 5}, {220, 400900, 7}, {230, 400850, 10}, {240, 400800, 11}}};
  const std::array<protocol::best_five_entry, 5> sells{
      {{100, 401100, 3}, {110, 401150, 6}, {120, 401200, 8}, {130, 401250, 9}, {140, 401300, 12}}};
  BOOST_TEST((t.best_buy == buys));
  BOOST_TEST((t.best_sell == sells));
  BOOST_TEST(t.best_bid() == 401000);
  BOOST_TEST(t.best_ask() == 401100);
  BOOST_TEST(t.upper_circuit == 441000);
  BOOST_TEST(t.lower_circuit == 361000);
  BOOST_TEST(t.week52_high == 450000);
  BOOST_TEST(t.week52_low == 300000);
  check_no_depth_fields(t);
}

BOOST_AUTO_TEST_CASE(depth_20_frame_exchange_ts_at_27) {
  const tick t = decode_ok(golden_depth_20().span());  // default layout
  BOOST_TEST((t.subscription_mode == mode::depth_20));
  BOOST_TEST(t.token.view() == "1594");
  BOOST_TEST(t.exchange_timestamp_ms == 1710909640000);
  BOOST_TEST(t.packet_received_time == 1710909640123);
  BOOST_TEST(t.sequence == 0);
  BOOST_TEST(t.ltp == 0);
  for (std::int32_t i = 0; i < 20; ++i) {
    const auto& buy = t.depth_buy[static_cast<std::size_t>(i)];
    const auto& sell = t.depth_sell[static_cast<std::size_t>(i)];
    BOOST_TEST(buy.quantity == 1000 + i);
    BOOST_TEST(buy.price == 150000 - i);
    BOOST_TEST(buy.orders == 1 + i);
    BOOST_TEST(sell.quantity == 2000 + i);
    BOOST_TEST(sell.price == 150100 + i);
    BOOST_TEST(sell.orders == 30 + i);
  }
  BOOST_TEST(t.best_bid() == 150000);
  BOOST_TEST(t.best_ask() == 150100);
  check_no_quote_fields(t);
  check_no_snap_quote_fields(t);
}

BOOST_AUTO_TEST_CASE(depth_20_frame_both_at_35) {
  const tick t = decode_ok(golden_depth_20().span(), {depth20_layout::both_at_35});
  BOOST_TEST(t.exchange_timestamp_ms == 1710909640123);
  BOOST_TEST(t.packet_received_time == 1710909640123);
  BOOST_TEST(t.depth_buy[19].price == 150000 - 19);
  BOOST_TEST(t.depth_sell[0].quantity == 2000);
}

// §3.2: the JS and .NET SDKs (and DOCX) treat the LTP as int32; a frame whose
// upper four bytes at 43 are zero reads back the same value as int64.
BOOST_AUTO_TEST_CASE(ltp_written_as_int32_reads_back) {
  frame_builder b(51);
  b.header(1, 1, "2885").i32(43, 2147483647);
  BOOST_TEST(decode_ok(b.span()).ltp == 2147483647);
  b.i32(43, 293545);
  BOOST_TEST(decode_ok(b.span()).ltp == 293545);
}

BOOST_AUTO_TEST_CASE(encode_matches_the_golden_bytes) {
  for (const mode m : all_modes) {
    const auto frame = golden_frame(m);
    std::string out = "prefix";
    encode_frame(decode_ok(frame.span()), out);
    BOOST_TEST_REQUIRE(out.size() == 6 + frame.span().size());
    BOOST_TEST(out.substr(0, 6) == "prefix");
    // The golden SnapQuote interleaves sides; encode writes buys then sells,
    // so compare it field by field instead.
    if (m == mode::snap_quote) {
      BOOST_TEST((decode_ok(std::as_bytes(std::span(out).subspan(6))) == decode_ok(frame.span())));
      continue;
    }
    BOOST_TEST(std::memcmp(out.data() + 6, frame.span().data(), frame.span().size()) == 0,
               "mode " << protocol::mode_name(m));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lengths)

BOOST_AUTO_TEST_CASE(every_truncation_is_rejected) {
  for (const mode m : all_modes) {
    const auto frame = golden_frame(m);
    for (std::size_t n = 0; n < frame.span().size(); ++n) {
      const auto r = decode_frame(frame.prefix(n));
      BOOST_TEST_REQUIRE(r.has_error());
      const auto expected = n < 27 ? errc::frame_too_short : errc::frame_length_mismatch;
      BOOST_TEST(r.error() == make_error_code(expected),
                 protocol::mode_name(m) << " truncated to " << n << ": " << r.error().message());
    }
  }
}

BOOST_AUTO_TEST_CASE(one_extra_byte_is_rejected) {
  for (const mode m : all_modes) {
    auto frame = golden_frame(m);
    frame.bytes().push_back(std::byte{0});
    const auto r = decode_frame(frame.span());
    BOOST_TEST_REQUIRE(r.has_error());
    BOOST_TEST(r.error() == make_error_code(errc::frame_length_mismatch));
  }
}

BOOST_AUTO_TEST_CASE(a_mode_byte_does_not_fit_another_modes_length) {
  // A full Quote-sized frame labelled LTP, and an LTP-sized one labelled Quote.
  auto quote_sized = golden_quote();
  quote_sized.u8(0, 1);
  BOOST_TEST(decode_frame(quote_sized.span()).error() ==
             make_error_code(errc::frame_length_mismatch));
  auto ltp_sized = golden_ltp();
  ltp_sized.u8(0, 2);
  BOOST_TEST(decode_frame(ltp_sized.span()).error() ==
             make_error_code(errc::frame_length_mismatch));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(frame_too_short) {
  frame_builder b(26);
  b.header(1, 1, "2885");
  BOOST_TEST(decode_frame(b.span()).error() == make_error_code(errc::frame_too_short));
  BOOST_TEST(decode_frame(std::span<const std::byte>{}).error() ==
             make_error_code(errc::frame_too_short));
}

BOOST_AUTO_TEST_CASE(unknown_mode) {
  for (const int m : {0, 5, 6, 127, 255}) {
    auto b = golden_ltp();
    b.u8(0, static_cast<std::uint8_t>(m));
    BOOST_TEST(decode_frame(b.span()).error() == make_error_code(errc::unknown_mode), m);
  }
}

BOOST_AUTO_TEST_CASE(bad_token) {
  const struct {
    std::string_view token_field;  // up to 25 bytes written at 2
    std::string_view what;
  } cases[] = {
      {std::string_view("\0"
                        "2885",
                        5),
       "empty: NUL first"},
      {std::string_view("28\x01"
                        "5",
                        4),
       "control byte"},
      {"28 85", "space"},
      {"2885\x7f", "DEL"},
      {"\x80"
       "2885",
       "non-ASCII"},
  };
  for (const auto& c : cases) {
    auto b = golden_ltp();
    b.text(2, std::string(25, '\0'));
    b.text(2, c.token_field);
    BOOST_TEST(decode_frame(b.span()).error() == make_error_code(errc::bad_token), c.what);
  }
}

BOOST_AUTO_TEST_CASE(token_stops_at_first_nul_and_may_fill_the_field) {
  auto b = golden_ltp();
  b.text(2, std::string_view("26000\0garbage\x01\x02", 16));
  BOOST_TEST(decode_ok(b.span()).token.view() == "26000");
  const std::string full(25, '7');
  b.text(2, full);
  BOOST_TEST(decode_ok(b.span()).token.view() == full);
}

BOOST_AUTO_TEST_CASE(bad_best_five_flag) {
  for (const int flag : {2, -1, 256, 32767}) {
    auto b = golden_snap_quote();
    b.i16(147 + 20 * 4, static_cast<std::int16_t>(flag));
    BOOST_TEST(decode_frame(b.span()).error() == make_error_code(errc::bad_best_five_flag), flag);
  }
  // Six non-empty buys.
  auto b = golden_snap_quote();
  best_five(b, 0, 1, 100, 401100, 3);
  BOOST_TEST(decode_frame(b.span()).error() == make_error_code(errc::bad_best_five_flag));
  // Six non-empty sells.
  b = golden_snap_quote();
  best_five(b, 1, 0, 200, 401000, 4);
  BOOST_TEST(decode_frame(b.span()).error() == make_error_code(errc::bad_best_five_flag));
  // A bad flag on an otherwise empty entry is still an error.
  b = golden_snap_quote();
  best_five(b, 9, 3, 0, 0, 0);
  BOOST_TEST(decode_frame(b.span()).error() == make_error_code(errc::bad_best_five_flag));
}

BOOST_AUTO_TEST_CASE(unknown_exchange_type_is_carried_not_rejected) {
  auto b = golden_ltp();
  b.u8(1, 9);
  BOOST_TEST(decode_ok(b.span()).exchange_type == 9);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(best_five_block)

BOOST_AUTO_TEST_CASE(empty_levels_are_skipped_whatever_their_flag) {
  auto b = golden_snap_quote();
  // Thin book: two buys, one sell, the rest zero-filled (flag 0 or 1).
  for (std::size_t i = 0; i < 10; ++i) best_five(b, i, static_cast<std::int16_t>(i % 2), 0, 0, 0);
  best_five(b, 7, 1, 50, 99900, 2);
  best_five(b, 2, 0, 60, 100100, 1);
  best_five(b, 4, 1, 70, 99950, 3);
  const tick t = decode_ok(b.span());
  BOOST_TEST(t.best_buy_count == 2);
  BOOST_TEST(t.best_sell_count == 1);
  BOOST_TEST((t.best_buy[0] == protocol::best_five_entry{70, 99950, 3}));
  BOOST_TEST((t.best_buy[1] == protocol::best_five_entry{50, 99900, 2}));
  BOOST_TEST((t.best_sell[0] == protocol::best_five_entry{60, 100100, 1}));
  for (std::size_t i = 2; i < 5; ++i) BOOST_TEST((t.best_buy[i] == protocol::best_five_entry{}));
  for (std::size_t i = 1; i < 5; ++i) BOOST_TEST((t.best_sell[i] == protocol::best_five_entry{}));
  BOOST_TEST(t.best_bid() == 99950);
  BOOST_TEST(t.best_ask() == 100100);
}

BOOST_AUTO_TEST_CASE(all_buys_first_or_all_sells_first) {
  for (const bool buys_first : {true, false}) {
    auto b = golden_snap_quote();
    for (std::size_t i = 0; i < 10; ++i) {
      const bool buy = (i < 5) == buys_first;
      best_five(b, i, buy ? 1 : 0, static_cast<std::int64_t>(10 + i),
                static_cast<std::int64_t>(1000 + i), static_cast<std::int16_t>(i));
    }
    const tick t = decode_ok(b.span());
    BOOST_TEST(t.best_buy_count == 5);
    BOOST_TEST(t.best_sell_count == 5);
    const std::size_t first_buy = buys_first ? 0 : 5;
    BOOST_TEST(t.best_buy[0].quantity == static_cast<std::int64_t>(10 + first_buy));
    BOOST_TEST(t.best_sell[0].quantity == static_cast<std::int64_t>(10 + (5 - first_buy)));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reuse)

// The hot-path overload writes into a reused tick: whatever it held before,
// fields the new frame's mode does not carry come out zero.
BOOST_AUTO_TEST_CASE(fields_not_carried_are_zero_after_any_previous_frame) {
  for (const mode previous : all_modes) {
    for (const mode next : all_modes) {
      tick reused = decode_ok(golden_frame(previous).span());
      const auto ec = decode_frame(golden_frame(next).span(), reused);
      BOOST_TEST_REQUIRE(!ec);
      BOOST_TEST((reused == decode_ok(golden_frame(next).span())),
                 protocol::mode_name(previous) << " then " << protocol::mode_name(next));
    }
  }
}

// After a failed decode the reused tick is still valid: the next frame's
// uncarried fields are zero again, whatever the failure left behind.
BOOST_AUTO_TEST_CASE(a_failed_decode_leaves_a_valid_tick) {
  auto bad_flag = golden_snap_quote();
  best_five(bad_flag, 9, 2, 1, 1, 1);  // fails after the best-five block is half written
  auto bad_token = golden_depth_20();
  bad_token.u8(2, 0);
  const auto truncated = golden_snap_quote();
  const std::span<const std::byte> failing[] = {bad_flag.span(), bad_token.span(),
                                                truncated.prefix(200)};
  for (const mode previous : all_modes) {
    for (const auto failure : failing) {
      for (const mode next : all_modes) {
        tick reused = decode_ok(golden_frame(previous).span());
        BOOST_TEST_REQUIRE(decode_frame(failure, reused).failed());
        BOOST_TEST_REQUIRE(!decode_frame(golden_frame(next).span(), reused));
        BOOST_TEST((reused == decode_ok(golden_frame(next).span())),
                   protocol::mode_name(previous)
                       << " then failure then " << protocol::mode_name(next));
      }
    }
  }
}

// A tick whose mode byte is not 1–4 cannot say which groups are clean: all
// of it is cleared.
BOOST_AUTO_TEST_CASE(a_tick_with_an_invalid_mode_is_cleared_entirely) {
  tick dirty;
  dirty.subscription_mode = static_cast<mode>(0);
  dirty.volume = 5;
  dirty.best_sell[4].price = 9;
  dirty.best_buy_count = 3;
  dirty.depth_buy[19].orders = 1;
  dirty.depth_sell[0].price = 2;
  dirty.packet_received_time = 77;
  dirty.token = protocol::token_string::from("99999999999999999999");
  for (const mode next : all_modes) {
    tick reused = dirty;
    BOOST_TEST_REQUIRE(!decode_frame(golden_frame(next).span(), reused));
    BOOST_TEST((reused == decode_ok(golden_frame(next).span())), protocol::mode_name(next));
    BOOST_TEST((reused.token.bytes == decode_ok(golden_frame(next).span()).token.bytes));
  }
}

BOOST_AUTO_TEST_CASE(decoding_into_a_reused_tick_allocates_nothing) {
  const frame_builder frames[] = {golden_ltp(), golden_quote(), golden_snap_quote(),
                                  golden_depth_20()};
  tick reused;
  const std::size_t before = allocation_count();
  for (int i = 0; i < 100; ++i) {
    for (const auto& f : frames) BOOST_TEST_REQUIRE(!decode_frame(f.span(), reused));
  }
  BOOST_TEST(allocation_count() == before);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(round_trip)

namespace {

tick random_tick(std::mt19937_64& rng, mode m) {
  std::uniform_int_distribution<std::int64_t> i64(std::numeric_limits<std::int64_t>::min(),
                                                  std::numeric_limits<std::int64_t>::max());
  std::uniform_int_distribution<std::int32_t> i32(std::numeric_limits<std::int32_t>::min(),
                                                  std::numeric_limits<std::int32_t>::max());
  std::uniform_int_distribution<int> i16(std::numeric_limits<std::int16_t>::min(),
                                         std::numeric_limits<std::int16_t>::max());
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> printable(0x21, 0x7e);
  std::uniform_int_distribution<std::size_t> token_size(1, 25);
  std::uniform_real_distribution<double> real(-1e12, 1e12);

  tick t;
  t.subscription_mode = m;
  t.exchange_type = static_cast<std::uint8_t>(byte(rng));
  std::string token(token_size(rng), ' ');
  for (auto& c : token) c = static_cast<char>(printable(rng));
  t.token = protocol::token_string::from(token);

  if (m == mode::depth_20) {
    t.exchange_timestamp_ms = i64(rng);
    t.packet_received_time = i64(rng);
    for (auto* side : {&t.depth_buy, &t.depth_sell}) {
      for (auto& level : *side) {
        level = {i32(rng), i32(rng), static_cast<std::int16_t>(i16(rng))};
      }
    }
    return t;
  }
  t.sequence = i64(rng);
  t.exchange_timestamp_ms = i64(rng);
  t.ltp = i64(rng);
  if (m == mode::ltp) return t;
  t.last_traded_qty = i64(rng);
  t.avg_price = i64(rng);
  t.volume = i64(rng);
  t.total_buy_qty = real(rng);
  t.total_sell_qty = real(rng);
  t.open = i64(rng);
  t.high = i64(rng);
  t.low = i64(rng);
  t.close = i64(rng);
  if (m == mode::quote) return t;
  t.last_traded_timestamp = i64(rng);
  t.open_interest = i64(rng);
  t.oi_change_pct = real(rng);
  // Full sides: quantity never zero, so no entry is an empty level.
  std::uniform_int_distribution<std::int64_t> positive(1, std::numeric_limits<std::int64_t>::max());
  for (auto* side : {&t.best_buy, &t.best_sell}) {
    for (auto& e : *side) e = {positive(rng), i64(rng), static_cast<std::int16_t>(i16(rng))};
  }
  t.best_buy_count = 5;
  t.best_sell_count = 5;
  t.upper_circuit = i64(rng);
  t.lower_circuit = i64(rng);
  t.week52_high = i64(rng);
  t.week52_low = i64(rng);
  return t;
}

}  // namespace

BOOST_AUTO_TEST_CASE(encode_then_decode_is_identity) {
  std::mt19937_64 rng(20240115);
  tick reused;
  std::string buffer;
  for (int i = 0; i < 4000; ++i) {
    const mode m = all_modes[static_cast<std::size_t>(i) % 4];
    const tick t = random_tick(rng, m);
    buffer.clear();
    encode_frame(t, buffer);
    BOOST_TEST_REQUIRE(buffer.size() == protocol::frame_size(m));
    const auto bytes = std::as_bytes(std::span(buffer));
    const auto decoded = decode_frame(bytes);
    BOOST_TEST_REQUIRE(decoded.has_value(), "iteration " << i);
    BOOST_TEST_REQUIRE((*decoded == t), "iteration " << i << " mode " << protocol::mode_name(m));
    BOOST_TEST_REQUIRE(!decode_frame(bytes, reused));
    BOOST_TEST_REQUIRE((reused == t), "reused, iteration " << i);
  }
}

BOOST_AUTO_TEST_CASE(depth_20_both_at_35_reads_received_time_twice) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100; ++i) {
    const tick t = random_tick(rng, mode::depth_20);
    std::string buffer;
    encode_frame(t, buffer, {depth20_layout::both_at_35});
    tick expected = t;
    expected.exchange_timestamp_ms = t.packet_received_time;
    const auto decoded =
        decode_frame(std::as_bytes(std::span(buffer)), {depth20_layout::both_at_35});
    BOOST_TEST_REQUIRE(decoded.has_value());
    BOOST_TEST_REQUIRE((*decoded == expected));
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace tickgate::test

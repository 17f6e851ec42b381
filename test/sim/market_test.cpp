#define BOOST_TEST_MODULE sim_market
#include <boost/test/unit_test.hpp>

#include "protocol/frame.hpp"
#include "test/sim/market.hpp"

#include <cstddef>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace tickgate::test {
namespace {

using protocol::mode;
using sim::instrument_model;

protocol::tick round_trip(const protocol::tick& t) {
  std::string bytes;
  protocol::encode_frame(t, bytes);
  BOOST_REQUIRE_EQUAL(bytes.size(), protocol::frame_size(t.subscription_mode));
  auto decoded = protocol::decode_frame(std::as_bytes(std::span(bytes.data(), bytes.size())));
  BOOST_REQUIRE_MESSAGE(decoded.has_value(), "decode failed: " << decoded.error().message());
  return decoded.value();
}

BOOST_AUTO_TEST_CASE(canonical_tokens_merge_index_spellings) {
  struct row {
    std::uint8_t exchange_type;
    std::string token;
    std::string canonical;
  };
  const std::vector<row> rows = {
      {1, "99926000", "26000"},  // §7: scrip master spelling of NIFTY
      {1, "26000", "26000"},         {3, "99919000", "19000"},  // BSE index
      {2, "99926000", "99926000"},                              // only cash segments carry indices
      {1, "9992600", "9992600"},                                // 7 digits: not the index form
      {1, "999260001", "999260001"}, {1, "999A6000", "999A6000"}, {1, "2885", "2885"},
  };
  for (const auto& r : rows) {
    BOOST_TEST(sim::canonical_token(r.exchange_type, r.token) == r.canonical, r.token);
  }
}

BOOST_AUTO_TEST_CASE(profiles_are_deterministic_and_realistic) {
  const auto nifty = sim::make_profile(1, 1, "26000");
  BOOST_TEST(nifty.index);
  BOOST_TEST(nifty.close / 100 == 24000);  // known level, rupees
  const auto equity = sim::make_profile(1, 1, "2885");
  BOOST_TEST(!equity.index);
  BOOST_TEST(!equity.derivative);
  BOOST_TEST(equity.tick_size == 5);
  BOOST_TEST(equity.close % 5 == 0);
  BOOST_TEST((equity.close >= 100 * 100 && equity.close <= 5'000 * 100));
  const auto option = sim::make_profile(1, 2, "45829");
  BOOST_TEST(option.derivative);
  BOOST_TEST(option.lot_size > 1);
  const auto currency = sim::make_profile(1, 13, "1234");
  BOOST_TEST(currency.derivative);
  BOOST_TEST(currency.close / protocol::price_divisor(13) >= 80);  // rupees at 10^-7 scale
  BOOST_TEST(currency.close % currency.tick_size == 0);

  // Same seed → same profile; another seed → (almost surely) another close.
  BOOST_TEST(sim::make_profile(1, 1, "2885").close == equity.close);
  BOOST_TEST(sim::make_profile(2, 1, "2885").close != equity.close);
}

BOOST_AUTO_TEST_CASE(walk_keeps_its_invariants) {
  for (const auto& [exchange_type, token] : std::vector<std::pair<std::uint8_t, std::string>>{
           {1, "2885"}, {1, "26000"}, {2, "45829"}, {5, "234230"}, {13, "1"}, {3, "500325"}}) {
    instrument_model m(7, exchange_type, token);
    const auto& p = m.profile();
    std::int64_t last_volume = 0;
    std::int64_t now = 1'700'000'000'000;
    for (int i = 1; i <= 5000; ++i) {
      m.advance(now += 50);
      const auto t = m.snapshot(mode::snap_quote, token);
      BOOST_REQUIRE(t.sequence == i);
      BOOST_REQUIRE(t.exchange_timestamp_ms == now);
      BOOST_REQUIRE(t.ltp % p.tick_size == 0);
      BOOST_REQUIRE(t.ltp > 0);
      BOOST_REQUIRE((t.low <= t.ltp && t.ltp <= t.high));
      BOOST_REQUIRE((t.lower_circuit <= t.low && t.high <= t.upper_circuit));
      BOOST_REQUIRE((t.week52_low <= t.low && t.high <= t.week52_high));
      BOOST_REQUIRE(t.close == p.close);
      BOOST_REQUIRE(t.open % p.tick_size == 0);
      BOOST_REQUIRE(t.volume == last_volume + t.last_traded_qty);
      last_volume = t.volume;
      if (p.index) {
        BOOST_REQUIRE(t.volume == 0);
        BOOST_REQUIRE(t.best_buy_count == 0);
        BOOST_REQUIRE(t.best_sell_count == 0);
        continue;
      }
      BOOST_REQUIRE(t.last_traded_qty > 0);
      BOOST_REQUIRE(t.last_traded_qty % p.lot_size == 0);
      BOOST_REQUIRE((t.avg_price >= t.lower_circuit && t.avg_price <= t.upper_circuit));
      BOOST_REQUIRE(t.best_buy_count == 5);
      BOOST_REQUIRE(t.best_sell_count == 5);
      for (std::size_t k = 0; k < 5; ++k) {
        const auto step = static_cast<std::int64_t>(k + 1) * p.tick_size;
        BOOST_REQUIRE(t.best_buy[k].price == t.ltp - step);
        BOOST_REQUIRE(t.best_sell[k].price == t.ltp + step);
        BOOST_REQUIRE(t.best_buy[k].quantity > 0);
        BOOST_REQUIRE(t.best_sell[k].orders > 0);
      }
      BOOST_REQUIRE(t.total_buy_qty > 0);
      BOOST_REQUIRE((p.derivative ? t.open_interest > 0 : t.open_interest == 0));
    }
  }
}

BOOST_AUTO_TEST_CASE(same_seed_same_walk_other_seed_other_walk) {
  instrument_model a(42, 1, "2885"), b(42, 1, "2885"), c(43, 1, "2885");
  std::vector<std::int64_t> pa, pb, pc;
  for (int i = 0; i < 100; ++i) {
    a.advance(1000 + i);
    b.advance(5000 + i);  // wall clock does not change prices
    c.advance(1000 + i);
    pa.push_back(a.ltp());
    pb.push_back(b.ltp());
    pc.push_back(c.ltp());
  }
  BOOST_TEST(pa == pb);
  BOOST_TEST(pa != pc);
  // The walk moves.
  BOOST_TEST(std::set<std::int64_t>(pa.begin(), pa.end()).size() > 10u);
}

BOOST_AUTO_TEST_CASE(snapshots_are_exactly_what_the_frames_decode_to) {
  for (const auto& [exchange_type, token, echo] :
       std::vector<std::tuple<std::uint8_t, std::string, std::string>>{{1, "2885", "2885"},
                                                                       {1, "26000", "99926000"},
                                                                       {1, "26000", "26000"},
                                                                       {2, "45829", "45829"}}) {
    instrument_model m(1, exchange_type, token);
    m.advance(1'700'000'000'123);
    m.advance(1'700'000'000'456);
    for (const mode md : {mode::ltp, mode::quote, mode::snap_quote, mode::depth_20}) {
      const auto t = m.snapshot(md, echo);
      BOOST_TEST(t.token.view() == echo);
      BOOST_TEST((round_trip(t) == t), token << " mode " << static_cast<int>(md));
      // fill() carries the same values; the encoder only reads the mode's fields.
      protocol::tick full;
      m.fill(full);
      full.subscription_mode = md;
      full.token = protocol::token_string::from(echo);
      BOOST_TEST((round_trip(full) == t), token << " mode " << static_cast<int>(md) << " (fill)");
    }
    const auto depth = m.snapshot(mode::depth_20, echo);
    BOOST_TEST(depth.sequence == 0);  // §3.6: Depth-20 carries no sequence
    BOOST_TEST(depth.exchange_timestamp_ms == 1'700'000'000'456);
    const auto ltp = m.snapshot(mode::ltp, echo);
    BOOST_TEST(ltp.sequence == 2);
    BOOST_TEST(ltp.volume == 0);  // LTP frames carry no volume
  }
}

}  // namespace
}  // namespace tickgate::test

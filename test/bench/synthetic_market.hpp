// A synthetic market for the benchmarks: `count` instruments shaped like a
// real subscription (one index, NIFTY options, NSE equities) and one
// pre-encoded SnapQuote frame per instrument. next() patches the frame in
// place (sequence, exchange time, LTP, traded quantity, volume), so a
// replayer hands the gateway a valid, changing frame at the cost of a few
// stores: the source is never the bottleneck and holds ~1 MB for 3000 tokens.
//
// Each token's sequence counts up by one per frame from 1, like the
// simulator's, so a benchmark can prove that nothing was lost.
#pragma once

#include "protocol/frame.hpp"
#include "protocol/instrument.hpp"
#include "protocol/tick.hpp"

#include <boost/endian/conversion.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace tickgate::bench {

class synthetic_market {
public:
  explicit synthetic_market(std::size_t count, protocol::mode m = protocol::mode::snap_quote)
      : mode_(m) {
    instruments_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) instruments_.push_back(make_instrument(i));
    frames_.reserve(count);
    base_ltp_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      const protocol::instrument& in = instruments_[i];
      protocol::tick t;
      t.subscription_mode = m;
      t.exchange_type = in.exchange_type;
      t.token = protocol::token_string::from(in.token);
      const std::int64_t ltp = 10'000 + static_cast<std::int64_t>(i % 997) * 1'315;  // paise
      base_ltp_.push_back(ltp);
      t.ltp = ltp;
      t.last_traded_qty = 25;
      t.avg_price = ltp - 35;
      t.volume = 1'000'000;
      t.total_buy_qty = 52'000;
      t.total_sell_qty = 48'000;
      t.open = ltp - 120;
      t.high = ltp + 400;
      t.low = ltp - 600;
      t.close = ltp - 250;
      t.last_traded_timestamp = 1'705'294'845;
      t.open_interest = 120'000;
      t.oi_change_pct = 1.25;
      for (std::size_t l = 0; l < 5; ++l) {
        const auto level = static_cast<std::int64_t>(l);
        t.best_buy[l] = {100 + level * 10, ltp - 5 - 5 * level, static_cast<std::int16_t>(3 + l)};
        t.best_sell[l] = {90 + level * 10, ltp + 5 + 5 * level, static_cast<std::int16_t>(2 + l)};
      }
      t.best_buy_count = 5;
      t.best_sell_count = 5;
      t.upper_circuit = ltp * 12 / 10;
      t.lower_circuit = ltp * 8 / 10;
      t.week52_high = ltp * 3 / 2;
      t.week52_low = ltp / 2;
      for (std::size_t l = 0; l < 20; ++l) {
        const auto level = static_cast<std::int32_t>(l);
        t.depth_buy[l] = {100 + level, static_cast<std::int32_t>(ltp) - 5 * (level + 1), 3};
        t.depth_sell[l] = {90 + level, static_cast<std::int32_t>(ltp) + 5 * (level + 1), 2};
      }
      std::string frame;
      protocol::encode_frame(t, frame);
      frames_.push_back(std::move(frame));
    }
    sequence_.assign(count, 0);
    volume_.assign(count, 1'000'000);
  }

  std::size_t size() const noexcept { return instruments_.size(); }
  const std::vector<protocol::instrument>& instruments() const noexcept { return instruments_; }
  protocol::mode mode() const noexcept { return mode_; }

  // The next frame of instrument i, at exchange time `epoch_ms`. The span is
  // valid until the next call for the same instrument.
  std::span<const std::byte> next(std::size_t i, std::int64_t epoch_ms) noexcept {
    std::string& f = frames_[i];
    auto* p = static_cast<unsigned char*>(static_cast<void*>(f.data()));
    const std::int64_t seq = ++sequence_[i];
    const std::int64_t qty = 1 + seq % 50;
    volume_[i] += qty;
    if (mode_ == protocol::mode::depth_20) {
      boost::endian::store_little_s64(p + 27, epoch_ms);  // exchange timestamp @27
    } else {
      boost::endian::store_little_s64(p + 27, seq);
      boost::endian::store_little_s64(p + 35, epoch_ms);
      boost::endian::store_little_s64(p + 43, base_ltp_[i] + (seq % 9 - 4) * 5);
      if (mode_ != protocol::mode::ltp) {
        boost::endian::store_little_s64(p + 51, qty);
        boost::endian::store_little_s64(p + 67, volume_[i]);
      }
    }
    return std::as_bytes(std::span<const char>(f.data(), f.size()));
  }

  // Frames handed out so far for instrument i (= its last sequence number).
  std::int64_t sequence(std::size_t i) const noexcept { return sequence_[i]; }

private:
  static protocol::instrument make_instrument(std::size_t i) {
    protocol::instrument in;
    if (i == 0) {
      in.token = "99926000";
      in.trading_symbol = "Nifty 50";
      in.name = "NIFTY";
      in.symbol = "NIFTY";
      in.exchange = "NSE";
      in.exchange_type = protocol::exchange::nse_cm;
      in.instrument_type = "AMXIDX";
      in.cls = protocol::instrument_class::index;
    } else if (i % 3 != 0) {
      // Two in three: NIFTY options on NFO (per-token lists).
      const std::size_t strike = 20'000 + (i / 2) * 50;
      in.token = std::to_string(40'000 + i);
      in.trading_symbol =
          "NIFTY29JAN26" + std::to_string(strike) + (i % 2 == 0 ? "CE" : "PE");
      in.name = "NIFTY";
      in.symbol = in.trading_symbol;
      in.exchange = "NFO";
      in.exchange_type = protocol::exchange::nse_fo;
      in.instrument_type = "OPTIDX";
      in.cls = protocol::instrument_class::option;
      in.expiry = "29JAN2026";
      in.strike = static_cast<double>(strike);
      in.lot_size = 75;
      in.option_type = i % 2 == 0 ? "CE" : "PE";
    } else {
      in.token = std::to_string(1'000 + i);
      in.name = "EQ" + std::to_string(i);
      in.trading_symbol = in.name + "-EQ";
      in.symbol = in.name;
      in.exchange = "NSE";
      in.exchange_type = protocol::exchange::nse_cm;
      in.cls = protocol::instrument_class::equity;
      in.lot_size = 1;
    }
    in.tick_size = 0.05;
    return in;
  }

  protocol::mode mode_;
  std::vector<protocol::instrument> instruments_;
  std::vector<std::string> frames_;
  std::vector<std::int64_t> base_ltp_;
  std::vector<std::int64_t> sequence_;
  std::vector<std::int64_t> volume_;
};

}  // namespace tickgate::bench

// Fuzz target: SmartStream binary frame decoding (protocol/frame.hpp) and the
// record formatting that runs on every decoded tick (gateway/tick_records.hpp).
//
// Oracles beyond "no crash, no sanitizer report":
//  - both decode_frame overloads agree, also when the in-place one reuses a
//    tick that held a previous frame of another mode (the hot path's reuse);
//  - for LTP and Quote frames, encode(decode(x)) decodes to the same tick;
//  - whatever the values, formatting the records neither overflows nor
//    produces a stream field list other than the seed's 14 first fields.
#include "gateway/tick_records.hpp"
#include "protocol/frame.hpp"
#include "protocol/instrument.hpp"

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

using namespace tickgate;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "frame_fuzz: %s\n", what);
  std::abort();
}

// tick's operator== with NaN equal to NaN (the feed's doubles may be NaN).
bool same_tick(protocol::tick a, protocol::tick b) {
  for (auto field : {&protocol::tick::total_buy_qty, &protocol::tick::total_sell_qty,
                     &protocol::tick::oi_change_pct}) {
    if (std::isnan(a.*field) && std::isnan(b.*field)) a.*field = b.*field = 0;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto frame = std::as_bytes(std::span(data, size));
  for (const auto layout :
       {protocol::depth20_layout::exchange_ts_at_27, protocol::depth20_layout::both_at_35}) {
    const protocol::decode_options options{layout};
    const auto fresh = protocol::decode_frame(frame, options);

    // The hot path reuses one tick: first fill it with a Depth-20 or SnapQuote
    // frame's worth of fields (from a decode of a known-good frame), then
    // decode the input over it.
    static protocol::tick reused{};
    const auto ec = protocol::decode_frame(frame, reused, options);
    if (fresh.has_value() != !ec) fail("overloads disagree on success");
    if (fresh.has_value() && !same_tick(*fresh, reused)) fail("in-place decode differs from a fresh one");
    if (!fresh.has_value()) continue;
    const protocol::tick& t = *fresh;

    if (t.subscription_mode == protocol::mode::ltp || t.subscription_mode == protocol::mode::quote) {
      std::string encoded;
      protocol::encode_frame(t, encoded, options);
      const auto again = protocol::decode_frame(std::as_bytes(std::span(encoded)), options);
      if (!again.has_value() || !same_tick(*again, t)) fail("encode(decode(x)) does not decode to x");
    }

    // Formatting with extreme values (any int64 price, time, volume).
    static gateway::tick_records records;
    protocol::instrument instrument;
    instrument.token = std::string(t.token.view());
    instrument.trading_symbol = "FUZZ-EQ";
    instrument.name = "FUZZ";
    instrument.symbol = "FUZZ";
    instrument.exchange = "NSE";
    instrument.exchange_type = t.exchange_type;
    instrument.cls = (size % 3 == 0)   ? protocol::instrument_class::index
                     : (size % 3 == 1) ? protocol::instrument_class::option
                                       : protocol::instrument_class::equity;
    const std::int64_t divisor = protocol::price_divisor(t.exchange_type);
    // The receive time is the gateway's own clock (sane); the frame's times are not.
    const std::int64_t received_us = 1'700'000'000'000'000 + static_cast<std::int64_t>(size);
    records.build(t, instrument, divisor, received_us);
    const auto fields = records.stream_fields();
    if (fields.size() < 14) fail("fewer than the seed's 14 stream fields");
  }
  return 0;
}

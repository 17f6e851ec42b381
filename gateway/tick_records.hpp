// Turns a decoded tick into the records the sinks write, in exactly the
// shapes the seeds' consumers read (design.md "Tick record formats"):
// - stream fields (market-data-redis-streamer seed), in the seed's order,
//   then extras;
// - pub/sub JSON (tickstock-pubsub seed);
// - per-token list JSON (per-token-tick-lists seed);
// - price-cache JSON (price-cache-and-candles seed).
//
// Prices are formatted exactly from the feed's integers (no binary floating
// point on the way): 245675 paise → "2456.75", 245600 → "2456.00",
// 832525000 / 10^7 → "83.2525" (trailing zeros trimmed to two decimals).
//
// Hot path: one builder is reused for every tick; after warm-up build()
// does not allocate. Views returned stay valid until the next build().
// Records are written through a pointer into buffers sized for the worst
// case, not appended piece by piece.
#pragma once

#include "gateway/config.hpp"
#include "gateway/ist_time.hpp"
#include "protocol/instrument.hpp"
#include "protocol/tick.hpp"
#include "storage/sinks.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tickgate::gateway {

// value / divisor in fixed point, at least two decimals, trailing zeros
// beyond two trimmed. `divisor` is a power of ten ≥ 100 (or 1, 10).
void append_price(std::string& out, std::int64_t value, std::int64_t divisor);

// change / base × 100, rounded half away from zero to two decimals ("0.51",
// "-1.25"); "0.00" when base is 0.
void append_percent(std::string& out, std::int64_t change, std::int64_t base);

// Epoch milliseconds as seconds with millisecond precision: "1693123456.789".
void append_epoch_seconds_ms(std::string& out, std::int64_t epoch_ms);

// A stream field, exactly what storage::stream_sink::write takes.
using record_field = storage::field_view;

// Which per-token list an instrument's ticks go to.
enum class list_kind : std::uint8_t { none, index_tick, option_tick };
list_kind list_kind_for(const protocol::instrument& instrument) noexcept;

// The records build() formats: those of the sinks that are on. The stream
// fields are formatted when any of the four is wanted (the JSON records copy
// their numbers); with none, build() only works out the candles' inputs.
struct record_set {
  bool stream = true;
  bool pubsub = true;
  bool list = true;
  bool price = true;
};

class tick_records {
public:
  // Stream field names in order; the first 14 are the seed's.
  static constexpr std::size_t max_fields = 24;

  explicit tick_records(std::string pubsub_source = "angel_one", record_set wanted = {});

  // Formats the wanted records for `t`; the others are empty.
  // `received_us` is when the gateway received the frame (epoch µs); it is
  // the stream's `timestamp` and stands in for the exchange time when a
  // frame carries none. event_time_ms(), ltp() and has_trade_price() are
  // always set.
  void build(const protocol::tick& t, const protocol::instrument& instrument,
             std::int64_t divisor, std::int64_t received_us);

  std::span<const record_field> stream_fields() const noexcept {
    return {fields_.data(), field_count_};
  }
  std::string_view pubsub_json() const noexcept { return {pubsub_.data(), pubsub_size_}; }
  std::string_view list_json() const noexcept { return {list_.data(), list_size_}; }
  std::string_view price_json() const noexcept { return {price_.data(), price_size_}; }
  // The tick's time for candles and list "ft" (exchange time, else receive
  // time), epoch ms.
  std::int64_t event_time_ms() const noexcept { return event_ms_; }
  // ltp in rupees (candles).
  double ltp() const noexcept { return ltp_; }
  // Whether the mode carries a traded price (Depth-20 does not, §3.6).
  bool has_trade_price() const noexcept { return has_trade_price_; }

private:
  std::string source_;
  record_set wanted_;
  // Buffers sized for the worst case and never shrunk; the records are
  // their first *_size_ bytes (values_: the fields' views).
  std::string values_;  // all stream field values back to back
  std::array<record_field, max_fields> fields_{};
  std::size_t field_count_ = 0;
  std::string pubsub_;
  std::size_t pubsub_size_ = 0;
  std::string list_;
  std::size_t list_size_ = 0;
  std::string price_;
  std::size_t price_size_ = 0;
  std::int64_t event_ms_ = 0;
  double ltp_ = 0;
  // IST civil time of the last two whole seconds seen (receive and exchange
  // time): ticks come many per second, so the date arithmetic runs about
  // once a second, not four times a tick.
  struct civil_cache {
    std::int64_t second = INT64_MIN;
    civil_time t{};
  };
  std::array<civil_cache, 2> civil_{};
  std::size_t civil_next_ = 0;
  civil_time civil(std::int64_t epoch_us) noexcept;
  bool has_trade_price_ = false;

  // Texts the stream fields formatted, which the JSON records copy.
  struct shared_texts {
    civil_time event_ist;
    std::string_view ltp, change, percent, volume, bid, ask;
    std::string_view time;  // exchange time, epoch seconds with ms
  };
  void build_pubsub(const protocol::tick& t, const protocol::instrument& instrument,
                    const shared_texts& x);
  void build_list(const protocol::tick& t, const protocol::instrument& instrument,
                  const shared_texts& x);
  void build_price(const protocol::instrument& instrument, const shared_texts& x);
};

}  // namespace tickgate::gateway

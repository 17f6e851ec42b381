// OHLCV candles rolled in memory, per symbol and timeframe, with the flush
// policy of the candle sink: a symbol's changed candles are written
// flush_interval after the first change not yet written (so at most once per
// interval, and never staler than that), and a candle whose period has
// closed is written at once. The cadence is per symbol, not one clock for
// all: symbols fall due in the order they changed, one interval later, so
// with 3000 symbols ticking the writes follow the ticks, spread over the
// interval, instead of one burst of 9000 HSETs every 250 ms that every tick
// queued behind it in Redis must wait for.
// A plain object — no I/O, no clock of its own — so rolling, alignment and
// cadence are unit-tested with made-up times.
//
// Symbols are interned: intern() gives a dense id once, and update(id, …)
// costs no string hashing (the router keeps the id per instrument). A flush
// hands a symbol's candles to the visitor together, so the sink writes them
// as one request.
//
// Periods are aligned in the wall clock of `utc_offset` (IST by default): a
// 1h candle starts at 09:00 IST, not at 09:30 IST (= 04:00 UTC). A candle is
// identified by the epoch seconds of its period start.
//
// Volume is the increase of the feed's cumulative day volume within the
// period, attributed to the candle of the tick that shows it. The first tick
// of a symbol has no baseline (delta 0). A cumulative volume that goes down
// on a tick that is not older than the previous one is a new session (the
// day's count restarted): the whole new count belongs to this tick. One that
// goes down on an older tick (out of order) changes nothing.
#pragma once

#include "storage/ring_buffer.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tickgate::storage {

struct candle {
  std::int64_t start = 0;  // epoch seconds of the period start
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
  std::int64_t volume = 0;
  std::uint64_t ticks = 0;

  friend bool operator==(const candle&, const candle&) = default;
};

class candle_book {
public:
  using clock = std::chrono::steady_clock;

  struct options {
    std::vector<std::chrono::seconds> timeframes{
        std::chrono::seconds(60), std::chrono::seconds(300), std::chrono::seconds(900)};
    std::chrono::seconds utc_offset{19800};  // IST, +05:30
    std::chrono::milliseconds flush_interval{1000};
  };

  // Precondition: every timeframe > 0.
  explicit candle_book(options opts);

  using symbol_id = std::uint32_t;
  // The symbol's id, made on first sight (ids count up from 0 and stay valid).
  symbol_id intern(std::string_view symbol);
  std::string_view symbol_name(symbol_id id) const noexcept { return names_[id]; }

  struct update_result {
    bool applied = false;        // the tick changed at least one candle
    bool period_closed = false;  // a changed candle's period ended: flush_closed() now
  };
  // One trade print: exchange time (epoch ms), price, cumulative day volume;
  // `now`: when it arrived (the change is due flush_interval later).
  update_result update(symbol_id id, std::int64_t epoch_ms, double price,
                       std::int64_t cumulative_volume, clock::time_point now = {});
  update_result update(std::string_view symbol, std::int64_t epoch_ms, double price,
                       std::int64_t cumulative_volume, clock::time_point now = {}) {
    return update(intern(symbol), epoch_ms, price, cumulative_volume, now);
  }

  // Flush policy.
  bool has_changes() const noexcept { return !closed_.empty() || !dirty_.empty(); }
  bool has_closed() const noexcept { return !closed_.empty(); }
  // True when a closed candle waits, or the oldest unwritten change is
  // flush_interval old.
  bool flush_due(clock::time_point now) const noexcept;
  // When the oldest waiting change becomes due (time_point{}: now; max():
  // nothing waits).
  clock::time_point next_flush() const noexcept;

  struct candle_write {
    std::size_t timeframe;  // index into timeframes()
    candle c;
    bool closed;  // its period has ended: final
  };
  // visit(symbol, candles): one call per symbol with every candle of it to
  // write now (a symbol's closed candles from one tick, or its changed ones).
  using visitor = std::function<void(std::string_view, std::span<const candle_write>)>;
  // Closed candles only, in the order their periods closed; does not move
  // the cadence.
  void flush_closed(const visitor& visit);
  // Closed candles, then the changed current candles of every symbol that is
  // due at `now`, oldest change first.
  void flush_due_changes(clock::time_point now, const visitor& visit);
  // Closed candles, then every changed current candle (shutdown, tests).
  void flush_changed(clock::time_point now, const visitor& visit);

  const std::vector<std::chrono::seconds>& timeframes() const noexcept { return tf_; }
  // The candle in progress, or nullptr.
  const candle* current(std::string_view symbol, std::size_t timeframe) const;
  std::uint64_t late_ticks() const noexcept { return late_ticks_; }
  std::size_t symbols() const noexcept { return states_.size(); }

  // Start of the period holding epoch second `t`: floor((t + offset) / tf) * tf - offset.
  static std::int64_t period_start(std::int64_t t, std::int64_t tf, std::int64_t offset) noexcept;
  // "1m", "5m", "15m", "1h", "1d", "90s": the largest unit that divides it.
  static std::string timeframe_label(std::chrono::seconds tf);

private:
  struct slot {
    candle c;
    bool valid = false;
    bool dirty = false;
  };
  struct symbol_state {
    std::vector<slot> slots;  // one per timeframe
    std::int64_t last_epoch_ms = 0;
    std::int64_t last_volume = -1;  // -1: no baseline yet
    bool queued = false;            // in dirty_
    clock::time_point dirty_since{};  // the first change not yet written
  };
  struct closed_candle {
    symbol_id symbol;
    std::size_t timeframe;
    candle c;
  };
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  bool due(const symbol_state& st, clock::time_point now) const noexcept {
    return now - st.dirty_since >= interval_;
  }
  void write_symbol(symbol_id id, const visitor& visit);

  std::vector<std::chrono::seconds> tf_;
  std::int64_t offset_;
  clock::duration interval_;
  std::unordered_map<std::string, symbol_id, string_hash, std::equal_to<>> ids_;
  std::vector<std::string> names_;     // by id
  std::vector<symbol_state> states_;   // by id
  ring_buffer<symbol_id> dirty_;       // symbols with unwritten changes, oldest change first
  std::vector<closed_candle> closed_;
  std::vector<candle_write> scratch_;  // one symbol's candles for the visitor
  std::uint64_t late_ticks_ = 0;
};

}  // namespace tickgate::storage

// candle_book without Redis: period alignment in IST, OHLCV rolling, volume
// deltas, late ticks, and the flush cadence driven by made-up times.
#define BOOST_TEST_MODULE storage_candle_book
#include <boost/test/unit_test.hpp>

#include "storage/candle_book.hpp"

#include <map>
#include <tuple>
#include <vector>

namespace tickgate::test {
namespace {

using namespace std::chrono_literals;
using storage::candle;
using storage::candle_book;

// 2024-01-15 09:15:00 IST = 03:45:00 UTC.
constexpr std::int64_t open_0915 = 1705290300;

struct written {
  std::string symbol;
  std::size_t tf;
  candle c;
  bool closed;
};

std::vector<written> collect_changed(candle_book& book, candle_book::clock::time_point now) {
  std::vector<written> out;
  book.flush_changed(now, [&](std::string_view s, std::span<const candle_book::candle_write> w) {
    for (const auto& x : w) out.push_back({std::string(s), x.timeframe, x.c, x.closed});
  });
  return out;
}

std::vector<written> collect_due(candle_book& book, candle_book::clock::time_point now) {
  std::vector<written> out;
  book.flush_due_changes(now, [&](std::string_view s,
                                  std::span<const candle_book::candle_write> w) {
    for (const auto& x : w) out.push_back({std::string(s), x.timeframe, x.c, x.closed});
  });
  return out;
}

BOOST_AUTO_TEST_CASE(periods_align_to_ist_wall_clock) {
  const std::int64_t ist = 19800;
  struct row {
    std::int64_t t, tf, expected;
  };
  const row rows[] = {
      {open_0915, 60, open_0915},
      {open_0915 + 59, 60, open_0915},
      {open_0915 + 60, 60, open_0915 + 60},
      {open_0915 + 299, 300, open_0915},
      {open_0915 + 899, 900, open_0915},
      {open_0915 + 900, 900, open_0915 + 900},
      // 1h candles start on the IST hour: 09:15 IST belongs to 09:00 IST.
      {open_0915, 3600, open_0915 - 900},
      // 1d candles start at IST midnight (18:30 UTC the day before).
      {open_0915, 86400, open_0915 - (9 * 3600 + 15 * 60)},
      // Before 1970 floors too.
      {-1, 60, -60 - 0},
  };
  for (const row& r : rows) {
    const std::int64_t offset = r.t < 0 ? 0 : ist;
    BOOST_TEST(candle_book::period_start(r.t, r.tf, offset) == r.expected,
               r.t << " in " << r.tf << "s");
  }
}

BOOST_AUTO_TEST_CASE(timeframe_labels) {
  BOOST_TEST(candle_book::timeframe_label(60s) == "1m");
  BOOST_TEST(candle_book::timeframe_label(300s) == "5m");
  BOOST_TEST(candle_book::timeframe_label(900s) == "15m");
  BOOST_TEST(candle_book::timeframe_label(3600s) == "1h");
  BOOST_TEST(candle_book::timeframe_label(86400s) == "1d");
  BOOST_TEST(candle_book::timeframe_label(90s) == "90s");
}

BOOST_AUTO_TEST_CASE(rolls_ohlcv_and_closes_periods) {
  candle_book book({{60s, 300s}, 19800s, 250ms});
  const std::int64_t ms = open_0915 * 1000;
  struct tick {
    std::int64_t at_ms;
    double price;
    std::int64_t cum_volume;
  };
  // Minute 1: 100 → 105 → 98 → 101; volume 1000 (baseline) → 1200 → 1250 → 1300.
  const tick minute1[] = {{ms + 100, 100, 1000},
                          {ms + 20000, 105, 1200},
                          {ms + 40000, 98, 1250},
                          {ms + 59999, 101, 1300}};
  for (const tick& t : minute1) {
    const auto r = book.update("TCS", t.at_ms, t.price, t.cum_volume);
    BOOST_TEST(r.applied);
    BOOST_TEST(!r.period_closed);
  }
  const candle expected1{open_0915, 100, 105, 98, 101, 300, 4};
  BOOST_TEST((*book.current("TCS", 0) == expected1));
  BOOST_TEST((*book.current("TCS", 1) == expected1));

  // First tick of minute 2 closes minute 1 (1m only; 5m goes on).
  const auto r = book.update("TCS", ms + 60000, 102, 1400);
  BOOST_TEST(r.period_closed);
  BOOST_TEST(book.has_closed());
  std::vector<written> closed;
  book.flush_closed([&](std::string_view s, std::span<const candle_book::candle_write> w) {
    for (const auto& x : w) closed.push_back({std::string(s), x.timeframe, x.c, x.closed});
  });
  BOOST_REQUIRE_EQUAL(closed.size(), 1u);
  BOOST_TEST(closed[0].symbol == "TCS");
  BOOST_TEST(closed[0].tf == 0u);
  BOOST_TEST((closed[0].c == expected1));
  BOOST_TEST(closed[0].closed);
  BOOST_TEST((*book.current("TCS", 0) == candle{open_0915 + 60, 102, 102, 102, 102, 100, 1}));
  BOOST_TEST((*book.current("TCS", 1) == candle{open_0915, 100, 105, 98, 102, 400, 5}));
}

// update() skips the division while a tick falls in the candle in progress;
// whatever the path, a candle's start must be period_start of its ticks.
// Times step over period edges by 1 s (the last second of a period, the
// first of the next), also before 1970 and with an odd offset, and jump
// back (late ticks) now and then.
BOOST_AUTO_TEST_CASE(candle_start_is_the_period_of_its_ticks) {
  for (const std::int64_t offset : {std::int64_t{19800}, std::int64_t{-3599}}) {
    const std::vector<std::chrono::seconds> tfs{7s, 60s, 900s};
    candle_book book({tfs, std::chrono::seconds(offset), 250ms});
    std::int64_t newest = 0;
    bool first = true;
    std::size_t checked = 0;
    for (const std::int64_t base : {std::int64_t{open_0915}, std::int64_t{-86400 * 3 - 17}}) {
      first = true;
      for (std::int64_t step = 0; step < 2000; ++step) {
        // Mostly forward by 1–3 s; every 97th tick 40 s back.
        const std::int64_t t = base + step * 2 - (step % 97 == 96 ? 40 : 0) + step % 3;
        const std::string symbol = base < 0 ? "BEFORE1970" : "TCS";
        book.update(symbol, t * 1000 + 999, 100, 0);
        if (first || t >= newest) {
          newest = t;
          first = false;
          for (std::size_t i = 0; i < tfs.size(); ++i) {
            const candle* c = book.current(symbol, i);
            BOOST_REQUIRE(c != nullptr);
            BOOST_TEST(c->start == candle_book::period_start(t, tfs[i].count(), offset),
                       "t=" << t << " tf=" << tfs[i].count() << " offset=" << offset);
            ++checked;
          }
        }
      }
    }
    BOOST_TEST(checked > 5000u);
    BOOST_TEST(book.late_ticks() > 0u);
  }
}

BOOST_AUTO_TEST_CASE(volume_baseline_reset_and_out_of_order) {
  candle_book book({{60s}, 19800s, 250ms});
  const std::int64_t ms = open_0915 * 1000;
  book.update("X", ms, 10, 5000);         // no baseline: 0
  book.update("X", ms + 1000, 10, 5100);  // +100
  book.update("X", ms + 500, 10, 5050);   // older and lower: ignored for volume
  BOOST_TEST(book.current("X", 0)->volume == 100);
  book.update("X", ms + 2000, 10, 5150);  // +50 from 5100
  BOOST_TEST(book.current("X", 0)->volume == 150);
  book.update("X", ms + 3000, 10, 20);  // newer and lower: a new session's count
  BOOST_TEST(book.current("X", 0)->volume == 170);
  BOOST_TEST(book.current("X", 0)->ticks == 5u);
}

BOOST_AUTO_TEST_CASE(late_ticks_leave_closed_periods_alone) {
  candle_book book({{60s, 900s}, 19800s, 250ms});
  const std::int64_t ms = open_0915 * 1000;
  book.update("X", ms + 61000, 50, 0);                // minute 2
  const auto r = book.update("X", ms + 1000, 40, 0);  // minute 1: late for 1m, same 15m
  BOOST_TEST(r.applied);
  BOOST_TEST(book.late_ticks() == 1u);
  BOOST_TEST(book.current("X", 0)->low == 50);  // 1m untouched
  BOOST_TEST(book.current("X", 1)->low == 40);  // 15m took it
}

BOOST_AUTO_TEST_CASE(flush_cadence_follows_the_interval) {
  using clock = candle_book::clock;
  candle_book book({{60s, 300s, 900s}, 19800s, 250ms});
  const clock::time_point t0{std::chrono::hours(1)};
  const std::int64_t ms = open_0915 * 1000;
  BOOST_TEST(!book.flush_due(t0));  // nothing changed
  BOOST_TEST((book.next_flush() == clock::time_point::max()));
  book.update("A", ms, 1, 0, t0);
  book.update("B", ms, 2, 0, t0);
  BOOST_TEST((book.next_flush() == t0 + 250ms));

  // 1000 ticks over 240 ms of (made-up) time: none due until 250 ms after
  // the first change.
  for (int i = 0; i < 1000; ++i) {
    const auto now = t0 + std::chrono::microseconds(240 * i);
    book.update("A", ms + 10 + i, 1 + i % 7, i, now);
    book.update("B", ms + 10 + i, 2, i, now);
    BOOST_TEST_REQUIRE(!book.flush_due(now));
  }
  BOOST_TEST(collect_due(book, t0 + 249ms).empty());
  BOOST_TEST(book.flush_due(t0 + 250ms));
  // One write per changed candle, not per tick.
  const auto writes = collect_due(book, t0 + 250ms);
  BOOST_TEST(writes.size() == 6u);
  std::map<std::pair<std::string, std::size_t>, candle> by_key;
  for (const auto& w : writes) by_key[std::make_pair(w.symbol, w.tf)] = w.c;
  const candle a1m = by_key[std::make_pair(std::string("A"), std::size_t{0})];
  const candle b15m = by_key[std::make_pair(std::string("B"), std::size_t{2})];
  BOOST_TEST(a1m.ticks == 1001u);
  BOOST_TEST(a1m.high == 7);
  BOOST_TEST(b15m.volume == 999);
  BOOST_TEST(!book.has_changes());
  BOOST_TEST(collect_due(book, t0 + 500ms).empty());
}

// The cadence is per symbol: a change is written one interval after the
// symbol's first unwritten change, symbols fall due in the order they
// changed, and ticking symbols are written a few at a time as their own
// changes age, never all at once.
BOOST_AUTO_TEST_CASE(symbols_fall_due_one_interval_after_their_first_unwritten_change) {
  using clock = candle_book::clock;
  candle_book book({{60s}, 19800s, 250ms});
  const clock::time_point t0{std::chrono::hours(1)};
  const std::int64_t ms = open_0915 * 1000;
  // Ten symbols whose ticks come 25 ms apart.
  for (int i = 0; i < 10; ++i) book.update("S" + std::to_string(i), ms + i, 100 + i, 0, t0 + i * 25ms);
  // S0 is due at t0 + 250 ms, S1 25 ms later, …: one at a time.
  for (int i = 0; i < 10; ++i) {
    const auto now = t0 + 250ms + i * 25ms;
    BOOST_TEST(!book.flush_due(now - 1ms));
    const auto w = collect_due(book, now);
    BOOST_REQUIRE_EQUAL(w.size(), 1u);
    BOOST_TEST(w[0].symbol == "S" + std::to_string(i));
  }
  BOOST_TEST(!book.has_changes());

  // Steady ticking, every symbol every 10 ms, a write check every 1 ms, for
  // two seconds: each symbol is written every 250–260 ms (its first change
  // after a write comes within 10 ms), never staler than the interval, and
  // the symbols keep the spread their first ticks had instead of
  // converging on one flush.
  const clock::time_point t1 = t0 + 1s;
  std::map<std::string, std::vector<clock::time_point>> writes;
  std::size_t most_at_once = 0;
  for (int step = 0; step < 2000; ++step) {
    const auto now = t1 + step * 1ms;
    const int i = step % 10;  // S<i> ticks at steps i, i + 10, …
    book.update("S" + std::to_string(i), ms + 1000 + step, 300 + i, 0, now);
    const auto w = collect_due(book, now);
    most_at_once = std::max(most_at_once, w.size());
    for (const auto& x : w) writes[x.symbol].push_back(now);
  }
  BOOST_TEST(writes.size() == 10u);
  for (const auto& [symbol, times] : writes) {
    BOOST_TEST_CONTEXT(symbol) {
      BOOST_TEST(times.size() >= 7u);
      for (std::size_t k = 1; k < times.size(); ++k) {
        BOOST_TEST((times[k] - times[k - 1] >= 250ms));
        BOOST_TEST((times[k] - times[k - 1] <= 260ms));
      }
    }
  }
  BOOST_TEST(most_at_once == 1u);
}

BOOST_AUTO_TEST_CASE(closed_candles_are_written_before_current_ones) {
  using clock = candle_book::clock;
  candle_book book({{60s}, 19800s, 250ms});
  const std::int64_t ms = open_0915 * 1000;
  book.update("A", ms, 1, 0);
  book.update("A", ms + 60000, 2, 0);
  book.update("A", ms + 120000, 3, 0);
  const auto writes = collect_changed(book, clock::time_point{});
  BOOST_REQUIRE_EQUAL(writes.size(), 3u);
  BOOST_TEST(writes[0].closed);
  BOOST_TEST(writes[0].c.start == open_0915);
  BOOST_TEST(writes[1].closed);
  BOOST_TEST(writes[1].c.start == open_0915 + 60);
  BOOST_TEST(!writes[2].closed);
  BOOST_TEST(writes[2].c.start == open_0915 + 120);
}

BOOST_AUTO_TEST_CASE(a_clean_candle_closing_needs_no_write) {
  candle_book book({{60s}, 19800s, 250ms});
  const std::int64_t ms = open_0915 * 1000;
  book.update("A", ms, 1, 0);
  collect_changed(book, candle_book::clock::time_point{});
  const auto r = book.update("A", ms + 60000, 2, 0);
  BOOST_TEST(!r.period_closed);  // its final state is already written
  BOOST_TEST(!book.has_closed());
}

BOOST_AUTO_TEST_CASE(interned_ids_are_dense_and_update_like_the_symbol) {
  candle_book book({{60s, 300s}, 19800s, 250ms});
  const auto tcs = book.intern("TCS");
  const auto infy = book.intern("INFY");
  BOOST_TEST(tcs == 0u);
  BOOST_TEST(infy == 1u);
  BOOST_TEST(book.intern("TCS") == tcs);
  BOOST_TEST(book.symbol_name(infy) == "INFY");
  const std::int64_t ms = open_0915 * 1000;
  book.update(tcs, ms, 100, 1000);
  book.update("TCS", ms + 1000, 104, 1200);  // the same symbol by name
  BOOST_TEST(book.symbols() == 2u);
  BOOST_TEST((*book.current("TCS", 0) == candle{open_0915, 100, 104, 100, 104, 200, 2}));
  BOOST_TEST(book.current("INFY", 0) == nullptr);  // interned, never ticked
}

BOOST_AUTO_TEST_CASE(a_symbols_candles_reach_the_visitor_together) {
  candle_book book({{60s, 300s, 900s}, 19800s, 250ms});
  const std::int64_t ms = open_0915 * 1000;
  book.update("TCS", ms, 100, 1000);
  book.update("INFY", ms, 200, 1000);
  std::vector<std::pair<std::string, std::size_t>> calls;
  book.flush_changed({}, [&](std::string_view s, std::span<const candle_book::candle_write> w) {
    calls.emplace_back(std::string(s), w.size());
  });
  const std::vector<std::pair<std::string, std::size_t>> expected{{"TCS", 3}, {"INFY", 3}};
  BOOST_TEST((calls == expected));
  // A change not yet written, then 09:30 starts a new 1m, 5m and 15m
  // period: TCS's three 09:15 candles close on one tick and reach the
  // visitor in one call.
  book.update("TCS", ms + 1000, 102, 1050);
  book.update("TCS", ms + 15 * 60 * 1000, 101, 1100);
  calls.clear();
  book.flush_closed([&](std::string_view s, std::span<const candle_book::candle_write> w) {
    calls.emplace_back(std::string(s), w.size());
    for (const auto& x : w) BOOST_TEST(x.closed);
  });
  const std::vector<std::pair<std::string, std::size_t>> closed{{"TCS", 3}};
  BOOST_TEST((calls == closed));
}

}  // namespace
}  // namespace tickgate::test

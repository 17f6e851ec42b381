#include "storage/candle_book.hpp"

#include <algorithm>

namespace tickgate::storage {

candle_book::candle_book(options opts)
    : tf_(std::move(opts.timeframes)),
      offset_(opts.utc_offset.count()),
      interval_(opts.flush_interval) {}

std::int64_t candle_book::period_start(std::int64_t t, std::int64_t tf,
                                       std::int64_t offset) noexcept {
  const std::int64_t local = t + offset;
  std::int64_t q = local / tf;
  if (local % tf != 0 && local < 0) --q;  // floor, also before 1970
  return q * tf - offset;
}

std::string candle_book::timeframe_label(std::chrono::seconds tf) {
  const auto s = tf.count();
  if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

candle_book::symbol_id candle_book::intern(std::string_view symbol) {
  if (const auto it = ids_.find(symbol); it != ids_.end()) return it->second;
  const auto id = static_cast<symbol_id>(states_.size());
  ids_.emplace(std::string(symbol), id);
  names_.emplace_back(symbol);
  states_.emplace_back().slots.resize(tf_.size());
  return id;
}

candle_book::update_result candle_book::update(symbol_id id, std::int64_t epoch_ms, double price,
                                               std::int64_t cumulative_volume,
                                               clock::time_point now) {
  symbol_state& st = states_[id];

  std::int64_t delta = 0;
  if (st.last_volume < 0) {
    st.last_volume = cumulative_volume;  // first tick: baseline only
  } else if (cumulative_volume >= st.last_volume) {
    delta = cumulative_volume - st.last_volume;
    st.last_volume = cumulative_volume;
  } else if (epoch_ms >= st.last_epoch_ms) {
    delta = cumulative_volume;  // the day's count restarted
    st.last_volume = cumulative_volume;
  }
  st.last_epoch_ms = std::max(st.last_epoch_ms, epoch_ms);

  // Floor to whole seconds, also for negative times.
  const std::int64_t t = epoch_ms >= 0 ? epoch_ms / 1000 : -((-epoch_ms + 999) / 1000);
  update_result result;
  bool late = false;
  for (std::size_t i = 0; i < tf_.size(); ++i) {
    slot& s = st.slots[i];
    const std::int64_t tf = tf_[i].count();
    // Most ticks fall in the candle in progress: [start, start + tf) is its
    // period, so no division is needed to know it.
    const std::int64_t start =
        s.valid && t >= s.c.start && t - s.c.start < tf ? s.c.start : period_start(t, tf, offset_);
    if (!s.valid || start > s.c.start) {
      if (s.valid && s.dirty) {
        closed_.push_back({id, i, s.c});
        result.period_closed = true;
      }
      s.c = candle{start, price, price, price, price, delta, 1};
      s.valid = true;
    } else if (start == s.c.start) {
      s.c.high = std::max(s.c.high, price);
      s.c.low = std::min(s.c.low, price);
      s.c.close = price;
      s.c.volume += delta;
      ++s.c.ticks;
    } else {
      late = true;  // that period is closed and written; leave it
      continue;
    }
    s.dirty = true;
    result.applied = true;
  }
  if (late) ++late_ticks_;
  if (result.applied && !st.queued) {
    st.queued = true;
    st.dirty_since = now;
    dirty_.push_back(id);
  }
  return result;
}

bool candle_book::flush_due(clock::time_point now) const noexcept {
  return !closed_.empty() || (!dirty_.empty() && due(states_[dirty_[0]], now));
}

candle_book::clock::time_point candle_book::next_flush() const noexcept {
  if (!closed_.empty()) return clock::time_point{};
  if (dirty_.empty()) return clock::time_point::max();
  return states_[dirty_[0]].dirty_since + interval_;
}

void candle_book::flush_closed(const visitor& visit) {
  // A tick closes its symbol's periods together: consecutive entries of one
  // symbol go to the visitor as one call.
  for (std::size_t i = 0; i < closed_.size();) {
    const symbol_id id = closed_[i].symbol;
    scratch_.clear();
    for (; i < closed_.size() && closed_[i].symbol == id; ++i) {
      scratch_.push_back({closed_[i].timeframe, closed_[i].c, true});
    }
    visit(names_[id], scratch_);
  }
  closed_.clear();
}

void candle_book::write_symbol(symbol_id id, const visitor& visit) {
  symbol_state& st = states_[id];
  scratch_.clear();
  for (std::size_t i = 0; i < st.slots.size(); ++i) {
    slot& s = st.slots[i];
    if (!s.dirty) continue;
    s.dirty = false;
    scratch_.push_back({i, s.c, false});
  }
  st.queued = false;
  if (!scratch_.empty()) visit(names_[id], scratch_);
}

void candle_book::flush_due_changes(clock::time_point now, const visitor& visit) {
  flush_closed(visit);
  // Queued in the order they changed: the due ones are a prefix.
  while (!dirty_.empty() && due(states_[dirty_[0]], now)) {
    const symbol_id id = dirty_[0];
    dirty_.pop_front();
    write_symbol(id, visit);
  }
}

void candle_book::flush_changed(clock::time_point, const visitor& visit) {
  flush_closed(visit);
  while (!dirty_.empty()) {
    const symbol_id id = dirty_[0];
    dirty_.pop_front();
    write_symbol(id, visit);
  }
}

const candle* candle_book::current(std::string_view symbol, std::size_t timeframe) const {
  const auto it = ids_.find(symbol);
  if (it == ids_.end() || timeframe >= states_[it->second].slots.size()) return nullptr;
  const slot& s = states_[it->second].slots[timeframe];
  return s.valid ? &s.c : nullptr;
}

}  // namespace tickgate::storage

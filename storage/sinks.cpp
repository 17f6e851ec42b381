#include "storage/sinks.hpp"

#include "storage/resp_encoder.hpp"

#include <cmath>

namespace tickgate::storage {
namespace {

template <class Options>
connection* pick(connection_pool& pool, const Options& o) {
  return o.enabled ? &pool.for_db(o.db) : nullptr;
}

template <class Options>
connection* pick(connection& conn, const Options& o) {
  return o.enabled ? &conn : nullptr;
}

std::string seconds_text(std::chrono::seconds s) {
  return std::to_string(s.count());
}

// EXPIRE <a+b> <ttl>
void append_expire(std::string& out, std::string_view a, std::string_view b, std::string_view ttl) {
  append_array_header(out, 3);
  append_bulk(out, "EXPIRE");
  append_bulk(out, a, b);
  append_bulk(out, ttl);
}

}  // namespace

namespace detail {

sink_base::sink_base(connection* conn, std::string name) : conn_(conn) {
  if (conn_ != nullptr) source_ = conn_->add_source(std::move(name));
}

sink_stats sink_base::stats() const noexcept {
  sink_stats s;
  s.records = records_;
  s.rejected = rejected_;
  if (conn_ != nullptr) {
    const source_counters& c = conn_->source(source_);
    s.commands = c.commands;
    s.acked = c.acked;
    s.errors = c.errors;
    s.dropped = c.dropped;
  }
  return s;
}

}  // namespace detail

// --- stream ----------------------------------------------------------------

stream_sink::stream_sink(connection_pool& pool, options opts)
    : sink_base(pick(pool, opts), "stream"), opt_(std::move(opts)) {
  maxlen_text_ = std::to_string(opt_.maxlen);
  if (opt_.ttl) ttl_text_ = seconds_text(*opt_.ttl);
}

stream_sink::stream_sink(connection& conn, options opts)
    : sink_base(pick(conn, opts), "stream"), opt_(std::move(opts)) {
  maxlen_text_ = std::to_string(opt_.maxlen);
  if (opt_.ttl) ttl_text_ = seconds_text(*opt_.ttl);
}

bool stream_sink::write(std::string_view symbol, std::span<const field_view> fields,
                        clock::time_point origin) {
  if (conn_ == nullptr) return false;
  if (symbol.empty() || fields.empty()) {  // XADD needs a key and a field
    ++rejected_;
    return false;
  }
  ++records_;
  const bool trim = opt_.maxlen != 0;
  const bool expire = opt_.ttl.has_value();
  return conn_->send(source_, request_kind::durable, expire ? 2 : 1, origin, [&](std::string& out) {
    // Hot path: the exact size first, one growth, then writes through a
    // pointer (~45 bulk strings per tick).
    const std::size_t count = 3 + (trim ? 3 : 0) + 2 * fields.size();
    std::size_t size = array_header_size(count) + bulk_size(4) +
                       bulk_size(opt_.key_prefix.size() + symbol.size()) + bulk_size(1);
    if (trim) size += bulk_size(6) + bulk_size(1) + bulk_size(maxlen_text_.size());
    for (const field_view& f : fields) size += bulk_size(f.name.size()) + bulk_size(f.value.size());
    const std::size_t at = out.size();
    out.resize(at + size);
    char* p = put_array_header(out.data() + at, count);
    p = put_bulk(p, "XADD");
    p = put_bulk(p, opt_.key_prefix, symbol);
    if (trim) {
      p = put_bulk(p, "MAXLEN");
      p = put_bulk(p, "~");
      p = put_bulk(p, maxlen_text_);
    }
    p = put_bulk(p, "*");
    for (const field_view& f : fields) {
      p = put_bulk(p, f.name);
      p = put_bulk(p, f.value);
    }
    if (expire) append_expire(out, opt_.key_prefix, symbol, ttl_text_);
  });
}

// --- pub/sub ---------------------------------------------------------------

pubsub_sink::pubsub_sink(connection_pool& pool, options opts)
    : sink_base(pick(pool, opts), "pubsub"), opt_(std::move(opts)) {}

pubsub_sink::pubsub_sink(connection& conn, options opts)
    : sink_base(pick(conn, opts), "pubsub"), opt_(std::move(opts)) {}

bool pubsub_sink::publish(std::string_view symbol, std::string_view json,
                          clock::time_point origin) {
  if (conn_ == nullptr) return false;
  const bool all = !opt_.all_channel.empty();
  const bool per_symbol = !opt_.symbol_channel_prefix.empty() && !symbol.empty();
  if (!all && !per_symbol) {
    ++rejected_;
    return false;
  }
  ++records_;
  const std::uint32_t commands = (all ? 1u : 0u) + (per_symbol ? 1u : 0u);
  return conn_->send(source_, request_kind::fire_and_forget, commands, origin,
                     [&](std::string& out) {
                       if (all) append_command(out, "PUBLISH", opt_.all_channel, json);
                       if (per_symbol) {
                         append_array_header(out, 3);
                         append_bulk(out, "PUBLISH");
                         append_bulk(out, opt_.symbol_channel_prefix, symbol);
                         append_bulk(out, json);
                       }
                     });
}

// --- lists -----------------------------------------------------------------

list_sink::list_sink(connection_pool& pool, options opts)
    : sink_base(pick(pool, opts), "lists"), opt_(std::move(opts)) {
  if (opt_.cap > 0) last_index_text_ = std::to_string(opt_.cap - 1);
  if (opt_.ttl) ttl_text_ = seconds_text(*opt_.ttl);
}

list_sink::list_sink(connection& conn, options opts)
    : sink_base(pick(conn, opts), "lists"), opt_(std::move(opts)) {
  if (opt_.cap > 0) last_index_text_ = std::to_string(opt_.cap - 1);
  if (opt_.ttl) ttl_text_ = seconds_text(*opt_.ttl);
}

bool list_sink::push(std::string_view key, std::string_view json, clock::time_point origin) {
  if (conn_ == nullptr) return false;
  if (key.empty()) {
    ++rejected_;
    return false;
  }
  ++records_;
  const bool trim = opt_.cap > 0;
  const bool expire = opt_.ttl.has_value();
  const std::uint32_t commands = 1u + (trim ? 1u : 0u) + (expire ? 1u : 0u);
  return conn_->send(source_, request_kind::durable, commands, origin, [&](std::string& out) {
    append_command(out, "LPUSH", key, json);
    if (trim) append_command(out, "LTRIM", key, "0", last_index_text_);
    if (expire) append_command(out, "EXPIRE", key, ttl_text_);
  });
}

// --- price cache -------------------------------------------------------------

price_sink::price_sink(connection_pool& pool, options opts)
    : sink_base(pick(pool, opts), "price"), opt_(std::move(opts)) {
  ttl_text_ = seconds_text(opt_.ttl);
}

price_sink::price_sink(connection& conn, options opts)
    : sink_base(pick(conn, opts), "price"), opt_(std::move(opts)) {
  ttl_text_ = seconds_text(opt_.ttl);
}

bool price_sink::set(std::string_view symbol, std::string_view json, clock::time_point origin) {
  if (conn_ == nullptr) return false;
  if (symbol.empty()) {
    ++rejected_;
    return false;
  }
  ++records_;
  const bool expire = opt_.ttl.count() > 0;
  return conn_->send(source_, request_kind::durable, 1, origin, [&](std::string& out) {
    const std::size_t size = array_header_size(expire ? 5 : 3) + bulk_size(3) +
                             bulk_size(opt_.key_prefix.size() + symbol.size()) +
                             bulk_size(json.size()) +
                             (expire ? bulk_size(2) + bulk_size(ttl_text_.size()) : 0);
    const std::size_t at = out.size();
    out.resize(at + size);
    char* p = put_array_header(out.data() + at, expire ? 5 : 3);
    p = put_bulk(p, "SET");
    p = put_bulk(p, opt_.key_prefix, symbol);
    p = put_bulk(p, json);
    if (expire) {
      p = put_bulk(p, "EX");
      put_bulk(p, ttl_text_);
    }
  });
}

// --- candles -----------------------------------------------------------------

candle_sink::candle_sink(connection_pool& pool, options opts)
    : candle_sink(opts.enabled ? &pool.for_db(opts.db) : nullptr, std::move(opts), 0) {}

candle_sink::candle_sink(connection& conn, options opts)
    : candle_sink(opts.enabled ? &conn : nullptr, std::move(opts), 0) {}

candle_sink::candle_sink(connection* conn, options opts, int)
    : sink_base(conn, "candles"),
      opt_(std::move(opts)),
      book_({opt_.timeframes, opt_.utc_offset, opt_.flush_interval}) {
  for (const auto tf : opt_.timeframes) labels_.push_back(candle_book::timeframe_label(tf));
  if (opt_.ttl) ttl_text_ = seconds_text(*opt_.ttl);
  if (conn_ != nullptr) timer_.emplace(conn_->get_executor());
}

candle_sink::~candle_sink() {
  *alive_ = false;
  if (timer_) timer_->cancel();
}

candle_sink::symbol_id candle_sink::intern(std::string_view symbol) {
  if (conn_ == nullptr || symbol.empty()) return no_symbol;
  return book_.intern(symbol);
}

void candle_sink::update(symbol_id id, std::int64_t epoch_ms, double price,
                         std::int64_t cumulative_volume) {
  if (conn_ == nullptr) return;
  if (id == no_symbol || !std::isfinite(price)) {
    ++rejected_;
    return;
  }
  ++records_;
  const auto now = clock::now();
  const auto result = book_.update(id, epoch_ms, price, cumulative_volume, now);
  if (!result.applied) return;
  if (result.period_closed) {
    // The closed candle is final: write it now, on its own, without moving
    // the cadence of the candles still in progress.
    book_.flush_closed([this, now](std::string_view s, std::span<const candle_book::candle_write> w) {
      write_candles(s, w, now);
    });
  }
  // The symbols that fell due are written with this tick's commands: with
  // many symbols ticking, a few per tick, spread over the interval.
  if (book_.flush_due(now)) flush_due(now);
  arm_timer(now);
}

void candle_sink::flush() {
  if (conn_ == nullptr || !book_.has_changes()) return;
  ++flushes_;
  const auto now = clock::now();
  book_.flush_changed(now, [this, now](std::string_view s,
                                       std::span<const candle_book::candle_write> w) {
    write_candles(s, w, now);
  });
}

void candle_sink::flush_due(clock::time_point now) {
  ++flushes_;
  book_.flush_due_changes(now, [this, now](std::string_view s,
                                           std::span<const candle_book::candle_write> w) {
    write_candles(s, w, now);
  });
}

// The backstop for symbols that stopped ticking: ticks write what is due, the
// timer what is left when they stop. It wakes at most every eighth of the
// interval (a due symbol waits at most that much longer), not once per
// symbol as the oldest change moves on.
void candle_sink::arm_timer(clock::time_point now) {
  if (timer_armed_ || !book_.has_changes()) return;
  timer_armed_ = true;
  timer_->expires_at(std::max(book_.next_flush(), now + opt_.flush_interval / 8));
  timer_->async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (!*alive) return;  // the sink is gone
    timer_armed_ = false;
    if (ec) return;
    const auto woken = clock::now();
    if (book_.flush_due(woken)) flush_due(woken);
    arm_timer(woken);
  });
}

// One request: HSET (+ EXPIRE) per candle of the symbol.
void candle_sink::write_candles(std::string_view symbol,
                                std::span<const candle_book::candle_write> candles,
                                clock::time_point origin) {
  const bool expire = opt_.ttl.has_value();
  const auto commands = static_cast<std::uint32_t>(candles.size() * (expire ? 2 : 1));
  conn_->send(source_, request_kind::durable, commands, origin, [&](std::string& out) {
    for (const auto& w : candles) {
      const candle& c = w.c;
      key_.assign(opt_.key_prefix);
      key_.append(symbol);
      key_.push_back(':');
      key_.append(labels_[w.timeframe]);
      key_.push_back(':');
      key_.append(resp_arg(c.start).view());
      append_command(out, "HSET", key_, "open", c.open, "high", c.high, "low", c.low, "close",
                     c.close, "volume", c.volume, "ticks", c.ticks, "start", c.start);
      if (expire) append_command(out, "EXPIRE", key_, ttl_text_);
    }
  });
}

}  // namespace tickgate::storage

// Sinks: records in, Redis commands out, in exactly the shapes the existing
// consumers read (design.md, table of sinks). They know nothing of Angel One
// or ticks: the gateway maps a tick to a symbol, fields and JSON.
//
// Every sink writes through one connection (the pool's connection for its
// db), never waits, and can be switched off (`enabled = false`: every call
// returns at once and no connection is opened for it). Stream, list, price
// and candle writes are durable — replayed after a reconnect until
// acknowledged — and pub/sub is fire-and-forget, as in Redis: dropped and
// counted while the connection is down.
//
// Per-sink counters come from the connection's per-producer counters:
// commands, acked, errors and dropped are counted in Redis commands.
#pragma once

#include "storage/candle_book.hpp"
#include "storage/connection.hpp"
#include "storage/connection_pool.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tickgate::storage {

struct field_view {
  std::string_view name;
  std::string_view value;
};

struct sink_stats {
  std::uint64_t records = 0;   // records accepted by the sink
  std::uint64_t rejected = 0;  // records refused as malformed (empty symbol, no fields, NaN)
  std::uint64_t commands = 0;  // commands queued on the connection
  std::uint64_t acked = 0;     // commands Redis answered (errors included)
  std::uint64_t errors = 0;    // error replies
  std::uint64_t dropped = 0;   // commands not delivered: outage bound, refused, pub/sub while down
};

namespace detail {

class sink_base {
public:
  bool enabled() const noexcept { return conn_ != nullptr; }
  sink_stats stats() const noexcept;
  // The connection written to; nullptr when disabled.
  connection* target() const noexcept { return conn_; }

protected:
  // conn == nullptr: disabled.
  sink_base(connection* conn, std::string name);

  connection* conn_ = nullptr;
  source_id source_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t rejected_ = 0;
};

}  // namespace detail

// XADD <key_prefix><symbol> MAXLEN ~ <maxlen> * name value … — one field per
// entry of `fields`, in order (seed market-data-redis-streamer.md). maxlen 0:
// no trimming. With a ttl, EXPIRE <key> <ttl> follows each entry.
class stream_sink : public detail::sink_base {
public:
  struct options {
    bool enabled = true;
    int db = -1;  // -1: the URL's db
    std::string key_prefix = "market_data_stream:";
    std::uint64_t maxlen = 10000;
    std::optional<std::chrono::seconds> ttl;
  };
  stream_sink(connection_pool& pool, options opts);
  stream_sink(connection& conn, options opts);

  // False when not queued (disabled, malformed, refused by the connection).
  bool write(std::string_view symbol, std::span<const field_view> fields, clock::time_point origin);
  const options& config() const noexcept { return opt_; }

private:
  options opt_;
  std::string maxlen_text_;
  std::string ttl_text_;
};

// PUBLISH <all_channel> <json> and PUBLISH <symbol_channel_prefix><SYMBOL>
// <json> (seed tickstock-pubsub.md). Fire-and-forget. Pub/sub ignores the
// db, which only picks the connection.
class pubsub_sink : public detail::sink_base {
public:
  struct options {
    bool enabled = true;
    int db = -1;
    std::string all_channel = "tickstock.all_ticks";         // empty: not published
    std::string symbol_channel_prefix = "tickstock.ticks.";  // empty: not published
  };
  pubsub_sink(connection_pool& pool, options opts);
  pubsub_sink(connection& conn, options opts);

  bool publish(std::string_view symbol, std::string_view json, clock::time_point origin);
  const options& config() const noexcept { return opt_; }

private:
  options opt_;
};

// LPUSH <key> <json>, LTRIM <key> 0 <cap-1> (cap 0: no trim) and, with a
// ttl, EXPIRE <key> <ttl> (seed per-token-tick-lists.md: newest first).
class list_sink : public detail::sink_base {
public:
  struct options {
    bool enabled = true;
    int db = -1;
    std::uint64_t cap = 1000;
    std::optional<std::chrono::seconds> ttl;
  };
  list_sink(connection_pool& pool, options opts);
  list_sink(connection& conn, options opts);

  bool push(std::string_view key, std::string_view json, clock::time_point origin);
  const options& config() const noexcept { return opt_; }

private:
  options opt_;
  std::string last_index_text_;
  std::string ttl_text_;
};

// SET <key_prefix><SYMBOL> <json> EX <ttl> (seed price-cache-and-candles.md;
// ttl 0: no expiry).
class price_sink : public detail::sink_base {
public:
  struct options {
    bool enabled = true;
    int db = -1;
    std::string key_prefix = "price:";
    std::chrono::seconds ttl{10};
  };
  price_sink(connection_pool& pool, options opts);
  price_sink(connection& conn, options opts);

  bool set(std::string_view symbol, std::string_view json, clock::time_point origin);
  const options& config() const noexcept { return opt_; }

private:
  options opt_;
  std::string ttl_text_;
};

// Candles `candle:<SYMBOL>:<TF>:<PERIOD>` (seed price-cache-and-candles.md):
// an OHLCV hash with fields open high low close volume ticks start (start =
// PERIOD = epoch seconds of the period start, aligned in utc_offset's wall
// clock), each followed by EXPIRE <ttl>. Kept in memory (candle_book.hpp);
// a symbol's changed candles are written flush_interval after its first
// unwritten change (per symbol, so writes follow the ticks, spread over the
// interval, instead of bursting), and a candle is written at once when its
// period closes — never one write per tick per timeframe. A symbol's candles
// due together (its timeframes) are one request. HSET is idempotent, so
// replays after a reconnect are harmless.
//
// flush_interval (1 s by default) trades freshness for load. A symbol
// ticking ~7 times a second (3000 symbols at 20 000 ticks/s) sends ~33
// commands a second for its ticks; with 250 ms its candles added ~20 more
// (a flush every ~300 ms, an HSET and an EXPIRE per timeframe), with 1 s
// ~6.
class candle_sink : public detail::sink_base {
public:
  struct options {
    bool enabled = true;
    int db = -1;
    std::vector<std::chrono::seconds> timeframes{
        std::chrono::seconds(60), std::chrono::seconds(300), std::chrono::seconds(900)};
    std::string key_prefix = "candle:";
    std::optional<std::chrono::seconds> ttl{std::chrono::seconds(3600)};
    std::chrono::milliseconds flush_interval{1000};
    std::chrono::seconds utc_offset{19800};  // IST
  };
  candle_sink(connection_pool& pool, options opts);
  candle_sink(connection& conn, options opts);
  ~candle_sink();
  candle_sink(const candle_sink&) = delete;
  candle_sink& operator=(const candle_sink&) = delete;

  using symbol_id = candle_book::symbol_id;
  static constexpr symbol_id no_symbol = ~symbol_id{0};
  // A symbol's id for update(id, …), made once (no_symbol for an empty one,
  // which update rejects).
  symbol_id intern(std::string_view symbol);
  // One trade print: exchange time (epoch ms), price, cumulative day volume.
  void update(symbol_id id, std::int64_t epoch_ms, double price, std::int64_t cumulative_volume);
  void update(std::string_view symbol, std::int64_t epoch_ms, double price,
              std::int64_t cumulative_volume) {
    update(intern(symbol), epoch_ms, price, cumulative_volume);
  }
  // Writes every changed candle now (before draining at shutdown).
  void flush();

  const candle_book& book() const noexcept { return book_; }
  // Flushes of due symbols (by a tick or the timer) plus flush() calls.
  std::uint64_t flushes() const noexcept { return flushes_; }
  const options& config() const noexcept { return opt_; }

private:
  candle_sink(connection* conn, options opts, int);
  void write_candles(std::string_view symbol, std::span<const candle_book::candle_write> candles,
                     clock::time_point origin);
  void flush_due(clock::time_point now);
  void arm_timer(clock::time_point now);

  options opt_;
  candle_book book_;
  std::vector<std::string> labels_;  // per timeframe: "1m", …
  std::string ttl_text_;
  std::string key_;  // reused key buffer
  std::optional<boost::asio::steady_timer> timer_;
  bool timer_armed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::uint64_t flushes_ = 0;
};

}  // namespace tickgate::storage

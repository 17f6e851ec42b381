// Frame → tick → records → sinks. The one path every tick takes, live or
// replayed: decode (protocol/), look the instrument up, format the records
// (tick_records) and hand them to the enabled sinks (storage/), which only
// append to their connection's queue — nothing here waits.
#pragma once

#include "gateway/config.hpp"
#include "gateway/tick_records.hpp"
#include "protocol/frame.hpp"
#include "protocol/instrument.hpp"
#include "storage/sinks.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tickgate::gateway {

// The sinks in use; nullptr for a sink switched off.
struct sink_set {
  storage::stream_sink* stream = nullptr;
  storage::pubsub_sink* pubsub = nullptr;
  storage::list_sink* lists = nullptr;
  storage::price_sink* price = nullptr;
  storage::candle_sink* candles = nullptr;
};

struct router_stats {
  // Indexed [mode 1–4][exchange slot] (see exchange_slot()).
  static constexpr std::size_t exchange_slots = 8;
  std::array<std::array<std::uint64_t, exchange_slots>, 5> decoded{};
  std::array<std::array<std::uint64_t, exchange_slots>, 5> routed{};
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  std::uint64_t decode_errors = 0;
  // Per protocol::errc value (index = code), for /metrics.
  std::array<std::uint64_t, 16> decode_errors_by_code{};
  std::uint64_t unknown_instrument = 0;  // decoded, but not in the scrip master
  std::uint64_t routed_total = 0;
  std::int64_t last_tick_us = 0;         // receive time of the last routed tick
  std::int64_t last_event_ms = 0;        // exchange time of the last routed tick
};

// In front of instrument_index::find_by_token, which hashes the token's
// bytes into a node-based map (several dependent cache misses per tick; 12 %
// of the gateway's profile at 3000 tokens): an open-addressing table keyed by
// exchangeType and the token's decimal value, one probe per tick. Filled on
// first sight of a token the index knows; other tokens (non-decimal, or
// unknown) always take the index. The index must outlive the cache and not
// change (the gateway's never does).
class instrument_cache {
public:
  const protocol::instrument* find(const protocol::instrument_index& index,
                                   std::uint8_t exchange_type, std::string_view token);
  std::size_t size() const noexcept { return used_; }

private:
  struct slot {
    std::uint64_t key = 0;  // 0: empty
    const protocol::instrument* instrument = nullptr;
  };
  void insert(std::uint64_t key, const protocol::instrument* instrument);

  std::vector<slot> slots_;  // a power of two, at most half full
  std::size_t used_ = 0;
};

// 0..6 for exchangeTypes 1, 2, 3, 4, 5, 7, 13; 7 for anything else.
std::size_t exchange_slot(std::uint8_t exchange_type) noexcept;
std::uint8_t exchange_type_of_slot(std::size_t slot) noexcept;  // 0 for "other"

class tick_router {
public:
  using clock = std::chrono::steady_clock;
  // Sees every live frame before it is decoded (the recorder).
  using frame_observer = std::function<void(std::span<const std::byte> frame, std::int64_t received_us)>;

  tick_router(const config& cfg, const protocol::instrument_index& instruments, sink_set sinks);

  // A live frame: observed, decoded, routed with the live list session
  // (N_<IST trading day>). True when it decoded to a tick.
  bool on_frame(std::span<const std::byte> frame, clock::time_point received,
                std::int64_t received_us);

  // A replayed frame: decoded and routed with `list_session`.
  bool route_frame(std::span<const std::byte> frame, clock::time_point received,
                   std::int64_t received_us, std::string_view list_session);

  void set_frame_observer(frame_observer observer) { observer_ = std::move(observer); }

  const router_stats& stats() const noexcept { return stats_; }
  std::int64_t divisor(std::uint8_t exchange_type) const noexcept { return divisors_[exchange_type]; }

  // The live session name for an instant ("N_20250718").
  const std::string& live_session(std::int64_t epoch_us);

private:
  void route(const protocol::tick& t, clock::time_point received, std::int64_t received_us,
             std::string_view list_session);

  const config& config_;
  const protocol::instrument_index& instruments_;
  instrument_cache instrument_cache_;
  sink_set sinks_;
  frame_observer observer_;
  protocol::decode_options decode_options_;
  std::array<std::int64_t, 256> divisors_{};
  protocol::tick tick_;
  tick_records records_;
  std::string list_key_;
  router_stats stats_;
  std::set<std::string> logged_unknown_;
  // Per instrument (index into instruments_.all()): its candle symbol id,
  // made on its first tick; candle_unset before.
  static constexpr storage::candle_sink::symbol_id candle_unset =
      storage::candle_sink::no_symbol - 1;
  std::vector<storage::candle_sink::symbol_id> candle_ids_;
  // Live session name cache: valid for [session_from_us_, session_until_us_).
  std::string session_name_;
  std::int64_t session_from_us_ = 0;
  std::int64_t session_until_us_ = 0;
};

}  // namespace tickgate::gateway

// The market's clock and fan-out: which connections receive which
// instrument, when each instrument ticks, and the one encoding per mode (and
// token spelling) that every subscriber's buffer receives a copy of.
//
// Model (design.md): one instrument_model per (exchangeType, canonical
// token), created on first subscription and kept for the life of the process,
// so its sequence number continues 1, 2, 3, … across unsubscribe/resubscribe
// and reconnects. An instrument ticks only while at least one connection
// subscribes to it, every `1/rate` seconds with a per-instrument phase (so
// 1000 tokens do not all tick in the same millisecond); every subscriber gets
// the same tick (sequence, prices, times) in its own mode and spelling.
// When the simulator falls behind (overload, or after a stall) an instrument
// emits at most 100 ms worth of ticks at once and then skips ahead: its
// sequence never has gaps; the schedule slips instead (counted).
#pragma once

#include "protocol/tick.hpp"
#include "test/sim/feed_connection.hpp"
#include "test/sim/market.hpp"
#include "test/sim/subscription_set.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace tickgate::sim {

class tick_fanout {
public:
  using clock = std::chrono::steady_clock;

  // rate: ticks per second per subscribed instrument; 0: never ticks.
  tick_fanout(std::uint64_t seed, double rate);

  // Applies a connection's subscription changes (from subscription_set).
  void apply(feed_connection& conn, const std::vector<subscription_change>& changes,
             clock::time_point now);
  // Forgets every subscription of `conn` (before it is destroyed).
  void remove(feed_connection& conn);

  // Emits every tick due by `now`, stamped with wall clock `now_ms`.
  // Returns the number of ticks generated.
  std::size_t run_due(clock::time_point now, std::int64_t now_ms);

  // Emits one tick of every instrument that has subscribers, due or not
  // (benchmarks and tests that want ticks on demand).
  std::size_t tick_all(std::int64_t now_ms);

  // Replay (tickgate-sim --replay): decodes one recorded frame and sends its
  // tick to the current subscribers of its instrument, each in its own mode
  // and token spelling (fields that the recorded mode does not carry are
  // zero in a richer mode). Returns the frames fanned out; a frame that does
  // not decode, or whose instrument has no subscriber, is dropped and
  // counted (replay_dropped).
  std::size_t emit_recorded(std::span<const std::byte> frame);
  std::uint64_t replay_frames() const noexcept { return replay_frames_; }
  std::uint64_t replay_dropped() const noexcept { return replay_dropped_; }

  // How often the server should call run_due now: the tick interval over
  // the active instruments (the market's average gap between ticks),
  // clamped to [1 ms, 50 ms].
  clock::duration pass_interval() const noexcept;

  struct instrument_stats {
    std::uint8_t exchange_type;
    const std::string* token;  // canonical
    std::int64_t sequence;
    std::size_t subscribers;
  };
  std::vector<instrument_stats> instruments() const;

  std::size_t active_instruments() const noexcept { return active_.size(); }
  std::uint64_t ticks_generated() const noexcept { return ticks_generated_; }
  std::uint64_t frames_encoded() const noexcept { return frames_encoded_; }
  std::uint64_t frames_fanned_out() const noexcept { return frames_fanned_out_; }
  std::uint64_t schedule_slips() const noexcept { return schedule_slips_; }

  // The model behind (exchangeType, token), either spelling; nullptr if it
  // was never subscribed.
  const instrument_model* find(std::uint8_t exchange_type, std::string_view token) const;

private:
  struct subscriber {
    feed_connection* conn;
    protocol::mode mode;
    std::uint8_t form;  // index into instrument_state::forms
  };
  struct instrument_state {
    explicit instrument_state(instrument_model m) : model(std::move(m)) {}
    instrument_model model;
    std::vector<protocol::token_string> forms;  // spellings subscribed (<= 2, see canonical_token)
    std::vector<subscriber> subscribers;
    clock::time_point next_due{};
    std::size_t active_index = npos;  // position in active_, npos when idle
  };
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  instrument_state& state_for(std::uint8_t exchange_type, std::string_view token);
  void activate(instrument_state& s, clock::time_point now);
  void deactivate(instrument_state& s);
  void emit(instrument_state& s, std::int64_t now_ms);
  // Encodes tick_ once per (mode, spelling) and copies it to every subscriber.
  std::size_t fan_out(instrument_state& s);

  std::uint64_t seed_;
  double rate_;
  clock::duration interval_;
  std::size_t max_burst_;
  std::unordered_map<instrument_key, instrument_state, instrument_key_hash> instruments_;
  std::vector<instrument_state*> active_;

  // Scratch for emit(): the tick and its encodings, reused (no allocation in
  // steady state).
  protocol::tick tick_;
  std::string encoded_;
  std::vector<std::size_t> slot_offset_;
  std::vector<std::size_t> slot_size_;

  std::uint64_t ticks_generated_ = 0;
  std::uint64_t frames_encoded_ = 0;
  std::uint64_t frames_fanned_out_ = 0;
  std::uint64_t schedule_slips_ = 0;
  std::uint64_t replay_frames_ = 0;
  std::uint64_t replay_dropped_ = 0;
};

}  // namespace tickgate::sim

// Liveness of one feed connection (smartstream-protocol.md §4, §8.3):
// - a text "ping" every ping_interval;
// - no frame of any kind (tick, text, control) for idle_timeout → dead;
// - subscribed, in the regular session, but no tick for stall_timeout →
//   stalled: the silent failure where pongs still arrive but data does not.
// Plain object over time points; the connection's watchdog coroutine asks it
// what to do next.
#pragma once

#include <algorithm>
#include <chrono>

namespace tickgate::gateway {

class liveness {
public:
  using clock = std::chrono::steady_clock;
  using duration = clock::duration;

  enum class verdict { ok, send_ping, idle, stalled };

  liveness(duration ping_interval, duration idle_timeout, duration stall_timeout)
      : ping_interval_(ping_interval), idle_timeout_(idle_timeout), stall_timeout_(stall_timeout) {}

  // A new connection: every clock starts now.
  void start(clock::time_point now) {
    last_frame_ = last_tick_ = last_ping_ = expecting_since_ = now;
    expecting_ticks_ = false;
  }

  void on_frame(clock::time_point now) { last_frame_ = now; }
  void on_tick(clock::time_point now) {
    last_frame_ = now;
    last_tick_ = now;
  }
  void on_ping_sent(clock::time_point now) { last_ping_ = now; }

  // Whether ticks are expected now (tokens subscribed and their market in
  // its regular session). The stall clock starts when expectation begins, so
  // the market opening does not count the closed night as a stall.
  void set_expecting_ticks(bool expecting, clock::time_point now) {
    if (expecting && !expecting_ticks_) expecting_since_ = now;
    expecting_ticks_ = expecting;
  }

  verdict check(clock::time_point now) const {
    if (now - last_frame_ >= idle_timeout_) return verdict::idle;
    if (stall_timeout_ > duration::zero() && expecting_ticks_ &&
        now - std::max(last_tick_, expecting_since_) >= stall_timeout_) {
      return verdict::stalled;
    }
    if (now - last_ping_ >= ping_interval_) return verdict::send_ping;
    return verdict::ok;
  }

  // When check() could next return something other than ok.
  clock::time_point next_deadline() const {
    clock::time_point t = std::min(last_frame_ + idle_timeout_, last_ping_ + ping_interval_);
    if (stall_timeout_ > duration::zero() && expecting_ticks_) {
      t = std::min(t, std::max(last_tick_, expecting_since_) + stall_timeout_);
    }
    return t;
  }

  clock::time_point last_frame() const noexcept { return last_frame_; }
  clock::time_point last_tick() const noexcept { return last_tick_; }

private:
  duration ping_interval_;
  duration idle_timeout_;
  duration stall_timeout_;
  clock::time_point last_frame_{};
  clock::time_point last_tick_{};
  clock::time_point last_ping_{};
  clock::time_point expecting_since_{};
  bool expecting_ticks_ = false;
};

}  // namespace tickgate::gateway

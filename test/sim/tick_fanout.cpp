#include "test/sim/tick_fanout.hpp"

#include "protocol/frame.hpp"

#include <algorithm>
#include <cmath>

namespace tickgate::sim {

tick_fanout::tick_fanout(std::uint64_t seed, double rate)
    : seed_(seed),
      rate_(rate),
      interval_(rate > 0 ? std::chrono::duration_cast<clock::duration>(
                               std::chrono::duration<double>(1.0 / rate))
                         : clock::duration::max()),
      max_burst_(rate > 0
                     ? std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(rate * 0.1)))
                     : 0) {
  if (interval_ <= clock::duration::zero()) interval_ = clock::duration(1);
}

tick_fanout::clock::duration tick_fanout::pass_interval() const noexcept {
  constexpr clock::duration lo = std::chrono::milliseconds(1);
  constexpr clock::duration hi = std::chrono::milliseconds(50);
  // The instruments' phases are spread over the interval: one pass per
  // average gap between two ticks of the whole market, so the ticks leave
  // as a steady stream like the real feed's, not in lumps of a third of
  // the market every 50 ms.
  const auto active = static_cast<clock::rep>(std::max<std::size_t>(1, active_.size()));
  return std::clamp(interval_ / active, lo, hi);
}

tick_fanout::instrument_state& tick_fanout::state_for(std::uint8_t exchange_type,
                                                      std::string_view token) {
  instrument_key key{exchange_type, std::string(canonical_token(exchange_type, token))};
  auto it = instruments_.find(key);
  if (it == instruments_.end()) {
    instrument_model model(seed_, exchange_type, key.token);
    it = instruments_.emplace(std::move(key), instrument_state(std::move(model))).first;
  }
  return it->second;
}

const instrument_model* tick_fanout::find(std::uint8_t exchange_type,
                                          std::string_view token) const {
  const auto it =
      instruments_.find({exchange_type, std::string(canonical_token(exchange_type, token))});
  return it == instruments_.end() ? nullptr : &it->second.model;
}

void tick_fanout::activate(instrument_state& s, clock::time_point now) {
  if (s.active_index != npos) return;
  s.active_index = active_.size();
  active_.push_back(&s);
  if (rate_ <= 0) return;
  // A per-instrument phase within one interval, fixed by the key.
  const auto phase_permille =
      instrument_key_hash{}({s.model.exchange_type(), s.model.token()}) % 1000;
  s.next_due = now + interval_ / 1000 * static_cast<clock::rep>(phase_permille);
}

void tick_fanout::deactivate(instrument_state& s) {
  if (s.active_index == npos) return;
  instrument_state* last = active_.back();
  active_[s.active_index] = last;
  last->active_index = s.active_index;
  active_.pop_back();
  s.active_index = npos;
}

void tick_fanout::apply(feed_connection& conn, const std::vector<subscription_change>& changes,
                        clock::time_point now) {
  for (const auto& change : changes) {
    instrument_state& s = state_for(change.exchange_type, change.token);
    const auto spelled = protocol::token_string::from(change.token);
    auto form_it = std::find(s.forms.begin(), s.forms.end(), spelled);
    if (form_it == s.forms.end()) {
      s.forms.push_back(spelled);
      form_it = s.forms.end() - 1;
    }
    const auto form = static_cast<std::uint8_t>(form_it - s.forms.begin());
    const auto sub =
        std::find_if(s.subscribers.begin(), s.subscribers.end(),
                     [&](const subscriber& x) { return x.conn == &conn && x.form == form; });
    switch (change.what) {
      case subscription_change::kind::added:
        if (sub == s.subscribers.end()) s.subscribers.push_back({&conn, change.new_mode, form});
        activate(s, now);
        break;
      case subscription_change::kind::mode_changed:
        if (sub != s.subscribers.end()) sub->mode = change.new_mode;
        break;
      case subscription_change::kind::removed:
        if (sub != s.subscribers.end()) s.subscribers.erase(sub);
        if (s.subscribers.empty()) deactivate(s);
        break;
    }
  }
}

void tick_fanout::remove(feed_connection& conn) {
  apply(conn, conn.subscriptions().clear(), clock::now());
}

void tick_fanout::emit(instrument_state& s, std::int64_t now_ms) {
  s.model.advance(now_ms);
  ++ticks_generated_;
  s.model.fill(tick_);
  fan_out(s);
}

std::size_t tick_fanout::emit_recorded(std::span<const std::byte> frame) {
  protocol::tick recorded;
  if (protocol::decode_frame(frame, recorded)) {
    ++replay_dropped_;
    return 0;
  }
  const auto it = instruments_.find(
      {recorded.exchange_type, std::string(canonical_token(recorded.exchange_type, recorded.token.view()))});
  if (it == instruments_.end() || it->second.subscribers.empty()) {
    ++replay_dropped_;
    return 0;
  }
  ++replay_frames_;
  tick_ = recorded;
  return fan_out(it->second);
}

std::size_t tick_fanout::fan_out(instrument_state& s) {
  const std::size_t forms = s.forms.size();
  slot_offset_.assign(4 * forms, npos);
  slot_size_.resize(4 * forms);
  encoded_.clear();
  for (const subscriber& sub : s.subscribers) {
    // Encode once per (mode, spelling), copy to every subscriber.
    const std::size_t slot =
        (static_cast<std::size_t>(sub.mode) - 1) * forms + static_cast<std::size_t>(sub.form);
    if (slot_offset_[slot] == npos) {
      const std::size_t offset = encoded_.size();
      tick_.subscription_mode = sub.mode;
      tick_.token = s.forms[sub.form];
      append_frame_header(encoded_, ws_opcode::binary, protocol::frame_size(sub.mode));
      protocol::encode_frame(tick_, encoded_);
      slot_offset_[slot] = offset;
      slot_size_[slot] = encoded_.size() - offset;
      ++frames_encoded_;
    }
    // enqueue() never calls back into the fan-out (a slow client is only
    // aborted; its subscriptions are removed when its session ends), so the
    // subscriber list is stable during this loop.
    sub.conn->enqueue(std::string_view(encoded_).substr(slot_offset_[slot], slot_size_[slot]));
    ++frames_fanned_out_;
  }
  return s.subscribers.size();
}

std::size_t tick_fanout::run_due(clock::time_point now, std::int64_t now_ms) {
  if (rate_ <= 0) return 0;
  std::size_t emitted = 0;
  for (instrument_state* s : active_) {
    std::size_t burst = 0;
    while (s->next_due <= now) {
      emit(*s, now_ms);
      ++emitted;
      s->next_due += interval_;
      if (++burst >= max_burst_ && s->next_due <= now) {
        s->next_due = now + interval_;
        ++schedule_slips_;
        break;
      }
    }
  }
  return emitted;
}

std::size_t tick_fanout::tick_all(std::int64_t now_ms) {
  for (instrument_state* s : active_) emit(*s, now_ms);
  return active_.size();
}

std::vector<tick_fanout::instrument_stats> tick_fanout::instruments() const {
  std::vector<instrument_stats> out;
  out.reserve(instruments_.size());
  for (const auto& [key, s] : instruments_) {
    out.push_back({key.exchange_type, &key.token, s.model.sequence(), s.subscribers.size()});
  }
  std::sort(out.begin(), out.end(), [](const instrument_stats& a, const instrument_stats& b) {
    return std::tie(a.exchange_type, *a.token) < std::tie(b.exchange_type, *b.token);
  });
  return out;
}

}  // namespace tickgate::sim

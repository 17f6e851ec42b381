#define BOOST_TEST_MODULE sim_tick_fanout
#include <boost/test/unit_test.hpp>

#include "protocol/frame.hpp"
#include "test/sim/feed_connection.hpp"
#include "test/sim/tick_fanout.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace tickgate::test {
namespace {

using protocol::mode;
using sim::feed_connection;
using sim::subscription_change;
using sim::tick_fanout;
using kind = subscription_change::kind;
using namespace std::chrono_literals;

// A feed connection without a socket: records wake-ups and transport closes,
// and splits its send buffer back into WebSocket frames.
class recording_connection final : public feed_connection {
public:
  explicit recording_connection(std::uint64_t id, std::size_t max_queue = 1u << 20)
      : feed_connection(id, "D12345", "test", 1000, max_queue) {}

  struct frame {
    std::uint8_t opcode;
    std::string payload;
  };
  // Takes everything queued, as the writer would, and marks it written.
  std::vector<frame> flush() {
    std::vector<frame> out;
    if (!take_pending()) return out;
    const std::string& bytes = inflight();
    std::size_t i = 0;
    while (i < bytes.size()) {
      const auto b0 = static_cast<std::uint8_t>(bytes[i]);
      std::size_t length = static_cast<std::uint8_t>(bytes[i + 1]);
      std::size_t header = 2;
      if (length == 126) {
        length = (std::size_t{static_cast<std::uint8_t>(bytes[i + 2])} << 8) |
                 static_cast<std::uint8_t>(bytes[i + 3]);
        header = 4;
      }
      BOOST_REQUIRE((b0 & 0x80) != 0);  // FIN
      out.push_back({static_cast<std::uint8_t>(b0 & 0x0F), bytes.substr(i + header, length)});
      i += header + length;
    }
    BOOST_REQUIRE(i == bytes.size());
    written();
    return out;
  }
  std::vector<protocol::tick> ticks() {
    std::vector<protocol::tick> out;
    for (const auto& f : flush()) {
      BOOST_REQUIRE(f.opcode == 0x2);
      out.push_back(
          protocol::decode_frame(std::as_bytes(std::span(f.payload.data(), f.payload.size())))
              .value());
    }
    return out;
  }
  void subscribe(tick_fanout& fanout, mode m, std::vector<std::string> tokens,
                 std::uint8_t exchange_type = 1,
                 std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
    const auto r = subscriptions().apply(
        {{}, protocol::action::subscribe, m, {{exchange_type, std::move(tokens)}}});
    BOOST_REQUIRE(!r.error);
    fanout.apply(*this, r.changes, now);
  }
  void unsubscribe(tick_fanout& fanout, mode m, std::vector<std::string> tokens) {
    const auto r =
        subscriptions().apply({{}, protocol::action::unsubscribe, m, {{1, std::move(tokens)}}});
    fanout.apply(*this, r.changes, std::chrono::steady_clock::now());
  }

  int wakes = 0;
  bool transport_closed = false;

private:
  void wake_writer() noexcept override { ++wakes; }
  void close_transport() noexcept override { transport_closed = true; }
};

BOOST_AUTO_TEST_CASE(one_tick_reaches_every_subscriber_in_its_mode) {
  tick_fanout fanout(1, 10);
  recording_connection a(1), b(2), c(3);
  a.subscribe(fanout, mode::quote, {"2885"});
  b.subscribe(fanout, mode::snap_quote, {"2885"});
  c.subscribe(fanout, mode::quote, {"2885"});
  BOOST_TEST(fanout.tick_all(1'700'000'000'000) == 1u);
  const auto ta = a.ticks(), tb = b.ticks(), tc = c.ticks();
  BOOST_REQUIRE(ta.size() == 1u);
  BOOST_REQUIRE(tb.size() == 1u);
  BOOST_REQUIRE(tc.size() == 1u);
  BOOST_TEST((ta[0].subscription_mode == mode::quote));
  BOOST_TEST((tb[0].subscription_mode == mode::snap_quote));
  BOOST_TEST(ta[0].sequence == 1);
  BOOST_TEST(tb[0].sequence == 1);
  BOOST_TEST(ta[0].ltp == tb[0].ltp);
  BOOST_TEST(ta[0].volume == tb[0].volume);
  BOOST_TEST(ta[0].exchange_timestamp_ms == 1'700'000'000'000);
  BOOST_TEST((ta[0] == tc[0]));
  // Encoded once per mode, copied per subscriber.
  BOOST_TEST(fanout.frames_encoded() == 2u);
  BOOST_TEST(fanout.frames_fanned_out() == 3u);
  BOOST_TEST(fanout.ticks_generated() == 1u);
  // The model's own view of the tick is what was sent.
  const auto* model = fanout.find(1, "2885");
  BOOST_REQUIRE(model != nullptr);
  BOOST_TEST((model->snapshot(mode::snap_quote, "2885") == tb[0]));
  // frames_sent counts data frames once written.
  BOOST_TEST(a.frames_sent() == 1u);
  BOOST_TEST(a.wakes == 1);
}

BOOST_AUTO_TEST_CASE(index_spellings_share_one_instrument) {
  tick_fanout fanout(1, 10);
  recording_connection a(1), b(2);
  a.subscribe(fanout, mode::ltp, {"26000"});
  b.subscribe(fanout, mode::ltp, {"99926000"});
  BOOST_TEST(fanout.active_instruments() == 1u);
  fanout.tick_all(1);
  fanout.tick_all(2);
  const auto ta = a.ticks(), tb = b.ticks();
  BOOST_REQUIRE(ta.size() == 2u);
  BOOST_REQUIRE(tb.size() == 2u);
  BOOST_TEST(ta[1].token.view() == "26000");
  BOOST_TEST(tb[1].token.view() == "99926000");
  BOOST_TEST(ta[1].sequence == 2);
  BOOST_TEST(tb[1].sequence == 2);
  BOOST_TEST(ta[1].ltp == tb[1].ltp);
  BOOST_TEST(fanout.frames_encoded() == 4u);  // one per spelling per tick
  BOOST_TEST(fanout.instruments().size() == 1u);
}

BOOST_AUTO_TEST_CASE(mode_changes_apply_to_the_next_tick) {
  tick_fanout fanout(1, 10);
  recording_connection a(1);
  a.subscribe(fanout, mode::ltp, {"2885"});
  fanout.tick_all(1);
  a.subscribe(fanout, mode::depth_20, {"2885"});
  fanout.tick_all(2);
  const auto t = a.ticks();
  BOOST_REQUIRE(t.size() == 2u);
  BOOST_TEST((t[0].subscription_mode == mode::ltp));
  BOOST_TEST((t[1].subscription_mode == mode::depth_20));
}

BOOST_AUTO_TEST_CASE(instruments_pause_without_subscribers_and_keep_their_sequence) {
  tick_fanout fanout(1, 10);
  recording_connection a(1), b(2);
  a.subscribe(fanout, mode::ltp, {"2885", "1594"});
  fanout.tick_all(1);
  fanout.tick_all(2);
  a.unsubscribe(fanout, mode::ltp, {"2885"});
  BOOST_TEST(fanout.active_instruments() == 1u);
  fanout.tick_all(3);
  a.flush();
  fanout.remove(a);
  BOOST_TEST(fanout.active_instruments() == 0u);
  BOOST_TEST(a.subscriptions().size() == 0u);
  BOOST_TEST(fanout.tick_all(4) == 0u);
  b.subscribe(fanout, mode::ltp, {"2885"});
  fanout.tick_all(5);
  const auto t = b.ticks();
  BOOST_REQUIRE(t.size() == 1u);
  BOOST_TEST(t[0].sequence == 3);  // 1 and 2 went to a; nothing was generated while idle
  BOOST_TEST(fanout.find(1, "1594")->sequence() == 3);
}

BOOST_AUTO_TEST_CASE(run_due_paces_each_instrument) {
  tick_fanout fanout(1, 10);  // one tick per 100 ms
  recording_connection a(1);
  const auto t0 = std::chrono::steady_clock::now();
  a.subscribe(fanout, mode::ltp, {"2885", "1594"}, 1, t0);
  BOOST_TEST(fanout.run_due(t0 - 1ms, 0) == 0u);
  // Passes every 50 ms, as the server runs them: within one second each
  // instrument ticks 10 times (11 if its phase is 0).
  std::size_t n = 0;
  for (auto t = t0 + 50ms; t <= t0 + 1s; t += 50ms) n += fanout.run_due(t, 0);
  BOOST_TEST((n >= 20u && n <= 22u));
  BOOST_TEST(fanout.run_due(t0 + 1s, 0) == 0u);  // nothing more is due
  BOOST_TEST(fanout.schedule_slips() == 0u);
  const auto ticks = a.ticks();
  BOOST_TEST(ticks.size() == n);
}

BOOST_AUTO_TEST_CASE(passes_follow_the_market_rate) {
  tick_fanout fanout(1, 10);  // one tick per 100 ms per instrument
  BOOST_TEST((fanout.pass_interval() == 50ms));  // nothing active: the slowest pass
  recording_connection a(1);
  const auto t0 = std::chrono::steady_clock::now();
  a.subscribe(fanout, mode::ltp, {"2885"}, 1, t0);
  BOOST_TEST((fanout.pass_interval() == 50ms));  // 100 ms between ticks: clamped
  a.subscribe(fanout, mode::ltp, {"1594", "11536", "1333", "3045"}, 1, t0);
  BOOST_TEST((fanout.pass_interval() == 20ms));  // 5 instruments: a tick every 20 ms
  // 3000 more over three connections (1000 tokens each, as the service allows).
  recording_connection b(2), c(3), d(4);
  for (auto* conn : {&b, &c, &d}) {
    std::vector<std::string> tokens;
    for (int i = 0; i < 1000; ++i) tokens.push_back(std::to_string(100000 + 1000 * static_cast<int>(conn->id()) + i));
    conn->subscribe(fanout, mode::ltp, tokens, 1, t0);
  }
  BOOST_TEST((fanout.pass_interval() == 1ms));  // 30 050 ticks/s: the fastest pass
  // At 1 ms passes the market leaves in small steps: ~30 ticks a pass.
  std::size_t most = 0;
  std::size_t total = 0;
  for (auto t = t0 + 1ms; t <= t0 + 1s; t += 1ms) {
    const std::size_t n = fanout.run_due(t, 0);
    most = std::max(most, n);
    total += n;
  }
  BOOST_TEST_MESSAGE("1 s of 3005 instruments at 10/s: " << total << " ticks, at most " << most
                                                         << " in one pass");
  BOOST_TEST((total >= 30000u && total <= 30100u));  // 3005 × 10 (+ 1 for a phase of 0)
  BOOST_TEST(most <= 120u);
}

BOOST_AUTO_TEST_CASE(falling_behind_slips_instead_of_bursting) {
  tick_fanout fanout(1, 100);  // at most 10 ticks (100 ms) per instrument at once
  recording_connection a(1);
  const auto t0 = std::chrono::steady_clock::now();
  a.subscribe(fanout, mode::ltp, {"2885"}, 1, t0);
  BOOST_TEST(fanout.run_due(t0 + 5s, 0) == 10u);
  BOOST_TEST(fanout.schedule_slips() == 1u);
  BOOST_TEST(fanout.run_due(t0 + 5s, 0) == 0u);
  BOOST_TEST(fanout.run_due(t0 + 5s + 10ms, 0) == 1u);  // then back to pace
  // No sequence gap across the slip.
  const auto ticks = a.ticks();
  for (std::size_t i = 0; i < ticks.size(); ++i)
    BOOST_TEST(ticks[i].sequence == static_cast<std::int64_t>(i + 1));
}

BOOST_AUTO_TEST_CASE(rate_zero_never_ticks_on_its_own) {
  tick_fanout fanout(1, 0);
  recording_connection a(1);
  a.subscribe(fanout, mode::ltp, {"2885"});
  BOOST_TEST(fanout.run_due(std::chrono::steady_clock::now() + 1h, 0) == 0u);
  BOOST_TEST(fanout.tick_all(0) == 1u);
}

BOOST_AUTO_TEST_CASE(pass_interval_is_clamped) {
  // With nothing active, the interval of one instrument.
  BOOST_TEST((tick_fanout(1, 10).pass_interval() == std::chrono::steady_clock::duration(50ms)));
  BOOST_TEST((tick_fanout(1, 100).pass_interval() == std::chrono::steady_clock::duration(10ms)));
  BOOST_TEST((tick_fanout(1, 1e6).pass_interval() == std::chrono::steady_clock::duration(1ms)));
}

BOOST_AUTO_TEST_CASE(a_slow_subscriber_is_aborted_and_the_others_go_on) {
  tick_fanout fanout(1, 10);
  recording_connection slow(1, 1000), fine(2);
  slow.subscribe(fanout, mode::snap_quote, {"2885"});
  fine.subscribe(fanout, mode::snap_quote, {"2885"});
  for (int i = 0; i < 5; ++i) fanout.tick_all(i);  // 5 × 381 bytes > 1000
  BOOST_TEST(slow.slow());
  BOOST_TEST(slow.transport_closed);
  BOOST_TEST((slow.current_state() == feed_connection::state::closed));
  BOOST_TEST(slow.close_reason() == "slow client");
  BOOST_TEST(slow.frames_queued() == 2u);  // 2 × 381 fit, the third overflowed
  BOOST_TEST(fine.ticks().size() == 5u);
}

BOOST_AUTO_TEST_CASE(connection_queue_rules) {
  recording_connection c(1, 100);
  BOOST_TEST(c.enqueue(std::string(60, 'x')));
  // Fault frames are exempt from the bound (a "huge" frame may exceed it).
  BOOST_TEST(c.enqueue(std::string(500, 'y'), feed_connection::frame_class::fault));
  BOOST_TEST(c.queued_bytes() == 560u);
  BOOST_TEST(c.enqueue_text("pong") == false);  // control frames are bounded: over
  BOOST_TEST(c.slow());

  recording_connection d(2);
  BOOST_TEST(d.enqueue_text("pong"));
  d.close_gracefully(1001, "bye");
  BOOST_TEST((d.current_state() == feed_connection::state::closing));
  BOOST_TEST(!d.enqueue_text("late"));  // nothing after the close frame
  const auto frames = d.flush();
  BOOST_REQUIRE(frames.size() == 2u);
  BOOST_TEST(frames[0].opcode == 0x1);
  BOOST_TEST(frames[0].payload == "pong");
  BOOST_TEST(frames[1].opcode == 0x8);
  BOOST_TEST(frames[1].payload == std::string("\x03\xe9"
                                              "bye",
                                              5));
  BOOST_TEST(d.frames_sent() == 0u);  // only tick frames count
  BOOST_TEST(d.other_frames_sent() == 2u);
  d.abort("gone");
  d.abort("again");
  BOOST_TEST(d.close_reason() == "close 1001");
}

}  // namespace
}  // namespace tickgate::test

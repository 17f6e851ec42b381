// tickgate-sim --replay: the simulator serves a tickgate recording (the demo
// session shipped in deploy/data/) as its feed. A client subscribed to some
// of the recorded instruments must receive exactly their recorded ticks, in
// order (sequence numbers, prices, times), in its own mode; the instruments
// it did not subscribe to are dropped and counted.
#define BOOST_TEST_MODULE sim_replay
#include <boost/test/unit_test.hpp>

#include "gateway/replay.hpp"
#include "protocol/frame.hpp"
#include "protocol/request.hpp"
#include "test/sim/feed_client.hpp"
#include "test/support/simulator.hpp"

#include <map>

using namespace tickgate;

namespace {

const std::string demo = std::string(TICKGATE_SOURCE_DIR) + "/deploy/data/demo.ticks";

// The recorded ticks of one token, in file order.
std::vector<protocol::tick> recorded(std::string_view token) {
  auto reader = std::get<gateway::recording_reader>(gateway::recording_reader::open(demo));
  std::vector<protocol::tick> out;
  while (auto r = reader.next()) {
    auto t = protocol::decode_frame(r->frame);
    BOOST_REQUIRE(t.has_value());
    if (t->token.view() == token) out.push_back(*t);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_subscriber_receives_the_recorded_ticks_in_order) {
  const auto reliance = recorded("2885");  // recorded in snap_quote
  const auto option = recorded("43650");   // recorded in quote
  BOOST_REQUIRE_GE(reliance.size(), 5u);
  BOOST_REQUIRE_GE(option.size(), 5u);

  test::simulator_options o;
  o.extra_args = {"--replay", demo};
  test::simulator sim(o);
  test::feed_client client(sim);
  BOOST_REQUIRE_EQUAL(client.connect(test::headers_for(sim, sim.login())), 101u);
  protocol::subscription_request snap;
  snap.correlation_id = "r1";
  snap.request_mode = protocol::mode::snap_quote;
  snap.groups.push_back({protocol::exchange::nse_cm, {"2885"}});
  client.subscribe(snap);
  protocol::subscription_request ltp;
  ltp.correlation_id = "r2";
  ltp.request_mode = protocol::mode::ltp;
  ltp.groups.push_back({protocol::exchange::nse_fo, {"43650"}});
  client.subscribe(ltp);

  // The first few recorded ticks of each (the recording is paced as
  // recorded: about one tick per second per token).
  std::map<std::string, std::vector<protocol::tick>> got;
  while (got["2885"].size() < 4 || got["43650"].size() < 4) {
    const auto m = client.read();
    if (!m.binary) continue;
    auto t = protocol::decode_frame(m.bytes());
    BOOST_REQUIRE(t.has_value());
    got[std::string(t->token.view())].push_back(*t);
  }
  // The subscriptions may land after the first recorded ticks: compare from
  // the first one received, by sequence.
  const auto check = [](const std::vector<protocol::tick>& rec,
                        const std::vector<protocol::tick>& rx, protocol::mode mode) {
    auto it = std::find_if(rec.begin(), rec.end(), [&](const protocol::tick& t) {
      return t.sequence == rx.front().sequence;
    });
    BOOST_REQUIRE(it != rec.end());
    for (const auto& t : rx) {
      BOOST_REQUIRE(it != rec.end());
      BOOST_TEST(t.sequence == it->sequence);
      BOOST_TEST(t.ltp == it->ltp);
      BOOST_TEST(t.exchange_timestamp_ms == it->exchange_timestamp_ms);
      BOOST_TEST(static_cast<int>(t.subscription_mode) == static_cast<int>(mode));
      // Same mode as recorded: every field survives (volume, close, …).
      if (mode == it->subscription_mode) {
        BOOST_TEST(t.volume == it->volume);
        BOOST_TEST(t.close == it->close);
      }
      ++it;
    }
  };
  check(reliance, got["2885"], protocol::mode::snap_quote);
  check(option, got["43650"], protocol::mode::ltp);

  const auto stats = sim.stats();
  BOOST_TEST(stats.at("market").at("replay_frames").to_number<std::uint64_t>() >= 8u);
  // Everything else in the recording (NIFTY, other options, equities) has no subscriber.
  BOOST_TEST(stats.at("market").at("replay_dropped").to_number<std::uint64_t>() > 0u);
  BOOST_TEST(stats.at("market").at("ticks_generated").to_number<std::uint64_t>() == 0u);
}

BOOST_AUTO_TEST_CASE(a_missing_recording_is_refused_at_start) {
  test::simulator_options o;
  o.extra_args = {"--replay", "/nonexistent/file.ticks"};
  o.startup_timeout = std::chrono::seconds(3);
  BOOST_CHECK_THROW(test::simulator sim(o), std::exception);
}

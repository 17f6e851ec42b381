// SIGTERM under load (design.md "Reliability contract": SIGTERM drains
// buffers, bounded, and exits 0): the feed stops first, then what is
// buffered for Redis is written within shutdown_drain_ms.
#define BOOST_TEST_MODULE reliability_shutdown
#include <boost/test/unit_test.hpp>

#include "test/reliability/stream_check.hpp"
#include "test/support/tickgate_process.hpp"
#include "test/support/redis_server.hpp"

#include <csignal>
#include <thread>

using namespace tickgate;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr double rate = 100;

bool streams_have(test::redis_client& db, std::int64_t n) {
  for (const auto& t : test::default_tracked) {
    if (db.integer({"XLEN", "market_data_stream:" + t.symbol}) < n) return false;
  }
  return true;
}

test::simulator_options fast_sim() {
  test::simulator_options o;
  o.rate = rate;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(sigterm_during_load_drains_everything_and_exits_0) {
  test::redis_server redis;
  test::simulator sim(fast_sim());
  test::gateway_options options;
  options.config = {{"shutdown_drain_ms", 10000}};
  test::tickgate_process gateway(sim, redis.url(), options);
  test::redis_client db(redis.url());
  BOOST_REQUIRE_MESSAGE(test::eventually([&] { return streams_have(db, 50); }, 60s),
                        "no ticks; gateway log:\n" << gateway.log());

  // Hold everything in the gateway's buffers, then SIGTERM while it is full.
  redis.pause();
  std::this_thread::sleep_for(1s);
  gateway.process().send_signal(SIGTERM);
  BOOST_REQUIRE(gateway.wait_for_log("signal received: draining", 5s, "main"));
  std::this_thread::sleep_for(500ms);
  BOOST_TEST(gateway.process().running(), "exited before Redis could take the buffered writes");
  redis.resume();
  const auto status = gateway.process().wait_for_exit(20s);
  BOOST_REQUIRE_MESSAGE(status.has_value(), "gateway did not exit; log:\n" << gateway.log());
  BOOST_TEST(*status == 0, "gateway log:\n" << gateway.log());
  const auto stopped = gateway.log_messages("stopped", "main");
  BOOST_REQUIRE_EQUAL(stopped.size(), 1u);
  BOOST_TEST(stopped[0].at("drained").as_bool());

  // Every tick received before the feed stopped reached Redis; the
  // simulator may have written a few more into the closing socket.
  test::check_tracked_streams(
      db, {.max_duplicates = std::numeric_limits<std::size_t>::max(),
           .sim = &sim,
           .max_behind = static_cast<std::int64_t>(rate / 2)});
}

BOOST_AUTO_TEST_CASE(sigterm_with_redis_unreachable_exits_0_within_the_drain_bound) {
  test::redis_server redis;
  test::simulator sim(fast_sim());
  test::gateway_options options;
  options.config = {{"shutdown_drain_ms", 1500}};
  test::tickgate_process gateway(sim, redis.url(), options);
  {
    test::redis_client db(redis.url());
    BOOST_REQUIRE_MESSAGE(test::eventually([&] { return streams_have(db, 50); }, 60s),
                          "no ticks; gateway log:\n" << gateway.log());
  }
  redis.pause();
  std::this_thread::sleep_for(500ms);
  const auto begin = std::chrono::steady_clock::now();
  const auto status = gateway.terminate(20s);
  const auto elapsed = std::chrono::steady_clock::now() - begin;
  redis.resume();
  BOOST_REQUIRE_MESSAGE(status.has_value(), "gateway did not exit; log:\n" << gateway.log());
  BOOST_TEST(*status == 0, "gateway log:\n" << gateway.log());
  // The bound plus the feed's close handshake and process exit.
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  BOOST_TEST(ms >= 1500);
  BOOST_TEST(ms < 6000);
  BOOST_TEST(!gateway.log_messages("shutdown: Redis buffers not fully drained within the bound", "app").empty());
  const auto stopped = gateway.log_messages("stopped", "main");
  BOOST_REQUIRE_EQUAL(stopped.size(), 1u);
  BOOST_TEST(!stopped[0].at("drained").as_bool());
}

// The hot path allocates nothing in steady state: encoding a command, and a
// sink queueing a record on the connection, once the connection's chunks and
// request ring have warmed up. Counted by replacing global operator new in
// this test executable (test/support/counted_new.hpp).
#define BOOST_TEST_MODULE storage_hot_path_alloc
#include <boost/test/unit_test.hpp>

#include "test/storage/asio_test_helpers.hpp"  // first: it includes io_context.hpp

#include "storage/resp_encoder.hpp"
#include "storage/sinks.hpp"
#include "test/support/counted_new.hpp"
#include "test/support/redis_server.hpp"

#include <array>

namespace tickgate::test {
namespace {

using namespace std::chrono_literals;
using storage::clock;

BOOST_AUTO_TEST_CASE(encoding_does_not_allocate) {
  std::string out;
  out.reserve(1 << 20);
  const std::string key = "market_data_stream:RELIANCE";
  const auto before = allocations.load();
  for (int i = 0; i < 1000; ++i) {
    storage::append_command(out, "XADD", key, "MAXLEN", "~", 10000, "*", "ltp", 2501.35, "volume",
                            123456789LL, "sequence", static_cast<unsigned>(i));
  }
  BOOST_TEST(allocations.load() - before == 0u);
}

BOOST_AUTO_TEST_CASE(sinks_queue_records_without_allocating) {
  redis_server server;
  boost::asio::io_context io;
  storage::connection_options o;
  o.endpoint = storage::parse_redis_url(server.url()).value();
  storage::connection_pool pool(io.get_executor(), o);
  storage::stream_sink stream(pool, {});
  storage::pubsub_sink pubsub(pool, {});
  storage::list_sink lists(pool, {});
  storage::price_sink price(pool, {});
  pool.start();
  storage::connection& conn = pool.for_db(-1);
  BOOST_REQUIRE(run_until(io, [&] { return conn.connected(); }));

  const std::array<storage::field_view, 6> fields = {{{"symbol", "RELIANCE"},
                                                      {"token", "2885"},
                                                      {"ltp", "2501.35"},
                                                      {"volume", "123456"},
                                                      {"timestamp", "2024-01-15T10:30:45.123456"},
                                                      {"sequence", "42"}}};
  const std::string json = R"({"ft":1705294845,"token":"2885","lp":2501.35})";
  // Ticks arrive in frames: a few records, then the io_context runs the
  // connection's writer and reader, as in the gateway.
  std::uint64_t in_sinks = 0;  // allocations while queueing records
  auto burst = [&](bool poll) {
    for (int i = 0; i < 2000; ++i) {
      const auto before = allocations.load();
      const auto now = clock::now();
      stream.write("RELIANCE", fields, now);
      pubsub.publish("RELIANCE", json, now);
      lists.push("ticks:N_20240115:indextick", json, now);
      price.set("RELIANCE", json, now);
      in_sinks += allocations.load() - before;
      if (poll && i % 20 == 19) io.poll();
    }
  };
  // Warm up: chunks, the request ring and Asio's handler memory reach their
  // steady-state sizes. First a burst that nothing drains while it is
  // queued: the request ring grows to hold all of it, the most a burst can
  // have waiting (how many are waiting in a polled burst depends on how
  // quickly Redis answers: under ASan a measured burst sometimes outgrew
  // polled warm-ups and the ring grew inside it). Then polled bursts, as the
  // gateway runs, for the chunks and handler memory.
  for (int round = 0; round < 4; ++round) {
    burst(round != 0);
    BOOST_REQUIRE(run_until(io, [&] { return conn.stats().buffered_commands == 0; }));
  }
  in_sinks = 0;
  const auto before = allocations.load();
  burst(true);
  const auto total = allocations.load() - before;
  // Queueing a record (encode + commit) never allocates.
  BOOST_TEST(in_sinks == 0u, in_sinks << " allocations while queueing 8000 records");
  // Writing, parsing replies and acknowledging allocate nothing per record
  // either: at most a fresh chunk for a write now and then, when more writes
  // are in flight than ever before.
  BOOST_TEST(total < 8000u / 100, total << " allocations for 8000 records");
  BOOST_REQUIRE(run_until(io, [&] { return conn.stats().buffered_commands == 0; }));
}

}  // namespace
}  // namespace tickgate::test

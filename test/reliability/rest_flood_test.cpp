// REST floods while ticks flow: two clients hammer the control plane with
// bad requests (bad and missing auth, bad JSON, unknown symbols, unknown
// routes and methods, bad queries, oversized bodies and headers, garbage
// bytes, half-sent requests) for several seconds. Each gets its 4xx (or the
// connection closed), the tracked subscriptions do not change, and the ticks
// that reached Redis meanwhile have no gap and no repeat.
#define BOOST_TEST_MODULE reliability_rest_flood
#include <boost/test/unit_test.hpp>

#include "test/reliability/stream_check.hpp"
#include "test/support/tickgate_process.hpp"
#include "test/support/http_client.hpp"
#include "test/support/redis_server.hpp"

#include <atomic>
#include <thread>

using namespace tickgate;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr std::string_view api_token = "flood-api-t0ken-5ecr3t";

struct flood_counts {
  std::uint64_t requests = 0;
  std::uint64_t rejected = 0;    // 4xx as expected
  std::uint64_t closed = 0;      // raw junk: the server closed the connection
  std::uint64_t unexpected = 0;  // anything else
  std::uint64_t token_echoed = 0;
};

// One client's flood: cycles through the bad requests until `stop`.
flood_counts flood(std::uint16_t port, const std::atomic<bool>& stop, int seed) {
  flood_counts n;
  const test::header_list auth{{"Authorization", "Bearer " + std::string(api_token)}};
  const test::header_list wrong_auth{{"Authorization", "Bearer not-the-token"}};
  for (int i = seed; !stop; ++i) {
    ++n.requests;
    try {
      std::optional<test::http_reply> reply;
      switch (i % 10) {
        case 0: reply = test::http_call(port, "POST", "/subscribe", "[\"RELIANCE\"]"); break;  // no auth
        case 1: reply = test::http_call(port, "POST", "/subscribe", "[\"RELIANCE\"]", wrong_auth); break;
        case 2: reply = test::http_call(port, "POST", "/subscribe", "{not json", auth); break;
        case 3: reply = test::http_call(port, "POST", "/unsubscribe", "[\"NO-SUCH-SYMBOL\"]", auth); break;
        case 4: reply = test::http_call(port, "GET", "/no/such/route"); break;
        case 5: reply = test::http_call(port, "DELETE", "/symbols"); break;
        case 6: reply = test::http_call(port, "GET", "/api/redis-ticks/indextick?limit=-5"); break;
        case 7:
          reply = test::http_call(port, "POST", "/subscribe", "[\"" + std::string(70 * 1024, 'A') + "\"]", auth);
          break;
        case 8: reply = test::http_call(port, "GET", "/health", {}, {{"X-Pad", std::string(9000, 'x')}}); break;
        case 9: {
          test::http_client c(port, 5s);
          c.send_raw(i % 20 == 9 ? std::string_view("\x16\x03\x01 garbage\r\n\r\n")
                                 : std::string_view("POST /subscribe HTTP/1.1\r\nContent-Length: 1000\r\n\r\n[\""));
          if (i % 20 == 9) {
            // A 400 (or nothing), then the connection closed.
            const auto r = c.read_reply();
            if ((!r || r->status == 400u) && c.peer_closed()) ++n.closed;
            else ++n.unexpected;
          } else {
            ++n.closed;  // half-sent: the read timeout closes it; do not wait for it here
          }
          continue;
        }
      }
      const auto& r = *reply;
      if (r.status >= 400 && r.status < 500) ++n.rejected;
      else ++n.unexpected;
      if (r.body.find(api_token) != std::string::npos) ++n.token_echoed;
    } catch (const std::exception&) {
      ++n.unexpected;
    }
  }
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(bad_request_floods_leave_ticks_and_state_untouched) {
  test::redis_server redis;
  test::simulator_options sim_options;
  sim_options.rate = 25;
  test::simulator sim(sim_options);
  const std::uint16_t port = test::free_loopback_port();
  test::gateway_options options;
  options.config = {{"http",
                     {{"enabled", true},
                      {"listen", "127.0.0.1:" + std::to_string(port)},
                      {"api_token", api_token},
                      {"read_timeout_ms", 1000}}}};
  test::tickgate_process gateway(sim, redis.url(), options);
  test::redis_client db(redis.url());
  const auto length = [&](const std::string& symbol) {
    return db.integer({"XLEN", "market_data_stream:" + symbol});
  };
  BOOST_REQUIRE_MESSAGE(test::eventually([&] { return length("RELIANCE") >= 20; }, 60s), gateway.log());
  BOOST_REQUIRE(test::wait_for_port(port, 10s));
  const auto symbols_before = test::http_call(port, "GET", "/symbols").body;

  std::atomic<bool> stop{false};
  flood_counts a;
  flood_counts b;
  std::thread ta([&] { a = flood(port, stop, 0); });
  std::thread tb([&] { b = flood(port, stop, 5); });
  const std::int64_t before = length("RELIANCE");
  std::this_thread::sleep_for(6s);
  // Still answering good requests in the middle of the flood.
  const auto health = test::http_call(port, "GET", "/health");
  stop = true;
  ta.join();
  tb.join();
  BOOST_TEST(health.status == 200u);
  BOOST_TEST_MESSAGE("flood: " << a.requests + b.requests << " requests, " << a.rejected + b.rejected
                               << " rejected with 4xx, " << a.closed + b.closed << " closed");
  BOOST_TEST(a.unexpected + b.unexpected == 0u);
  BOOST_TEST(a.token_echoed + b.token_echoed == 0u);
  BOOST_TEST(a.rejected + b.rejected >= 50u);
  // Ticks kept flowing through the flood (25/s for 6 s).
  BOOST_TEST(length("RELIANCE") >= before + 100);
  BOOST_TEST(test::http_call(port, "GET", "/symbols").body == symbols_before);

  const auto status = gateway.terminate(30s);
  BOOST_REQUIRE(status.has_value());
  BOOST_TEST(*status == 0, gateway.log());
  test::check_tracked_streams(db, {});  // no gap, no repeat, in order
  BOOST_TEST(gateway.log().find(api_token) == std::string::npos);
}

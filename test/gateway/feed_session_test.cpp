// Login and handshake faults against the simulator: 401 and 429 on the
// WebSocket handshake, expired sessions, rejected and rate-limited logins,
// and both forms of the Authorization header (smartstream-protocol.md §1.2,
// §5.2, §6, §8.6).
#define BOOST_TEST_MODULE feed_session
#include "gateway/login_client.hpp"
#include "gateway/net.hpp"
#include "test/gateway/feed_harness.hpp"

#include <boost/asio/detached.hpp>

using namespace tickgate;
using namespace std::chrono_literals;

namespace {

std::uint64_t logins_ok(test::feed_harness& h) { return h.sim_counter("logins", "ok"); }

}  // namespace

BOOST_AUTO_TEST_CASE(bearer_form_is_accepted_first) {
  test::harness_options options;
  options.sim.extra_args = {"--auth-style", "bearer"};
  test::feed_harness h(options);
  h.start();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= 5; }, 20s));
  BOOST_TEST(h.sum(&gateway::feed_connection_stats::handshake_401) == 0u);
}

BOOST_AUTO_TEST_CASE(raw_jwt_is_tried_after_a_bearer_401) {
  // A server that only takes the raw JWT: "auto" falls back after one 401,
  // without a new login.
  test::harness_options options;
  options.sim.extra_args = {"--auth-style", "raw"};
  test::feed_harness h(options);
  h.start();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= 5; }, 20s));
  BOOST_TEST(h.sum(&gateway::feed_connection_stats::handshake_401) == 1u);
  BOOST_TEST(logins_ok(h) == 1u);
  BOOST_TEST(h.sim_subscriptions_are(h.desired_keys()));
}

BOOST_AUTO_TEST_CASE(configured_raw_form_is_used_directly) {
  test::harness_options options;
  options.sim.extra_args = {"--auth-style", "raw"};
  options.angel_extra = {{"auth_header", "raw"}};
  test::feed_harness h(options);
  h.start();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= 5; }, 20s));
  BOOST_TEST(h.sum(&gateway::feed_connection_stats::handshake_401) == 0u);
}

BOOST_AUTO_TEST_CASE(handshake_401_leads_to_a_new_session) {
  test::feed_harness h;
  h.start();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= 5; }, 20s));
  // The session expires on the server; the open connection keeps running
  // until it drops, then the handshake gets 401 and the gateway logs in again.
  h.sim().expire_sessions();
  h.sim().drop_connections();
  const auto ticks = h.ticks();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= ticks + 10; }, 20s));
  BOOST_TEST(h.sum(&gateway::feed_connection_stats::handshake_401) >= 1u);
  BOOST_TEST(logins_ok(h) + h.sim_counter("refreshes", "ok") >= 2u);
  BOOST_TEST(h.sim_subscriptions_are(h.desired_keys()));
}

BOOST_AUTO_TEST_CASE(handshake_429_backs_off_slower) {
  test::feed_harness h;
  h.start();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= 5; }, 20s));
  h.sim().reject_handshakes(1, 429);
  h.sim().drop_connections();
  const auto dropped_at = std::chrono::steady_clock::now();
  // A tick already read from the dropped socket may still arrive: count the
  // recovery from the first tick after the 429, not from any tick.
  BOOST_REQUIRE(h.run_until(
      [&] { return h.sum(&gateway::feed_connection_stats::handshake_429) >= 1u; }, 20s));
  const auto ticks = h.ticks();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() > ticks; }, 20s));
  const auto recovery = std::chrono::steady_clock::now() - dropped_at;
  BOOST_TEST(h.sum(&gateway::feed_connection_stats::handshake_429) == 1u);
  // rate_limited_backoff_ms is 1000 in the harness; the normal backoff is ≤ 800 ms.
  BOOST_TEST((recovery >= 1000ms));
}

BOOST_AUTO_TEST_CASE(rate_limited_logins_back_off_slower) {
  test::feed_harness h;
  h.sim().reject_logins(2, 429);
  const auto started = std::chrono::steady_clock::now();
  h.start();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= 5; }, 30s));
  const auto& login = h.feed().login();
  BOOST_TEST(login.rate_limited == 2u);
  BOOST_TEST(login.succeeded == 1u);
  BOOST_TEST(login.attempts == 3u);
  // Two 429s, each followed by at least rate_limited_backoff_ms (1 s).
  BOOST_TEST((std::chrono::steady_clock::now() - started >= 2000ms));
}

BOOST_AUTO_TEST_CASE(failure_envelope_login_is_retried) {
  test::feed_harness h;
  h.sim().reject_logins(1, 200);  // 200 with a failure envelope (AB1004)
  h.start();
  BOOST_REQUIRE(h.run_until([&] { return h.ticks() >= 5; }, 30s));
  const auto& login = h.feed().login();
  BOOST_TEST(login.rejected == 1u);
  BOOST_TEST(login.succeeded == 1u);
}

BOOST_AUTO_TEST_CASE(wrong_credentials_never_connect_and_are_not_hammered) {
  test::harness_options options;
  options.angel_extra = {{"pin", "0000"}};
  test::feed_harness h(options);
  h.start();
  h.run_for(3000ms);
  const auto& login = h.feed().login();
  BOOST_TEST(login.succeeded == 0u);
  BOOST_TEST(login.rejected >= 1u);
  // Backoff 100 ms doubling to 800 ms with equal jitter (each wait in
  // [d/2, d]): at the shortest waits — 50, 100, 200, 400, 400, … ms — the
  // attempts start at 0, 50, 150, 350, 750, 1150, 1550, 1950, 2350, 2750 ms,
  // so never more than 10 in 3 s (without backoff it would be hundreds).
  BOOST_TEST(login.attempts <= 10u);
  BOOST_TEST(login.last_error.find("AB1007") != std::string::npos);
  BOOST_TEST(h.sum(&gateway::feed_connection_stats::connects) == 0u);
  BOOST_TEST(h.sim_counter("handshakes", "ok") == 0u);
}

BOOST_AUTO_TEST_CASE(refresh_renews_the_jwt_without_a_totp) {
  // login_client against the simulator's login and generateTokens routes.
  test::feed_harness h;
  boost::asio::io_context io;
  auto tls = gateway::make_client_tls_context(h.sim().ca_file(), false);
  gateway::angel_config angel;
  angel.api_key = gateway::secret(h.sim().credentials().api_key);
  angel.client_code = h.sim().credentials().client_code;
  angel.pin = gateway::secret(h.sim().credentials().pin);
  angel.totp_secret = gateway::secret(h.sim().credentials().totp_secret);
  angel.login_url = h.sim().login_base_url();
  gateway::login_client client(angel, tls, 5000ms);
  std::optional<boost::system::result<protocol::session_tokens>> first, second;
  boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
    first = co_await client.login();
    if (*first) second = co_await client.refresh(**first);
  }, boost::asio::detached);
  io.run_for(10s);
  BOOST_REQUIRE(first.has_value() && first->has_value());
  BOOST_REQUIRE(second.has_value() && second->has_value());
  BOOST_TEST((*second)->jwt != (*first)->jwt);
  BOOST_TEST(!(*second)->feed.empty());
  BOOST_TEST(client.stats().refreshes == 1u);
  BOOST_TEST(h.sim_counter("refreshes", "ok") == 1u);
  BOOST_TEST(h.sim_counter("logins", "ok") == 1u);
}

// tickgate-sim's fault injections (control_api.hpp), end to end.
#define BOOST_TEST_MODULE sim_faults
#include <boost/test/unit_test.hpp>

#include "protocol/frame.hpp"
#include "protocol/login.hpp"
#include "protocol/request.hpp"
#include "test/sim/feed_client.hpp"
#include "test/support/process.hpp"
#include "test/support/simulator.hpp"

#include <boost/json/parse.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace tickgate::test {
namespace {

namespace json = boost::json;
using protocol::mode;
using std::chrono::steady_clock;

simulator_options sim_options(double rate, std::vector<std::string> extra_args = {}) {
  simulator_options o;
  o.rate = rate;
  o.extra_args = std::move(extra_args);
  return o;
}

protocol::subscription_request subscribe(mode m, std::vector<std::string> tokens) {
  return {{}, protocol::action::subscribe, m, {{1, std::move(tokens)}}};
}

std::int64_t stat(const json::value& stats, std::string_view group, std::string_view name) {
  return stats.at(group).at(name).to_number<std::int64_t>();
}

std::size_t connection_count(const simulator& sim) {
  return sim.stats().at("connections").as_array().size();
}

// Connects with a fresh session and subscribes `tokens` in LTP mode.
std::unique_ptr<feed_client> connected(const simulator& sim, const sim_session& s,
                                       std::vector<std::string> tokens = {"2885"}) {
  auto c = std::make_unique<feed_client>(sim);
  BOOST_REQUIRE_EQUAL(c->connect(headers_for(sim, s)), 101u);
  c->subscribe(subscribe(mode::ltp, std::move(tokens)));
  return c;
}

BOOST_AUTO_TEST_CASE(drop_closes_tcp_without_a_close_frame) {
  simulator sim(sim_options(50));
  const auto s = sim.login();
  auto a = connected(sim, s);
  auto b = connected(sim, s);
  std::int64_t last_sequence = 0;
  for (int i = 0; i < 3; ++i) {
    last_sequence = protocol::decode_frame(a->read().bytes()).value().sequence;
  }
  sim.drop_connections();
  for (auto* c : {a.get(), b.get()}) {
    feed_message m;
    boost::system::error_code ec;
    while (!(ec = c->read(m))) {
    }  // frames queued before the drop may still arrive
    BOOST_TEST((ec != boost::beast::websocket::error::closed), ec.message());
  }
  BOOST_REQUIRE(eventually([&] { return connection_count(sim) == 0; }, std::chrono::seconds(10)));
  BOOST_TEST(stat(sim.stats(), "feed", "fault_drops") == 2);

  // Reconnect and resubscribe: the token is back, its sequence continues
  // (the instrument paused while nobody subscribed: no gap to explain).
  auto again = connected(sim, s);
  const auto t = protocol::decode_frame(again->read().bytes()).value();
  BOOST_TEST(t.token.view() == "2885");
  BOOST_TEST(t.sequence > last_sequence);
  const auto stats = sim.stats();
  const auto& conns = stats.at("connections").as_array();
  BOOST_REQUIRE_EQUAL(conns.size(), 1u);
  BOOST_TEST(conns[0].at("subscriptions").as_array()[0].at("token").as_string() == "2885");
}

BOOST_AUTO_TEST_CASE(stall_sends_nothing_and_answers_no_ping) {
  simulator sim(sim_options(50));
  const auto s = sim.login();
  auto c = connected(sim, s);
  std::int64_t before_stall = protocol::decode_frame(c->read().bytes()).value().sequence;

  const auto stall = std::chrono::seconds(3);
  const auto t0 = steady_clock::now();
  sim.stall(3.0);
  c->ping("during-stall");
  c->send_text("ping");

  // While stalled the connection stays open and nothing is written.
  const auto first = sim.stats();
  BOOST_REQUIRE(first.at("faults").at("stalled").as_bool());
  const auto frames_at_first =
      first.at("connections").as_array()[0].at("frames_sent").to_number<std::int64_t>();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto second = sim.stats();
  BOOST_REQUIRE(second.at("faults").at("stalled").as_bool());
  BOOST_TEST(second.at("connections").as_array()[0].at("frames_sent").to_number<std::int64_t>() ==
             frames_at_first);
  BOOST_TEST(second.at("connections").as_array().size() == 1u);

  // The text pong (and the control pong before it) only come after the stall.
  std::vector<feed_message> ticks;
  BOOST_TEST(c->read_text(&ticks) == "pong");
  BOOST_TEST((steady_clock::now() - t0 >= stall));
  BOOST_TEST((c->pongs() == std::vector<std::string>{"during-stall"}));
  // Ticks resume without a gap: the market paused, it did not lose ticks.
  for (int i = 0; i < 5; ++i) ticks.push_back(c->read());
  for (const auto& m : ticks) {
    const auto t = protocol::decode_frame(m.bytes()).value();
    BOOST_TEST(t.sequence == before_stall + 1);
    before_stall = t.sequence;
  }
  BOOST_TEST(!sim.stats().at("faults").at("stalled").as_bool());
}

BOOST_AUTO_TEST_CASE(garbage_truncated_and_huge_frames) {
  simulator sim(sim_options(50));
  auto c = connected(sim, sim.login());
  std::int64_t last = protocol::decode_frame(c->read().bytes()).value().sequence;
  sim.send_garbage(3);
  sim.send_truncated(4);
  const std::size_t huge = 5u << 20;
  sim.send_huge(huge);

  std::map<std::string, int> errors;
  std::size_t huge_seen = 0;
  int valid_after = 0;
  while (errors["unknown_mode"] < 3 || errors["too_short"] + errors["mismatch"] < 4 ||
         huge_seen == 0 || valid_after < 5) {
    const auto m = c->read();
    BOOST_REQUIRE(m.binary);
    const auto t = protocol::decode_frame(m.bytes());
    if (t) {
      // Garbage does not consume sequence numbers.
      BOOST_TEST(t.value().sequence == last + 1);
      last = t.value().sequence;
      if (huge_seen != 0) ++valid_after;
      continue;
    }
    if (t.error() == protocol::errc::unknown_mode)
      ++errors["unknown_mode"];
    else if (t.error() == protocol::errc::frame_too_short)
      ++errors["too_short"];
    else if (m.data.size() == huge)
      ++huge_seen;
    else if (t.error() == protocol::errc::frame_length_mismatch)
      ++errors["mismatch"];
    else
      BOOST_FAIL("unexpected decode error " << t.error().message());
  }
  BOOST_TEST(errors["unknown_mode"] == 3);
  BOOST_TEST(errors["too_short"] == 1);  // i % 4 == 0
  BOOST_TEST(errors["mismatch"] == 3);
  BOOST_TEST(huge_seen == 1u);
}

BOOST_AUTO_TEST_CASE(faults_can_target_one_connection) {
  simulator sim(sim_options(50));
  const auto s = sim.login();
  auto a = connected(sim, s);
  auto b = connected(sim, s);
  const auto conns = sim.stats().at("connections").as_array();
  const auto first_id = conns[0].at("id").as_int64();
  const auto reply = sim.fault({{"kind", "drop"}, {"connection", first_id}});
  BOOST_TEST(reply.at("connections").as_int64() == 1);
  BOOST_REQUIRE(eventually([&] { return connection_count(sim) == 1; }, std::chrono::seconds(10)));
  BOOST_TEST(sim.stats().at("connections").as_array()[0].at("id").as_int64() != first_id);
}

BOOST_AUTO_TEST_CASE(close_sends_a_close_frame) {
  simulator sim(sim_options(50));
  auto c = connected(sim, sim.login());
  sim.close_connections(1001);
  feed_message m;
  boost::system::error_code ec;
  while (!(ec = c->read(m))) {
  }
  BOOST_TEST((ec == boost::beast::websocket::error::closed), ec.message());
  BOOST_TEST(c->reason().code == 1001);
}

BOOST_AUTO_TEST_CASE(reject_handshakes_then_recover) {
  simulator sim(sim_options(5));
  const auto s = sim.login();
  sim.reject_handshakes(2, 429);
  for (int i = 0; i < 2; ++i) {
    feed_client c(sim);
    BOOST_TEST(c.connect(headers_for(sim, s)) == 429u);
  }
  sim.reject_handshakes(1, 401);
  {
    feed_client c(sim);
    std::string message;
    BOOST_TEST(c.connect(headers_for(sim, s), &message) == 401u);
    BOOST_TEST(message == "Invalid Auth token");
  }
  feed_client ok(sim);
  BOOST_TEST(ok.connect(headers_for(sim, s)) == 101u);
  const auto stats = sim.stats();
  BOOST_TEST(stat(stats, "handshakes", "rejected_429") == 2);
  BOOST_TEST(stat(stats, "handshakes", "rejected_401") == 1);
  BOOST_TEST(stat(stats, "handshakes", "ok") == 1);
  BOOST_TEST(stat(stats, "faults", "pending_handshake_rejections") == 0);
}

BOOST_AUTO_TEST_CASE(expired_sessions_need_a_new_login) {
  simulator sim(sim_options(50));
  const auto old_session = sim.login();
  auto open = connected(sim, old_session);
  sim.expire_sessions();
  feed_client refused(sim);
  std::string message;
  BOOST_TEST(refused.connect(headers_for(sim, old_session), &message) == 401u);
  BOOST_TEST(message == "Invalid Auth token");
  BOOST_TEST(stat(sim.stats(), "sessions", "live") == 0);
  // The open connection is untouched.
  BOOST_TEST(protocol::decode_frame(open->read().bytes()).value().token.view() == "2885");
  // A new login works again.
  feed_client fresh(sim);
  BOOST_TEST(fresh.connect(headers_for(sim, sim.login())) == 101u);
}

BOOST_AUTO_TEST_CASE(reject_logins_with_429_or_an_envelope) {
  simulator sim(sim_options(5));
  const auto& cred = sim.credentials();
  sim.reject_logins(1, 429);
  const auto throttled =
      sim.login_request(cred.api_key, cred.client_code, cred.pin, sim.current_totp());
  BOOST_TEST(throttled.status == 429u);
  sim.reject_logins(1, 200);
  const auto refused =
      sim.login_request(cred.api_key, cred.client_code, cred.pin, sim.current_totp());
  BOOST_TEST(refused.status == 200u);
  const auto envelope = protocol::parse_login_response(refused.body).value();
  BOOST_TEST(!envelope.ok);
  BOOST_TEST(envelope.error_code == "AB1004");
  BOOST_TEST(!sim.login().jwt.empty());
  BOOST_TEST(stat(sim.stats(), "logins", "rejected") == 2);
}

BOOST_AUTO_TEST_CASE(reset_ends_a_stall_and_clears_rejections) {
  simulator sim(sim_options(50));
  const auto s = sim.login();
  auto c = connected(sim, s);
  c->read();
  sim.stall(600);
  sim.reject_handshakes(5);
  sim.reset_faults();
  const auto stats = sim.stats();
  BOOST_TEST(!stats.at("faults").at("stalled").as_bool());
  BOOST_TEST(stat(stats, "faults", "pending_handshake_rejections") == 0);
  c->send_text("ping");
  BOOST_TEST(c->read_text() == "pong");
}

BOOST_AUTO_TEST_CASE(bad_fault_requests_are_400) {
  simulator sim(sim_options(0));
  for (const std::string body :
       {"", "[]", R"({"kind":"meteor"})", R"({"kind":"stall"})", R"({"kind":"stall","seconds":-1})",
        R"({"kind":"huge","bytes":0})", R"({"kind":"huge","bytes":999999999})",
        R"({"kind":"reject_handshakes","status":500})", R"({"kind":"garbage","count":0})",
        R"({"kind":"close","code":99})"}) {
    const auto reply = sim.request("POST", "/sim/fault", body);
    BOOST_TEST(reply.status == 400u, body);
    BOOST_TEST(json::parse(reply.body).at("error").at("code").as_string() == "bad_fault");
  }
  BOOST_TEST(sim.request("GET", "/sim/fault").status == 405u);
  BOOST_TEST(stat(sim.stats(), "faults", "applied") == 0);
}

BOOST_AUTO_TEST_CASE(slow_client_is_disconnected) {
  // A client that stops reading: a small receive buffer and a small queue
  // bound make the simulator give up on it quickly.
  simulator sim(sim_options(200, {"--max-queue-bytes", "65536"}));
  feed_client c(sim);
  BOOST_REQUIRE_EQUAL(c.connect(headers_for(sim, sim.login()), nullptr, 4096), 101u);
  std::vector<std::string> tokens;
  for (int i = 0; i < 200; ++i) tokens.push_back(std::to_string(3000 + i));
  c.subscribe(subscribe(mode::snap_quote, tokens));  // ~15 MB/s
  BOOST_REQUIRE(eventually([&] { return stat(sim.stats(), "feed", "slow_disconnects") == 1; },
                           std::chrono::seconds(30)));
  BOOST_TEST(connection_count(sim) == 0u);
  BOOST_TEST(read_file(sim.log_file()).find("slow client") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(certificate_is_verifiable_and_reused) {
  temp_dir dir("tickgate-sim-cert");
  std::string first_cert;
  {
    simulator_options o;
    o.tls_dir = dir.path();
    simulator sim(o);
    first_cert = read_file(dir.path() / "cert.pem");
    BOOST_TEST(first_cert.find("BEGIN CERTIFICATE") != std::string::npos);
    const auto key_perms = std::filesystem::status(dir.path() / "key.pem").permissions();
    BOOST_TEST(
        ((key_perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
         std::filesystem::perms::none));
    // The brief's check: openssl s_client verifies it with the cert as CA.
    const auto out = dir.path() / "s_client.txt";
    child_process openssl({{"/bin/sh", "-c",
                            "openssl s_client -verify_return_error -CAfile '" +
                                (dir.path() / "cert.pem").string() + "' -connect 127.0.0.1:" +
                                std::to_string(sim.port()) + " -verify_ip 127.0.0.1 </dev/null"},
                           {},
                           out,
                           {}});
    const auto status = openssl.wait_for_exit(std::chrono::seconds(30));
    BOOST_TEST((status == std::optional<int>(0)), read_file(out));
    BOOST_TEST(read_file(out).find("Verify return code: 0 (ok)") != std::string::npos);
  }
  simulator_options o;
  o.tls_dir = dir.path();
  simulator again(o);
  BOOST_TEST(read_file(dir.path() / "cert.pem") == first_cert);  // kept, not regenerated
  BOOST_TEST(!again.login().jwt.empty());
}

}  // namespace
}  // namespace tickgate::test

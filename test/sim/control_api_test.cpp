// The control API and the server's plain decisions, without sockets: a
// server on an io_context that never runs.
#define BOOST_TEST_MODULE sim_control_api
#include <boost/test/unit_test.hpp>

#include "test/sim/control_api.hpp"
#include "test/sim/server.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/json/parse.hpp>

namespace tickgate::test {
namespace {

namespace json = boost::json;

struct fixture {
  boost::asio::io_context ioc;
  sim::sim_options options;
  sim::server srv{ioc, options, nullptr};
};

BOOST_AUTO_TEST_CASE(only_loopback_clients_reach_the_control_api) {
  const auto loopback = [](const char* text) {
    return sim::is_loopback_client(boost::asio::ip::make_address(text));
  };
  BOOST_TEST(loopback("127.0.0.1"));
  BOOST_TEST(loopback("127.1.2.3"));
  BOOST_TEST(loopback("::1"));
  BOOST_TEST(loopback("::ffff:127.0.0.1"));
  BOOST_TEST(!loopback("10.0.0.1"));
  BOOST_TEST(!loopback("0.0.0.0"));
  BOOST_TEST(!loopback("::ffff:192.168.1.5"));
  BOOST_TEST(!loopback("fe80::1"));
}

BOOST_AUTO_TEST_CASE(stats_have_the_documented_shape) {
  fixture f;
  const auto reply = sim::handle_stats(f.srv);
  BOOST_TEST(reply.status == 200u);
  const auto stats = json::parse(reply.body).as_object();
  for (const char* key : {"uptime_ms", "config", "connections", "logins", "refreshes", "handshakes",
                          "transport", "feed", "market", "tokens", "faults", "sessions"}) {
    BOOST_TEST(stats.contains(key), key);
  }
  BOOST_TEST(stats.at("config").at("max_connections").to_number<std::uint64_t>() == 3u);
  BOOST_TEST(stats.at("config").at("auth_style").as_string() == "any");
  BOOST_TEST(stats.at("connections").as_array().empty());
  BOOST_TEST(!stats.at("faults").at("stalled").as_bool());
  // No secret in the stats.
  BOOST_TEST(reply.body.find("demo-api-key") == std::string::npos);
  BOOST_TEST(reply.body.find("JBSWY3DPEHPK3PXP") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(faults_update_the_server_state) {
  fixture f;
  BOOST_TEST(sim::handle_fault(f.srv, "{bad").status == 400u);
  BOOST_TEST(
      sim::handle_fault(f.srv, R"({"kind":"reject_logins","count":2,"status":200})").status ==
      200u);
  BOOST_TEST(f.srv.faults().pending_login_rejections() == 2u);
  const auto stall = sim::handle_fault(f.srv, R"({"kind":"stall","seconds":60})");
  BOOST_TEST(stall.status == 200u);
  BOOST_TEST(json::parse(stall.body).at("applied").as_string() == "stall");
  BOOST_TEST(f.srv.faults().stalled(std::chrono::steady_clock::now()));
  const auto stats = json::parse(sim::handle_stats(f.srv).body);
  BOOST_TEST(stats.at("faults").at("stalled").as_bool());
  BOOST_TEST(stats.at("faults").at("stall_remaining_ms").as_int64() > 50'000);
  BOOST_TEST(stats.at("faults").at("applied").to_number<std::uint64_t>() == 2u);
  sim::handle_fault(f.srv, R"({"kind":"reset"})");
  BOOST_TEST(!f.srv.faults().stalled(std::chrono::steady_clock::now()));
  BOOST_TEST(f.srv.faults().pending_login_rejections() == 0u);
  // Connection faults with no connection touch nothing.
  BOOST_TEST(json::parse(sim::handle_fault(f.srv, R"({"kind":"drop"})").body)
                 .at("connections")
                 .to_number<std::uint64_t>() == 0u);
}

}  // namespace
}  // namespace tickgate::test

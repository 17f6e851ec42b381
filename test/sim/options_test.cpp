#define BOOST_TEST_MODULE sim_options
#include <boost/test/unit_test.hpp>

#include "test/sim/options.hpp"

#include <string>
#include <vector>

namespace tickgate::test {
namespace {

sim::parse_outcome parse(const std::vector<std::string>& args) {
  std::vector<const char*> argv{"tickgate-sim"};
  for (const auto& a : args) argv.push_back(a.c_str());
  return sim::parse_sim_options(static_cast<int>(argv.size()), argv.data());
}

BOOST_AUTO_TEST_CASE(defaults_follow_the_command_line_contract) {
  const auto out = parse({"--listen", "127.0.0.1:9443", "--tls-dir", "/tmp/x"});
  BOOST_REQUIRE(std::holds_alternative<sim::sim_options>(out));
  const sim::sim_options* o = &std::get<sim::sim_options>(out);
  BOOST_TEST(o->host == "127.0.0.1");
  BOOST_TEST(o->port == 9443);
  BOOST_TEST(o->tls_dir.value() == "/tmp/x");
  BOOST_TEST(o->max_tokens_per_connection == 1000u);
  BOOST_TEST(o->max_connections == 3u);
  BOOST_TEST((o->auth == sim::auth_style::any));
  BOOST_TEST(o->creds.api_key == "demo-api-key");
  BOOST_TEST(o->creds.client_code == "D12345");
  BOOST_TEST(o->creds.pin == "1234");
  BOOST_TEST(o->creds.totp_secret == "JBSWY3DPEHPK3PXP");
  BOOST_TEST(o->login_error_status == 200u);
}

BOOST_AUTO_TEST_CASE(every_option_parses) {
  const auto out = parse({"--listen", "[::1]:0",
                          "--plain",  "--rate",
                          "2.5",      "--seed",
                          "9",        "--max-tokens-per-connection",
                          "10",       "--max-connections",
                          "1",        "--auth-style",
                          "raw",      "--log-level",
                          "warn",     "--api-key",
                          "k",        "--client-code",
                          "C1",       "--pin",
                          "0000",     "--totp-secret",
                          "GEZDGNBV", "--max-queue-bytes",
                          "65536",    "--write-timeout-ms",
                          "500",      "--login-error-status",
                          "401"});
  BOOST_REQUIRE(std::holds_alternative<sim::sim_options>(out));
  const sim::sim_options* o = &std::get<sim::sim_options>(out);
  BOOST_TEST(o->host == "::1");
  BOOST_TEST(o->port == 0);
  BOOST_TEST(!o->tls_dir.has_value());
  BOOST_TEST(o->rate == 2.5);
  BOOST_TEST(o->seed == 9u);
  BOOST_TEST(o->max_tokens_per_connection == 10u);
  BOOST_TEST(o->max_connections == 1u);
  BOOST_TEST((o->auth == sim::auth_style::raw));
  BOOST_TEST((o->log_level == log::level::warn));
  BOOST_TEST(o->creds.api_key == "k");
  BOOST_TEST(o->creds.client_code == "C1");
  BOOST_TEST(o->creds.pin == "0000");
  BOOST_TEST(o->creds.totp_secret == "GEZDGNBV");
  BOOST_TEST(o->max_queue_bytes == 65536u);
  BOOST_TEST(o->write_timeout_ms == 500u);
  BOOST_TEST(o->login_error_status == 401u);
}

BOOST_AUTO_TEST_CASE(help_and_errors) {
  BOOST_TEST(std::holds_alternative<sim::help_text>(parse({"--help"})));
  const std::vector<std::vector<std::string>> bad = {
      {},                              // --listen is required
      {"--listen", "127.0.0.1:9443"},  // neither --tls-dir nor --plain
      {"--listen", "127.0.0.1:9443", "--plain", "--tls-dir", "d"},
      {"--listen", "127.0.0.1", "--plain"},
      {"--listen", "127.0.0.1:70000", "--plain"},
      {"--listen", ":9443", "--plain"},
      {"--listen", "127.0.0.1:x", "--plain"},
      {"--listen", "127.0.0.1:1", "--plain", "--rate", "-1"},
      {"--listen", "127.0.0.1:1", "--plain", "--rate", "nan"},
      {"--listen", "127.0.0.1:1", "--plain", "--auth-style", "Bearer"},
      {"--listen", "127.0.0.1:1", "--plain", "--log-level", "loud"},
      {"--listen", "127.0.0.1:1", "--plain", "--max-connections", "0"},
      {"--listen", "127.0.0.1:1", "--plain", "--max-tokens-per-connection", "0"},
      {"--listen", "127.0.0.1:1", "--plain", "--totp-secret", "not base32!"},
      {"--listen", "127.0.0.1:1", "--plain", "--pin", ""},
      {"--listen", "127.0.0.1:1", "--plain", "--max-queue-bytes", "100"},
      {"--listen", "127.0.0.1:1", "--plain", "--login-error-status", "99"},
      {"--listen", "127.0.0.1:1", "--plain", "--unknown"},
  };
  for (const auto& args : bad) {
    std::string joined;
    for (const auto& a : args) joined += a + ' ';
    BOOST_TEST(std::holds_alternative<sim::option_error>(parse(args)), joined);
  }
}

}  // namespace
}  // namespace tickgate::test

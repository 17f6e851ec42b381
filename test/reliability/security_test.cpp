// Security, end to end: TLS peer verification is on by default for the
// login, the feed and Redis (only an explicit CA file or the loudly logged
// insecure flag changes it), and no secret — API key, client code (only
// masked), PIN, TOTP secret, JWT, refresh and feed tokens, Redis password,
// API token — ever appears in anything the gateway prints, on the happy path
// or on the error paths that are most tempted to echo them.
#define BOOST_TEST_MODULE reliability_security
#include <boost/test/unit_test.hpp>

#include "test/reliability/stream_check.hpp"
#include "test/support/tickgate_process.hpp"
#include "test/support/http_client.hpp"
#include "test/support/redis_server.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <thread>

using namespace tickgate;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

bool any_line_contains(const std::vector<json::object>& lines, std::string_view key, std::string_view text) {
  for (const auto& line : lines) {
    const auto* v = line.if_contains(key);
    if (v != nullptr && v->is_string() && v->as_string().find(text) != json::string::npos) return true;
  }
  return false;
}

std::size_t stream_keys(const test::redis_server& redis) {
  test::redis_client db(redis.url());
  return db.keys("market_data_stream:*").size();
}

std::uint64_t sim_counter(const test::simulator& sim, std::string_view group, std::string_view name) {
  return sim.stats().as_object().at(group).as_object().at(name).to_number<std::uint64_t>();
}

// The world of the two secret tests: a redis-server that requires a
// password and a simulator that accepts only these made-up credentials. Each
// secret is a string no output contains by chance, so finding one anywhere
// is a leak.
struct secret_world {
  static test::sim_credentials made_up_credentials() {
    test::sim_credentials c;
    c.api_key = "ak-Qv7x2-secret-31415";
    c.client_code = "Z9Y8X7";
    c.pin = "pin-5ecr3t-2718";
    c.totp_secret = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU";
    return c;
  }
  static test::redis_server_options requiring(const std::string& password) {
    test::redis_server_options o;
    o.password = password;
    return o;
  }
  static test::simulator_options accepting(const test::sim_credentials& c) {
    test::simulator_options o;
    o.credentials = c;
    return o;
  }

  // The gateway writes ticks: RELIANCE's stream past 5 entries within 60 s.
  void expect_ticks(test::tickgate_process& gateway) {
    test::redis_client db(redis.url());
    BOOST_REQUIRE_MESSAGE(
        test::eventually([&] { return db.integer({"XLEN", "market_data_stream:RELIANCE"}) > 5; }, 60s),
        gateway.log());
  }
  // Redis killed and restarted empty: the gateway must authenticate again
  // and write on.
  void restart_redis_and_expect_ticks(test::tickgate_process& gateway) {
    redis.kill();
    std::this_thread::sleep_for(500ms);
    redis.restart();
    expect_ticks(gateway);
  }

  const test::sim_credentials credentials = made_up_credentials();
  const std::string redis_password = "rp-5ecr3t-16180";
  const std::string api_token = "at-5ecr3t-14142";
  test::redis_server redis{requiring(redis_password)};
  test::simulator sim{accepting(credentials)};
};

// A REST call whose whole response (status, headers, body) is appended to
// `output`, which the secret tests search.
test::http_reply call_and_record(std::string& output, std::uint16_t port, std::string_view method,
                                 std::string_view target, std::string body,
                                 const test::header_list& headers) {
  auto r = test::http_call(port, method, target, std::move(body), headers);
  output += std::to_string(r.status) + "\n";
  for (const auto& [k, v] : r.headers) output += k + ": " + v + "\n";
  output += r.body + "\n";
  return r;
}

// SIGTERM; the exit status, -1 when it did not exit within 20 s.
int terminate(test::tickgate_process& gateway) { return gateway.terminate(20s).value_or(-1); }

}  // namespace

BOOST_AUTO_TEST_CASE(login_to_a_server_with_an_unknown_ca_is_refused) {
  test::redis_server redis;
  test::simulator sim;  // self-signed certificate
  test::gateway_options options;
  options.trust_simulator_ca = false;  // default trust store only
  test::tickgate_process gateway(sim, redis.url(), options);
  BOOST_REQUIRE_MESSAGE(gateway.wait_for_log("login failed", 30s, "login"), gateway.log());
  std::this_thread::sleep_for(1s);
  BOOST_TEST(any_line_contains(gateway.log_messages("login failed", "login"), "error", "certificate verify failed"),
             gateway.log());
  BOOST_TEST(sim_counter(sim, "logins", "ok") == 0u);
  BOOST_TEST(sim_counter(sim, "transport", "tls_failures") >= 1u);
  BOOST_TEST(stream_keys(redis) == 0u);
  BOOST_TEST(terminate(gateway) == 0);
}

BOOST_AUTO_TEST_CASE(a_feed_with_an_unknown_ca_is_refused) {
  test::redis_server redis;
  test::simulator_options plain;
  plain.tls = false;
  test::simulator login_server(plain);  // logs in over plain HTTP
  test::simulator feed_server;          // serves the feed over TLS, self-signed
  test::gateway_options options;
  options.trust_simulator_ca = false;
  options.config = {{"angel", {{"feed_url", feed_server.feed_url()}}}};
  test::tickgate_process gateway(login_server, redis.url(), options);
  BOOST_REQUIRE_MESSAGE(gateway.wait_for_log("TLS handshake failed", 30s, "feed"), gateway.log());
  BOOST_TEST(any_line_contains(gateway.log_messages("TLS handshake failed", "feed"), "error",
                               "certificate verify failed"),
             gateway.log());
  BOOST_TEST(sim_counter(login_server, "logins", "ok") >= 1u);
  BOOST_TEST(sim_counter(feed_server, "handshakes", "ok") == 0u);
  BOOST_TEST(stream_keys(redis) == 0u);
  BOOST_TEST(terminate(gateway) == 0);
}

BOOST_AUTO_TEST_CASE(the_insecure_flag_connects_and_says_so_loudly) {
  test::redis_server redis;
  test::simulator sim;
  test::gateway_options options;
  options.trust_simulator_ca = false;
  options.config = {{"angel", {{"insecure_skip_verify", true}}}};
  test::tickgate_process gateway(sim, redis.url(), options);
  test::redis_client db(redis.url());
  BOOST_REQUIRE_MESSAGE(
      test::eventually([&] { return db.integer({"XLEN", "market_data_stream:RELIANCE"}) > 5; }, 60s),
      gateway.log());
  bool loud = false;
  for (const auto& line : gateway.log_lines()) {
    if (line.at("level").as_string() == "error" &&
        line.at("msg").as_string().find("verification is OFF") != json::string::npos) {
      loud = true;
    }
  }
  BOOST_TEST(loud, gateway.log());
  BOOST_TEST(terminate(gateway) == 0);
}

BOOST_AUTO_TEST_CASE(redis_tls_with_an_unknown_ca_is_refused) {
  test::redis_server_options tls_options;
  tls_options.tls = true;
  test::redis_server redis(tls_options);
  test::simulator sim;
  // rediss:// without ca_file: the default trust store, which does not know
  // the test CA.
  const std::string url = "rediss://127.0.0.1:" + std::to_string(redis.port()) + "/0";
  test::tickgate_process gateway(sim, url);
  BOOST_REQUIRE_MESSAGE(gateway.wait_for_log("cannot connect", 30s, "redis"), gateway.log());
  BOOST_TEST(any_line_contains(gateway.log_messages("cannot connect", "redis"), "error", "certificate"),
             gateway.log());
  BOOST_TEST(gateway.log_messages("connected", "redis").empty());
  BOOST_TEST(stream_keys(redis) == 0u);
  BOOST_TEST(terminate(gateway) == 0);

  // The same server with its CA named in the URL: accepted.
  test::tickgate_process trusted(sim, redis.url());
  test::redis_client db(redis.url());
  BOOST_TEST(test::eventually([&] { return db.integer({"XLEN", "market_data_stream:RELIANCE"}) > 5; }, 60s),
             trusted.log());
  BOOST_TEST(terminate(trusted) == 0);

  // verify=false: accepted, and logged at error level.
  test::tickgate_process insecure(sim, url + "?verify=false");
  BOOST_TEST(insecure.wait_for_log("connected", 30s, "redis"), insecure.log());
  bool loud = false;
  for (const auto& line : insecure.log_lines()) {
    if (line.at("level").as_string() == "error" &&
        line.at("msg").as_string().find("verification is OFF") != json::string::npos) {
      loud = true;
    }
  }
  BOOST_TEST(loud, insecure.log());
  BOOST_TEST(terminate(insecure) == 0);
}

BOOST_FIXTURE_TEST_CASE(no_secret_appears_in_any_output, secret_world) {
  // Every token the simulator issues starts with the same JWT header.
  const std::string jwt = sim.login().jwt;
  const std::string jwt_header = jwt.substr(0, jwt.find('.') + 1);
  BOOST_REQUIRE_GT(jwt_header.size(), 8u);

  std::string output;  // everything every gateway process printed
  const std::vector<std::pair<std::string, std::string>> env{{"TICKGATE_API_TOKEN", api_token}};

  {  // A full run: login, feed, every sink, faults on both sides, SIGTERM.
    const std::uint16_t port = test::free_loopback_port();
    test::gateway_options options;
    options.env = env;
    options.config = {{"log", {{"level", "debug"}}},
                      {"http", {{"enabled", true}, {"listen", "127.0.0.1:" + std::to_string(port)}}}};
    test::tickgate_process gateway(sim, redis.url(), options);
    expect_ticks(gateway);
    // Every REST response, good and bad, headers and bodies.
    BOOST_REQUIRE(test::wait_for_port(port, 10s));
    const auto rest = [&](std::string_view method, std::string_view target, std::string body,
                          const test::header_list& headers) {
      return call_and_record(output, port, method, target, std::move(body), headers);
    };
    for (const char* route : {"/", "/health", "/ready", "/stats", "/metrics", "/symbols",
                              "/api/redis-option-tokens", "/api/redis-ticks/indextick?limit=3"}) {
      BOOST_TEST(rest("GET", route, {}, {}).status == 200u, route);
    }
    const test::header_list good{{"Authorization", "Bearer " + api_token}};
    BOOST_TEST(rest("POST", "/subscribe", "[\"TCS\"]", {}).status == 401u);
    BOOST_TEST(rest("POST", "/subscribe", "[\"TCS\"]", {{"Authorization", "Bearer " + redis_password}}).status == 401u);
    BOOST_TEST(rest("POST", "/subscribe", "{bad json", good).status == 400u);
    BOOST_TEST(rest("POST", "/subscribe", "[\"NO-SUCH-SYMBOL\"]", good).status >= 400u);
    BOOST_TEST(rest("POST", "/subscribe", "[\"TCS\"]", good).status == 200u);
    sim.send_garbage(3);
    sim.expire_sessions();  // 401 on the next handshake: refresh or log in again
    sim.drop_connections();
    restart_redis_and_expect_ticks(gateway);
    BOOST_TEST(terminate(gateway) == 0);
    output += gateway.log();
  }
  {  // Wrong PIN and a wrong Redis password: the error paths.
    test::gateway_options options;
    options.env = env;
    options.env.emplace_back("ANGEL_PIN", "pin-wr0ng-5ecr3t-99");
    test::tickgate_process gateway(sim, "redis://:rp-wr0ng-5ecr3t-77@127.0.0.1:" + std::to_string(redis.port()) + "/0",
                                  options);
    BOOST_TEST(gateway.wait_for_log("login failed", 30s, "login"));
    BOOST_TEST(gateway.wait_for_log("cannot connect", 30s, "redis"));
    BOOST_TEST(terminate(gateway) == 0);
    output += gateway.log();
  }
  {  // Config errors that sit next to secrets.
    test::temp_dir dir;
    const std::vector<std::string> bad_configs{
        R"({"redis":{"url":"redis://:rp-5ecr3t-16180@127.0.0.1:notaport/0"}})",
        R"({"angel":{"pin":["pin-5ecr3t-2718"]}})",
        R"({"angel":{"api_key":"ak-Qv7x2-secret-31415","totp_secret":["KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"]}})",
        R"({"redis":{"url":"rediss://u:rp-5ecr3t-16180@127.0.0.1:6379/0?bogus=1"}})",
    };
    for (std::size_t i = 0; i < bad_configs.size(); ++i) {
      const auto path = dir.path() / ("bad" + std::to_string(i) + ".json");
      std::ofstream(path) << bad_configs[i];
      const auto out = dir.path() / ("bad" + std::to_string(i) + ".out");
      test::child_process check(test::process_options{
          {std::string(TICKGATE_BINARY_DIR) + "/tickgate", "--check-config", path.string()}, env, out, {}});
      const int status = check.wait_for_exit(20s).value_or(-1);
      BOOST_TEST(status == 2, bad_configs[i] << " → " << test::read_file(out));
      output += test::read_file(out);
    }
  }

  BOOST_REQUIRE(!output.empty());
  for (const std::string& secret :
       {credentials.api_key, credentials.client_code, credentials.pin, credentials.totp_secret, jwt_header,
        redis_password, api_token, std::string("pin-wr0ng-5ecr3t-99"), std::string("rp-wr0ng-5ecr3t-77")}) {
    BOOST_TEST(output.find(secret) == std::string::npos, secret << " appears in the output:\n" << output);
  }
}

// The same with every secret in a file (the compose deployment's
// /run/secrets/…, through <NAME>_FILE): each reaches its use — the login
// succeeds only with the files' credentials (the config holds wrong ones),
// Redis only accepts the file's password (the URL carries none), the REST
// token is the file's — and none appears in the log, any REST response
// (/stats shows the URL as redis://:***@…) or --check-config's errors.
BOOST_FIXTURE_TEST_CASE(secrets_from_files_reach_their_use_and_never_the_output, secret_world) {

  test::temp_dir secrets("tickgate-secrets");
  const auto secret_file = [&](const std::string& name, const std::string& value) {
    const auto path = secrets.path() / name;
    std::ofstream(path) << value << "\n";  // as `echo value > file` writes it
    return path.string();
  };
  const std::vector<std::pair<std::string, std::string>> env{
      {"ANGEL_API_KEY_FILE", secret_file("angel_api_key", credentials.api_key)},
      {"ANGEL_CLIENT_CODE_FILE", secret_file("angel_client_code", credentials.client_code)},
      {"ANGEL_PIN_FILE", secret_file("angel_pin", credentials.pin)},
      {"ANGEL_TOTP_SECRET_FILE", secret_file("angel_totp_secret", credentials.totp_secret)},
      {"TICKGATE_API_TOKEN_FILE", secret_file("tickgate_api_token", api_token)},
      {"REDIS_PASSWORD_FILE", secret_file("redis_password", redis_password)},
  };
  const std::string url_without_password = "redis://127.0.0.1:" + std::to_string(redis.port()) + "/0";
  std::string output;

  {
    const std::uint16_t port = test::free_loopback_port();
    test::gateway_options options;
    options.env = env;
    options.config = {
        {"angel", {{"api_key", "wrong-key"}, {"client_code", "WRONG1"}, {"pin", "0000"},
                   {"totp_secret", "JBSWY3DPEHPK3PXP"}}},
        {"log", {{"level", "debug"}}},
        {"http", {{"enabled", true}, {"listen", "127.0.0.1:" + std::to_string(port)}}}};
    test::tickgate_process gateway(sim, url_without_password, options);
    expect_ticks(gateway);
    BOOST_TEST(sim_counter(sim, "logins", "ok") >= 1u);
    BOOST_REQUIRE(test::wait_for_port(port, 10s));
    const auto rest = [&](std::string_view method, std::string_view target, std::string body,
                          const test::header_list& headers) {
      return call_and_record(output, port, method, target, std::move(body), headers);
    };
    for (const char* route : {"/", "/health", "/ready", "/metrics", "/symbols"}) {
      BOOST_TEST(rest("GET", route, {}, {}).status == 200u, route);
    }
    const auto stats = rest("GET", "/stats", {}, {});
    BOOST_TEST(stats.status == 200u);
    BOOST_TEST(stats.body.find("redis://:***@127.0.0.1:" + std::to_string(redis.port()) + "/0") !=
                   std::string::npos,
               stats.body);
    BOOST_TEST(rest("POST", "/subscribe", "[\"TCS\"]", {{"Authorization", "Bearer " + redis_password}}).status ==
               401u);
    BOOST_TEST(rest("POST", "/subscribe", "[\"TCS\"]", {{"Authorization", "Bearer " + api_token}}).status == 200u);
    // A reconnect authenticates again with the file's password.
    restart_redis_and_expect_ticks(gateway);
    BOOST_TEST(terminate(gateway) == 0);
    output += gateway.log();
  }
  {  // --check-config applies the same rules.
    const auto config = secrets.path() / "config.json";
    std::ofstream(config) << json::serialize(json::object{
        {"angel", {{"login_url", sim.login_base_url()}, {"feed_url", sim.feed_url()}}},
        {"instruments",
         {{"scrip_master", std::string(TICKGATE_SOURCE_DIR) + "/deploy/data/OpenAPIScripMaster.sample.json"}}},
        {"redis", {{"url", url_without_password}}}});
    const auto check = [&](std::vector<std::pair<std::string, std::string>> check_env) {
      const auto out = secrets.path() / "check.out";
      test::child_process p(test::process_options{
          {std::string(TICKGATE_BINARY_DIR) + "/tickgate", "--check-config", config.string()},
          std::move(check_env), out, {}});
      const int status = p.wait_for_exit(20s).value_or(-1);
      const std::string text = test::read_file(out);
      output += text;
      return std::pair{status, text};
    };
    auto [status, text] = check(env);
    BOOST_TEST(status == 0, text);
    BOOST_TEST(text.find("config OK") != std::string::npos, text);

    auto both = env;
    both.emplace_back("ANGEL_PIN", credentials.pin);
    std::tie(status, text) = check(both);
    BOOST_TEST(status == 2);
    BOOST_TEST(text.find("config error: env ANGEL_PIN_FILE: is set together with ANGEL_PIN") != std::string::npos,
               text);

    auto missing = env;
    const std::string nowhere = (secrets.path() / "no-such-pin").string();
    missing[2].second = nowhere;
    std::tie(status, text) = check(missing);
    BOOST_TEST(status == 2);
    BOOST_TEST(text.find("config error: env ANGEL_PIN_FILE: cannot read " + nowhere) != std::string::npos, text);

    auto two_passwords = env;
    two_passwords.emplace_back("REDIS_URL", "redis://:" + redis_password + "@127.0.0.1:6379/0");
    std::tie(status, text) = check(two_passwords);
    BOOST_TEST(status == 2);
    BOOST_TEST(text.find("config error: env REDIS_PASSWORD_FILE:") != std::string::npos, text);
  }

  BOOST_REQUIRE(!output.empty());
  for (const std::string& secret : {credentials.api_key, credentials.client_code, credentials.pin,
                                    credentials.totp_secret, redis_password, api_token}) {
    BOOST_TEST(output.find(secret) == std::string::npos, secret << " appears in the output:\n" << output);
  }
}

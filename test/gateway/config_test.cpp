#define BOOST_TEST_MODULE config
#include <boost/test/unit_test.hpp>

#include "gateway/config.hpp"
#include "storage/redis_url.hpp"
#include "test/support/process.hpp"

#include <fstream>
#include <functional>
#include <map>

using namespace tickgate;
using namespace tickgate::gateway;

namespace {

struct fixture {
  test::temp_dir dir{"tickgate-config"};
  std::map<std::string, std::string> env_vars;

  fixture() { std::ofstream(dir.path() / "master.json") << "[]"; }

  env_lookup env() const {
    return [this](std::string_view name) -> std::optional<std::string> {
      const auto it = env_vars.find(std::string(name));
      if (it == env_vars.end()) return std::nullopt;
      return it->second;
    };
  }

  static std::string base(std::string extra = "") {
    return R"({"angel":{"api_key":"k","client_code":"D12345","pin":"9876","totp_secret":"JBSWY3DPEHPK3PXP"},
              "instruments":{"scrip_master":"master.json"})" + extra + "}";
  }

  std::variant<config, config_error> parse(const std::string& json) const {
    return parse_config(json, dir.path(), env());
  }

  config ok(const std::string& json) const {
    auto r = parse(json);
    if (auto* e = std::get_if<config_error>(&r)) BOOST_FAIL("unexpected error: " << e->to_string());
    return std::get<config>(std::move(r));
  }

  config_error error(const std::string& json) const {
    auto r = parse(json);
    BOOST_REQUIRE(std::holds_alternative<config_error>(r));
    return std::get<config_error>(r);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(config_parsing, fixture)

BOOST_AUTO_TEST_CASE(defaults_follow_the_design) {
  const config c = ok(base());
  BOOST_TEST(c.feed.max_connections == 3);
  BOOST_TEST(c.feed.max_tokens_per_connection == 1000);
  BOOST_TEST(c.feed.ping_interval.count() == 10'000);
  BOOST_TEST(c.feed.idle_timeout.count() == 20'000);
  BOOST_TEST(c.redis.stream.maxlen == 10'000u);
  BOOST_TEST(c.redis.lists.cap == 1000u);
  BOOST_TEST(c.redis.price.ttl.count() == 10);
  BOOST_TEST(c.redis.candles.timeframes.size() == 3u);
  BOOST_TEST(c.redis.connection.buffer_limit_bytes == 64u << 20);
  BOOST_TEST(c.redis.connection.endpoint.port == 6379);
  BOOST_TEST(c.pubsub_source == "angel_one");
  BOOST_TEST(c.http.host == "127.0.0.1");
  BOOST_TEST(c.http.port == 8001);
  BOOST_TEST(c.recording.max_bytes == std::uint64_t{8} << 30);
  BOOST_TEST(c.instruments.scrip_master == (dir.path() / "master.json").lexically_normal());
}

BOOST_AUTO_TEST_CASE(errors_name_the_key) {
  BOOST_TEST(error(base(R"(,"redis":{"sinks":{"stream":{"maxlen":"x"}}})")).path == "redis.sinks.stream.maxlen");
  BOOST_TEST(error(base(R"(,"redis":{"sinks":{"strem":{}}})")).path == "redis.sinks.strem");
  BOOST_TEST(error(base(R"(,"records":{"sorce":"x"})")).path == "records.sorce");
  BOOST_TEST(error(base(R"(,"feed":{"ping_interval_ms":"10"})")).path == "feed.ping_interval_ms");
  BOOST_TEST(error(base(R"(,"feed":{"max_connections":17})")).path == "feed.max_connections");
  BOOST_TEST(error(base(R"(,"feed":{"price_divisors":{"13":1234}})")).path == "feed.price_divisors.13");
  BOOST_TEST(error(base(R"(,"feed":{"price_divisors":{"9":100}})")).path == "feed.price_divisors.9");
  BOOST_TEST(error(base(R"(,"redis":{"sinks":{"candles":{"timeframes":["1m","7x"]}}})")).path ==
             "redis.sinks.candles.timeframes[1]");
  BOOST_TEST(error(base(R"(,"redis":{"sinks":{"pubsub":{"ttl_seconds":5}}})")).path ==
             "redis.sinks.pubsub.ttl_seconds");
  const auto e = error(base(R"(,"instruments":{"scrip_master":"master.json","subscribe":["NIFTY",{"symbol":"X","mode":"fast"}]})"));
  BOOST_TEST(e.path == "instruments.subscribe[1].mode");
  BOOST_TEST(error(base(R"(,"instruments":{"scrip_master":"master.json","subscribe":[{"token":"2885"}]})")).path ==
             "instruments.subscribe[0]");
  BOOST_TEST(error("{").path.empty());
  BOOST_TEST(error("[]").message.find("object") != std::string::npos);
  BOOST_TEST(error(base(R"(,"feed":{"ping_interval_ms":30000})")).path == "feed.ping_interval_ms");
  // recording.max_bytes: 0 (no cap) or at least 1 MiB.
  BOOST_TEST(ok(base(R"(,"recording":{"max_bytes":0})")).recording.max_bytes == 0u);
  BOOST_TEST(ok(base(R"(,"recording":{"max_bytes":1048576})")).recording.max_bytes == 1048576u);
  const auto small = error(base(R"(,"recording":{"max_bytes":8})"));
  BOOST_TEST(small.path == "recording.max_bytes");
  BOOST_TEST(small.message.find("1 MiB") != std::string::npos);
  BOOST_TEST(error(base(R"(,"recording":{"max_bytes":-1})")).path == "recording.max_bytes");
  BOOST_TEST(error(base(R"(,"recording":{"max_bytes":"8G"})")).path == "recording.max_bytes");
}

BOOST_AUTO_TEST_CASE(instrument_specs) {
  const config c = ok(base(R"(,"instruments":{"scrip_master":"master.json","default_mode":"ltp",
      "subscribe":["RELIANCE",{"symbol":"NIFTY","exchange":"NSE","mode":"quote"},{"token":"40001","exchange":"NFO","mode":3}]})"));
  BOOST_REQUIRE_EQUAL(c.instruments.subscribe.size(), 3u);
  BOOST_TEST(c.instruments.subscribe[0].symbol == "RELIANCE");
  BOOST_TEST(!c.instruments.subscribe[0].mode.has_value());
  BOOST_TEST((c.instruments.subscribe[1].mode == protocol::mode::quote));
  BOOST_TEST(c.instruments.subscribe[2].token == "40001");
  BOOST_TEST((c.instruments.subscribe[2].mode == protocol::mode::snap_quote));
  BOOST_TEST(c.instruments.subscribe[2].origin == "instruments.subscribe[2]");
  BOOST_TEST((c.instruments.default_mode == protocol::mode::ltp));
}

BOOST_AUTO_TEST_CASE(sdk_disagreement_switches) {
  const config c = ok(base(R"(,"feed":{"price_divisors":{"13":100},"depth20_layout":"both_at_35","index_tokens":"short"},
                                "angel":{"api_key":"k","client_code":"D","pin":"1","totp_secret":"JBSWY3DPEHPK3PXP","auth_header":"raw","relogin_time_ist":"07:45"})"));
  BOOST_TEST(c.feed.price_divisors.at(13) == 100);
  BOOST_TEST((c.feed.decode.depth20 == protocol::depth20_layout::both_at_35));
  BOOST_TEST((c.feed.index_tokens == index_token_form::short_form));
  BOOST_TEST((c.angel.auth_header == auth_header_style::raw));
  BOOST_TEST(c.angel.relogin_minute_ist == 7 * 60 + 45);
  const config d = ok(base());
  BOOST_TEST(d.feed.price_divisors.empty());
  BOOST_TEST((d.feed.decode.depth20 == protocol::depth20_layout::exchange_ts_at_27));
  BOOST_TEST((d.feed.index_tokens == index_token_form::master));
  BOOST_TEST((d.angel.auth_header == auth_header_style::automatic));
  BOOST_TEST(error(base(R"(,"angel":{"api_key":"k","client_code":"D","pin":"1","totp_secret":"JBSWY3DPEHPK3PXP","relogin_time_ist":"25:00"})")).path ==
             "angel.relogin_time_ist");
  BOOST_TEST(error(base(R"(,"angel":{"api_key":"k","client_code":"D","pin":"1","totp_secret":"JBSWY3DPEHPK3PXP","auth_header":"basic"})")).path ==
             "angel.auth_header");
}

BOOST_AUTO_TEST_CASE(environment_overrides_the_file) {
  env_vars["REDIS_URL"] = "redis://:pw@10.0.0.5:6380/3";
  env_vars["TICKGATE_FEED_URL"] = "wss://feed.example/smart-stream";
  env_vars["TICKGATE_LOGIN_URL"] = "https://login.example";
  env_vars["TICKGATE_HTTP_LISTEN"] = "127.0.0.1:9001";
  env_vars["ANGEL_PIN"] = "1111";
  env_vars["ANGEL_CLIENT_CODE"] = "Z999";
  const config c = ok(base());
  BOOST_TEST(c.redis.connection.endpoint.host == "10.0.0.5");
  BOOST_TEST(c.redis.connection.endpoint.port == 6380);
  BOOST_TEST(c.redis.connection.endpoint.db == 3);
  BOOST_TEST(c.redis.connection.endpoint.password == "pw");
  BOOST_TEST(c.angel.feed_url == "wss://feed.example/smart-stream");
  BOOST_TEST(c.angel.login_url == "https://login.example");
  BOOST_TEST(c.http.port == 9001);
  BOOST_TEST(std::string(c.angel.pin.reveal()) == "1111");
  BOOST_TEST(c.angel.client_code == "Z999");
  env_vars["TICKGATE_HTTP_LISTEN"] = "nonsense";
  BOOST_TEST(error(base()).path == "env TICKGATE_HTTP_LISTEN");
}

BOOST_AUTO_TEST_CASE(credentials_are_required_and_never_echoed) {
  auto e = error(R"({"instruments":{"scrip_master":"master.json"}})");
  BOOST_TEST(e.path == "angel.api_key");
  e = error(R"({"angel":{"api_key":"k","client_code":"D1","pin":"1","totp_secret":"not base32 !!"},
                "instruments":{"scrip_master":"master.json"}})");
  BOOST_TEST(e.path == "angel.totp_secret");
  BOOST_TEST(e.message.find("not base32") == std::string::npos);
  e = error(base(R"(,"redis":{"url":"http://user:hunter2@host"})"));
  BOOST_TEST(e.path == "redis.url");
  BOOST_TEST(e.to_string().find("hunter2") == std::string::npos);
  env_vars["REDIS_URL"] = "redis://user:hunter2@host:notaport";
  e = error(base());
  BOOST_TEST(e.path == "env REDIS_URL");
  BOOST_TEST(e.to_string().find("hunter2") == std::string::npos);
  env_vars.erase("REDIS_URL");
  // The feed can be off: no credentials needed then.
  const config c = ok(R"({"feed":{"enabled":false}})");
  BOOST_TEST(!c.feed.enabled);
}

BOOST_AUTO_TEST_CASE(plain_text_only_to_loopback) {
  BOOST_TEST(error(base(R"(,"angel":{"api_key":"k","client_code":"D","pin":"1","totp_secret":"JBSWY3DPEHPK3PXP","feed_url":"ws://feed.example/x"})")).path ==
             "angel.feed_url");
  ok(base(R"(,"angel":{"api_key":"k","client_code":"D","pin":"1","totp_secret":"JBSWY3DPEHPK3PXP","feed_url":"ws://127.0.0.1:9/x","login_url":"http://localhost:9"})"));
}

BOOST_AUTO_TEST_CASE(public_listen_needs_a_token) {
  BOOST_TEST(error(base(R"(,"http":{"listen":"0.0.0.0:8001"})")).path == "http.api_token");
  ok(base(R"(,"http":{"listen":"0.0.0.0:8001","api_token":"s3cret"})"));
  ok(base(R"(,"http":{"listen":"[::1]:8001"})"));
  BOOST_TEST(!is_loopback_host("127.evil.example"));
  BOOST_TEST(is_loopback_host("127.0.0.2"));
  BOOST_TEST(is_loopback_host("localhost"));
}

BOOST_AUTO_TEST_CASE(missing_files_are_reported) {
  BOOST_TEST(error(R"({"angel":{"api_key":"k","client_code":"D1","pin":"1","totp_secret":"JBSWY3DPEHPK3PXP"},
                       "instruments":{"scrip_master":"missing.json"}})").path == "instruments.scrip_master");
}

BOOST_AUTO_TEST_CASE(an_oversized_config_file_is_refused) {
  // Input size limit (issue 7): a sparse file just over 16 MiB.
  const auto path = dir.path() / "huge.json";
  std::ofstream(path) << base();
  std::filesystem::resize_file(path, (std::uintmax_t{16} << 20) + 1);
  auto r = load_config(path, env());
  BOOST_REQUIRE(std::holds_alternative<config_error>(r));
  BOOST_TEST(std::get<config_error>(r).message.find("larger than the limit") != std::string::npos);
}

// The <NAME>_FILE convention (compose secrets at /run/secrets/…).
namespace {

// A secret-looking value no error message may contain.
constexpr const char* file_secret = "Fs-5ecr3t-57721";

std::filesystem::path write_file(const test::temp_dir& dir, const std::string& name,
                                 const std::string& content) {
  const auto path = dir.path() / name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_secret_is_read_from_its_file) {
  struct row {
    const char* variable;
    std::string content;
    std::function<std::string(const config&)> field;
    std::string expected;
  };
  const std::vector<row> rows{
      {"ANGEL_PIN", "4321\n", [](const config& c) { return std::string(c.angel.pin.reveal()); }, "4321"},
      {"ANGEL_API_KEY", "ak-from-file\r\n", [](const config& c) { return std::string(c.angel.api_key.reveal()); },
       "ak-from-file"},
      {"ANGEL_CLIENT_CODE", "F11111", [](const config& c) { return c.angel.client_code; }, "F11111"},
      {"ANGEL_TOTP_SECRET", "KRSXG5CTMVRXEZLU\n",
       [](const config& c) { return std::string(c.angel.totp_secret.reveal()); }, "KRSXG5CTMVRXEZLU"},
      {"TICKGATE_API_TOKEN", " tok en \n", [](const config& c) { return std::string(c.http.api_token.reveal()); },
       " tok en "},
      {"REDIS_URL", "redis://:pw@10.0.0.7:6381/2\n",
       [](const config& c) { return storage::redact(c.redis.connection.endpoint); }, "redis://:***@10.0.0.7:6381/2"},
      {"REDIS_PASSWORD", "rp\n", [](const config& c) { return c.redis.connection.endpoint.password; }, "rp"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.variable) {
      env_vars.clear();
      env_vars[std::string(r.variable) + "_FILE"] = write_file(dir, r.variable, r.content).string();
      BOOST_TEST(r.field(ok(base())) == r.expected);
    }
  }
  env_vars.clear();
  // Only one trailing newline (or CRLF) goes; anything else is the value.
  const std::vector<std::pair<std::string, std::string>> strip{
      {"1234\n\n", "1234\n"}, {"1234\r\n\r\n", "1234\r\n"}, {"1234\r", "1234\r"}, {"\t1234 ", "\t1234 "},
      {"12\n34\n", "12\n34"}};
  for (const auto& [content, value] : strip) {
    env_vars["ANGEL_PIN_FILE"] = write_file(dir, "pin", content).string();
    BOOST_TEST(std::string(ok(base()).angel.pin.reveal()) == value);
  }
  // The file's value overrides the config's, like the plain variable.
  BOOST_TEST(std::string(ok(base(R"(,"http":{"api_token":"from-json"})")).angel.pin.reveal()) == "12\n34");
  env_vars["TICKGATE_API_TOKEN_FILE"] = write_file(dir, "token", "from-file\n").string();
  BOOST_TEST(std::string(ok(base(R"(,"http":{"api_token":"from-json"})")).http.api_token.reveal()) == "from-file");
  // A token from a file satisfies a public listener.
  ok(base(R"(,"http":{"listen":"0.0.0.0:8001"})"));
}

BOOST_AUTO_TEST_CASE(a_variable_and_its_file_together_are_an_error) {
  for (const char* variable : {"REDIS_URL", "REDIS_PASSWORD", "TICKGATE_API_TOKEN", "ANGEL_API_KEY",
                               "ANGEL_CLIENT_CODE", "ANGEL_PIN", "ANGEL_TOTP_SECRET"}) {
    BOOST_TEST_CONTEXT(variable) {
      env_vars.clear();
      env_vars[variable] = file_secret;
      env_vars[std::string(variable) + "_FILE"] = write_file(dir, "both", file_secret).string();
      const auto e = error(base());
      BOOST_TEST(e.path == "env " + std::string(variable) + "_FILE");
      BOOST_TEST(e.message == "is set together with " + std::string(variable) + "; set only one");
      BOOST_TEST(e.to_string().find(file_secret) == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_bad_secret_file_names_the_variable_and_path_never_the_content) {
  const auto missing = (dir.path() / "no-such-secret").string();
  const auto empty = write_file(dir, "empty", "").string();
  const auto newline_only = write_file(dir, "newline", "\n").string();
  const auto oversized = write_file(dir, "big", std::string(file_secret) + std::string(70'000, 'x')).string();
  const auto directory = (dir.path() / "a-directory").string();
  std::filesystem::create_directory(directory);
  struct row {
    std::string path;
    std::string message;
  };
  const std::vector<row> rows{
      {missing, "cannot read " + missing + ": No such file or directory"},
      {empty, empty + " is empty"},
      {newline_only, newline_only + " is empty"},
      {oversized, oversized + " is larger than the limit of 65536 bytes"},
      {directory, directory + " is not a regular file"},
      {"", "is empty; it must name a file"},
  };
  for (const char* variable : {"REDIS_URL", "REDIS_PASSWORD", "TICKGATE_API_TOKEN", "ANGEL_API_KEY",
                               "ANGEL_CLIENT_CODE", "ANGEL_PIN", "ANGEL_TOTP_SECRET"}) {
    for (const auto& r : rows) {
      BOOST_TEST_CONTEXT(variable << " = " << r.path) {
        env_vars.clear();
        env_vars[std::string(variable) + "_FILE"] = r.path;
        const auto e = error(base());
        BOOST_TEST(e.path == "env " + std::string(variable) + "_FILE");
        BOOST_TEST(e.message == r.message);
        BOOST_TEST(e.to_string().find(file_secret) == std::string::npos);
      }
    }
  }
  // Contents that fail validation are not echoed either.
  env_vars.clear();
  env_vars["ANGEL_TOTP_SECRET_FILE"] = write_file(dir, "totp", std::string(file_secret) + "!\n").string();
  auto e = error(base());
  BOOST_TEST(e.path == "angel.totp_secret");
  BOOST_TEST(e.to_string().find(file_secret) == std::string::npos);
  env_vars.clear();
  env_vars["REDIS_URL_FILE"] = write_file(dir, "url", "redis://:" + std::string(file_secret) + "@h:notaport/0").string();
  e = error(base());
  BOOST_TEST(e.path == "env REDIS_URL_FILE");
  BOOST_TEST(e.to_string().find(file_secret) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_redis_password_goes_to_a_url_without_one) {
  env_vars["REDIS_PASSWORD_FILE"] = write_file(dir, "redis_password", std::string(file_secret) + "\n").string();
  // The config's URL.
  auto c = ok(base(R"(,"redis":{"url":"redis://10.0.0.5:6380/3"})"));
  BOOST_TEST(c.redis.connection.endpoint.host == "10.0.0.5");
  BOOST_TEST(c.redis.connection.endpoint.password == file_secret);
  BOOST_TEST(c.redis.connection.endpoint.user.empty());
  BOOST_TEST(storage::redact(c.redis.connection.endpoint) == "redis://:***@10.0.0.5:6380/3");
  // The default URL.
  BOOST_TEST(ok(base()).redis.connection.endpoint.password == file_secret);
  // REDIS_URL's, with an ACL user and an empty password.
  env_vars["REDIS_URL"] = "rediss://app:@redis.example:6390/1";
  c = ok(base(R"(,"redis":{"url":"redis://:other@10.0.0.5:6380/3"})"));
  BOOST_TEST(c.redis.connection.endpoint.user == "app");
  BOOST_TEST(c.redis.connection.endpoint.password == file_secret);
  BOOST_TEST(storage::redact(c.redis.connection.endpoint) == "rediss://app:***@redis.example:6390/1");
  // A password in the URL in force as well: refused, naming neither.
  for (const std::string url : {"redis://:url-pw-1@10.0.0.5:6380/3", "redis://app:url-pw-1@10.0.0.5:6380/3"}) {
    env_vars["REDIS_URL"] = url;
    auto e = error(base());
    BOOST_TEST(e.path == "env REDIS_PASSWORD_FILE");
    BOOST_TEST(e.message.find("carries a password too") != std::string::npos, e.message);
    BOOST_TEST(e.to_string().find(file_secret) == std::string::npos);
    BOOST_TEST(e.to_string().find("url-pw-1") == std::string::npos);
    env_vars.erase("REDIS_URL");
    e = error(base(R"(,"redis":{"url":")" + url + R"("})"));
    BOOST_TEST(e.path == "env REDIS_PASSWORD_FILE");
    BOOST_TEST(e.to_string().find("url-pw-1") == std::string::npos);
  }
  // The plain variable: the same rules; empty is an error, not "no password".
  env_vars.clear();
  env_vars["REDIS_PASSWORD"] = "plain-pw";
  BOOST_TEST(ok(base()).redis.connection.endpoint.password == "plain-pw");
  env_vars["REDIS_URL"] = "redis://:url-pw-1@10.0.0.5:6380/3";
  BOOST_TEST(error(base()).path == "env REDIS_PASSWORD");
  env_vars.erase("REDIS_URL");
  env_vars["REDIS_PASSWORD"] = "";
  BOOST_TEST(error(base()).to_string() == "env REDIS_PASSWORD: is empty");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(helpers) {
  std::string host;
  std::uint16_t port = 0;
  BOOST_TEST(parse_host_port("127.0.0.1:8001", host, port));
  BOOST_TEST(host == "127.0.0.1");
  BOOST_TEST(port == 8001);
  BOOST_TEST(parse_host_port("[::1]:80", host, port));
  BOOST_TEST(host == "::1");
  BOOST_TEST(!parse_host_port("host:99999", host, port));
  BOOST_TEST(!parse_host_port(":80", host, port));
  BOOST_TEST(!parse_host_port("host", host, port));
  BOOST_TEST(mask_identifier("D12345") == "D1***5");
  BOOST_TEST(mask_identifier("ab") == "**");
  secret s(std::string("token"));
  BOOST_TEST(s.equals("token"));
  BOOST_TEST(!s.equals("tokem"));
  BOOST_TEST(!s.equals("token2"));
}

// tickgate-cli against what the gateway wrote: a real redis-server (with a
// password), the simulator and the tickgate binary as processes, the gateway
// laid out on the seed's database map (deploy/examples/redis-db-map.json:
// streams and lists in db 4, price and candles in db 2). The CLI reads the
// gateway's own config file (--config) and every result is checked against an
// independent client (test/support/redis_client.hpp).
#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include "test/support/redis_client.hpp"
#include "test/support/redis_server.hpp"
#include "test/support/tickgate_process.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

using namespace tickgate;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr const char* password = "cli-Pa55word";

const std::vector<std::string> symbols{"RELIANCE", "TCS", "NIFTY", "NIFTY26NOV2624000CE"};

json::object db_map_section() {
  auto doc = json::parse(test::read_file(std::filesystem::path(TICKGATE_SOURCE_DIR) /
                                         "deploy/examples/redis-db-map.json"));
  auto redis = doc.at("redis").as_object();
  redis.erase("url");  // the test server's
  return redis;
}

// One gateway for the whole module: starting it is the slow part.
struct world {
  test::redis_server redis{[] {
    test::redis_server_options o;
    o.password = password;
    return o;
  }()};
  test::simulator sim{[] {
    test::simulator_options o;
    o.rate = 20;
    return o;
  }()};
  test::tickgate_process gateway{sim, redis.url(), [] {
                                   test::gateway_options o;
                                   o.instruments = {{"RELIANCE", "NSE", "snap_quote"},
                                                    {"TCS", "NSE", "ltp"},
                                                    {"NIFTY", "NSE", "quote"},
                                                    {"NIFTY26NOV2624000CE", "NFO", "quote"}};
                                   o.config = {{"redis", db_map_section()}};
                                   return o;
                                 }()};
  test::redis_client streams{redis.url(4)};  // db 4: streams and lists
  test::redis_client prices{redis.url(2)};   // db 2: price and candles

  world() {
    const bool ready = test::eventually(
        [&] {
          for (const auto& s : symbols) {
            if (streams.integer({"XLEN", "market_data_stream:" + s}) < 40) return false;
          }
          return true;
        },
        60s);
    if (!ready) throw std::runtime_error("ticks did not arrive:\n" + gateway.log());
  }

  static world& get() {
    static world w;
    return w;
  }

  test::run_result cli(std::vector<std::string> args) {
    std::vector<std::string> argv{std::string(TICKGATE_BINARY_DIR) + "/tickgate-cli", "--config",
                                  gateway.config_file().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run_program(argv, {}, 60s);
  }
};

using fields = std::vector<std::pair<std::string, std::string>>;

fields entry_fields(test::redis_client& redis, const std::string& key, const std::string& id) {
  const auto reply = redis.command({"XRANGE", key, id, id});
  fields out;
  if (reply.elements.size() != 1) return out;
  const auto& kv = reply.elements[0].elements.at(1).elements;
  for (std::size_t i = 0; i + 1 < kv.size(); i += 2) out.emplace_back(kv[i].string, kv[i + 1].string);
  return out;
}

fields json_fields(const json::value& line) {
  fields out;
  for (const auto& kv : line.at("fields").as_object()) {
    out.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
  }
  return out;
}

std::vector<json::value> json_lines(const std::string& text) {
  std::vector<json::value> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

std::vector<std::string> first_ids(test::redis_client& redis, const std::string& key, std::size_t n) {
  const auto reply = redis.command({"XRANGE", key, "-", "+", "COUNT", std::to_string(n)});
  std::vector<std::string> ids;
  for (const auto& e : reply.elements) ids.push_back(e.elements.at(0).string);
  return ids;
}

std::vector<std::string> ids_of(const std::vector<json::value>& lines) {
  std::vector<std::string> ids;
  for (const auto& l : lines) ids.emplace_back(l.at("id").as_string());
  return ids;
}

std::string field(const fields& f, std::string_view name) {
  for (const auto& [k, v] : f) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(latest_prints_each_symbols_last_entry) {
  auto& w = world::get();
  const auto r = w.cli({"--json", "latest", "RELIANCE", "TCS"});
  BOOST_REQUIRE_MESSAGE(r.status == 0, r.err);
  const auto lines = json_lines(r.out);
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string symbol = i == 0 ? "RELIANCE" : "TCS";
    const std::string key = "market_data_stream:" + symbol;
    BOOST_TEST(lines[i].at("symbol").as_string() == symbol);
    BOOST_TEST(lines[i].at("stream").as_string() == key);
    const std::string id(lines[i].at("id").as_string());
    // The entry exists with exactly these fields, and it was the last one
    // when the CLI asked: the stream holds nothing older after it… only newer.
    const auto stored = entry_fields(w.streams, key, id);
    BOOST_TEST(!stored.empty());
    BOOST_TEST((json_fields(lines[i]) == stored));
    BOOST_TEST(field(stored, "symbol") == symbol);
  }
  const auto human = w.cli({"latest", "RELIANCE"});
  BOOST_TEST(human.status == 0);
  BOOST_TEST(human.out.find("market_data_stream:RELIANCE") != std::string::npos, human.out);
  BOOST_TEST(human.out.find("exchange_timestamp") != std::string::npos, human.out);
}

BOOST_AUTO_TEST_CASE(latest_without_entries_exits_3_and_says_where_it_looked) {
  auto& w = world::get();
  const auto r = w.cli({"latest", "NOSUCH"});
  BOOST_TEST(r.status == 3);
  BOOST_TEST(r.err.find("no entry in market_data_stream:NOSUCH (db 4)") != std::string::npos, r.err);
  // Without the gateway's config the CLI looks in the URL's db 0, where this
  // gateway writes no streams.
  const auto plain = test::run_program(
      {std::string(TICKGATE_BINARY_DIR) + "/tickgate-cli", "--url", w.redis.url(0), "latest", "RELIANCE"});
  BOOST_TEST(plain.status == 3, plain.err);
}

BOOST_AUTO_TEST_CASE(tail_follows_every_new_entry_in_order) {
  auto& w = world::get();
  const auto r = w.cli({"--json", "tail", "--count", "60", "RELIANCE", "TCS"});
  BOOST_REQUIRE_MESSAGE(r.status == 0, r.err);
  const auto lines = json_lines(r.out);
  BOOST_REQUIRE_EQUAL(lines.size(), 60u);
  std::map<std::string, std::int64_t> last_sequence;
  std::map<std::string, std::size_t> per_symbol;
  for (const auto& l : lines) {
    const std::string symbol(l.at("symbol").as_string());
    const std::string key(l.at("stream").as_string());
    const auto f = json_fields(l);
    BOOST_TEST((f == entry_fields(w.streams, key, std::string(l.at("id").as_string()))));
    // The simulator numbers each token's ticks 1, 2, 3…: no entry skipped.
    const std::int64_t seq = std::stoll(field(f, "sequence"));
    if (last_sequence.contains(symbol)) BOOST_TEST(seq == last_sequence[symbol] + 1, symbol);
    last_sequence[symbol] = seq;
    ++per_symbol[symbol];
  }
  BOOST_TEST(per_symbol.size() == 2u);
  const auto human = w.cli({"tail", "--count", "3", "TCS"});
  BOOST_TEST(human.status == 0);
  BOOST_TEST(human.out.find("TCS") != std::string::npos, human.out);
  BOOST_TEST(human.out.find(" ltp ") != std::string::npos, human.out);
}

BOOST_AUTO_TEST_CASE(tail_from_an_id_resumes_right_after_it) {
  auto& w = world::get();
  const auto ids = first_ids(w.streams, "market_data_stream:RELIANCE", 11);
  BOOST_REQUIRE_EQUAL(ids.size(), 11u);
  const auto r = w.cli({"--json", "tail", "--from", ids[0], "--count", "10", "RELIANCE"});
  BOOST_REQUIRE_MESSAGE(r.status == 0, r.err);
  const std::vector<std::string> expected(ids.begin() + 1, ids.end());
  BOOST_TEST(ids_of(json_lines(r.out)) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(tail_with_a_group_acks_and_resumes_with_pending_entries_first) {
  auto& w = world::get();
  const std::string key = "market_data_stream:TCS";
  const auto ids = first_ids(w.streams, key, 30);
  BOOST_REQUIRE_EQUAL(ids.size(), 30u);

  const auto first = w.cli({"--json", "tail", "--group", "g1", "--consumer", "c1", "--from", "0",
                            "--count", "15", "TCS"});
  BOOST_REQUIRE_MESSAGE(first.status == 0, first.err);
  BOOST_TEST(ids_of(json_lines(first.out)) == std::vector<std::string>(ids.begin(), ids.begin() + 15),
             boost::test_tools::per_element());
  BOOST_TEST(w.streams.command({"XPENDING", key, "g1"}).elements.at(0).integer == 0);

  const auto second = w.cli({"--json", "tail", "--group", "g1", "--consumer", "c1", "--count", "15", "TCS"});
  BOOST_REQUIRE_MESSAGE(second.status == 0, second.err);
  BOOST_TEST(ids_of(json_lines(second.out)) == std::vector<std::string>(ids.begin() + 15, ids.end()),
             boost::test_tools::per_element());

  // Another consumer of the group reads four entries and "crashes" (no XACK).
  const auto taken = w.streams.command({"XREADGROUP", "GROUP", "g1", "c2", "COUNT", "4", "STREAMS", key, ">"});
  std::vector<std::string> pending;
  for (const auto& e : taken.elements.at(0).elements.at(1).elements) pending.push_back(e.elements.at(0).string);
  BOOST_REQUIRE_EQUAL(pending.size(), 4u);
  BOOST_TEST(w.streams.command({"XPENDING", key, "g1"}).elements.at(0).integer == 4);
  // Restarted, it gets exactly those again first, and acknowledges them.
  const auto resumed = w.cli({"--json", "tail", "--group", "g1", "--consumer", "c2", "--count", "4", "TCS"});
  BOOST_REQUIRE_MESSAGE(resumed.status == 0, resumed.err);
  BOOST_TEST(ids_of(json_lines(resumed.out)) == pending, boost::test_tools::per_element());
  BOOST_TEST(w.streams.command({"XPENDING", key, "g1"}).elements.at(0).integer == 0);
}

BOOST_AUTO_TEST_CASE(tail_names_each_stream_once_and_acks_only_what_it_wrote) {
  auto& w = world::get();
  // A symbol given twice is followed once: no entry printed twice.
  const auto r = w.cli({"--json", "tail", "--from", "0", "--count", "20", "TCS", "TCS", "NIFTY"});
  BOOST_REQUIRE_MESSAGE(r.status == 0, r.err);
  auto ids = ids_of(json_lines(r.out));
  BOOST_TEST(ids.size() == 20u);
  std::sort(ids.begin(), ids.end());
  BOOST_TEST((std::adjacent_find(ids.begin(), ids.end()) == ids.end()));

  // Output that cannot be written (stdout on /dev/full): a failure, and the
  // entries it read stay pending in the group.
  const std::string key = "market_data_stream:RELIANCE";
  std::string command = std::string(TICKGATE_BINARY_DIR) + "/tickgate-cli --config " +
                        w.gateway.config_file().string() +
                        " --json tail --group gfull --consumer c1 --from 0 --count 5 RELIANCE"
                        " > /dev/full";
  const auto full = test::run_program({"/bin/sh", "-c", command}, {}, 60s);
  BOOST_TEST(full.status == 1, full.err);
  BOOST_TEST(full.err.find("cannot write the output") != std::string::npos, full.err);
  BOOST_TEST(w.streams.command({"XPENDING", key, "gfull"}).elements.at(0).integer == 5);
}

BOOST_AUTO_TEST_CASE(health_reports_latency_key_families_and_ttls) {
  auto& w = world::get();
  const auto r = w.cli({"--json", "health"});
  BOOST_REQUIRE_MESSAGE(r.status == 0, r.out << r.err);
  const auto report = json::parse(r.out).as_object();
  BOOST_TEST(report.at("status").as_string() == "healthy");
  BOOST_TEST(report.at("redis").as_string() == "healthy");
  BOOST_TEST(report.at("ping_ms").at("count").to_number<int>() == 5);
  BOOST_TEST(report.at("latency").to_number<double>() > 0.0);
  BOOST_TEST(r.out.find(password) == std::string::npos);
  std::map<std::string, json::object> families;
  for (const auto& f : report.at("families").as_array()) {
    families[std::string(f.at("family").as_string())] = f.as_object();
  }
  BOOST_REQUIRE_EQUAL(families.size(), 4u);
  BOOST_TEST(families["stream"].at("db").to_number<int>() == 4);
  BOOST_TEST(families["stream"].at("keys").to_number<std::size_t>() ==
             w.streams.keys("market_data_stream:*").size());
  BOOST_TEST(families["stream"].at("keys").to_number<int>() == 4);
  // The db map gives streams a 57600 s TTL: every key has one.
  BOOST_TEST(families["stream"].at("ttl_configured_seconds").to_number<int>() == 57600);
  BOOST_TEST(families["stream"].at("without_ttl").to_number<int>() == 0);
  BOOST_TEST(families["stream"].at("with_ttl").to_number<int>() == 4);
  BOOST_TEST(families["stream"].at("max_ttl_ms").to_number<std::int64_t>() <= 57'600'000);
  BOOST_TEST(families["lists"].at("db").to_number<int>() == 4);
  BOOST_TEST(families["lists"].at("keys").to_number<int>() == 2);  // indextick + one option token
  BOOST_TEST(families["price"].at("db").to_number<int>() == 2);
  BOOST_TEST(families["price"].at("max_ttl_ms").to_number<std::int64_t>() <= 10'000);
  BOOST_TEST(families["candles"].at("keys").to_number<std::size_t>() ==
             w.prices.keys("candle:*").size());
  bool db2 = false;
  bool db4 = false;
  for (const auto& d : report.at("databases").as_array()) {
    db2 = db2 || d.at("db").to_number<int>() == 2;
    db4 = db4 || d.at("db").to_number<int>() == 4;
  }
  BOOST_TEST(db2);
  BOOST_TEST(db4);

  // A price key without its TTL (not the gateway's doing) degrades the report.
  w.prices.command({"SET", "price:STALE", "{}"});
  const auto degraded = w.cli({"health"});
  w.prices.command({"DEL", "price:STALE"});
  BOOST_TEST(degraded.status == 4, degraded.out);
  BOOST_TEST(degraded.out.find("warning: price: 1 keys have no TTL") != std::string::npos, degraded.out);
  BOOST_TEST(degraded.out.find("ping: 5 ×") != std::string::npos, degraded.out);
}

BOOST_AUTO_TEST_CASE(keys_summarises_families_with_entries_and_bytes) {
  auto& w = world::get();
  std::int64_t before = 0;
  for (const auto& s : symbols) before += w.streams.integer({"XLEN", "market_data_stream:" + s});
  const auto r = w.cli({"--json", "keys"});
  std::int64_t after = 0;
  for (const auto& s : symbols) after += w.streams.integer({"XLEN", "market_data_stream:" + s});
  BOOST_REQUIRE_MESSAGE(r.status == 0, r.err);
  const auto doc = json::parse(r.out);
  std::map<std::string, json::object> families;
  for (const auto& f : doc.at("families").as_array()) {
    families[std::string(f.at("family").as_string())] = f.as_object();
  }
  const auto entries = families["stream"].at("entries").to_number<std::int64_t>();
  BOOST_TEST(entries >= before);
  BOOST_TEST(entries <= after);
  BOOST_TEST(families["stream"].at("bytes").to_number<std::int64_t>() > entries * 50);
  BOOST_TEST(families["candles"].at("type").as_string() == "hash");
  // Every candle hash has open, high, low, close, volume, ticks, start.
  BOOST_TEST(families["candles"].at("entries").to_number<std::int64_t>() ==
             7 * families["candles"].at("keys").to_number<std::int64_t>());
  const auto human = w.cli({"keys"});
  BOOST_TEST(human.status == 0);
  BOOST_TEST(human.out.find("market_data_stream:*") != std::string::npos, human.out);
}

BOOST_AUTO_TEST_CASE(failures_have_clear_messages_and_exit_codes) {
  auto& w = world::get();
  const std::string cli = std::string(TICKGATE_BINARY_DIR) + "/tickgate-cli";
  // Wrong password: exit 1, Redis' reason, the password never printed.
  const std::string wrong = "redis://:Wr0ngSecret@127.0.0.1:" + std::to_string(w.redis.port()) + "/0";
  const auto auth = test::run_program({cli, "--url", wrong, "latest", "RELIANCE"});
  BOOST_TEST(auth.status == 1);
  BOOST_TEST(auth.err.find("authentication failed") != std::string::npos, auth.err);
  BOOST_TEST(auth.err.find("Wr0ngSecret") == std::string::npos, auth.err);
  // REDIS_URL is used when --url is absent.
  const auto env = test::run_program({cli, "latest", "RELIANCE"}, {{"REDIS_URL", wrong}});
  BOOST_TEST(env.status == 1);
  BOOST_TEST(env.err.find("authentication failed") != std::string::npos, env.err);
  // Nothing listening.
  const auto port = test::free_loopback_port();
  const std::string closed = "redis://127.0.0.1:" + std::to_string(port);
  const auto down = test::run_program({cli, "--url", closed, "latest", "RELIANCE"});
  BOOST_TEST(down.status == 1);
  BOOST_TEST(down.err.find("cannot connect to 127.0.0.1:" + std::to_string(port)) != std::string::npos, down.err);
  const auto health = test::run_program({cli, "--url", closed, "--json", "health"});
  BOOST_TEST(health.status == 1);
  BOOST_TEST(json::parse(health.out).at("status").as_string() == "unhealthy");
  // Usage errors: exit 2, and a bad URL is not echoed.
  BOOST_TEST(test::run_program({cli}).status == 2);
  BOOST_TEST(test::run_program({cli, "latest"}).status == 2);
  BOOST_TEST(test::run_program({cli, "frobnicate"}).status == 2);
  BOOST_TEST(test::run_program({cli, "tail", "--group", "g", "RELIANCE"}).status == 2);
  BOOST_TEST(test::run_program({cli, "--per-key", "health"}).status == 2);
  const auto bad = test::run_program({cli, "--url", "http://user:S3cretish@host", "keys"});
  BOOST_TEST(bad.status == 2);
  BOOST_TEST(bad.err.find("S3cretish") == std::string::npos, bad.err);
  const auto missing = test::run_program({cli, "--config", "/nonexistent/tickgate.json", "keys"});
  BOOST_TEST(missing.status == 2);
  BOOST_TEST(missing.err.find("cannot read config file") != std::string::npos, missing.err);
}

// The gateway's <NAME>_FILE rules (gateway/environment.hpp), so that the CLI
// works in the compose deployment's gateway container, where REDIS_URL has
// no password and REDIS_PASSWORD_FILE names the secret.
BOOST_AUTO_TEST_CASE(the_redis_password_can_come_from_a_file) {
  auto& w = world::get();
  const std::string cli = std::string(TICKGATE_BINARY_DIR) + "/tickgate-cli";
  test::temp_dir dir("tickgate-cli-secrets");
  const auto password_file = dir.path() / "redis_password";
  std::ofstream(password_file) << password << "\n";
  const std::string bare_url = "redis://127.0.0.1:" + std::to_string(w.redis.port()) + "/0";
  const auto url_file = dir.path() / "redis_url";
  std::ofstream(url_file) << bare_url << "\n";
  const auto latest = [&](std::vector<std::pair<std::string, std::string>> env,
                          std::vector<std::string> options = {}) {
    std::vector<std::string> argv{cli, "--config", w.gateway.config_file().string()};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"latest", "RELIANCE"});
    return test::run_program(argv, std::move(env), 60s);
  };
  // The URL alone has no password: refused.
  auto r = latest({{"REDIS_URL", bare_url}});
  BOOST_TEST(r.status == 1, r.err);
  // With the file's password: the entry.
  r = latest({{"REDIS_URL", bare_url}, {"REDIS_PASSWORD_FILE", password_file.string()}});
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(r.out.find("RELIANCE") != std::string::npos, r.out);
  r = latest({{"REDIS_URL_FILE", url_file.string()}, {"REDIS_PASSWORD_FILE", password_file.string()}});
  BOOST_TEST(r.status == 0, r.err);
  r = latest({{"REDIS_PASSWORD_FILE", password_file.string()}}, {"--url", bare_url});
  BOOST_TEST(r.status == 0, r.err);
  // Errors: exit 2, naming the variable (and path), never a password.
  r = latest({{"REDIS_PASSWORD_FILE", password_file.string()}});  // the config's URL carries one
  BOOST_TEST(r.status == 2);
  BOOST_TEST(r.err.find("env REDIS_PASSWORD_FILE: is set, but the Redis URL in force carries a password too") !=
                 std::string::npos,
             r.err);
  r = latest({{"REDIS_URL", bare_url}, {"REDIS_PASSWORD", password}, {"REDIS_PASSWORD_FILE", password_file.string()}});
  BOOST_TEST(r.status == 2);
  BOOST_TEST(r.err.find("env REDIS_PASSWORD_FILE: is set together with REDIS_PASSWORD") != std::string::npos, r.err);
  const auto nowhere = (dir.path() / "no-such-file").string();
  r = latest({{"REDIS_URL", bare_url}, {"REDIS_PASSWORD_FILE", nowhere}});
  BOOST_TEST(r.status == 2);
  BOOST_TEST(r.err.find("env REDIS_PASSWORD_FILE: cannot read " + nowhere) != std::string::npos, r.err);
  for (const auto* text : {&r.out, &r.err}) BOOST_TEST(text->find(password) == std::string::npos);
}

// rediss://: the CLI verifies the server against the CA named in the URL
// (and shows its client certificate when the server asks for one); without
// the CA, the default trust store refuses the test CA's server, with the
// reason, exit 1.
BOOST_AUTO_TEST_CASE(rediss_verifies_the_server_and_presents_a_client_certificate) {
  test::redis_server_options o;
  o.tls = true;
  o.tls_auth_clients = true;
  test::redis_server redis(o);
  test::redis_client writer(redis.url());
  writer.command({"XADD", "market_data_stream:RELIANCE", "*", "symbol", "RELIANCE", "ltp",
                  "2456.75", "sequence", "7"});
  const std::string cli = std::string(TICKGATE_BINARY_DIR) + "/tickgate-cli";

  const auto ok = test::run_program({cli, "--url", redis.url(), "--json", "latest", "RELIANCE"});
  BOOST_REQUIRE_MESSAGE(ok.status == 0, ok.err);
  const auto lines = json_lines(ok.out);
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(field(json_fields(lines[0]), "ltp") == "2456.75");
  BOOST_TEST(field(json_fields(lines[0]), "sequence") == "7");

  const std::string host = "rediss://127.0.0.1:" + std::to_string(redis.port()) + "/0";
  const auto untrusted = test::run_program({cli, "--url", host, "latest", "RELIANCE"});
  BOOST_TEST(untrusted.status == 1);
  BOOST_TEST(untrusted.err.find("certificate") != std::string::npos, untrusted.err);
  BOOST_TEST(untrusted.out.find("2456.75") == std::string::npos);

  // The CA but no client certificate: the server refuses the handshake.
  const auto anonymous = test::run_program(
      {cli, "--url", host + "?ca_file=" + redis.tls().ca_cert.string(), "latest", "RELIANCE"});
  BOOST_TEST(anonymous.status == 1, anonymous.err);
  BOOST_TEST(anonymous.out.find("2456.75") == std::string::npos);
}

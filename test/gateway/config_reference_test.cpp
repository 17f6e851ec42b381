// The README's configuration reference stays true: every key the config code
// parses (gateway/config.cpp, storage/storage_config.cpp, observed through
// parse_config's key_observer while it walks deploy/examples/full-config.json)
// is in the full example and in the README's "Configuration reference" table,
// every documented key is parsed, every environment variable the parser reads
// is documented, and a wrong value at any key is reported with that key's path
// (also through `tickgate --check-config`, exit status 2).
#define BOOST_TEST_MODULE config_reference
#include <boost/test/unit_test.hpp>

#include "gateway/config.hpp"
#include "test/support/process.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <regex>
#include <set>

using namespace tickgate;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::filesystem::path source_dir = TICKGATE_SOURCE_DIR;
const std::filesystem::path examples_dir = source_dir / "deploy" / "examples";

struct observed {
  std::set<std::string> keys;  // every key path the parser knows
  std::set<std::string> env;   // every environment variable it asked for
  std::optional<gateway::config_error> error;
};

// The full example with angel.ca_file pointed at a file that exists (the
// example names /etc/tickgate/extra-ca.pem).
json::value full_example(const test::temp_dir& dir) {
  json::value doc = json::parse(test::read_file(examples_dir / "full-config.json"));
  const auto ca = dir.path() / "ca.pem";
  std::ofstream(ca) << "not read while parsing\n";
  doc.at("angel").as_object()["ca_file"] = ca.string();
  return doc;
}

observed parse(const json::value& doc) {
  observed out;
  const gateway::env_lookup env = [&out](std::string_view name) -> std::optional<std::string> {
    out.env.emplace(name);
    return std::nullopt;
  };
  const auto result = gateway::parse_config(json::serialize(doc), examples_dir, env,
                                            [&out](std::string_view key) { out.keys.emplace(key); });
  if (const auto* e = std::get_if<gateway::config_error>(&result)) out.error = *e;
  return out;
}

// Keys that are values, not sections: no other key lies under them with a ".".
// ("instruments.subscribe" stays: its elements are values too.)
std::set<std::string> leaves(const std::set<std::string>& keys) {
  std::set<std::string> out;
  for (const auto& k : keys) {
    const bool section = std::any_of(keys.begin(), keys.end(),
                                     [&](const std::string& o) { return o.starts_with(k + "."); });
    if (!section) out.insert(k);
  }
  return out;
}

// The key paths a document holds, stopping at the parser's leaves.
void present(const json::value& v, const std::string& path, const std::set<std::string>& leaf_keys,
             std::set<std::string>& out) {
  if (v.is_object() && !leaf_keys.contains(path)) {
    for (const auto& kv : v.as_object()) {
      present(kv.value(), path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key()),
              leaf_keys, out);
    }
    return;
  }
  out.insert(path);
  if (v.is_array()) {
    for (const auto& e : v.as_array()) {
      if (e.is_object()) present(e, path + "[]", leaf_keys, out);
    }
  }
}

std::string readme_reference() {
  const std::string readme = test::read_file(source_dir / "README.md");
  const auto start = readme.find("\n## Configuration reference");
  BOOST_REQUIRE_MESSAGE(start != std::string::npos, "README.md has no \"## Configuration reference\"");
  const auto end = readme.find("\n## ", start + 1);
  return readme.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// First-column keys of the reference tables: "| `feed.ping_interval_ms` | …".
std::set<std::string> documented_keys(const std::string& section) {
  std::set<std::string> out;
  const std::regex row(R"(\n\| `([a-z_0-9.\[\]]+)` \|)");
  for (std::sregex_iterator it(section.begin(), section.end(), row), end; it != end; ++it) {
    out.insert((*it)[1]);
  }
  return out;
}

// The value at `path` ("a.b[].c": the first element of b that holds c).
json::value* at_path(json::value& doc, const std::string& path) {
  json::value* v = &doc;
  std::size_t pos = 0;
  while (pos < path.size()) {
    auto dot = path.find('.', pos);
    std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    const bool element = part.ends_with("[]");
    if (element) part.resize(part.size() - 2);
    if (!v->is_object()) return nullptr;
    v = v->as_object().if_contains(part);
    if (v == nullptr) return nullptr;
    if (element) {
      if (!v->is_array()) return nullptr;
      json::value* found = nullptr;
      const std::string rest = dot == std::string::npos ? "" : path.substr(dot + 1);
      for (auto& e : v->as_array()) {
        if (e.is_object() && e.as_object().contains(rest.substr(0, rest.find('.')))) {
          found = &e;
          break;
        }
      }
      if (found == nullptr) return nullptr;
      v = found;
    }
    pos = dot == std::string::npos ? path.size() : dot + 1;
  }
  return v;
}

std::string without_indices(const std::string& path) {
  return std::regex_replace(path, std::regex(R"(\[[0-9]+\])"), "[]");
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_full_example_parses_and_holds_every_key) {
  test::temp_dir dir("tickgate-config-ref");
  const auto doc = full_example(dir);
  const auto seen = parse(doc);
  BOOST_REQUIRE_MESSAGE(!seen.error, "full-config.json: " << seen.error->to_string());
  const auto keys = leaves(seen.keys);
  BOOST_TEST(keys.size() > 80u);  // every section was walked
  std::set<std::string> in_example;
  present(doc, "", keys, in_example);
  for (const auto& k : keys) {
    BOOST_TEST_CONTEXT(k) { BOOST_TEST(in_example.contains(k), "missing from full-config.json"); }
  }
  for (const auto& k : in_example) {
    BOOST_TEST_CONTEXT(k) { BOOST_TEST(keys.contains(k), "in full-config.json but not parsed"); }
  }
}

BOOST_AUTO_TEST_CASE(the_readme_reference_lists_every_parsed_key_and_no_other) {
  test::temp_dir dir("tickgate-config-ref");
  const auto keys = leaves(parse(full_example(dir)).keys);
  const auto documented = documented_keys(readme_reference());
  for (const auto& k : keys) {
    BOOST_TEST_CONTEXT(k) { BOOST_TEST(documented.contains(k), "missing from the README reference"); }
  }
  for (const auto& k : documented) {
    BOOST_TEST_CONTEXT(k) { BOOST_TEST(keys.contains(k), "documented but not parsed"); }
  }
}

BOOST_AUTO_TEST_CASE(the_readme_reference_lists_every_environment_override) {
  test::temp_dir dir("tickgate-config-ref");
  const auto env = parse(full_example(dir)).env;
  BOOST_TEST(env.size() >= 11u);
  const std::string section = readme_reference();
  for (const auto& name : env) {
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(section.find("`" + name + "`") != std::string::npos, "not documented");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_wrong_value_at_any_key_is_reported_at_that_key) {
  test::temp_dir dir("tickgate-config-ref");
  const auto good = full_example(dir);
  const auto keys = leaves(parse(good).keys);
  for (const auto& k : keys) {
    BOOST_TEST_CONTEXT(k) {
      json::value doc = good;
      json::value* v = at_path(doc, k);
      BOOST_REQUIRE(v != nullptr);
      // A value of the wrong type: an object where a value or list goes, a
      // string where an object goes.
      if (v->is_object()) *v = "not an object";
      else *v = json::object{{"wrong", true}};
      const auto seen = parse(doc);
      BOOST_REQUIRE(seen.error.has_value());
      const std::string path = without_indices(seen.error->path);
      BOOST_TEST((path == k || path.starts_with(k + ".") || path.starts_with(k + "[")),
                 "error at \"" << seen.error->path << "\": " << seen.error->message);
    }
  }
}

BOOST_AUTO_TEST_CASE(check_config_names_the_bad_key_and_exits_2) {
  test::temp_dir dir("tickgate-config-ref");
  const auto tickgate = std::string(TICKGATE_BINARY_DIR) + "/tickgate";
  const auto run = [&](const json::value& doc, const std::string& name) {
    const auto config = dir.path() / (name + ".json");
    const auto output = dir.path() / (name + ".out");
    std::ofstream(config) << json::serialize(doc);
    test::child_process p({{tickgate, "--check-config", config.string()}, {}, output, examples_dir});
    const auto status = p.wait_for_exit(30s);
    BOOST_REQUIRE(status.has_value());
    return std::pair{*status, test::read_file(output)};
  };
  // The full example, its relative paths resolved against the config file's
  // directory: copy the data next to it.
  json::value doc = full_example(dir);
  auto& instruments = doc.at("instruments").as_object();
  instruments["scrip_master"] = (source_dir / "deploy/data/OpenAPIScripMaster.sample.json").string();
  instruments["symbols_csv"] = (source_dir / "deploy/data/symbols_to_trade.csv").string();
  const auto [ok_status, ok_output] = run(doc, "good");
  BOOST_TEST(ok_status == 0, ok_output);
  BOOST_TEST(ok_output.find("config OK") != std::string::npos, ok_output);

  json::value bad = doc;
  bad.at("redis").at("sinks").at("candles").as_object()["timeframes"] = json::array{"1m", "7x"};
  const auto [bad_status, bad_output] = run(bad, "bad");
  BOOST_TEST(bad_status == 2);
  BOOST_TEST(bad_output.find("config error: redis.sinks.candles.timeframes[1]:") != std::string::npos,
             bad_output);

  json::value secret = doc;
  secret.at("angel").as_object()["totp_secret"] = "not-base32-Sup3rS3cret!";
  const auto [secret_status, secret_output] = run(secret, "secret");
  BOOST_TEST(secret_status == 2);
  BOOST_TEST(secret_output.find("angel.totp_secret") != std::string::npos, secret_output);
  BOOST_TEST(secret_output.find("Sup3rS3cret") == std::string::npos, secret_output);
}

// tickgate-cli: reads what the gateway wrote to Redis, the way its consumers
// do (commands.hpp). Where Redis is: --url, else REDIS_URL (or
// REDIS_URL_FILE), else the "redis" section of --config FILE (the gateway's
// own config, which also gives the sinks' key prefixes, databases and TTLs),
// else redis://127.0.0.1:6379/0; REDIS_PASSWORD (or REDIS_PASSWORD_FILE)
// gives a URL without a password its password, as for the gateway.
// Exit codes: commands.hpp exit_code.
#include "gateway/cli/commands.hpp"
#include "gateway/cli/sync_client.hpp"
#include "gateway/environment.hpp"

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;
using namespace tickgate;
using namespace tickgate::gateway::cli;

namespace {

constexpr const char* usage_text =
    "usage: tickgate-cli [--url URL | --config FILE] [--json] [--timeout-ms N] COMMAND …\n"
    "  tail SYMBOL…    follow the symbols' streams (XREAD BLOCK) from now or --from ID;\n"
    "                  --group G --consumer C: a consumer group (pending entries first, XACK)\n"
    "                  --count N, --duration SECONDS: stop after N entries / that long\n"
    "  latest SYMBOL…  the last stream entry of each symbol\n"
    "  health          PING latency, keyspace per db, key counts and TTLs per family\n"
    "  keys            tickgate's key families: keys, entries, bytes (SCAN)\n";

void on_signal(int) { stop_requested = 1; }

// Exit code 2 with a message.
struct usage_error {
  std::string message;
};

storage::storage_config load_redis_section(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error{"cannot read config file " + path};
  std::ostringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const auto doc = boost::json::parse(text.str(), ec);
  if (ec) throw usage_error{path + ": not valid JSON: " + ec.message()};
  if (!doc.is_object()) throw usage_error{path + ": must be a JSON object"};
  const auto* redis = doc.as_object().if_contains("redis");
  std::string detail;
  const boost::json::value empty = boost::json::object{};
  auto parsed = storage::parse_storage_config(redis != nullptr ? *redis : empty, &detail);
  if (!parsed) throw usage_error{path + ": " + (detail.empty() ? parsed.error().message() : detail)};
  return *parsed;
}

storage::redis_endpoint endpoint_from(const std::string& url, const std::string& origin) {
  auto ep = storage::parse_redis_url(url);
  // Never echo the URL: it may hold a password.
  if (!ep) throw usage_error{origin + " is not a valid redis:// or rediss:// URL: " + ep.error().message()};
  return *ep;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options("options");
  options.add_options()
      ("url", po::value<std::string>(), "redis://[user:password@]host:port/db (or REDIS_URL)")
      ("config", po::value<std::string>(), "the gateway's config file: its \"redis\" section")
      ("json", "machine-readable output")
      ("timeout-ms", po::value<int>()->default_value(5000), "bound on connecting and on each reply")
      ("group", po::value<std::string>(), "tail: consumer group (XREADGROUP)")
      ("consumer", po::value<std::string>(), "tail: consumer name in --group")
      ("from", po::value<std::string>(), "tail: start after this entry ID ($: the current end)")
      ("count", po::value<std::uint64_t>()->default_value(0), "tail: stop after N entries")
      ("duration", po::value<double>(), "tail: stop after this many seconds")
      ("block-ms", po::value<int>()->default_value(1000), "tail: XREAD BLOCK per call")
      ("pings", po::value<int>()->default_value(5), "health: PINGs to time")
      ("ttl-sample", po::value<std::size_t>()->default_value(1000), "health: keys per family whose TTL is read")
      ("per-key", "keys: list every key")
      ("help", "print this help");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())(
      "args", po::value<std::vector<std::string>>()->composing());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1).add("args", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "tickgate-cli: " << e.what() << "\n" << usage_text;
    return exit_usage;
  }
  if (vm.contains("help")) {
    std::cout << usage_text << options;
    return exit_ok;
  }

  try {
    if (!vm.contains("command")) throw usage_error{"a command is required"};
    const std::string command = vm["command"].as<std::string>();
    const auto args = vm.contains("args") ? vm["args"].as<std::vector<std::string>>()
                                          : std::vector<std::string>{};
    common_options common;
    common.json = vm.contains("json");
    const int timeout_ms = vm["timeout-ms"].as<int>();
    if (timeout_ms <= 0) throw usage_error{"--timeout-ms must be positive"};
    common.timeout = std::chrono::milliseconds(timeout_ms);
    if (vm.contains("config")) {
      common.redis = load_redis_section(vm["config"].as<std::string>());
    } else {
      common.redis = *storage::parse_storage_config(boost::json::object{});
    }
    // The gateway's rules (environment.hpp): REDIS_URL or REDIS_URL_FILE, then
    // REDIS_PASSWORD or REDIS_PASSWORD_FILE for a URL without a password (in
    // the gateway's container: `docker compose exec tickgate tickgate-cli …`).
    // An empty variable counts as unset here.
    const gateway::env_lookup env = [](std::string_view name) -> std::optional<std::string> {
      const char* v = std::getenv(std::string(name).c_str());
      if (v == nullptr || *v == '\0') return std::nullopt;
      return std::string(v);
    };
    const auto fail_on = [](const gateway::env_error& e) {
      throw usage_error{"env " + e.variable + ": " + e.message};
    };
    auto& endpoint = common.redis.connection.endpoint;
    if (vm.contains("url")) {
      endpoint = endpoint_from(vm["url"].as<std::string>(), "--url");
    } else {
      auto url = gateway::read_env_or_file(env, "REDIS_URL");
      if (const auto* e = std::get_if<gateway::env_error>(&url)) fail_on(*e);
      if (const auto* v = std::get_if<gateway::env_value>(&url)) endpoint = endpoint_from(v->value, v->origin);
    }
    if (auto e = gateway::apply_redis_password(env, endpoint)) fail_on(*e);

    const auto only_for = [&](std::initializer_list<const char*> names, std::string_view cmd) {
      for (const char* n : names) {
        if (!vm[n].defaulted() && vm.contains(n) && command != cmd) {
          throw usage_error{std::string("--") + n + " is an option of `" + std::string(cmd) + "`"};
        }
      }
    };
    only_for({"group", "consumer", "from", "count", "duration", "block-ms"}, "tail");
    only_for({"pings", "ttl-sample"}, "health");
    only_for({"per-key"}, "keys");

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);

    if (command == "tail") {
      tail_options t;
      t.symbols = args;
      if (t.symbols.empty()) throw usage_error{"tail needs at least one SYMBOL"};
      if (vm.contains("group") != vm.contains("consumer")) {
        throw usage_error{"--group and --consumer go together"};
      }
      if (vm.contains("group")) {
        t.group = vm["group"].as<std::string>();
        t.consumer = vm["consumer"].as<std::string>();
        if (t.group.empty() || t.consumer.empty()) throw usage_error{"--group and --consumer must not be empty"};
      }
      if (vm.contains("from")) t.from = vm["from"].as<std::string>();
      t.count = vm["count"].as<std::uint64_t>();
      if (vm.contains("duration")) {
        const double s = vm["duration"].as<double>();
        if (!(s > 0)) throw usage_error{"--duration must be positive"};
        t.duration = std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000));
      }
      const int block = vm["block-ms"].as<int>();
      if (block <= 0) throw usage_error{"--block-ms must be positive"};
      t.block = std::chrono::milliseconds(block);
      return run_tail(common, t, std::cout);
    }
    if (command == "latest") {
      if (args.empty()) throw usage_error{"latest needs at least one SYMBOL"};
      return run_latest(common, args, std::cout, std::cerr);
    }
    if (command == "health") {
      if (!args.empty()) throw usage_error{"health takes no arguments"};
      health_options h;
      h.pings = vm["pings"].as<int>();
      if (h.pings < 1) throw usage_error{"--pings must be at least 1"};
      h.ttl_sample = vm["ttl-sample"].as<std::size_t>();
      return run_health(common, h, std::cout);
    }
    if (command == "keys") {
      if (!args.empty()) throw usage_error{"keys takes no arguments"};
      keys_options k;
      k.per_key = vm.contains("per-key");
      return run_keys(common, k, std::cout);
    }
    throw usage_error{"unknown command `" + command + "`"};
  } catch (const usage_error& e) {
    std::cerr << "tickgate-cli: " << e.message << "\n" << usage_text;
    return exit_usage;
  } catch (const redis_failure& e) {
    std::cerr << "tickgate-cli: " << e.what() << "\n";
    return exit_failure;
  } catch (const std::exception& e) {
    std::cerr << "tickgate-cli: " << e.what() << "\n";
    return exit_failure;
  }
}

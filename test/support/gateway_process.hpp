// The tickgate binary as a child process for integration tests, wired to a
// test redis-server and the simulator (test/gateway/end_to_end_test.cpp shows
// the same set-up written out): a config file in a temp dir, the demo
// instrument master, the log captured in a file. Tests that read what the
// gateway wrote (tickgate-cli, the Python consumer examples) start one.
#pragma once

#include "test/support/process.hpp"
#include "test/support/redis_server.hpp"
#include "test/support/simulator.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tickgate::test {

struct gateway_process {
  temp_dir dir{"tickgate-gateway"};
  std::filesystem::path config_file = dir.path() / "config.json";
  std::filesystem::path log = dir.path() / "tickgate.log";
  std::optional<child_process> process;

  // `subscribe`: the config's instruments.subscribe; `redis`: the "redis"
  // section (its "url" is set to the server's); `http`: the "http" section
  // (default: disabled).
  gateway_process(const simulator& sim, const redis_server& redis, boost::json::array subscribe,
                  boost::json::object redis_section = {},
                  boost::json::object http = {{"enabled", false}}) {
    redis_section["url"] = redis.url();
    const boost::json::object cfg{
        {"angel",
         {{"api_key", sim.credentials().api_key},
          {"client_code", sim.credentials().client_code},
          {"pin", sim.credentials().pin},
          {"totp_secret", sim.credentials().totp_secret},
          {"login_url", sim.login_base_url()},
          {"feed_url", sim.feed_url()},
          {"ca_file", sim.ca_file().string()}}},
        {"feed", {{"stall_market_hours_only", false}}},
        {"instruments",
         {{"scrip_master",
           std::string(TICKGATE_SOURCE_DIR) + "/deploy/data/OpenAPIScripMaster.sample.json"},
          {"subscribe", std::move(subscribe)}}},
        {"redis", std::move(redis_section)},
        {"http", std::move(http)},
    };
    std::ofstream(config_file) << boost::json::serialize(cfg);
    process.emplace(process_options{
        {std::string(TICKGATE_BINARY_DIR) + "/tickgate", "--config", config_file.string()},
        {},
        log,
        {}});
  }

  // SIGTERM (drain) and the exit status.
  int stop() { return process->stop(std::chrono::seconds(10)); }
};

// A program run to completion (bounded): its exit status and output.
struct run_result {
  int status = -1;  // 128 + signal when killed; -1 when it outlived the bound (then killed)
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs argv (argv[0] an absolute path) with `env` added, stdout and stderr
// captured separately, killed after `bound`.
inline run_result run_program(const std::vector<std::string>& argv,
                              std::vector<std::pair<std::string, std::string>> env = {},
                              std::chrono::milliseconds bound = std::chrono::seconds(60)) {
  temp_dir dir{"tickgate-run"};
  const auto out = dir.path() / "stdout";
  const auto err = dir.path() / "stderr";
  std::vector<std::string> wrapped{"/bin/sh", "-c", "exec \"$@\" 2>\"$0\"", err.string()};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  child_process p(process_options{std::move(wrapped), std::move(env), out, {}});
  run_result r;
  if (const auto status = p.wait_for_exit(bound)) r.status = *status;
  else p.stop(std::chrono::seconds(1));
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

}  // namespace tickgate::test

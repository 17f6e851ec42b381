// The gateway as a child process for process-level tests (reliability,
// security, soak; tickgate-cli, the Python consumer examples and the deploy
// healthcheck read what it wrote): writes a config for a running simulator
// and redis-server (test/gateway/end_to_end_test.cpp writes the same set-up
// out by hand, as the spec by example), starts build/tickgate with
// stdout+stderr captured to a file, and reads that JSON-lines log back. Tests then assert on what reached Redis with
// test::redis_client, never on the gateway's own account of it.
//
//   test::redis_server redis;
//   test::simulator sim;
//   test::tickgate_process gateway(sim, redis.url(), {.config = {{"redis", {{"buffer_limit_bytes", 8192}}}}});
//   gateway.wait_for_log("connected", 30s);
//   int status = gateway.stop();          // SIGTERM, exit status
#pragma once

#include "test/support/process.hpp"
#include "test/support/simulator.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tickgate::test {

struct gateway_instrument {
  std::string symbol;    // as in deploy/data/OpenAPIScripMaster.sample.json
  std::string exchange;  // "NSE", "NFO"
  std::string mode;      // "ltp", "quote", "snap_quote", "depth_20"
};

struct gateway_options {
  std::vector<gateway_instrument> instruments{
      {"RELIANCE", "NSE", "ltp"}, {"TCS", "NSE", "ltp"}, {"INFY", "NSE", "ltp"}};
  // Merged into the generated config, object by object (a value replaces,
  // an object merges): {{"redis", {{"buffer_limit_bytes", 8192}}}}.
  boost::json::object config;
  // Extra environment for the process (e.g. {"ANGEL_PIN", "…"}).
  std::vector<std::pair<std::string, std::string>> env;
  // Give the simulator's CA file to the gateway (false: the default trust
  // store only, which does not know the simulator's self-signed certificate).
  bool trust_simulator_ca = true;
};

// The generated config before `options.config` is merged in: the simulator's
// URLs and credentials, the sample scrip master, options.instruments, every
// sink on, REST off, stalls expected at any hour, short Redis backoff.
boost::json::object gateway_base_config(const simulator& sim, std::string_view redis_url,
                                        const gateway_options& options);

// Deep merge: objects merge key by key, anything else replaces.
void merge_json(boost::json::object& into, const boost::json::object& from);

class tickgate_process {
public:
  tickgate_process(const simulator& sim, std::string_view redis_url, gateway_options options = {});
  tickgate_process(const tickgate_process&) = delete;
  tickgate_process& operator=(const tickgate_process&) = delete;

  child_process& process() noexcept { return *process_; }
  const std::filesystem::path& config_file() const noexcept { return config_file_; }
  const std::filesystem::path& log_file() const noexcept { return log_file_; }

  // Everything the process wrote so far.
  std::string log() const { return read_file(log_file_); }
  // The log lines that parse as JSON objects, in order.
  std::vector<boost::json::object> log_lines() const;
  // Lines whose "msg" is `msg` (and, when given, whose "component" is `component`).
  std::vector<boost::json::object> log_messages(std::string_view msg,
                                                std::string_view component = {}) const;
  // Polls the log until a line with that msg (and component) appears.
  bool wait_for_log(std::string_view msg, std::chrono::milliseconds timeout,
                    std::string_view component = {}) const;

  // SIGTERM; the exit status once it exits within `timeout`, nullopt if not.
  std::optional<int> terminate(std::chrono::milliseconds timeout);

private:
  temp_dir dir_{"tickgate-gateway"};
  std::filesystem::path config_file_;
  std::filesystem::path log_file_;
  std::optional<child_process> process_;
};

}  // namespace tickgate::test

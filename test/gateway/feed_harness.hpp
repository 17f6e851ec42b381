// In-process gateway for feed fault tests: the real composition root
// (gateway::app: feed, router, sinks, Redis pool) on an io_context driven by
// the test thread, against a real redis-server and the simulator process.
// In-process so a test can read the feed's own counters; everything it talks
// to is real.
#pragma once

#include "gateway/app.hpp"
#include "gateway/config.hpp"
#include "gateway/instruments.hpp"
#include "test/support/process.hpp"
#include "test/support/redis_client.hpp"
#include "test/support/redis_server.hpp"
#include "test/support/simulator.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tickgate::test {

// Feed timings short enough for tests: ping 300 ms, idle 1.2 s, backoff
// 100 ms–800 ms, 429 backoff 1 s.
inline boost::json::object fast_feed_config() {
  return {{"ping_interval_ms", 300},      {"idle_timeout_ms", 1200},
          {"stall_timeout_ms", 0},        {"stall_market_hours_only", false},
          {"connect_timeout_ms", 3000},   {"backoff_initial_ms", 100},
          {"backoff_max_ms", 800},        {"rate_limited_backoff_ms", 1000}};
}

struct harness_options {
  simulator_options sim;
  boost::json::object feed = fast_feed_config();
  boost::json::object angel_extra;  // e.g. {"auth_header": "raw"}
  // Instruments by symbol/exchange/mode, or by token.
  boost::json::array subscribe{
      boost::json::object{{"symbol", "NIFTY"}, {"exchange", "NSE"}, {"mode", "quote"}},
      boost::json::object{{"symbol", "RELIANCE"}, {"exchange", "NSE"}, {"mode", "snap_quote"}},
      boost::json::object{{"symbol", "NIFTY26NOV2624000CE"}, {"exchange", "NFO"}, {"mode", "ltp"}},
  };
};

class feed_harness {
public:
  explicit feed_harness(harness_options options = {})
      : sim_(std::make_unique<simulator>(options.sim)) {
    boost::json::object angel{{"api_key", sim_->credentials().api_key},
                              {"client_code", sim_->credentials().client_code},
                              {"pin", sim_->credentials().pin},
                              {"totp_secret", sim_->credentials().totp_secret},
                              {"login_url", sim_->login_base_url()},
                              {"feed_url", sim_->feed_url()}};
    if (sim_->tls()) angel["ca_file"] = sim_->ca_file().string();
    for (const auto& kv : options.angel_extra) angel[kv.key()] = kv.value();
    const boost::json::object cfg{
        {"angel", angel},
        {"feed", options.feed},
        {"instruments",
         {{"scrip_master", std::string(TICKGATE_SOURCE_DIR) + "/deploy/data/OpenAPIScripMaster.sample.json"},
          {"subscribe", options.subscribe}}},
        {"redis", {{"url", redis_.url()}}},
        {"http", {{"enabled", false}}},
        {"log", {{"level", "warn"}}},
    };
    auto parsed = gateway::parse_config(boost::json::serialize(cfg), TICKGATE_SOURCE_DIR,
                                        [](std::string_view) { return std::optional<std::string>(); });
    if (auto* e = std::get_if<gateway::config_error>(&parsed)) {
      BOOST_FAIL("config: " << e->to_string());
    }
    config_ = std::get<gateway::config>(std::move(parsed));
    auto index = gateway::load_instrument_index(config_.instruments);
    BOOST_REQUIRE(std::holds_alternative<protocol::instrument_index>(index));
    auto subs = gateway::resolve_startup_subscriptions(
        config_, std::get<protocol::instrument_index>(index));
    BOOST_REQUIRE(std::holds_alternative<std::vector<gateway::desired_subscription>>(subs));
    initial_ = std::get<std::vector<gateway::desired_subscription>>(std::move(subs));
    app_ = std::make_unique<gateway::app>(io_, config_, std::get<protocol::instrument_index>(std::move(index)));
  }

  ~feed_harness() {
    if (app_ && started_) {
      bool done = false;
      boost::asio::co_spawn(io_, app_->shutdown(), [&](std::exception_ptr, bool) { done = true; });
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!done && std::chrono::steady_clock::now() < deadline) io_.run_for(std::chrono::milliseconds(20));
    }
  }

  void start() {
    BOOST_REQUIRE(!app_->start(initial_).has_value());
    started_ = true;
  }

  // Runs the gateway until `predicate` holds or `timeout` passes.
  template <class Predicate>
  bool run_until(Predicate&& predicate, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (predicate()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io_.run_for(std::chrono::milliseconds(10));
    }
  }
  void run_for(std::chrono::milliseconds d) { io_.run_for(d); }

  gateway::app& app() { return *app_; }
  gateway::feed& feed() { return app_->market_feed(); }
  simulator& sim() { return *sim_; }
  redis_server& redis() { return redis_; }
  const std::vector<gateway::desired_subscription>& initial() const { return initial_; }

  std::uint64_t sum(std::uint64_t gateway::feed_connection_stats::*field) {
    std::uint64_t n = 0;
    for (const auto& s : feed().connection_stats()) n += s.*field;
    return n;
  }
  std::uint64_t ticks() { return app_->router().stats().routed_total; }

  // Whether the simulator sees exactly `expected` (exchangeType:token)
  // subscribed across its open connections, each on one connection only.
  bool sim_subscriptions_are(const std::set<std::string>& expected) {
    const auto stats = sim_->stats().as_object();
    std::multiset<std::string> seen;
    for (const auto& c : stats.at("connections").as_array()) {
      if (c.at("state").as_string() != "open") continue;
      for (const auto& s : c.at("subscriptions").as_array()) {
        seen.insert(std::to_string(s.at("exchange_type").to_number<int>()) + ":" +
                    std::string(s.at("token").as_string()));
      }
    }
    return std::set<std::string>(seen.begin(), seen.end()) == expected && seen.size() == expected.size();
  }

  std::set<std::string> desired_keys() const {
    std::set<std::string> out;
    for (const auto& s : initial_) out.insert(std::to_string(s.key.exchange_type) + ":" + s.key.token);
    return out;
  }

  // Sim-side stats without the io_context running would stall the gateway
  // for the duration of the HTTP call; calls are short (loopback) and the
  // gateway tolerates it, but tests keep them out of tight loops.
  std::uint64_t sim_counter(std::string_view section, std::string_view name) {
    return sim_->stats().at(section).at(name).to_number<std::uint64_t>();
  }

private:
  redis_server redis_;
  std::unique_ptr<simulator> sim_;
  boost::asio::io_context io_{1};
  gateway::config config_;
  std::vector<gateway::desired_subscription> initial_;
  std::unique_ptr<gateway::app> app_;
  bool started_ = false;
};

}  // namespace tickgate::test

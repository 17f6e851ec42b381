#include "test/support/tickgate_process.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <csignal>
#include <fstream>
#include <sstream>

namespace tickgate::test {

namespace json = boost::json;

void merge_json(json::object& into, const json::object& from) {
  for (const auto& kv : from) {
    auto* existing = into.if_contains(kv.key());
    if (existing != nullptr && existing->is_object() && kv.value().is_object()) {
      merge_json(existing->as_object(), kv.value().as_object());
    } else {
      into[kv.key()] = kv.value();
    }
  }
}

json::object gateway_base_config(const simulator& sim, std::string_view redis_url,
                                 const gateway_options& options) {
  json::array subscribe;
  for (const auto& i : options.instruments) {
    subscribe.push_back(json::object{{"symbol", i.symbol}, {"exchange", i.exchange}, {"mode", i.mode}});
  }
  json::object angel{{"api_key", sim.credentials().api_key},
                     {"client_code", sim.credentials().client_code},
                     {"pin", sim.credentials().pin},
                     {"totp_secret", sim.credentials().totp_secret},
                     {"login_url", sim.login_base_url()},
                     {"feed_url", sim.feed_url()}};
  if (options.trust_simulator_ca && sim.tls()) angel["ca_file"] = sim.ca_file().string();
  return json::object{
      {"angel", std::move(angel)},
      {"feed", {{"stall_market_hours_only", false}, {"backoff_initial_ms", 100}, {"backoff_max_ms", 1000}}},
      {"instruments",
       {{"scrip_master", std::string(TICKGATE_SOURCE_DIR) + "/deploy/data/OpenAPIScripMaster.sample.json"},
        {"subscribe", std::move(subscribe)}}},
      {"redis", {{"url", redis_url}, {"backoff_initial_ms", 50}, {"backoff_max_ms", 250}}},
      {"http", {{"enabled", false}}},
  };
}

tickgate_process::tickgate_process(const simulator& sim, std::string_view redis_url, gateway_options options) {
  json::object cfg = gateway_base_config(sim, redis_url, options);
  merge_json(cfg, options.config);
  config_file_ = dir_.path() / "config.json";
  log_file_ = dir_.path() / "tickgate.log";
  std::ofstream(config_file_) << json::serialize(cfg);
  process_.emplace(process_options{
      {std::string(TICKGATE_BINARY_DIR) + "/tickgate", "--config", config_file_.string()},
      std::move(options.env),
      log_file_,
      {}});
}

std::vector<json::object> tickgate_process::log_lines() const {
  std::vector<json::object> out;
  std::istringstream in(log());
  std::string line;
  while (std::getline(in, line)) {
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    if (!ec && v.is_object()) out.push_back(std::move(v.as_object()));
  }
  return out;
}

std::vector<json::object> tickgate_process::log_messages(std::string_view msg,
                                                        std::string_view component) const {
  std::vector<json::object> out;
  for (auto& line : log_lines()) {
    const auto* m = line.if_contains("msg");
    if (m == nullptr || !m->is_string() || m->as_string() != msg) continue;
    if (!component.empty()) {
      const auto* c = line.if_contains("component");
      if (c == nullptr || !c->is_string() || c->as_string() != component) continue;
    }
    out.push_back(std::move(line));
  }
  return out;
}

bool tickgate_process::wait_for_log(std::string_view msg, std::chrono::milliseconds timeout,
                                   std::string_view component) const {
  return eventually([&] { return !log_messages(msg, component).empty(); }, timeout);
}

std::optional<int> tickgate_process::terminate(std::chrono::milliseconds timeout) {
  process_->send_signal(SIGTERM);
  return process_->wait_for_exit(timeout);
}

}  // namespace tickgate::test

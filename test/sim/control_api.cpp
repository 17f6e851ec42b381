#include "test/sim/control_api.hpp"

#include "storage/log.hpp"
#include "test/sim/server.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace tickgate::sim {
namespace {

namespace json = boost::json;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::string_view state_name(feed_connection::state s) noexcept {
  switch (s) {
    case feed_connection::state::open: return "open";
    case feed_connection::state::closing: return "closing";
    case feed_connection::state::closed: return "closed";
  }
  return "unknown";
}

json::object connection_json(const feed_connection& c) {
  json::object o;
  o["id"] = c.id();
  o["client_code"] = c.client_code();
  o["remote"] = c.remote();
  o["state"] = state_name(c.current_state());
  o["connected_at_ms"] = duration_cast<milliseconds>(c.connected_at().time_since_epoch()).count();
  o["subscription_count"] = c.subscriptions().size();
  json::array subs;
  subs.reserve(c.subscriptions().size());
  for (const auto& [key, m] : c.subscriptions().entries()) {
    subs.push_back(json::object{
        {"exchange_type", key.first}, {"token", key.second}, {"mode", static_cast<int>(m)}});
  }
  o["subscriptions"] = std::move(subs);
  o["frames_sent"] = c.frames_sent();
  o["frames_queued"] = c.frames_queued();
  o["other_frames_sent"] = c.other_frames_sent();
  o["bytes_sent"] = c.bytes_sent();
  o["queued_bytes"] = c.queued_bytes();
  o["requests"] = c.requests();
  return o;
}

std::string error_body(std::string_view code, std::string_view message) {
  return json::serialize(
      json::object{{"error", json::object{{"code", code}, {"message", message}}}});
}

}  // namespace

control_response handle_stats(const server& srv) {
  const auto now = std::chrono::steady_clock::now();
  const sim_counters& n = srv.counters();
  const sim_options& opt = srv.options();
  json::object root;
  root["uptime_ms"] = duration_cast<milliseconds>(now - srv.started_at()).count();
  root["config"] = json::object{{"rate", opt.rate},
                                {"seed", opt.seed},
                                {"max_tokens_per_connection", opt.max_tokens_per_connection},
                                {"max_connections", opt.max_connections},
                                {"auth_style", auth_style_name(opt.auth)},
                                {"tls", opt.tls_dir.has_value()}};
  json::array connections;
  for (const auto& [id, conn] : srv.connections()) connections.push_back(connection_json(*conn));
  root["connections"] = std::move(connections);
  root["logins"] = json::object{{"ok", n.logins.ok},
                                {"bad_api_key", n.logins.bad_api_key},
                                {"bad_credentials", n.logins.bad_credentials},
                                {"bad_totp", n.logins.bad_totp},
                                {"bad_request", n.logins.bad_request},
                                {"rejected", n.logins.rejected}};
  root["refreshes"] = json::object{{"ok", n.refreshes.ok},
                                   {"invalid", n.refreshes.invalid},
                                   {"bad_request", n.refreshes.bad_request}};
  root["handshakes"] = json::object{{"ok", n.handshakes.ok},
                                    {"invalid_auth_token", n.handshakes.invalid_auth_token},
                                    {"invalid_api_key", n.handshakes.invalid_api_key},
                                    {"invalid_client_code", n.handshakes.invalid_client_code},
                                    {"invalid_feed_token", n.handshakes.invalid_feed_token},
                                    {"rejected_401", n.handshakes.rejected_401},
                                    {"rejected_429", n.handshakes.rejected_429},
                                    {"over_limit", n.handshakes.over_limit},
                                    {"bad_upgrade", n.handshakes.bad_upgrade}};
  root["transport"] = json::object{{"tcp_accepted", n.tcp_accepted},
                                   {"tcp_rejected", n.tcp_rejected},
                                   {"tls_failures", n.tls_failures},
                                   {"http_requests", n.http_requests},
                                   {"open_sockets", srv.open_sockets()}};
  root["feed"] = json::object{{"connections_total", n.feed_connections},
                              {"slow_disconnects", n.slow_disconnects},
                              {"idle_disconnects", n.idle_disconnects},
                              {"fault_drops", n.fault_drops},
                              {"protocol_errors", n.protocol_errors},
                              {"requests", n.requests},
                              {"e1001", n.e1001},
                              {"e1002", n.e1002},
                              {"ignored_tokens", n.ignored_tokens},
                              {"text_pings", n.text_pings},
                              {"control_pings", n.control_pings}};
  const tick_fanout& market = srv.fanout();
  root["market"] = json::object{{"ticks_generated", market.ticks_generated()},
                                {"frames_encoded", market.frames_encoded()},
                                {"frames_fanned_out", market.frames_fanned_out()},
                                {"schedule_slips", market.schedule_slips()},
                                {"replay_frames", market.replay_frames()},
                                {"replay_dropped", market.replay_dropped()},
                                {"active_instruments", market.active_instruments()}};
  json::array tokens;
  for (const auto& t : market.instruments()) {
    tokens.push_back(json::object{{"exchange_type", t.exchange_type},
                                  {"token", *t.token},
                                  {"sequence", t.sequence},
                                  {"subscribers", t.subscribers}});
  }
  root["tokens"] = std::move(tokens);
  const fault_state& f = srv.faults();
  const auto remaining =
      f.stalled(now) ? duration_cast<milliseconds>(f.stall_end() - now).count() : std::int64_t{0};
  root["faults"] = json::object{{"stalled", f.stalled(now)},
                                {"stall_remaining_ms", remaining},
                                {"pending_handshake_rejections", f.pending_handshake_rejections()},
                                {"pending_login_rejections", f.pending_login_rejections()},
                                {"applied", n.faults_applied}};
  root["sessions"] = json::object{{"live", srv.sessions().live_sessions()}};
  return {200, json::serialize(root)};
}

control_response handle_fault(server& srv, std::string_view body) {
  const auto parsed = parse_fault(body);
  if (!parsed) {
    return {400, error_body("bad_fault",
                            "expected {\"kind\": drop|close|stall|garbage|truncated|huge|"
                            "reject_handshakes|expire_sessions|reject_logins|reset, …} "
                            "with valid fields")};
  }
  const fault f = parsed.value();
  const std::size_t touched = srv.apply_fault(f);
  log::info(
      "sim", "fault applied",
      {{"kind", fault_kind_name(f.kind)}, {"connections", static_cast<std::uint64_t>(touched)}});
  return {200, json::serialize(
                   json::object{{"applied", fault_kind_name(f.kind)}, {"connections", touched}})};
}

}  // namespace tickgate::sim

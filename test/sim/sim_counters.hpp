// Counters the control API reports under GET /sim/stats. Plain struct owned
// by the server; everything is single-threaded.
#pragma once

#include <cstdint>

namespace tickgate::sim {

struct sim_counters {
  // POST loginByPassword (§6.1), by outcome.
  struct {
    std::uint64_t ok = 0;
    std::uint64_t bad_api_key = 0;
    std::uint64_t bad_credentials = 0;
    std::uint64_t bad_totp = 0;
    std::uint64_t bad_request = 0;  // body is not a login request
    std::uint64_t rejected = 0;     // reject_logins fault
  } logins;
  // POST generateTokens (§6.2).
  struct {
    std::uint64_t ok = 0;
    std::uint64_t invalid = 0;
    std::uint64_t bad_request = 0;
  } refreshes;
  // WebSocket upgrades on /smart-stream (§1.2, §5.2), by outcome.
  struct {
    std::uint64_t ok = 0;
    std::uint64_t invalid_auth_token = 0;
    std::uint64_t invalid_api_key = 0;
    std::uint64_t invalid_client_code = 0;
    std::uint64_t invalid_feed_token = 0;
    std::uint64_t rejected_401 = 0;  // reject_handshakes fault
    std::uint64_t rejected_429 = 0;
    std::uint64_t over_limit = 0;   // more than --max-connections: closed after the upgrade
    std::uint64_t bad_upgrade = 0;  // not a valid RFC 6455 upgrade
  } handshakes;
  // Transport.
  std::uint64_t tcp_accepted = 0;
  std::uint64_t tcp_rejected = 0;  // over the socket bound
  std::uint64_t tls_failures = 0;
  std::uint64_t http_requests = 0;
  // Feed connections.
  std::uint64_t feed_connections = 0;  // total ever upgraded
  std::uint64_t slow_disconnects = 0;  // queue bound or write timeout
  std::uint64_t fault_drops = 0;
  std::uint64_t protocol_errors = 0;  // RFC 6455 framing errors from clients
  std::uint64_t requests = 0;         // subscribe/unsubscribe text frames
  std::uint64_t e1001 = 0;
  std::uint64_t e1002 = 0;
  std::uint64_t ignored_tokens = 0;  // unknown exchangeType (§2.2)
  std::uint64_t text_pings = 0;
  std::uint64_t control_pings = 0;
  std::uint64_t faults_applied = 0;
};

}  // namespace tickgate::sim

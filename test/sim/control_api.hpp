// The simulator's control API, on the simulator's own port, for loopback
// clients only (others get 403). JSON in, JSON out.
//
// GET /sim/stats → 200
//   {"uptime_ms", "config":{rate, seed, max_tokens_per_connection,
//      max_connections, auth_style, tls},
//    "connections":[{"id", "client_code", "remote", "state" (open|closing|closed),
//      "connected_at_ms", "subscription_count",
//      "subscriptions":[{"exchange_type","token","mode"}],   (token as spelled)
//      "frames_sent" (tick frames written), "frames_queued", "other_frames_sent",
//      "bytes_sent", "queued_bytes", "requests"}],
//    "logins":{"ok","bad_api_key","bad_credentials","bad_totp","bad_request","rejected"},
//    "refreshes":{"ok","invalid","bad_request"},
//    "handshakes":{"ok","invalid_auth_token","invalid_api_key","invalid_client_code",
//      "invalid_feed_token","rejected_401","rejected_429","over_limit","bad_upgrade"},
//    "transport":{"tcp_accepted","tcp_rejected","tls_failures","http_requests","open_sockets"},
//    "feed":{"connections_total","slow_disconnects","fault_drops","protocol_errors",
//      "requests","e1001","e1002","ignored_tokens","text_pings","control_pings"},
//    "market":{"ticks_generated","frames_encoded","frames_fanned_out",
//      "schedule_slips","active_instruments"},
//    "tokens":[{"exchange_type","token" (canonical),"sequence","subscribers"}],
//    "faults":{"stalled","stall_remaining_ms","pending_handshake_rejections",
//      "pending_login_rejections","applied"},
//    "sessions":{"live"}}
//   No secret (API key, PIN, TOTP secret, JWT, feed/refresh token) appears.
//
// POST /sim/fault with {"kind": K, …} → 200 {"applied": K, "connections": N}
// or 400 {"error": {"code": "bad_fault", "message"}} (nothing applied):
//   {"kind":"drop"}                    close every feed connection's TCP socket now,
//                                      no close frame, no TLS close_notify
//   {"kind":"close","code":1001}       send a close frame, then close
//   {"kind":"stall","seconds":S}       for S seconds send nothing (no ticks, no
//                                      pong, no control pong) and read nothing;
//                                      connections stay open; the market pauses, so
//                                      sequences resume without gaps
//   {"kind":"garbage","count":N}       N binary frames with an unknown mode byte
//   {"kind":"truncated","count":N}     N binary frames shorter than their mode's size
//   {"kind":"huge","bytes":B}          one binary frame of B payload bytes (<= 64 MiB)
//   {"kind":"reject_handshakes","count":N,"status":401|429}
//                                      the next N upgrades get that status (401 with
//                                      x-error-message "Invalid Auth token")
//   {"kind":"expire_sessions"}         every session invalid: handshakes get 401
//                                      until a new login (open connections stay)
//   {"kind":"reject_logins","count":N,"status":429|200}
//                                      the next N logins get 429, or 200 with a
//                                      failure envelope (AB1004)
//   {"kind":"reset"}                   clear pending rejections, end a stall
// drop/close/garbage/truncated/huge accept "connection": ID to hit one
// connection only (IDs from /sim/stats).
#pragma once

#include <string>
#include <string_view>

namespace tickgate::sim {

class server;

struct control_response {
  unsigned status = 200;
  std::string body;
};

control_response handle_stats(const server& srv);
control_response handle_fault(server& srv, std::string_view body);

}  // namespace tickgate::sim

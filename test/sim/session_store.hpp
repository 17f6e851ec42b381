// Login sessions and handshake authentication (smartstream-protocol.md §1.2,
// §6). Plain object: the server passes in header values and the time.
//
// Failure envelopes and HTTP status (§6.1): SmartAPI answers a failed login
// with HTTP 200 and {"status":false,…} — its SDKs read the envelope, not the
// status — so the simulator does the same by default (--login-error-status
// changes the status for gateways that want to test a 401/403 path):
//   wrong X-PrivateKey        AG8004 "Invalid API Key" (the "AG" gateway codes
//                             use the success/errorCode shape, like AG8001)
//   wrong clientcode or PIN   AB1007 "Login Id or password is invalid" [F-docs]
//   wrong TOTP                AB1050 "Invalid totp" [F-login]
//   unknown refresh token     AB8050 "Invalid Refresh Token"
// The PIN is checked before the TOTP, so a bad TOTP is only reported for a
// good PIN.
#pragma once

#include "protocol/login.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tickgate::sim {

struct credentials {
  std::string api_key = "demo-api-key";
  std::string client_code = "D12345";
  std::string pin = "1234";
  std::string totp_secret = "JBSWY3DPEHPK3PXP";  // base32
};

// Which Authorization forms the handshake accepts (§1.2, §9: no source says
// which one the server requires).
enum class auth_style : std::uint8_t { bearer, raw, any };
std::string_view auth_style_name(auth_style s) noexcept;
bool parse_auth_style(std::string_view text, auth_style& out) noexcept;

enum class login_outcome : std::uint8_t { ok, bad_api_key, bad_credentials, bad_totp };
std::string_view login_outcome_name(login_outcome o) noexcept;

struct login_result {
  login_outcome outcome = login_outcome::ok;
  protocol::session_tokens tokens;  // when ok
};

// The response bodies for a failed login / refresh: the envelopes above.
// failure_envelope picks the shape by the code's prefix ("AG" → success/
// errorCode, otherwise status/errorcode).
std::string failure_envelope(std::string_view code, std::string_view message);
std::string encode_login_failure_body(login_outcome outcome);
std::string encode_refresh_failure_body();

// §1.2 [DOCX]: HTTP 401 with x-error-message.
enum class handshake_outcome : std::uint8_t {
  ok,
  invalid_auth_token,   // "Invalid Auth token": Authorization missing, wrong form or unknown JWT
  invalid_api_key,      // "Invalid API Key"
  invalid_client_code,  // "Invalid Client Code": not the session's client code
  invalid_feed_token,   // "Invalid Feed Token": not the session's feed token
};
std::string_view handshake_outcome_name(handshake_outcome o) noexcept;
std::string_view handshake_error_message(handshake_outcome o) noexcept;

struct handshake_headers {
  std::string_view authorization;
  std::string_view api_key;
  std::string_view client_code;
  std::string_view feed_token;
};

class session_store {
public:
  // Throws std::invalid_argument when totp_secret is not base32 (a startup
  // configuration error).
  session_store(credentials creds, std::size_t max_sessions = 64);

  // §6.1. `api_key` is the X-PrivateKey header; `unix_seconds` the wall
  // clock for the TOTP check (±1 step, §6.3). Tokens are fresh random
  // JWT-shaped strings per login.
  login_result login(std::string_view api_key, const protocol::login_request& request,
                     std::int64_t unix_seconds);

  // §6.2: a known refresh token gets a new jwtToken and feedToken (the old
  // ones stop working for new handshakes; open connections are untouched);
  // nullopt when the refresh token is unknown or expired.
  std::optional<protocol::session_tokens> refresh(std::string_view refresh_token,
                                                  std::int64_t unix_seconds);

  // §1.2: all four headers must match one live session. Checked in order:
  // Authorization (form per `style`, JWT known), x-api-key, x-client-code,
  // x-feed-token. On success `client_code` receives the session's client code.
  handshake_outcome check_handshake(const handshake_headers& headers, auth_style style,
                                    std::string* client_code = nullptr) const;

  // Every session becomes invalid: handshakes get 401 until a new login.
  void expire_all() noexcept;

  std::size_t live_sessions() const noexcept { return sessions_.size(); }
  const credentials& configured() const noexcept { return creds_; }

private:
  struct session {
    std::string client_code;
    protocol::session_tokens tokens;
  };
  protocol::session_tokens make_tokens(std::int64_t unix_seconds);

  credentials creds_;
  std::vector<std::uint8_t> totp_key_;
  std::size_t max_sessions_;
  std::vector<session> sessions_;  // oldest first; bounded by max_sessions_
};

}  // namespace tickgate::sim

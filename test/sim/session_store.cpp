#include "test/sim/session_store.hpp"

#include "protocol/totp.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace tickgate::sim {
namespace {

// Constant-time equality: the comparison time does not reveal how many
// leading characters of a guess were right.
bool secure_equal(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string base64url(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

std::string base64url(std::string_view s) {
  return base64url(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

std::string random_base64url(std::size_t bytes) {
  std::array<unsigned char, 64> buffer{};
  bytes = std::min(bytes, buffer.size());
  if (RAND_bytes(buffer.data(), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return base64url(buffer.data(), bytes);
}

// A JWT-shaped token (header.payload.signature): the real jwtToken, refreshToken
// and feedToken are JWTs, and gateways log and store them as opaque strings;
// the signature part is random, so nothing can be forged from a known token.
std::string make_jwt(std::string_view client_code, std::string_view kind, std::int64_t unix_seconds,
                     std::int64_t lifetime_seconds) {
  boost::json::object payload;
  payload["username"] = client_code;
  payload["usertype"] = "USER";
  payload["token"] = kind;
  payload["iat"] = unix_seconds;
  payload["exp"] = unix_seconds + lifetime_seconds;
  payload["jti"] = random_base64url(12);
  return base64url(R"({"alg":"HS512","typ":"JWT"})") + '.' +
         base64url(boost::json::serialize(payload)) + '.' + random_base64url(32);
}

std::string_view strip_bearer(std::string_view value, bool& had_prefix) noexcept {
  constexpr std::string_view prefix = "Bearer ";
  had_prefix = value.size() >= prefix.size() &&
               std::equal(prefix.begin(), prefix.end(), value.begin(), [](char a, char b) {
                 return std::tolower(static_cast<unsigned char>(a)) ==
                        std::tolower(static_cast<unsigned char>(b));
               });
  return had_prefix ? value.substr(prefix.size()) : value;
}

}  // namespace

std::string_view auth_style_name(auth_style s) noexcept {
  switch (s) {
    case auth_style::bearer: return "bearer";
    case auth_style::raw: return "raw";
    case auth_style::any: return "any";
  }
  return "any";
}

bool parse_auth_style(std::string_view text, auth_style& out) noexcept {
  if (text == "bearer")
    out = auth_style::bearer;
  else if (text == "raw")
    out = auth_style::raw;
  else if (text == "any")
    out = auth_style::any;
  else
    return false;
  return true;
}

std::string_view login_outcome_name(login_outcome o) noexcept {
  switch (o) {
    case login_outcome::ok: return "ok";
    case login_outcome::bad_api_key: return "bad_api_key";
    case login_outcome::bad_credentials: return "bad_credentials";
    case login_outcome::bad_totp: return "bad_totp";
  }
  return "unknown";
}

// The two failure shapes of §6.1, written here rather than through
// protocol::encode_login_failure so the simulator states exactly what goes on
// the wire: {"status":false,"message","errorcode","data":null} for "AB" codes,
// {"success":false,"message","errorCode","data":""} for "AG" codes [F-ag8001].
std::string failure_envelope(std::string_view code, std::string_view message) {
  boost::json::object o;
  if (code.starts_with("AG")) {
    o["success"] = false;
    o["message"] = message;
    o["errorCode"] = code;
    o["data"] = "";
  } else {
    o["status"] = false;
    o["message"] = message;
    o["errorcode"] = code;
    o["data"] = nullptr;
  }
  return boost::json::serialize(o);
}

std::string encode_login_failure_body(login_outcome outcome) {
  switch (outcome) {
    case login_outcome::bad_api_key: return failure_envelope("AG8004", "Invalid API Key");
    case login_outcome::bad_credentials:
      return failure_envelope("AB1007", "Login Id or password is invalid");
    case login_outcome::bad_totp: return failure_envelope("AB1050", "Invalid totp");
    case login_outcome::ok: break;
  }
  return failure_envelope("AB1004", "Something Went Wrong");
}

std::string encode_refresh_failure_body() {
  return failure_envelope("AB8050", "Invalid Refresh Token");
}

std::string_view handshake_outcome_name(handshake_outcome o) noexcept {
  switch (o) {
    case handshake_outcome::ok: return "ok";
    case handshake_outcome::invalid_auth_token: return "invalid_auth_token";
    case handshake_outcome::invalid_api_key: return "invalid_api_key";
    case handshake_outcome::invalid_client_code: return "invalid_client_code";
    case handshake_outcome::invalid_feed_token: return "invalid_feed_token";
  }
  return "unknown";
}

std::string_view handshake_error_message(handshake_outcome o) noexcept {
  switch (o) {
    case handshake_outcome::ok: return "";
    case handshake_outcome::invalid_auth_token: return "Invalid Auth token";
    case handshake_outcome::invalid_api_key: return "Invalid API Key";
    case handshake_outcome::invalid_client_code: return "Invalid Client Code";
    case handshake_outcome::invalid_feed_token: return "Invalid Feed Token";
  }
  return "";
}

session_store::session_store(credentials creds, std::size_t max_sessions)
    : creds_(std::move(creds)), max_sessions_(std::max<std::size_t>(1, max_sessions)) {
  auto key = protocol::decode_base32(creds_.totp_secret);
  if (!key || key->empty()) throw std::invalid_argument("TOTP secret is not base32");
  totp_key_ = std::move(*key);
}

protocol::session_tokens session_store::make_tokens(std::int64_t unix_seconds) {
  // Lifetimes only shape the JWT payload; validity is decided by this store.
  constexpr std::int64_t day = 24 * 3600;
  return {make_jwt(creds_.client_code, "jwt", unix_seconds, day),
          make_jwt(creds_.client_code, "refresh", unix_seconds, day),
          make_jwt(creds_.client_code, "feed", unix_seconds, day)};
}

login_result session_store::login(std::string_view api_key, const protocol::login_request& request,
                                  std::int64_t unix_seconds) {
  // Evaluate every comparison (no early exit between them) so timing does
  // not say which field was wrong; the reported code still follows §6.1.
  const bool key_ok = secure_equal(api_key, creds_.api_key);
  const bool client_ok = secure_equal(request.client_code, creds_.client_code);
  const bool pin_ok = secure_equal(request.pin, creds_.pin);
  const bool totp_ok = protocol::verify_totp(totp_key_, request.totp, unix_seconds, 1);
  if (!key_ok) return {login_outcome::bad_api_key, {}};
  if (!client_ok || !pin_ok) return {login_outcome::bad_credentials, {}};
  if (!totp_ok) return {login_outcome::bad_totp, {}};

  if (sessions_.size() >= max_sessions_) sessions_.erase(sessions_.begin());
  sessions_.push_back({creds_.client_code, make_tokens(unix_seconds)});
  return {login_outcome::ok, sessions_.back().tokens};
}

std::optional<protocol::session_tokens> session_store::refresh(std::string_view refresh_token,
                                                               std::int64_t unix_seconds) {
  for (auto& s : sessions_) {
    if (!secure_equal(s.tokens.refresh, refresh_token)) continue;
    auto fresh = make_tokens(unix_seconds);
    s.tokens.jwt = std::move(fresh.jwt);
    s.tokens.feed = std::move(fresh.feed);
    return s.tokens;
  }
  return std::nullopt;
}

handshake_outcome session_store::check_handshake(const handshake_headers& headers, auth_style style,
                                                 std::string* client_code) const {
  bool had_prefix = false;
  const std::string_view jwt = strip_bearer(headers.authorization, had_prefix);
  if (jwt.empty()) return handshake_outcome::invalid_auth_token;
  if ((style == auth_style::bearer && !had_prefix) || (style == auth_style::raw && had_prefix)) {
    return handshake_outcome::invalid_auth_token;
  }
  const auto it = std::find_if(sessions_.begin(), sessions_.end(),
                               [&](const session& s) { return secure_equal(s.tokens.jwt, jwt); });
  if (it == sessions_.end()) return handshake_outcome::invalid_auth_token;
  if (!secure_equal(headers.api_key, creds_.api_key)) return handshake_outcome::invalid_api_key;
  if (!secure_equal(headers.client_code, it->client_code)) {
    return handshake_outcome::invalid_client_code;
  }
  if (!secure_equal(headers.feed_token, it->tokens.feed)) {
    return handshake_outcome::invalid_feed_token;
  }
  if (client_code != nullptr) *client_code = it->client_code;
  return handshake_outcome::ok;
}

void session_store::expire_all() noexcept {
  sessions_.clear();
}

}  // namespace tickgate::sim

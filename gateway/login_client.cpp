#include "gateway/login_client.hpp"

#include "gateway/errc.hpp"
#include "protocol/totp.hpp"
#include "storage/log.hpp"

#include <openssl/crypto.h>

#include <chrono>

namespace tickgate::gateway {
namespace asio = boost::asio;

login_client::login_client(const angel_config& config, asio::ssl::context& tls,
                           std::chrono::milliseconds timeout)
    : config_(config), tls_(tls), timeout_(timeout) {}

// §6.1 header table. X-PrivateKey is the API key: a secret.
std::vector<std::pair<std::string, std::string>> login_client::headers() const {
  return {
      {"Content-Type", "application/json"},
      {"Accept", "application/json"},
      {"X-UserType", "USER"},
      {"X-SourceID", "WEB"},
      {"X-ClientLocalIP", config_.client_local_ip},
      {"X-ClientPublicIP", config_.client_public_ip},
      {"X-MACAddress", config_.mac_address},
      {"X-PrivateKey", std::string(config_.api_key.reveal())},
  };
}

boost::system::result<protocol::session_tokens> login_client::interpret(
    const boost::system::result<http_reply>& reply, const protocol::session_tokens* current) {
  if (!reply) {
    ++stats_.failed;
    stats_.last_error = reply.error().message();
    return reply.error();
  }
  const http_reply& http = reply.value();
  if (http.status == 429) {
    ++stats_.rate_limited;
    stats_.last_error = "HTTP 429 Too Many Requests";
    return make_error_code(errc::rate_limited);
  }
  const auto parsed = protocol::parse_login_response(http.body);
  if (!parsed) {
    ++stats_.failed;
    stats_.last_error = "HTTP " + std::to_string(http.status) + ": not a SmartAPI envelope";
    return make_error_code(errc::bad_response);
  }
  if (!parsed->ok) {
    ++stats_.rejected;
    stats_.last_error = parsed->error_code + " " + parsed->message;
    return make_error_code(errc::login_rejected);
  }
  protocol::session_tokens tokens = parsed->tokens;
  if (current != nullptr) {
    if (tokens.refresh.empty()) tokens.refresh = current->refresh;
    if (tokens.feed.empty()) tokens.feed = current->feed;
  }
  if (tokens.jwt.empty() || tokens.feed.empty()) {
    ++stats_.failed;
    stats_.last_error = "login reply without jwtToken or feedToken";
    return make_error_code(errc::bad_response);
  }
  ++stats_.succeeded;
  stats_.last_error.clear();
  return tokens;
}

asio::awaitable<boost::system::result<protocol::session_tokens>> login_client::login() {
  ++stats_.attempts;
  const auto url = parse_endpoint_url(config_.login_url);
  if (!url) co_return url.error();
  const auto key = protocol::decode_base32(config_.totp_secret.reveal());
  if (!key) co_return key.error();
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  protocol::login_request request{config_.client_code, std::string(config_.pin.reveal()),
                                  protocol::totp_code(*key, now)};
  http_call call;
  call.target = std::string(protocol::login_path);
  call.headers = headers();
  call.body = protocol::encode_login_request(request);
  OPENSSL_cleanse(request.pin.data(), request.pin.size());
  auto reply = co_await async_http_request(*url, tls_, !config_.insecure_skip_verify,
                                           std::move(call), timeout_);
  auto result = interpret(reply, nullptr);
  if (result) {
    log::info("login", "logged in", {{"client", mask_identifier(config_.client_code)}});
  } else {
    log::warn("login", "login failed",
              {{"client", mask_identifier(config_.client_code)}, {"error", stats_.last_error}});
  }
  co_return result;
}

asio::awaitable<boost::system::result<protocol::session_tokens>> login_client::refresh(
    const protocol::session_tokens& current) {
  ++stats_.attempts;
  ++stats_.refreshes;
  const auto url = parse_endpoint_url(config_.login_url);
  if (!url) co_return url.error();
  http_call call;
  call.target = std::string(protocol::refresh_path);
  call.headers = headers();
  call.headers.emplace_back("Authorization", "Bearer " + current.jwt);
  call.body = protocol::encode_refresh_request(current.refresh);
  auto reply = co_await async_http_request(*url, tls_, !config_.insecure_skip_verify,
                                           std::move(call), timeout_);
  auto result = interpret(reply, &current);
  if (result) {
    log::info("login", "session refreshed", {{"client", mask_identifier(config_.client_code)}});
  } else {
    log::warn("login", "refresh failed",
              {{"client", mask_identifier(config_.client_code)}, {"error", stats_.last_error}});
  }
  co_return result;
}

}  // namespace tickgate::gateway

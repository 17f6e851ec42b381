// SmartAPI login over HTTPS (smartstream-protocol.md §6): loginByPassword
// with a fresh TOTP and the X-* headers, and generateTokens to refresh the
// JWT. Credentials come from the config only; neither they nor the tokens
// returned are ever logged.
#pragma once

#include "gateway/config.hpp"
#include "gateway/net.hpp"
#include "protocol/login.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <string>

namespace tickgate::gateway {

struct login_stats {
  std::uint64_t attempts = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t rejected = 0;      // failure envelope (AB1007, AB1050, …)
  std::uint64_t rate_limited = 0;  // HTTP 429
  std::uint64_t failed = 0;        // transport errors, bad replies
  std::uint64_t refreshes = 0;
  std::string last_error;          // the service's code and message, or the transport error
};

class login_client {
public:
  login_client(const angel_config& config, boost::asio::ssl::context& tls,
               std::chrono::milliseconds timeout);

  // loginByPassword. Errors: errc::login_rejected (stats().last_error has
  // the service's code), errc::rate_limited, errc::bad_response, transport.
  boost::asio::awaitable<boost::system::result<protocol::session_tokens>> login();

  // generateTokens with the current refresh token; tokens the reply omits
  // are kept from `current`.
  boost::asio::awaitable<boost::system::result<protocol::session_tokens>> refresh(
      const protocol::session_tokens& current);

  const login_stats& stats() const noexcept { return stats_; }

private:
  std::vector<std::pair<std::string, std::string>> headers() const;
  boost::system::result<protocol::session_tokens> interpret(
      const boost::system::result<http_reply>& reply, const protocol::session_tokens* current);

  const angel_config& config_;
  boost::asio::ssl::context& tls_;
  std::chrono::milliseconds timeout_;
  login_stats stats_;
};

}  // namespace tickgate::gateway

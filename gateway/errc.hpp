// Error codes of the gateway layer (feed, login, control plane).
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace tickgate::gateway {

enum class errc {
  capacity_exceeded = 1,   // more tokens than max_connections × max_tokens_per_connection
  depth20_restricted,      // mode 4 only for exchangeType 1 and at most 50 tokens (§2.3)
  login_rejected,          // failure envelope from loginByPassword / generateTokens
  rate_limited,            // HTTP 429 (login or handshake)
  unauthorized,            // HTTP 401 on the WebSocket handshake
  handshake_failed,        // any other refused upgrade
  bad_response,            // a peer's reply we cannot interpret
  timeout,                 // a bounded await ran out
  stalled,                 // no tick while subscribed in the regular session
  idle,                    // no frame at all for idle_timeout
  shutting_down,           // the gateway is stopping
  bad_url,                 // malformed or unsupported URL
};

const boost::system::error_category& gateway_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), gateway_category()};
}

}  // namespace tickgate::gateway

template <>
struct boost::system::is_error_code_enum<tickgate::gateway::errc> : std::true_type {};

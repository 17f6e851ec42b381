#include "gateway/errc.hpp"

#include <string>

namespace tickgate::gateway {
namespace {

// boost::system::error_category has a protected non-virtual destructor by
// design (categories live for the whole program), which -Wnon-virtual-dtor
// flags on every derived class.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
public:
  const char* name() const noexcept override { return "tickgate.gateway"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::capacity_exceeded: return "subscription capacity exceeded";
      case errc::depth20_restricted: return "depth_20 is limited to NSE cash and 50 tokens";
      case errc::login_rejected: return "login rejected";
      case errc::rate_limited: return "rate limited (HTTP 429)";
      case errc::unauthorized: return "unauthorized (HTTP 401)";
      case errc::handshake_failed: return "WebSocket handshake refused";
      case errc::bad_response: return "unexpected response";
      case errc::timeout: return "timed out";
      case errc::stalled: return "feed stalled: no ticks while subscribed";
      case errc::idle: return "feed idle: no frames";
      case errc::shutting_down: return "shutting down";
      case errc::bad_url: return "bad URL";
    }
    return "unknown gateway error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& gateway_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace tickgate::gateway

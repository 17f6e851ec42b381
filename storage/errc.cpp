#include "storage/errc.hpp"

#include <string>

namespace tickgate::storage {
namespace {

// boost::system::error_category's destructor is protected and non-virtual by
// design (categories are never deleted through a base pointer).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
public:
  const char* name() const noexcept override { return "tickgate.storage"; }

  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::resp_bad_type: return "RESP: unknown type marker";
      case errc::resp_bad_length: return "RESP: malformed length";
      case errc::resp_bad_integer: return "RESP: malformed integer";
      case errc::resp_bad_double: return "RESP: malformed double";
      case errc::resp_bad_boolean: return "RESP: malformed boolean";
      case errc::resp_bad_big_number: return "RESP: malformed big number";
      case errc::resp_bad_verbatim: return "RESP: malformed verbatim string";
      case errc::resp_missing_crlf: return "RESP: missing CRLF";
      case errc::resp_line_too_long: return "RESP: line too long";
      case errc::resp_bulk_too_long: return "RESP: bulk string too long";
      case errc::resp_aggregate_too_long: return "RESP: aggregate too long";
      case errc::resp_nesting_too_deep: return "RESP: aggregates nested too deep";
      case errc::resp_unexpected_chunk: return "RESP: streamed chunk outside a streamed value";
      case errc::bad_url: return "malformed Redis URL";
      case errc::unsupported_scheme: return "Redis URL scheme must be redis:// or rediss://";
      case errc::bad_port: return "Redis URL port out of range";
      case errc::bad_db: return "Redis URL database must be /<number>";
      case errc::bad_url_option: return "unknown or malformed Redis URL option";
      case errc::not_connected: return "Redis connection is down";
      case errc::stopped: return "Redis connection stopped";
      case errc::request_timeout: return "Redis request timed out";
      case errc::connect_timeout: return "Redis connect timed out";
      case errc::connection_lost: return "Redis connection lost before the reply";
      case errc::request_dropped: return "request dropped by the outage buffer bound";
      case errc::request_too_large: return "request larger than the outage buffer bound";
      case errc::handshake_failed: return "Redis HELLO/AUTH/SELECT failed";
      case errc::unexpected_reply: return "Redis reply without a pending request";
      case errc::bad_request: return "request is not the announced number of RESP commands";
      case errc::server_busy: return "Redis is loading or busy; will reconnect and replay";
      case errc::tls_setup_failed: return "cannot load the TLS CA file or client certificate";
      case errc::bad_config: return "bad storage configuration";
    }
    return "unknown storage error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& storage_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace tickgate::storage

// Error codes of the storage layer: RESP parsing, Redis URLs, the connection
// and the sink configuration. Bad input and Redis outages are reported as
// these values; nothing in storage/ throws on them.
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace tickgate::storage {

enum class errc {
  // RESP2/RESP3 replies (resp_parser). After any of these the byte stream is
  // out of sync: the connection closes and reconnects.
  resp_bad_type = 1,        // first byte of a value is not a RESP type marker
  resp_bad_length,          // length or count is not a decimal number in range
  resp_bad_integer,         // ':' value is not a signed 64-bit decimal
  resp_bad_double,          // ',' value is not a RESP3 double
  resp_bad_boolean,         // '#' value is neither 't' nor 'f'
  resp_bad_big_number,      // '(' value is not an optionally signed digit string
  resp_bad_verbatim,        // '=' payload shorter than its "xxx:" format prefix
  resp_missing_crlf,        // a line or bulk payload is not terminated by CRLF
  resp_line_too_long,       // no CRLF within resp_limits::max_line bytes
  resp_bulk_too_long,       // bulk length above resp_limits::max_bulk
  resp_aggregate_too_long,  // element count above resp_limits::max_aggregate
  resp_nesting_too_deep,    // aggregates nested deeper than resp_limits::max_depth
  resp_unexpected_chunk,    // ';' or '.' outside a streamed string / aggregate
  // Redis URLs (parse_redis_url).
  bad_url,             // not a URL, or userinfo/path malformed
  unsupported_scheme,  // neither redis:// nor rediss://
  bad_port,            // port not in 1..65535
  bad_db,              // path is not /<0..N>
  bad_url_option,      // unknown query parameter or bad value
  // Connection.
  not_connected,      // control-plane request while the connection is down
  stopped,            // the connection was stopped or is draining
  request_timeout,    // no reply within connection_options::request_timeout
  connect_timeout,    // resolve/connect/TLS/HELLO not done within connect_timeout
  connection_lost,    // the connection closed before the reply arrived
  request_dropped,    // pushed out of the outage buffer by its byte bound
  request_too_large,  // a single request larger than the whole byte bound
  handshake_failed,   // HELLO/AUTH/SELECT answered with an error
  unexpected_reply,   // a reply arrived with no request waiting for it
  bad_request,        // exec(): not exactly `count` complete RESP commands
  server_busy,        // LOADING/BUSY/TRYAGAIN/MASTERDOWN: reconnect and replay later
  tls_setup_failed,   // CA file, client certificate or key could not be loaded
  // Configuration (parse_storage_config).
  bad_config,
};

const boost::system::error_category& storage_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), storage_category()};
}

}  // namespace tickgate::storage

template <>
struct boost::system::is_error_code_enum<tickgate::storage::errc> : std::true_type {};

// Where and how to reach Redis, parsed from a redis:// or rediss:// URL.
#pragma once

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace tickgate::storage {

struct redis_endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string user;      // ACL user; empty: "default" when a password is set
  std::string password;  // secret: never logged (see redact)
  int db = 0;
  bool tls = false;
  std::string ca_file;      // PEM CA bundle; empty: the system's default trust store
  bool verify_peer = true;  // verify the certificate chain and the host name
  std::string server_name;  // SNI and the name checked in the certificate; empty: host
  std::string cert_file;    // client certificate (PEM) for servers with tls-auth-clients
  std::string key_file;     // its private key (PEM)

  // The name sent as SNI and verified against the certificate.
  const std::string& tls_name() const noexcept { return server_name.empty() ? host : server_name; }
};

// redis://[user[:password]@]host[:port][/db][?option=value&…]
// rediss://… is the same over TLS (default port 6379 for both, as Redis).
// User and password are percent-decoded; an IPv6 host is written [::1].
// Options: ca_file=PATH, verify=true|false, server_name=NAME,
// cert_file=PATH, key_file=PATH (the TLS ones are accepted on redis:// too,
// where they are unused). Unknown options are an error, so a typo does not
// silently weaken TLS.
// Errors: errc::bad_url, unsupported_scheme, bad_port, bad_db, bad_url_option.
boost::system::result<redis_endpoint> parse_redis_url(std::string_view url);

// The endpoint as a URL for logs and /stats: the password is replaced by
// "***" (and never appears otherwise), everything else is shown.
std::string redact(const redis_endpoint& endpoint);

}  // namespace tickgate::storage

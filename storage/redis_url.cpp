#include "storage/redis_url.hpp"

#include "storage/errc.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <charconv>

namespace tickgate::storage {
namespace {

bool parse_bool(std::string_view v, bool& out) {
  if (v == "true" || v == "1" || v == "yes") {
    out = true;
    return true;
  }
  if (v == "false" || v == "0" || v == "no") {
    out = false;
    return true;
  }
  return false;
}

}  // namespace

boost::system::result<redis_endpoint> parse_redis_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return errc::bad_url;
  const boost::urls::url_view& u = *parsed;

  redis_endpoint ep;
  if (u.scheme() == "redis") {
    ep.tls = false;
  } else if (u.scheme() == "rediss") {
    ep.tls = true;
  } else {
    return errc::unsupported_scheme;
  }
  if (!u.has_authority() || u.has_fragment()) return errc::bad_url;

  switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6:
    case boost::urls::host_type::name: ep.host = u.host_address(); break;
    default: return errc::bad_url;
  }
  if (ep.host.empty()) return errc::bad_url;

  if (u.has_port()) {
    const std::string_view port = u.port();
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return errc::bad_port;
    }
    ep.port = static_cast<std::uint16_t>(value);
  }

  if (u.has_userinfo()) {
    ep.user = u.user();
    if (u.has_password()) {
      ep.password = u.password();
    } else if (!ep.user.empty()) {
      // redis://secret@host is how many clients spell a password-only URL,
      // and others read it as a user name. A bare word is far more likely a
      // password (requirepass) than a user without one, so refuse rather
      // than guess: write redis://:secret@host or redis://user:secret@host.
      return errc::bad_url;
    }
  }

  std::string_view path = u.encoded_path();
  if (!path.empty() && path != "/") {
    path.remove_prefix(1);  // the leading '/'
    int db = 0;
    const auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), db);
    if (ec != std::errc{} || end != path.data() + path.size() || db < 0) return errc::bad_db;
    ep.db = db;
  }

  for (const auto& param : u.params()) {
    const std::string_view key = param.key;
    const std::string_view value = param.value;
    if (!param.has_value) return errc::bad_url_option;
    if (key == "ca_file") {
      ep.ca_file = value;
    } else if (key == "verify") {
      if (!parse_bool(value, ep.verify_peer)) return errc::bad_url_option;
    } else if (key == "server_name") {
      ep.server_name = value;
    } else if (key == "cert_file") {
      ep.cert_file = value;
    } else if (key == "key_file") {
      ep.key_file = value;
    } else {
      return errc::bad_url_option;
    }
  }
  if (ep.cert_file.empty() != ep.key_file.empty()) return errc::bad_url_option;
  return ep;
}

std::string redact(const redis_endpoint& ep) {
  std::string out = ep.tls ? "rediss://" : "redis://";
  if (!ep.user.empty() || !ep.password.empty()) {
    out += ep.user;
    if (!ep.password.empty()) out += ":***";
    out += '@';
  }
  const bool ipv6 = ep.host.find(':') != std::string::npos;
  if (ipv6) out += '[';
  out += ep.host;
  if (ipv6) out += ']';
  out += ':';
  out += std::to_string(ep.port);
  out += '/';
  out += std::to_string(ep.db);
  char sep = '?';
  auto option = [&](std::string_view key, std::string_view value) {
    out += sep;
    sep = '&';
    out += key;
    out += '=';
    out += value;
  };
  if (!ep.ca_file.empty()) option("ca_file", ep.ca_file);
  if (!ep.verify_peer) option("verify", "false");
  if (!ep.server_name.empty()) option("server_name", ep.server_name);
  if (!ep.cert_file.empty()) option("cert_file", ep.cert_file);
  if (!ep.key_file.empty()) option("key_file", ep.key_file);
  return out;
}

}  // namespace tickgate::storage

#include "test/sim/options.hpp"

#include "protocol/totp.hpp"

#include <boost/program_options.hpp>

#include <charconv>
#include <sstream>

namespace tickgate::sim {
namespace {

namespace po = boost::program_options;

bool parse_listen(const std::string& text, sim_options& out) {
  // HOST:PORT; an IPv6 host in brackets: [::1]:9443.
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = text.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value > 65535 || host.empty()) {
    return false;
  }
  out.host = host;
  out.port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

parse_outcome parse_sim_options(int argc, const char* const* argv) {
  sim_options o;
  std::string listen;
  std::string tls_dir;
  std::string auth = "any";
  std::string level = "info";
  std::string replay;
  po::options_description desc(
      "tickgate-sim: a SmartStream + SmartAPI login simulator\n"
      "usage: tickgate-sim --listen HOST:PORT (--tls-dir DIR | --plain) [options]");
  // clang-format off
  desc.add_options()
    ("help,h", "print this help")
    ("listen", po::value(&listen)->required(), "HOST:PORT to serve on (port 0: any)")
    ("tls-dir", po::value(&tls_dir), "serve TLS with DIR/cert.pem and DIR/key.pem (generated when absent)")
    ("plain", po::bool_switch(), "serve plain HTTP/ws instead of TLS")
    ("rate", po::value(&o.rate)->default_value(o.rate), "ticks per second per subscribed token (0: none)")
    ("seed", po::value(&o.seed)->default_value(o.seed), "market seed (prices are deterministic per seed and token)")
    ("max-tokens-per-connection", po::value(&o.max_tokens_per_connection)->default_value(o.max_tokens_per_connection), "subscription limit per connection (E1002 above)")
    ("max-connections", po::value(&o.max_connections)->default_value(o.max_connections), "live feed connections per client code")
    ("auth-style", po::value(&auth)->default_value(auth), "Authorization forms accepted: bearer|raw|any")
    ("log-level", po::value(&level)->default_value(level), "debug|info|warn|error")
    ("api-key", po::value(&o.creds.api_key)->default_value(o.creds.api_key), "API key (X-PrivateKey, x-api-key)")
    ("client-code", po::value(&o.creds.client_code)->default_value(o.creds.client_code), "client code")
    ("pin", po::value(&o.creds.pin)->default_value(o.creds.pin), "PIN (login \"password\")")
    ("totp-secret", po::value(&o.creds.totp_secret)->default_value(o.creds.totp_secret), "base32 TOTP secret")
    ("max-queue-bytes", po::value(&o.max_queue_bytes)->default_value(o.max_queue_bytes), "unsent bytes per connection before it is closed as a slow client")
    ("write-timeout-ms", po::value(&o.write_timeout_ms)->default_value(o.write_timeout_ms), "a write taking longer closes the connection as a slow client")
    ("idle-timeout-s", po::value(&o.idle_timeout_s)->default_value(o.idle_timeout_s), "close a feed connection silent for this long (0: never)")
    ("login-error-status", po::value(&o.login_error_status)->default_value(o.login_error_status), "HTTP status of login failure envelopes (SmartAPI: 200)")
    ("replay", po::value(&replay), "serve the frames of this tickgate recording (FILE.ticks) at their recorded pace instead of the random market")
    ("replay-loop", po::bool_switch(&o.replay_loop), "with --replay: start again at the end of the recording");
  // clang-format on
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    if (vm.count("help") != 0) {
      std::ostringstream text;
      text << desc;
      return help_text{text.str()};
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return option_error{e.what()};
  }
  if (!parse_listen(listen, o)) return option_error{"--listen must be HOST:PORT"};
  if (!replay.empty()) o.replay = replay;
  if (o.replay_loop && !o.replay) return option_error{"--replay-loop needs --replay FILE"};
  const bool plain = vm["plain"].as<bool>();
  if (plain == !tls_dir.empty()) return option_error{"exactly one of --tls-dir DIR or --plain"};
  if (!plain) o.tls_dir = tls_dir;
  if (!(o.rate >= 0 && o.rate <= 1'000'000)) return option_error{"--rate must be in [0, 1e6]"};
  if (o.max_tokens_per_connection == 0)
    return option_error{"--max-tokens-per-connection must be > 0"};
  if (o.max_connections == 0) return option_error{"--max-connections must be > 0"};
  if (!parse_auth_style(auth, o.auth))
    return option_error{"--auth-style must be bearer, raw or any"};
  if (!log::parse_level(level, o.log_level)) {
    return option_error{"--log-level must be debug, info, warn or error"};
  }
  if (o.creds.api_key.empty() || o.creds.client_code.empty() || o.creds.pin.empty()) {
    return option_error{"--api-key, --client-code and --pin must not be empty"};
  }
  if (auto key = protocol::decode_base32(o.creds.totp_secret); !key || key->empty()) {
    return option_error{"--totp-secret must be base32"};
  }
  if (o.max_queue_bytes < 64u * 1024u) return option_error{"--max-queue-bytes must be >= 65536"};
  if (o.write_timeout_ms == 0) return option_error{"--write-timeout-ms must be > 0"};
  if (o.login_error_status < 200 || o.login_error_status > 599) {
    return option_error{"--login-error-status must be an HTTP status"};
  }
  return o;
}

}  // namespace tickgate::sim

// The simulator fixture: runs build/tickgate-sim as a child process on a free
// loopback port, TLS (certificate generated into a temp dir) or plain, and
// gives tests its URLs, CA file, demo credentials and blocking calls for its
// login and control API (test/sim/control_api.hpp documents the faults).
//
//   tickgate::test::simulator sim;                 // TLS, 20 ticks/s per token
//   auto session = sim.login();                    // jwt, feed and refresh tokens
//   sim.stall(3.0);                                // POST /sim/fault
//   auto stats = sim.stats();                      // GET /sim/stats, parsed
//
// Every call is synchronous with a socket timeout (10 s) and throws
// std::runtime_error on transport failure, so a hung simulator fails the
// test instead of hanging it. The HTTPS client verifies the simulator's
// certificate against ca_file() and checks the host name (127.0.0.1).
#pragma once

#include "test/support/process.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tickgate::test {

// The simulator's defaults (design.md "Command-line contract").
struct sim_credentials {
  std::string api_key = "demo-api-key";
  std::string client_code = "D12345";
  std::string pin = "1234";
  std::string totp_secret = "JBSWY3DPEHPK3PXP";
};

struct simulator_options {
  bool tls = true;
  double rate = 20;  // ticks per second per subscribed token
  std::uint64_t seed = 1;
  // Where cert.pem/key.pem live (generated when absent); default: a temp dir.
  std::optional<std::filesystem::path> tls_dir;
  // More command-line options, e.g. {"--auth-style", "bearer"}.
  std::vector<std::string> extra_args;
  // Credentials other than the demo ones (passed as --api-key, --client-code,
  // --pin, --totp-secret; credentials() returns them).
  std::optional<sim_credentials> credentials;
  std::chrono::milliseconds startup_timeout{15'000};
};

struct http_reply {
  unsigned status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // The first header of that name (case-insensitive), "" when absent.
  std::string header(std::string_view name) const;
};

struct sim_session {
  std::string jwt;
  std::string refresh;
  std::string feed;
};

class simulator {
public:
  explicit simulator(simulator_options options = {});
  ~simulator();
  simulator(const simulator&) = delete;
  simulator& operator=(const simulator&) = delete;

  std::string host() const { return "127.0.0.1"; }
  std::uint16_t port() const noexcept { return port_; }
  bool tls() const noexcept { return options_.tls; }
  std::string feed_url() const;           // wss://127.0.0.1:PORT/smart-stream (ws:// when plain)
  std::string login_base_url() const;     // https://127.0.0.1:PORT (http:// when plain)
  std::filesystem::path ca_file() const;  // DIR/cert.pem; empty when plain
  const std::filesystem::path& tls_dir() const noexcept { return tls_dir_; }
  std::filesystem::path log_file() const;
  const sim_credentials& credentials() const noexcept { return credentials_; }
  child_process& process() noexcept { return *process_; }

  // One HTTP(S) request on a fresh connection.
  http_reply request(std::string_view method, std::string_view target, std::string body = {},
                     const std::vector<std::pair<std::string, std::string>>& headers = {}) const;

  // The TOTP code for now (§6.3) from credentials().totp_secret.
  std::string current_totp() const;
  // POST loginByPassword with these values (X-PrivateKey = api_key).
  http_reply login_request(std::string_view api_key, std::string_view client_code,
                           std::string_view pin, std::string_view totp) const;
  // Logs in with the demo credentials; throws unless it succeeds.
  sim_session login() const;

  // GET /sim/stats.
  boost::json::value stats() const;
  // POST /sim/fault; throws unless the simulator answers 200.
  boost::json::value fault(const boost::json::object& body) const;

  void drop_connections() const { fault({{"kind", "drop"}}); }
  void close_connections(int code = 1001) const { fault({{"kind", "close"}, {"code", code}}); }
  void stall(double seconds) const { fault({{"kind", "stall"}, {"seconds", seconds}}); }
  void send_garbage(std::uint64_t count) const { fault({{"kind", "garbage"}, {"count", count}}); }
  void send_truncated(std::uint64_t count) const {
    fault({{"kind", "truncated"}, {"count", count}});
  }
  void send_huge(std::uint64_t bytes) const { fault({{"kind", "huge"}, {"bytes", bytes}}); }
  void reject_handshakes(std::uint64_t count, int status = 401) const {
    fault({{"kind", "reject_handshakes"}, {"count", count}, {"status", status}});
  }
  void expire_sessions() const { fault({{"kind", "expire_sessions"}}); }
  void reject_logins(std::uint64_t count, int status = 429) const {
    fault({{"kind", "reject_logins"}, {"count", count}, {"status", status}});
  }
  void reset_faults() const { fault({{"kind", "reset"}}); }

private:
  simulator_options options_;
  sim_credentials credentials_;
  std::unique_ptr<temp_dir> dir_;
  std::filesystem::path tls_dir_;
  std::uint16_t port_ = 0;
  std::optional<child_process> process_;
};

}  // namespace tickgate::test

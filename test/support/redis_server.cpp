#include "test/support/redis_server.hpp"

#include "test/support/redis_client.hpp"

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace tickgate::test {
namespace {

using namespace std::chrono_literals;

void run_openssl(const std::filesystem::path& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  argv.reserve(args.size() + 1);
  argv.push_back(find_program("openssl").string());
  for (const std::string& a : args) argv.push_back(a);
  const auto log = dir / "openssl.log";
  child_process p({.argv = argv, .env = {}, .output = log, .working_dir = dir});
  const auto status = p.wait_for_exit(30s);
  if (!status || *status != 0) {
    throw std::runtime_error("openssl failed: " + args.front() + "\n" + read_file(log));
  }
}

void write_text(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// A self-signed CA: key + certificate.
void make_ca(const std::filesystem::path& dir, const std::string& name) {
  run_openssl(dir, {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", name + ".key", "-out", name + ".crt", "-days", "2",
                    "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
}

// A leaf certificate signed by `ca` with the extensions in `ext`.
void make_leaf(const std::filesystem::path& dir, const std::string& name, const std::string& ca,
               const std::string& ext) {
  write_text(dir / (name + ".ext"), ext);
  run_openssl(dir,
              {"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
               "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name});
  run_openssl(dir,
              {"x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
               "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext"});
}

}  // namespace

std::filesystem::path find_program(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const std::filesystem::path candidate =
        std::filesystem::path(std::string(rest.substr(0, colon))) / std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  throw std::runtime_error("program not found on PATH: " + std::string(name));
}

tls_files generate_tls_files(const std::filesystem::path& dir) {
  make_ca(dir, "ca");
  make_ca(dir, "other-ca");
  make_leaf(dir, "server", "ca",
            "basicConstraints=CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyAgreement\n"
            "extendedKeyUsage=serverAuth\n"
            "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  make_leaf(dir, "client", "ca",
            "basicConstraints=CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyAgreement\n"
            "extendedKeyUsage=clientAuth\n");
  return {dir / "ca.crt",     dir / "other-ca.crt", dir / "server.crt",
          dir / "server.key", dir / "client.crt",   dir / "client.key"};
}

redis_server::redis_server(redis_server_options options) : options_(std::move(options)) {
  if (options_.tls) tls_ = generate_tls_files(dir());
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_loopback_port();
    if (try_start()) return;
  }
  throw std::runtime_error("redis-server did not start:\n" + log());
}

redis_server::~redis_server() {
  if (process_) process_->stop(5s);
}

const tls_files& redis_server::tls() const {
  if (!tls_) throw std::logic_error("redis_server: not a TLS server");
  return *tls_;
}

void redis_server::write_config() {
  std::string conf;
  conf += "bind 127.0.0.1\n";
  conf += "daemonize no\n";
  conf += "dir " + dir().string() + "\n";
  conf += "logfile " + (dir() / "redis.log").string() + "\n";
  conf += "save \"\"\n";
  if (options_.persistence) {
    conf += "appendonly yes\nappendfsync always\n";
  } else {
    conf += "appendonly no\n";
  }
  if (options_.tls) {
    conf += "port 0\n";
    conf += "tls-port " + std::to_string(port_) + "\n";
    conf += "tls-cert-file " + tls_->server_cert.string() + "\n";
    conf += "tls-key-file " + tls_->server_key.string() + "\n";
    conf += "tls-ca-cert-file " + tls_->ca_cert.string() + "\n";
    conf += std::string("tls-auth-clients ") + (options_.tls_auth_clients ? "yes" : "no") + "\n";
  } else {
    conf += "port " + std::to_string(port_) + "\n";
  }
  if (!options_.password.empty()) conf += "requirepass " + options_.password + "\n";
  for (const redis_acl_user& u : options_.users) {
    const std::string secret = u.password.empty() ? "nopass" : ">" + u.password;
    conf += "user " + u.name + " on " + secret + " " + u.rules + "\n";
  }
  for (const std::string& line : options_.extra_config) conf += line + "\n";
  write_text(dir() / "redis.conf", conf);
}

bool redis_server::try_start() {
  write_config();
  process_.emplace(process_options{
      .argv = {find_program("redis-server").string(), (dir() / "redis.conf").string()},
      .env = {},
      .output = dir() / "redis.stdout",
      .working_dir = dir()});
  // Up when it answers PING; a port collision makes it exit instead.
  const bool up = eventually(
      [this] {
        if (!process_->running()) return true;
        return answers_ping();
      },
      20s);
  if (up && process_->running()) return true;
  process_->stop(2s);
  process_.reset();
  return false;
}

bool redis_server::answers_ping() {
  if (!wait_for_port(port_, 0ms)) return false;
  try {
    redis_client client(url(), 2s);
    const auto reply = client.command({"PING"});
    return reply.type == storage::resp_type::simple_string && reply.string == "PONG";
  } catch (const std::exception&) {
    return false;  // not listening yet, or still loading its AOF
  }
}

std::string redis_server::url(int db) const {
  std::string u = options_.tls ? "rediss://" : "redis://";
  if (!options_.password.empty()) u += ":" + options_.password + "@";
  u += "127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
  if (options_.tls) {
    u += "?ca_file=" + tls_->ca_cert.string();
    if (options_.tls_auth_clients) {
      u += "&cert_file=" + tls_->client_cert.string() + "&key_file=" + tls_->client_key.string();
    }
  }
  return u;
}

std::string redis_server::url_as(std::string_view user, std::string_view password, int db) const {
  std::string u = options_.tls ? "rediss://" : "redis://";
  u += std::string(user) + ":" + std::string(password) + "@";
  u += "127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
  if (options_.tls) u += "?ca_file=" + tls_->ca_cert.string();
  return u;
}

void redis_server::kill() {
  if (!process_) return;
  process_->send_signal(SIGKILL);
  process_->wait_for_exit(10s);
  process_.reset();
}

void redis_server::restart() {
  if (process_ && process_->running()) throw std::logic_error("redis_server: still running");
  // The port may be briefly held by a client of the old process; retry.
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (try_start()) return;
    std::this_thread::sleep_for(100ms);
  }
  throw std::runtime_error("redis-server did not restart on port " + std::to_string(port_) + ":\n" +
                           log());
}

void redis_server::pause() {
  if (process_) process_->send_signal(SIGSTOP);
}

void redis_server::resume() {
  if (process_) process_->send_signal(SIGCONT);
}

bool redis_server::running() {
  return process_ && process_->running();
}

std::string redis_server::log() const {
  return read_file(dir() / "redis.log") + read_file(dir() / "redis.stdout");
}

}  // namespace tickgate::test

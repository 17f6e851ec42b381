#include "test/support/redis_client.hpp"

#include "storage/resp_encoder.hpp"
#include "storage/resp_parser.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace tickgate::test {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("redis_client: " + what);
}

std::string ssl_error_text() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

}  // namespace

struct redis_client::tls_state {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~tls_state() {
    if (ssl != nullptr) SSL_free(ssl);
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }
};

redis_client::redis_client(std::string_view url, std::chrono::milliseconds timeout)
    : redis_client(
          [&] {
            auto ep = storage::parse_redis_url(url);
            if (!ep) fail("bad URL: " + ep.error().message());
            return ep.value();
          }(),
          timeout) {}

redis_client::redis_client(const storage::redis_endpoint& ep, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(ep.port);
  if (::getaddrinfo(ep.host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    fail("cannot resolve " + ep.host);
  }
  fd_ = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    ::freeaddrinfo(found);
    fail("socket: " + std::string(std::strerror(errno)));
  }
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const int rc = ::connect(fd_, found->ai_addr, found->ai_addrlen);
  ::freeaddrinfo(found);
  if (rc != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    fail("connect " + ep.host + ":" + port + ": " + why);
  }

  if (ep.tls) {
    tls_ = std::make_unique<tls_state>();
    tls_->ctx = SSL_CTX_new(TLS_client_method());
    if (tls_->ctx == nullptr) fail("SSL_CTX_new");
    if (ep.verify_peer) {
      SSL_CTX_set_verify(tls_->ctx, SSL_VERIFY_PEER, nullptr);
      const bool loaded = ep.ca_file.empty() ? SSL_CTX_set_default_verify_paths(tls_->ctx) == 1
                                             : SSL_CTX_load_verify_locations(
                                                   tls_->ctx, ep.ca_file.c_str(), nullptr) == 1;
      if (!loaded) fail("cannot load CA " + ep.ca_file + ": " + ssl_error_text());
    }
    if (!ep.cert_file.empty()) {
      if (SSL_CTX_use_certificate_chain_file(tls_->ctx, ep.cert_file.c_str()) != 1 ||
          SSL_CTX_use_PrivateKey_file(tls_->ctx, ep.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        fail("cannot load client certificate: " + ssl_error_text());
      }
    }
    tls_->ssl = SSL_new(tls_->ctx);
    SSL_set_fd(tls_->ssl, fd_);
    const std::string& name = ep.tls_name();
    in6_addr addr{};
    const bool is_ip = ::inet_pton(AF_INET, name.c_str(), &addr) == 1 ||
                       ::inet_pton(AF_INET6, name.c_str(), &addr) == 1;
    if (ep.verify_peer) {
      X509_VERIFY_PARAM* param = SSL_get0_param(tls_->ssl);
      if (is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
      } else {
        X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
      }
    }
    if (!is_ip) {  // SNI (SSL_set_tlsext_host_name without its old-style cast)
      SSL_ctrl(tls_->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(name.c_str()));
    }
    if (SSL_connect(tls_->ssl) != 1) fail("TLS handshake: " + ssl_error_text());
  }

  if (!ep.password.empty()) {
    const storage::resp_value r =
        ep.user.empty() ? command({"AUTH", ep.password}) : command({"AUTH", ep.user, ep.password});
    if (r.is_error()) fail("AUTH: " + r.string);
  }
  if (ep.db != 0) {
    const storage::resp_value r = command({"SELECT", std::to_string(ep.db)});
    if (r.is_error()) fail("SELECT: " + r.string);
  }
}

redis_client::~redis_client() {
  tls_.reset();
  if (fd_ >= 0) ::close(fd_);
}

void redis_client::send_all(std::string_view bytes) {
  while (!bytes.empty()) {
    long n = 0;
    if (tls_) {
      n = SSL_write(tls_->ssl, bytes.data(), static_cast<int>(bytes.size()));
      if (n <= 0) fail("TLS write: " + ssl_error_text());
    } else {
      n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) fail("send: " + std::string(std::strerror(errno)));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::size_t redis_client::receive_some(char* data, std::size_t size) {
  long n = 0;
  if (tls_) {
    n = SSL_read(tls_->ssl, data, static_cast<int>(size));
    if (n <= 0) fail("TLS read: " + ssl_error_text());
  } else {
    n = ::recv(fd_, data, size, 0);
    if (n == 0) fail("connection closed by server");
    if (n < 0) fail("recv: " + std::string(std::strerror(errno)));
  }
  return static_cast<std::size_t>(n);
}

storage::resp_value redis_client::round_trip(std::string request) {
  send_all(request);
  return read_reply();
}

storage::resp_value redis_client::read_reply() {
  storage::resp_parser parser;
  storage::resp_builder builder;
  std::size_t pos = 0;
  for (;;) {
    for (;;) {
      auto r = parser.next(std::string_view(buffer_).substr(pos));
      if (!r) fail("bad reply: " + r.error().message());
      if (!r.value()) break;
      pos += parser.consumed();
      builder.on_node(r.value().value());
      if (parser.done()) {
        buffer_.erase(0, pos);
        return builder.take();
      }
    }
    char chunk[16384];
    const std::size_t n = receive_some(chunk, sizeof chunk);
    buffer_.append(chunk, n);
  }
}

storage::resp_value redis_client::command(std::initializer_list<std::string_view> args) {
  std::string request;
  storage::append_array_header(request, args.size());
  for (std::string_view a : args) storage::append_bulk(request, a);
  return round_trip(std::move(request));
}

storage::resp_value redis_client::command(const std::vector<std::string>& args) {
  std::string request;
  storage::append_array_header(request, args.size());
  for (const std::string& a : args) storage::append_bulk(request, a);
  return round_trip(std::move(request));
}

std::int64_t redis_client::integer(std::initializer_list<std::string_view> args) {
  const auto r = command(args);
  if (r.type != storage::resp_type::integer) fail("expected integer, got " + to_debug_string(r));
  return r.integer;
}

std::string redis_client::string(std::initializer_list<std::string_view> args) {
  const auto r = command(args);
  if (r.is_null()) return {};
  if (!r.is_string()) fail("expected string, got " + to_debug_string(r));
  return r.string;
}

std::vector<std::string> redis_client::strings(std::initializer_list<std::string_view> args) {
  const auto r = command(args);
  if (r.type != storage::resp_type::array) fail("expected array, got " + to_debug_string(r));
  std::vector<std::string> out;
  for (const auto& e : r.elements) out.push_back(e.string);
  return out;
}

std::vector<std::pair<std::string, std::string>> redis_client::hgetall(std::string_view key) {
  const auto flat = strings({"HGETALL", key});
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i + 1 < flat.size(); i += 2) out.emplace_back(flat[i], flat[i + 1]);
  return out;
}

std::vector<std::string> redis_client::keys(std::string_view pattern) {
  std::vector<std::string> out;
  std::string cursor = "0";
  do {
    const auto r = command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (r.type != storage::resp_type::array || r.elements.size() != 2) {
      fail("bad SCAN reply: " + to_debug_string(r));
    }
    cursor = r.elements[0].string;
    for (const auto& k : r.elements[1].elements) out.push_back(k.string);
  } while (cursor != "0");
  return out;
}

}  // namespace tickgate::test

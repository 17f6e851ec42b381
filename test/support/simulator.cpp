#include "test/support/simulator.hpp"

#include "protocol/login.hpp"
#include "protocol/totp.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

namespace tickgate::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::chrono::seconds socket_timeout{10};

// Blocking calls on the socket fail after the timeout instead of hanging.
void set_socket_timeouts(tcp::socket& socket) {
  timeval tv{};
  tv.tv_sec = socket_timeout.count();
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

template <class Stream>
http_reply exchange(Stream& stream, http::request<http::string_body>& req) {
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  http::read(stream, buffer, parser);
  auto& res = parser.get();
  http_reply reply;
  reply.status = res.result_int();
  reply.body = std::move(res.body());
  for (const auto& field : res) {
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return reply;
}

std::string format_rate(double rate) {
  std::ostringstream s;
  s << rate;
  return s.str();
}

}  // namespace

std::string http_reply::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return {};
}

simulator::simulator(simulator_options options) : options_(std::move(options)) {
  if (options_.credentials) credentials_ = *options_.credentials;
  dir_ = std::make_unique<temp_dir>("tickgate-sim");
  tls_dir_ = options_.tls_dir.value_or(dir_->path() / "tls");
  // A free port can be taken by someone else before the child binds it:
  // retry with a new one when the child exits early.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_loopback_port();
    std::vector<std::string> argv = {TICKGATE_BINARY_DIR "/tickgate-sim", "--listen",
                                     "127.0.0.1:" + std::to_string(port_)};
    if (options_.tls) {
      argv.insert(argv.end(), {"--tls-dir", tls_dir_.string()});
    } else {
      argv.emplace_back("--plain");
    }
    argv.insert(argv.end(),
                {"--rate", format_rate(options_.rate), "--seed", std::to_string(options_.seed)});
    if (options_.credentials) {
      argv.insert(argv.end(), {"--api-key", credentials_.api_key, "--client-code", credentials_.client_code,
                               "--pin", credentials_.pin, "--totp-secret", credentials_.totp_secret});
    }
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    std::filesystem::remove(log_file());
    process_.emplace(process_options{argv, {}, log_file(), {}});
    // Ready when it logs "listening" (no probe connection to skew its stats).
    const bool ready = eventually(
        [&] {
          return !process_->running() ||
                 read_file(log_file()).find("\"msg\":\"listening\"") != std::string::npos;
        },
        options_.startup_timeout);
    if (ready && process_->running()) return;
    process_->stop(std::chrono::seconds(1));
  }
  throw std::runtime_error("tickgate-sim did not start; log:\n" + read_file(log_file()));
}

simulator::~simulator() {
  if (process_) process_->stop(std::chrono::seconds(5));
}

std::string simulator::feed_url() const {
  return std::string(tls() ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(port_) +
         "/smart-stream";
}

std::string simulator::login_base_url() const {
  return std::string(tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::filesystem::path simulator::ca_file() const {
  return tls() ? tls_dir_ / "cert.pem" : std::filesystem::path();
}

std::filesystem::path simulator::log_file() const {
  return dir_->path() / "sim.log";
}

http_reply simulator::request(
    std::string_view method, std::string_view target, std::string body,
    const std::vector<std::pair<std::string, std::string>>& headers) const {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.keep_alive(false);
  req.prepare_payload();
  try {
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect({asio::ip::make_address("127.0.0.1"), port_});
    set_socket_timeouts(socket);
    if (!tls()) return exchange(socket, req);
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.load_verify_file(ca_file().string());
    ctx.set_verify_mode(asio::ssl::verify_peer);
    asio::ssl::stream<tcp::socket> stream(std::move(socket), ctx);
    stream.set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
    stream.handshake(asio::ssl::stream_base::client);
    http_reply reply = exchange(stream, req);
    boost::system::error_code ignored;
    stream.shutdown(ignored);  // the server closes; its close_notify may or may not come
    return reply;
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("simulator request " + std::string(method) + " " +
                             std::string(target) + ": " + e.what());
  }
}

std::string simulator::current_totp() const {
  const auto key = protocol::decode_base32(credentials_.totp_secret);
  if (!key) throw std::runtime_error("bad TOTP secret");
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return protocol::totp_code(*key, now);
}

http_reply simulator::login_request(std::string_view api_key, std::string_view client_code,
                                    std::string_view pin, std::string_view totp) const {
  return request("POST", protocol::login_path,
                 protocol::encode_login_request(
                     {std::string(client_code), std::string(pin), std::string(totp)}),
                 {{"X-PrivateKey", std::string(api_key)},
                  {"X-UserType", "USER"},
                  {"X-SourceID", "WEB"},
                  {"X-ClientLocalIP", "127.0.0.1"},
                  {"X-ClientPublicIP", "127.0.0.1"},
                  {"X-MACAddress", "00:00:00:00:00:00"}});
}

sim_session simulator::login() const {
  const http_reply reply = login_request(credentials_.api_key, credentials_.client_code,
                                         credentials_.pin, current_totp());
  const auto parsed = protocol::parse_login_response(reply.body);
  if (reply.status != 200 || !parsed || !parsed->ok) {
    throw std::runtime_error("simulator login failed: " + std::to_string(reply.status) + " " +
                             reply.body);
  }
  return {parsed->tokens.jwt, parsed->tokens.refresh, parsed->tokens.feed};
}

boost::json::value simulator::stats() const {
  const http_reply reply = request("GET", "/sim/stats");
  if (reply.status != 200) throw std::runtime_error("/sim/stats: " + reply.body);
  return boost::json::parse(reply.body);
}

boost::json::value simulator::fault(const boost::json::object& body) const {
  const http_reply reply = request("POST", "/sim/fault", boost::json::serialize(body));
  if (reply.status != 200) {
    throw std::runtime_error("/sim/fault " + boost::json::serialize(body) + ": " +
                             std::to_string(reply.status) + " " + reply.body);
  }
  return boost::json::parse(reply.body);
}

}  // namespace tickgate::test

// A small synchronous SmartStream client for the simulator's tests and
// benchmark: Beast's websocket client (an implementation independent of the
// simulator's own framing) over TLS or plain TCP, with the §1.2 headers.
// Every blocking call has a socket timeout, so a silent server fails a test
// instead of hanging it.
#pragma once

#include "protocol/frame.hpp"
#include "protocol/request.hpp"
#include "test/support/simulator.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tickgate::test {

// Handshake headers; nullopt omits the header.
struct feed_headers {
  std::optional<std::string> authorization;
  std::optional<std::string> api_key;
  std::optional<std::string> client_code;
  std::optional<std::string> feed_token;
};

inline feed_headers headers_for(const simulator& sim, const sim_session& s, bool bearer = true) {
  return {(bearer ? "Bearer " : "") + s.jwt, sim.credentials().api_key,
          sim.credentials().client_code, s.feed};
}

struct feed_message {
  bool binary = false;
  std::string data;
  std::span<const std::byte> bytes() const {
    return std::as_bytes(std::span(data.data(), data.size()));
  }
};

class feed_client {
public:
  explicit feed_client(const simulator& sim,
                       std::chrono::seconds timeout = std::chrono::seconds(20))
      : sim_(sim), tls_ctx_(boost::asio::ssl::context::tls_client), timeout_(timeout) {
    if (sim.tls()) {
      tls_ctx_.load_verify_file(sim.ca_file().string());
      tls_ctx_.set_verify_mode(boost::asio::ssl::verify_peer);
    }
  }

  // Connects and upgrades. Returns the HTTP status of the upgrade response
  // (101 on success); `error_message` receives x-error-message.
  // `receive_buffer`: SO_RCVBUF to set before connecting (0: default).
  unsigned connect(const feed_headers& h, std::string* error_message = nullptr,
                   int receive_buffer = 0) {
    namespace asio = boost::asio;
    namespace websocket = boost::beast::websocket;
    asio::ip::tcp::socket socket(ioc_);
    socket.open(asio::ip::tcp::v4());
    if (receive_buffer > 0)
      socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    socket.connect({asio::ip::make_address("127.0.0.1"), sim_.port()});
    set_timeouts(socket.native_handle());
    auto decorate = websocket::stream_base::decorator([h](websocket::request_type& req) {
      if (h.authorization) req.set(boost::beast::http::field::authorization, *h.authorization);
      if (h.api_key) req.set("x-api-key", *h.api_key);
      if (h.client_code) req.set("x-client-code", *h.client_code);
      if (h.feed_token) req.set("x-feed-token", *h.feed_token);
    });
    websocket::response_type res;
    boost::system::error_code ec;
    const std::string host = "127.0.0.1:" + std::to_string(sim_.port());
    if (sim_.tls()) {
      tls_.emplace(std::move(socket), tls_ctx_);
      tls_->next_layer().set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
      tls_->next_layer().handshake(asio::ssl::stream_base::client);
      tls_->set_option(std::move(decorate));
      tls_->read_message_max(128u << 20);
      tls_->control_callback([this](websocket::frame_type kind, std::string_view payload) {
        on_control(kind, payload);
      });
      tls_->handshake(res, host, "/smart-stream", ec);
    } else {
      plain_.emplace(std::move(socket));
      plain_->set_option(std::move(decorate));
      plain_->read_message_max(128u << 20);
      plain_->control_callback([this](websocket::frame_type kind, std::string_view payload) {
        on_control(kind, payload);
      });
      plain_->handshake(res, host, "/smart-stream", ec);
    }
    if (error_message != nullptr) *error_message = std::string(res["x-error-message"]);
    return res.result_int();
  }

  void send_text(std::string_view text) {
    with([&](auto& ws) {
      ws.text(true);
      ws.write(boost::asio::buffer(text.data(), text.size()));
    });
  }

  void subscribe(const protocol::subscription_request& r) {
    send_text(protocol::encode_subscription_request(r));
  }

  void ping(std::string_view payload) {
    with([&](auto& ws) {
      ws.ping(boost::beast::websocket::ping_data(payload.data(), payload.size()));
    });
  }

  // The next data message (control frames are recorded by the callback).
  boost::system::error_code read(feed_message& out) {
    boost::beast::flat_buffer buffer;
    boost::system::error_code ec;
    with([&](auto& ws) {
      ws.read(buffer, ec);
      out.binary = ws.got_binary();
    });
    out.data = boost::beast::buffers_to_string(buffer.data());
    return ec;
  }

  feed_message read() {
    feed_message m;
    if (const auto ec = read(m)) throw boost::system::system_error(ec, "feed read");
    return m;
  }

  // Reads until a text message; binary messages in between go to `skipped`.
  std::string read_text(std::vector<feed_message>* skipped = nullptr) {
    for (;;) {
      feed_message m = read();
      if (!m.binary) return m.data;
      if (skipped != nullptr) skipped->push_back(std::move(m));
    }
  }

  boost::system::error_code close(std::uint16_t code = 1000) {
    boost::system::error_code ec;
    with([&](auto& ws) { ws.close(boost::beast::websocket::close_reason(code), ec); });
    return ec;
  }

  boost::beast::websocket::close_reason reason() {
    boost::beast::websocket::close_reason r;
    with([&](auto& ws) { r = ws.reason(); });
    return r;
  }

  const std::vector<std::string>& pongs() const noexcept { return pongs_; }

private:
  template <class F>
  void with(F&& f) {
    if (tls_)
      f(*tls_);
    else
      f(*plain_);
  }

  void on_control(boost::beast::websocket::frame_type kind, std::string_view payload) {
    if (kind == boost::beast::websocket::frame_type::pong) pongs_.emplace_back(payload);
  }

  void set_timeouts(int fd) const {
    timeval tv{};
    tv.tv_sec = timeout_.count();
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }

  const simulator& sim_;
  boost::asio::io_context ioc_;
  boost::asio::ssl::context tls_ctx_;
  std::chrono::seconds timeout_;
  std::optional<
      boost::beast::websocket::stream<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>>>
      tls_;
  std::optional<boost::beast::websocket::stream<boost::asio::ip::tcp::socket>> plain_;
  std::vector<std::string> pongs_;
};

}  // namespace tickgate::test

#include "test/support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <stdexcept>

#include <sys/socket.h>
#include <sys/time.h>

namespace tickgate::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct http_client::impl {
  asio::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
};

http_client::http_client(std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>()) {
  impl_->socket.connect({asio::ip::make_address("127.0.0.1"), port});
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(impl_->socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(impl_->socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

http_client::~http_client() = default;

void http_client::send_raw(std::string_view bytes) {
  boost::system::error_code ec;
  asio::write(impl_->socket, asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec) throw std::runtime_error("http_client write: " + ec.message());
}

std::optional<http_reply> http_client::read_reply(bool to_head) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  parser.skip(to_head);
  boost::system::error_code ec;
  http::read(impl_->socket, impl_->buffer, parser, ec);
  if (ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset) {
    return std::nullopt;
  }
  if (ec) throw std::runtime_error("http_client read: " + ec.message());
  const auto& res = parser.get();
  http_reply reply;
  reply.status = res.result_int();
  reply.body = res.body();
  for (const auto& field : res) {
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return reply;
}

http_reply http_client::request(std::string_view method, std::string_view target, std::string body,
                                const header_list& headers, bool keep_alive) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.keep_alive(keep_alive);
  req.prepare_payload();
  boost::system::error_code ec;
  http::write(impl_->socket, req, ec);
  if (ec) throw std::runtime_error("http_client write: " + ec.message());
  auto reply = read_reply(req.method() == http::verb::head);
  if (!reply) {
    throw std::runtime_error("http_client: connection closed before a response to " +
                             std::string(method) + " " + std::string(target));
  }
  return *reply;
}

bool http_client::peer_closed() {
  char byte = 0;
  boost::system::error_code ec;
  const std::size_t n = impl_->socket.read_some(asio::buffer(&byte, 1), ec);
  if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
  // Timeout (EAGAIN) or data: still open.
  static_cast<void>(n);
  return false;
}

http_reply http_call(std::uint16_t port, std::string_view method, std::string_view target,
                     std::string body, const header_list& headers) {
  http_client c(port);
  return c.request(method, target, std::move(body), headers, false);
}

}  // namespace tickgate::test

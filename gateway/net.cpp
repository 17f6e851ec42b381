#include "gateway/net.hpp"

#include "gateway/errc.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>

namespace tickgate::gateway {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

boost::system::result<endpoint_url> parse_endpoint_url(std::string_view url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return make_error_code(errc::bad_url);
  endpoint_url out;
  const auto scheme = parsed->scheme();
  if (scheme == "wss" || scheme == "https") {
    out.tls = true;
  } else if (scheme == "ws" || scheme == "http") {
    out.tls = false;
  } else {
    return make_error_code(errc::bad_url);
  }
  out.host = parsed->host_name().empty() ? std::string(parsed->encoded_host_address())
                                         : std::string(parsed->host_name());
  if (out.host.size() >= 2 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host.empty()) return make_error_code(errc::bad_url);
  out.port = parsed->has_port() ? std::string(parsed->port()) : (out.tls ? "443" : "80");
  out.target = std::string(parsed->encoded_resource());
  if (out.target.empty()) out.target = "/";
  return out;
}

asio::ssl::context make_client_tls_context(const std::filesystem::path& extra_ca_file,
                                           bool insecure_skip_verify) {
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1);
  if (insecure_skip_verify) {
    context.set_verify_mode(asio::ssl::verify_none);
    return context;
  }
  context.set_default_verify_paths();
  if (!extra_ca_file.empty()) context.load_verify_file(extra_ca_file.string());
  context.set_verify_mode(asio::ssl::verify_peer);
  return context;
}

boost::system::error_code prepare_tls_client(SSL* ssl, const std::string& host, bool verify) {
  // SNI must be a host name, never an IP literal (RFC 6066 §3).
  boost::system::error_code ec;
  (void)asio::ip::make_address(host, ec);
  const bool is_ip = !ec;
  // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
  if (!is_ip && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                         const_cast<char*>(host.c_str())) != 1) {
    return {static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()};
  }
  if (verify) {
    // Checks the certificate's SAN (DNS or IP) against `host`.
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                         : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    if (ok != 1) return {static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()};
  }
  return {};
}

namespace {

template <class Executor>
asio::awaitable<boost::system::error_code, Executor> connect_bounded(
    boost::beast::basic_stream<asio::ip::tcp, Executor, boost::beast::unlimited_rate_policy>& stream,
    const endpoint_url& url, std::chrono::milliseconds timeout) {
  constexpr asio::use_awaitable_t<Executor> use_awaitable;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  auto result = co_await (resolver.async_resolve(url.host, url.port, asio::as_tuple(use_awaitable)) ||
                          timer.async_wait(asio::as_tuple(use_awaitable)));
  if (result.index() == 1) co_return make_error_code(errc::timeout);
  auto [ec, endpoints] = std::get<0>(std::move(result));
  if (ec) co_return ec;
  stream.expires_at(deadline);
  auto [cec, ep] = co_await stream.async_connect(endpoints, asio::as_tuple(use_awaitable));
  (void)ep;
  if (cec == boost::beast::error::timeout) co_return make_error_code(errc::timeout);
  co_return cec;
}

}  // namespace

asio::awaitable<boost::system::error_code> async_connect_bounded(
    boost::beast::tcp_stream& stream, const endpoint_url& url, std::chrono::milliseconds timeout) {
  return connect_bounded(stream, url, timeout);
}

asio::awaitable<boost::system::error_code, concrete_executor> async_connect_bounded(
    concrete_tcp_stream& stream, const endpoint_url& url, std::chrono::milliseconds timeout) {
  return connect_bounded(stream, url, timeout);
}

}  // namespace tickgate::gateway

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/crypto.h>

#include <strings.h>

namespace tickgate::gateway {
namespace beast = boost::beast;
namespace http = beast::http;

std::string http_reply::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

namespace {

template <class Stream>
asio::awaitable<boost::system::result<http_reply>> exchange(Stream& stream, beast::tcp_stream& lowest,
                                                            const endpoint_url& url, http_call& call,
                                                            std::chrono::steady_clock::time_point deadline) {
  http::request<http::string_body> request{call.method, url.target == "/" ? call.target : url.target + call.target, 11};
  request.set(http::field::host, url.host);
  request.set(http::field::user_agent, "tickgate/" TICKGATE_VERSION);
  for (const auto& [k, v] : call.headers) request.set(k, v);
  request.body() = std::move(call.body);
  request.prepare_payload();
  lowest.expires_at(deadline);
  auto [wec, written] = co_await http::async_write(stream, request, asio::as_tuple(asio::use_awaitable));
  (void)written;
  // The body may hold credentials: wipe it now that it is on the wire.
  OPENSSL_cleanse(request.body().data(), request.body().size());
  if (wec) co_return wec == beast::error::timeout ? make_error_code(errc::timeout) : wec;

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(call.max_reply_bytes);
  parser.header_limit(64 * 1024);
  auto [rec, read] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  (void)read;
  if (rec) co_return rec == beast::error::timeout ? make_error_code(errc::timeout) : rec;
  auto response = parser.release();
  http_reply reply;
  reply.status = response.result_int();
  reply.body = std::move(response.body());
  for (const auto& field : response) {
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  co_return reply;
}

}  // namespace

asio::awaitable<boost::system::result<http_reply>> async_http_request(
    const endpoint_url& url, asio::ssl::context& tls, bool verify_peer, http_call call,
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  beast::tcp_stream tcp(co_await asio::this_coro::executor);
  if (auto ec = co_await async_connect_bounded(tcp, url, timeout)) co_return ec;
  if (!url.tls) {
    auto reply = co_await exchange(tcp, tcp, url, call, deadline);
    boost::system::error_code ignored;
    tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    co_return reply;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), tls);
  if (auto ec = prepare_tls_client(stream.native_handle(), url.host, verify_peer)) co_return ec;
  beast::get_lowest_layer(stream).expires_at(deadline);
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client,
                                               asio::as_tuple(asio::use_awaitable));
  if (hec) co_return hec == beast::error::timeout ? make_error_code(errc::timeout) : hec;
  auto reply = co_await exchange(stream, beast::get_lowest_layer(stream), url, call, deadline);
  // A short, bounded TLS close; the peer may just drop the connection.
  beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(500));
  co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
  co_return reply;
}

}  // namespace tickgate::gateway

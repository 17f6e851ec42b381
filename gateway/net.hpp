// Client-side networking shared by the login client and the feed: URL
// parsing, TLS contexts with verification on by default, bounded resolve and
// connect.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace tickgate::gateway {

struct endpoint_url {
  bool tls = true;
  std::string host;    // without brackets
  std::string port;    // numeric service
  std::string target;  // path + query, "/" when empty
};

// wss:// and https:// (TLS) or ws:// and http:// (plain). Error: errc::bad_url.
boost::system::result<endpoint_url> parse_endpoint_url(std::string_view url);

// A TLS 1.2+ client context that verifies the peer against the system trust
// store plus `extra_ca_file` (when not empty). `insecure_skip_verify` turns
// verification off; the caller logs that loudly. Throws on an unreadable CA
// file (start-up only; the config check reports it first).
boost::asio::ssl::context make_client_tls_context(const std::filesystem::path& extra_ca_file,
                                                  bool insecure_skip_verify);

// Sets SNI and RFC 6125 host-name verification on a TLS stream's handle.
// Returns an error when the host cannot be set as SNI.
boost::system::error_code prepare_tls_client(SSL* ssl, const std::string& host, bool verify);

// Resolves and connects `stream` to url.host:url.port within `timeout`
// (both steps under one deadline).
boost::asio::awaitable<boost::system::error_code> async_connect_bounded(
    boost::beast::tcp_stream& stream, const endpoint_url& url, std::chrono::milliseconds timeout);

// The same for a stream and coroutine on the io_context's own executor type
// (the feed's hot path: no type-erased executor copies per operation).
using concrete_executor = boost::asio::io_context::executor_type;
using concrete_tcp_stream =
    boost::beast::basic_stream<boost::asio::ip::tcp, concrete_executor, boost::beast::unlimited_rate_policy>;
boost::asio::awaitable<boost::system::error_code, concrete_executor> async_connect_bounded(
    concrete_tcp_stream& stream, const endpoint_url& url, std::chrono::milliseconds timeout);

}  // namespace tickgate::gateway

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include <utility>
#include <vector>

namespace tickgate::gateway {

struct http_reply {
  unsigned status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(std::string_view name) const;  // case-insensitive, "" when absent
};

struct http_call {
  boost::beast::http::verb method = boost::beast::http::verb::post;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::size_t max_reply_bytes = 1 << 20;
};

// One HTTP/1.1 request on a fresh connection (TLS per url.tls, verified with
// `tls`), everything within `timeout`. The request body is wiped from memory
// after it is sent (it may hold a PIN). HTTP error statuses are replies, not
// errors; errors are transport failures (timeout, TLS, refused, …).
boost::asio::awaitable<boost::system::result<http_reply>> async_http_request(
    const endpoint_url& url, boost::asio::ssl::context& tls, bool verify_peer, http_call call,
    std::chrono::milliseconds timeout);

}  // namespace tickgate::gateway

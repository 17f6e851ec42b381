// A small blocking HTTP/1.1 client for tests of the gateway's REST server:
// one connection that can be kept alive across requests, raw writes (for
// malformed or oversized requests), and a socket timeout on every operation
// so a hung server fails the test instead of hanging it. Plain TCP to
// 127.0.0.1 only.
#pragma once

#include "test/support/simulator.hpp"  // http_reply

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tickgate::test {

using header_list = std::vector<std::pair<std::string, std::string>>;

class http_client {
public:
  explicit http_client(std::uint16_t port,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // Sends a request on this connection and reads the response. Throws
  // std::runtime_error on transport failure (including the peer closing).
  http_reply request(std::string_view method, std::string_view target, std::string body = {},
                     const header_list& headers = {}, bool keep_alive = true);
  // Writes bytes as they are.
  void send_raw(std::string_view bytes);
  // Reads one response; nullopt when the peer closed the connection first.
  // `to_head`: the response answers a HEAD (a header only, whatever its
  // Content-Length says).
  std::optional<http_reply> read_reply(bool to_head = false);
  // True when the peer has closed the connection (reads EOF or a reset)
  // within the socket timeout; false when it is still open and silent.
  bool peer_closed();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// One request on a fresh connection (Connection: close).
http_reply http_call(std::uint16_t port, std::string_view method, std::string_view target,
                     std::string body = {}, const header_list& headers = {});

}  // namespace tickgate::test

// A small blocking Redis client for test assertions: plain POSIX sockets
// (TLS through OpenSSL when the endpoint asks for it), the storage layer's
// RESP encoder and parser, RESP2, a timeout on every socket operation.
// Independent of storage::connection on purpose: it checks what actually
// reached Redis. Throws std::runtime_error on I/O failure; Redis error
// replies are returned as values.
#pragma once

#include "storage/redis_url.hpp"
#include "storage/resp_value.hpp"

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tickgate::test {

class redis_client {
public:
  // Connects, authenticates (AUTH [user] password when a password is set)
  // and selects the endpoint's db.
  explicit redis_client(const storage::redis_endpoint& endpoint,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
  explicit redis_client(std::string_view url,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~redis_client();
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  storage::resp_value command(std::initializer_list<std::string_view> args);
  storage::resp_value command(const std::vector<std::string>& args);
  // The next reply or message without sending anything (a subscriber's
  // messages, a second SUBSCRIBE confirmation).
  storage::resp_value read_reply();

  // Conveniences that throw when the reply is not of the expected type.
  std::int64_t integer(std::initializer_list<std::string_view> args);
  std::string string(std::initializer_list<std::string_view> args);  // "" for nil
  std::vector<std::string> strings(std::initializer_list<std::string_view> args);
  // HGETALL as field → value pairs in reply order.
  std::vector<std::pair<std::string, std::string>> hgetall(std::string_view key);
  // SCAN-based: every key matching `pattern` (never KEYS).
  std::vector<std::string> keys(std::string_view pattern);

private:
  storage::resp_value round_trip(std::string request);
  void send_all(std::string_view bytes);
  std::size_t receive_some(char* data, std::size_t size);

  struct tls_state;
  int fd_ = -1;
  std::unique_ptr<tls_state> tls_;
  std::string buffer_;
};

}  // namespace tickgate::test

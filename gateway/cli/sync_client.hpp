// A small blocking Redis client for tickgate-cli: one connection (TCP, or TLS
// for rediss:// with peer and host-name verification), AUTH and SELECT from
// the URL, RESP2. It uses the storage layer's RESP encoder and incremental
// parser, so there is one RESP implementation in the tree; the gateway's
// storage::connection is asynchronous and buffering by design, which a
// command-line tool does not want (it must fail fast and say why).
//
// Every operation runs the Asio operation on a private io_context with a
// deadline (io_context::run_for), so nothing blocks forever: commands get
// `timeout`, blocking reads (XREAD BLOCK) get their block time plus
// `timeout`. Failures throw redis_failure (exceptions mean stop: the CLI
// prints the message and exits); Redis error replies are values.
#pragma once

#include "storage/redis_url.hpp"
#include "storage/resp_value.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tickgate::gateway::cli {

// Transport or protocol failure: cannot connect, TLS, timeout, connection
// closed, unparsable reply, AUTH refused. The message never holds the password.
class redis_failure : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

using command_args = std::vector<std::string>;

class sync_client {
public:
  // Connects, authenticates (AUTH [user] password when the URL has one) and
  // selects the URL's db.
  sync_client(const storage::redis_endpoint& endpoint, std::chrono::milliseconds timeout);
  ~sync_client();
  sync_client(const sync_client&) = delete;
  sync_client& operator=(const sync_client&) = delete;

  // One command, one reply. `extra_wait` lengthens this call's deadline (for
  // XREAD/XREADGROUP BLOCK).
  storage::resp_value command(const command_args& args,
                              std::chrono::milliseconds extra_wait = std::chrono::milliseconds(0));
  // Many commands written at once; their replies in order.
  std::vector<storage::resp_value> pipeline(const std::vector<command_args>& commands);
  // SELECT db (remembered: select() to the current db sends nothing).
  void select(int db);
  int db() const noexcept { return db_; }

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  int db_ = 0;
};

// The reply as text when it is a string, integer or double; throws
// redis_failure naming `what` when it is an error reply, "" for nil.
std::string reply_text(const storage::resp_value& reply, const std::string& what);
// Throws redis_failure naming `what` when `reply` is an error reply.
const storage::resp_value& check_reply(const storage::resp_value& reply, const std::string& what);

}  // namespace tickgate::gateway::cli

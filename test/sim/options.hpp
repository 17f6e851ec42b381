// tickgate-sim's command line (design.md "Command-line contract"):
//   tickgate-sim --listen HOST:PORT [--tls-dir DIR | --plain] [--rate N]
//                [--seed N] [--max-tokens-per-connection N] [--max-connections N]
//                [--auth-style bearer|raw|any] [--log-level LEVEL]
//                [--api-key K] [--client-code C] [--pin P] [--totp-secret S]
//                [--max-queue-bytes N] [--write-timeout-ms N] [--idle-timeout-s N]
//                [--login-error-status N] [--replay FILE [--replay-loop]]
#pragma once

#include "storage/log.hpp"
#include "test/sim/session_store.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>

namespace tickgate::sim {

struct sim_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::optional<std::filesystem::path> tls_dir;  // nullopt: --plain
  double rate = 1.0;                             // ticks/s per subscribed token; 0: none
  std::uint64_t seed = 1;
  std::size_t max_tokens_per_connection = 1000;  // §5.3
  std::size_t max_connections = 3;               // per client code, §5.3
  auth_style auth = auth_style::any;
  log::level log_level = log::level::info;
  credentials creds;
  // A connection whose unsent bytes exceed this is a slow client: closed.
  std::size_t max_queue_bytes = 8u << 20;
  // One write (a whole flush) must finish within this, or the client is slow.
  std::uint32_t write_timeout_ms = 10'000;
  // A feed connection from which nothing (no frame, no ping) arrives for this
  // long is closed: every SDK pings every 10 s (§4), so 60 s is six missed
  // pings. Bounds the reader's wait and frees the slot of a vanished client.
  // 0: never.
  std::uint32_t idle_timeout_s = 60;
  unsigned login_error_status = 200;  // HTTP status of failure envelopes (§6.1)
  // A tickgate recording (gateway/recording.hpp) to serve instead of the
  // random market: each recorded frame's tick goes to the subscribers of its
  // instrument at the recorded pace, from the first subscription on.
  std::optional<std::filesystem::path> replay;
  bool replay_loop = false;  // start again at the end of the file
};

// Outcome of parsing: options to run with, text to print and exit 0 (--help),
// or an error message to print and exit 2.
struct help_text {
  std::string text;
};
struct option_error {
  std::string message;
};
using parse_outcome = std::variant<sim_options, help_text, option_error>;

parse_outcome parse_sim_options(int argc, const char* const* argv);

}  // namespace tickgate::sim

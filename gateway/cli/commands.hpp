// tickgate-cli's commands: reading what the gateway wrote, the way its
// consumers do. Each takes the resolved options, writes its result to `out`
// (human-readable, or JSON with --json: one object per line for `tail`, one
// document otherwise) and returns the process exit code. Failures reaching
// Redis throw redis_failure (sync_client.hpp); main prints them.
//
//   tail SYMBOL…     XREAD BLOCK from the streams' current ends (or --from ID),
//                    or XREADGROUP with --group/--consumer: own pending entries
//                    first (resuming after a crash), then new ones, each XACKed
//                    once printed
//   latest SYMBOL…   the last stream entry of each symbol
//   health           PING latency, keyspace per db (keys, expiring keys, avg
//                    TTL), key counts and TTL inspection per key family,
//                    pub/sub subscribers (the seed's redis_health check)
//   keys             key families with key counts, entries and bytes (SCAN)
#pragma once

#include "storage/storage_config.hpp"

#include <chrono>
#include <csignal>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace tickgate::gateway::cli {

// Process exit codes (README "Consumers").
enum exit_code : int {
  exit_ok = 0,
  exit_failure = 1,    // Redis unreachable, refused, timed out, or answered an error
  exit_usage = 2,      // bad command line or config
  exit_not_found = 3,  // latest: a symbol has no entry; tail: --count not reached in --timeout
  exit_degraded = 4,   // health: reachable, with warnings
};

struct common_options {
  storage::storage_config redis;  // connection endpoint + sinks (key prefixes, dbs, TTLs)
  bool json = false;
  std::chrono::milliseconds timeout{5000};  // per command (connect, reply)
};

struct tail_options {
  std::vector<std::string> symbols;
  std::string from = "$";  // "$": entries after the current end; or an entry ID
  std::string group;       // XREADGROUP when set
  std::string consumer;
  std::uint64_t count = 0;                     // stop after this many entries (0: never)
  std::optional<std::chrono::milliseconds> duration;  // stop after this long
  std::chrono::milliseconds block{1000};       // XREAD BLOCK per call
};

struct health_options {
  int pings = 5;
  std::size_t ttl_sample = 1000;  // keys per family whose TTL is inspected
};

struct keys_options {
  bool per_key = false;
};

// Set by SIGINT/SIGTERM: tail stops after its current read.
extern volatile std::sig_atomic_t stop_requested;

int run_tail(const common_options& common, const tail_options& options, std::ostream& out);
int run_latest(const common_options& common, const std::vector<std::string>& symbols,
               std::ostream& out, std::ostream& err);
int run_health(const common_options& common, const health_options& options, std::ostream& out);
int run_keys(const common_options& common, const keys_options& options, std::ostream& out);

}  // namespace tickgate::gateway::cli

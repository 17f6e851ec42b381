// tickgate's Redis key families as the "redis" config section shapes them:
// which database each sink writes, the SCAN patterns of its keys, their Redis
// type and the TTL the gateway sets. tickgate-cli's `keys` and `health` walk
// these (SCAN, never KEYS), so a gateway configured with the seed's database
// map (deploy/examples/redis-db-map.json) is inspected where it writes.
#pragma once

#include "storage/storage_config.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tickgate::gateway::cli {

struct key_family {
  std::string name;                   // "stream", "lists", "price", "candles"
  int db = 0;                         // the sink's db, the URL's when the sink names none
  std::vector<std::string> patterns;  // SCAN MATCH globs (key prefixes glob-escaped)
  std::string type;                   // Redis type: "stream", "list", "string", "hash"
  std::optional<std::chrono::seconds> ttl;  // what the gateway sets; nullopt: none
};

// The enabled sinks' key families (pub/sub has channels, not keys).
std::vector<key_family> key_families(const storage::storage_config& config);

// The stream key of `symbol` and the db it lives in.
std::string stream_key(const storage::storage_config& config, std::string_view symbol);
int stream_db(const storage::storage_config& config);

// `text` with the glob metacharacters * ? [ ] \ escaped for SCAN MATCH.
std::string glob_escape(std::string_view text);

}  // namespace tickgate::gateway::cli

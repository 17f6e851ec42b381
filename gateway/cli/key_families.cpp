#include "gateway/cli/key_families.hpp"

namespace tickgate::gateway::cli {
namespace {

int resolve_db(int sink_db, const storage::storage_config& config) {
  return sink_db >= 0 ? sink_db : config.connection.endpoint.db;
}

}  // namespace

std::string glob_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::vector<key_family> key_families(const storage::storage_config& config) {
  std::vector<key_family> out;
  if (config.stream.enabled) {
    out.push_back({"stream", resolve_db(config.stream.db, config),
                   {glob_escape(config.stream.key_prefix) + "*"}, "stream", config.stream.ttl});
  }
  if (config.lists.enabled) {
    // ticks:<session>:indextick and ticks:<session>:optiontick:<token>
    out.push_back({"lists", resolve_db(config.lists.db, config),
                   {"ticks:*:indextick", "ticks:*:optiontick:*"}, "list", config.lists.ttl});
  }
  if (config.price.enabled) {
    std::optional<std::chrono::seconds> ttl;
    if (config.price.ttl.count() > 0) ttl = config.price.ttl;
    out.push_back({"price", resolve_db(config.price.db, config),
                   {glob_escape(config.price.key_prefix) + "*"}, "string", ttl});
  }
  if (config.candles.enabled) {
    out.push_back({"candles", resolve_db(config.candles.db, config),
                   {glob_escape(config.candles.key_prefix) + "*"}, "hash", config.candles.ttl});
  }
  return out;
}

std::string stream_key(const storage::storage_config& config, std::string_view symbol) {
  return config.stream.key_prefix + std::string(symbol);
}

int stream_db(const storage::storage_config& config) {
  return resolve_db(config.stream.db, config);
}

}  // namespace tickgate::gateway::cli

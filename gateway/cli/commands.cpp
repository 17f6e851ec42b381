#include "gateway/cli/commands.hpp"

#include "gateway/cli/key_families.hpp"
#include "gateway/cli/sync_client.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <iomanip>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace tickgate::gateway::cli {
namespace json = boost::json;
using storage::resp_type;
using storage::resp_value;
using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

volatile std::sig_atomic_t stop_requested = 0;

namespace {

struct entry {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;  // stream order
};

// [id, [field, value, …]] (fields nil for a deleted entry still pending).
entry parse_entry(const resp_value& v) {
  if (v.type != resp_type::array || v.elements.size() != 2) {
    throw redis_failure("unexpected stream entry: " + storage::to_debug_string(v));
  }
  entry e{v.elements[0].string, {}};
  const auto& kv = v.elements[1].elements;
  for (std::size_t i = 0; i + 1 < kv.size(); i += 2) e.fields.emplace_back(kv[i].string, kv[i + 1].string);
  return e;
}

std::string symbol_of(const common_options& common, const std::string& key) {
  const auto& prefix = common.redis.stream.key_prefix;
  return key.starts_with(prefix) ? key.substr(prefix.size()) : key;
}

json::object entry_json(const std::string& key, const std::string& symbol, const entry& e) {
  json::object fields;
  for (const auto& [k, v] : e.fields) fields[k] = v;
  return {{"stream", key}, {"symbol", symbol}, {"id", e.id}, {"fields", std::move(fields)}};
}

std::string field_or(const entry& e, std::string_view name, std::string_view fallback = "-") {
  for (const auto& [k, v] : e.fields) {
    if (k == name) return v;
  }
  return std::string(fallback);
}

// One line per tick: the fields a person watches.
void print_tick_line(std::ostream& out, const std::string& symbol, const entry& e) {
  if (e.fields.empty()) {
    out << symbol << ' ' << e.id << " (deleted)\n";
    return;
  }
  out << std::left << std::setw(12) << symbol << ' ' << e.id << "  ltp " << field_or(e, "ltp")
      << "  chg " << field_or(e, "change") << " (" << field_or(e, "change_percent") << "%)"
      << "  vol " << field_or(e, "volume") << "  bid " << field_or(e, "bid") << "  ask "
      << field_or(e, "ask") << "  " << field_or(e, "exchange_timestamp");
  const std::string seq = field_or(e, "sequence", "");
  if (!seq.empty()) out << "  seq " << seq;
  out << '\n';
}

bool has_error_prefix(const resp_value& v, std::string_view prefix) {
  return v.is_error() && std::string_view(v.string).starts_with(prefix);
}

// Every key matching `pattern` in the selected db (SCAN, never KEYS).
std::vector<std::string> scan_keys(sync_client& redis, const std::string& pattern) {
  std::set<std::string> found;  // SCAN may return a key twice
  std::string cursor = "0";
  do {
    const auto reply = check_reply(redis.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}),
                                   "SCAN");
    if (reply.elements.size() != 2) throw redis_failure("unexpected SCAN reply");
    cursor = reply.elements[0].string;
    for (const auto& k : reply.elements[1].elements) found.insert(k.string);
  } while (cursor != "0");
  return {found.begin(), found.end()};
}

std::vector<std::string> scan_family(sync_client& redis, const key_family& family) {
  redis.select(family.db);
  std::set<std::string> keys;
  for (const auto& p : family.patterns) {
    for (auto& k : scan_keys(redis, p)) keys.insert(std::move(k));
  }
  return {keys.begin(), keys.end()};
}

// Runs `make(key)` for every key in pipelined chunks; replies in key order.
template <class Make>
std::vector<resp_value> per_key(sync_client& redis, const std::vector<std::string>& keys,
                                std::size_t commands_per_key, Make&& make) {
  std::vector<resp_value> out;
  constexpr std::size_t chunk = 500;
  for (std::size_t i = 0; i < keys.size(); i += chunk) {
    std::vector<command_args> batch;
    for (std::size_t k = i; k < std::min(keys.size(), i + chunk); ++k) {
      auto cmds = make(keys[k]);
      for (auto& c : cmds) batch.push_back(std::move(c));
    }
    auto replies = redis.pipeline(batch);
    for (auto& r : replies) out.push_back(std::move(r));
  }
  if (out.size() != keys.size() * commands_per_key) throw redis_failure("pipeline reply count");
  return out;
}

std::string fixed(double v, int decimals) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(decimals) << v;
  return s.str();
}

std::string ttl_text(const std::optional<std::chrono::seconds>& ttl) {
  return ttl ? std::to_string(ttl->count()) + " s" : "none";
}

// "db0:keys=1,expires=0,avg_ttl=0" lines of INFO keyspace.
std::map<int, std::map<std::string, std::int64_t>> parse_keyspace(const std::string& info) {
  std::map<int, std::map<std::string, std::int64_t>> out;
  std::istringstream lines(info);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.starts_with("db")) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const int db = std::atoi(line.substr(2, colon - 2).c_str());
    std::istringstream fields(line.substr(colon + 1));
    std::string kv;
    while (std::getline(fields, kv, ',')) {
      const auto eq = kv.find('=');
      if (eq != std::string::npos) out[db][kv.substr(0, eq)] = std::atoll(kv.substr(eq + 1).c_str());
    }
  }
  return out;
}

std::string info_field(const std::string& info, std::string_view name) {
  std::istringstream lines(info);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > name.size() && line.starts_with(name) && line[name.size()] == ':') {
      return line.substr(name.size() + 1);
    }
  }
  return {};
}

}  // namespace

int run_tail(const common_options& common, const tail_options& options, std::ostream& out) {
  sync_client redis(common.redis.connection.endpoint, common.timeout);
  redis.select(stream_db(common.redis));
  // Each stream once, in the order given: a key named twice in XREAD's
  // STREAMS would return (and print) every entry twice.
  std::vector<std::string> keys;
  for (const auto& s : options.symbols) {
    std::string key = stream_key(common.redis, s);
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
  }
  const bool grouped = !options.group.empty();

  std::vector<std::string> ids(keys.size(), options.from);
  if (grouped) {
    for (const auto& key : keys) {
      const auto reply =
          redis.command({"XGROUP", "CREATE", key, options.group, options.from, "MKSTREAM"});
      if (reply.is_error() && !has_error_prefix(reply, "BUSYGROUP")) {
        throw redis_failure("XGROUP CREATE " + key + ": " + reply.string);
      }
    }
    // This consumer's pending entries first: what it read but never acked.
    std::fill(ids.begin(), ids.end(), "0");
  } else if (options.from == "$") {
    // Pin "$" to each stream's current last ID, so nothing added between two
    // reads is skipped.
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const auto reply = check_reply(redis.command({"XREVRANGE", keys[i], "+", "-", "COUNT", "1"}),
                                     "XREVRANGE " + keys[i]);
      ids[i] = reply.elements.empty() ? "0-0" : parse_entry(reply.elements[0]).id;
    }
  }

  const auto started = clock::now();
  std::uint64_t printed = 0;
  bool pending_phase = grouped;
  while (stop_requested == 0 && (options.count == 0 || printed < options.count)) {
    milliseconds block = options.block;
    if (options.duration) {
      const auto left = std::chrono::duration_cast<milliseconds>(*options.duration -
                                                                 (clock::now() - started));
      if (left.count() <= 0) break;
      block = std::min(block, left);
    }
    const std::uint64_t want =
        options.count == 0 ? 100 : std::min<std::uint64_t>(100, options.count - printed);
    command_args cmd;
    if (grouped) cmd = {"XREADGROUP", "GROUP", options.group, options.consumer};
    else cmd = {"XREAD"};
    cmd.insert(cmd.end(), {"COUNT", std::to_string(want)});
    if (!pending_phase) cmd.insert(cmd.end(), {"BLOCK", std::to_string(std::max<std::int64_t>(1, block.count()))});
    cmd.push_back("STREAMS");
    cmd.insert(cmd.end(), keys.begin(), keys.end());
    cmd.insert(cmd.end(), ids.begin(), ids.end());
    const auto reply = check_reply(redis.command(cmd, pending_phase ? milliseconds(0) : block),
                                   grouped ? "XREADGROUP" : "XREAD");

    std::size_t got = 0;
    for (const auto& stream : reply.elements) {  // nil reply: no elements
      if (stream.elements.size() != 2) throw redis_failure("unexpected XREAD reply");
      const std::string& key = stream.elements[0].string;
      const auto at = std::find(keys.begin(), keys.end(), key) - keys.begin();
      const std::string symbol = symbol_of(common, key);
      command_args ack{"XACK", key, options.group};
      for (const auto& raw : stream.elements[1].elements) {
        if (options.count != 0 && printed >= options.count) break;
        const entry e = parse_entry(raw);
        if (common.json) out << json::serialize(entry_json(key, symbol, e)) << '\n';
        else print_tick_line(out, symbol, e);
        ++printed;
        ++got;
        ack.push_back(e.id);
        if (!grouped || pending_phase) ids[static_cast<std::size_t>(at)] = e.id;
      }
      // Acknowledge only what was written: entries whose output failed stay
      // pending for the next reader of the group.
      out.flush();
      if (!out) throw std::runtime_error("cannot write the output; entries not acknowledged");
      if (grouped && ack.size() > 3) check_reply(redis.command(ack), "XACK " + key);
    }
    if (pending_phase && got == 0) {
      pending_phase = false;
      std::fill(ids.begin(), ids.end(), ">");
    }
  }
  return options.count != 0 && printed < options.count ? exit_not_found : exit_ok;
}

int run_latest(const common_options& common, const std::vector<std::string>& symbols,
               std::ostream& out, std::ostream& err) {
  sync_client redis(common.redis.connection.endpoint, common.timeout);
  redis.select(stream_db(common.redis));
  std::vector<command_args> cmds;
  for (const auto& s : symbols) cmds.push_back({"XREVRANGE", stream_key(common.redis, s), "+", "-", "COUNT", "1"});
  const auto replies = redis.pipeline(cmds);
  int code = exit_ok;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const std::string key = stream_key(common.redis, symbols[i]);
    const auto& reply = check_reply(replies[i], "XREVRANGE " + key);
    if (reply.elements.empty()) {
      err << "tickgate-cli: no entry in " << key << " (db " << stream_db(common.redis) << ")\n";
      code = exit_not_found;
      continue;
    }
    const entry e = parse_entry(reply.elements[0]);
    if (common.json) {
      out << json::serialize(entry_json(key, symbols[i], e)) << '\n';
      continue;
    }
    out << key << "  " << e.id << '\n';
    for (const auto& [k, v] : e.fields) out << "  " << std::left << std::setw(20) << k << v << '\n';
  }
  return code;
}

int run_health(const common_options& common, const health_options& options, std::ostream& out) {
  const auto& endpoint = common.redis.connection.endpoint;
  const std::string url = storage::redact(endpoint);
  json::object report{{"redis_url", url}};
  std::optional<sync_client> redis;
  std::vector<double> latencies;
  try {
    redis.emplace(endpoint, common.timeout);
    for (int i = 0; i < options.pings; ++i) {
      const auto t0 = clock::now();
      const auto reply = redis->command({"PING"});
      const auto t1 = clock::now();
      if (reply.is_error() || reply.string != "PONG") throw redis_failure("PING: " + reply.string);
      latencies.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
  } catch (const redis_failure& e) {
    // The seed's check: {"redis": "unhealthy", "error": …}.
    report["status"] = "unhealthy";
    report["redis"] = "unhealthy";
    report["error"] = e.what();
    if (common.json) out << json::serialize(report) << '\n';
    else out << "redis " << url << ": unhealthy: " << e.what() << '\n';
    return exit_failure;
  }

  const double min_ms = *std::min_element(latencies.begin(), latencies.end());
  const double max_ms = *std::max_element(latencies.begin(), latencies.end());
  double sum = 0;
  for (double l : latencies) sum += l;
  const double avg_ms = sum / static_cast<double>(latencies.size());

  const std::string server_info = reply_text(redis->command({"INFO", "server"}), "INFO server");
  const auto keyspace = parse_keyspace(reply_text(redis->command({"INFO", "keyspace"}), "INFO keyspace"));

  std::vector<std::string> warnings;
  json::array families_json;
  std::ostringstream families_text;
  for (const auto& family : key_families(common.redis)) {
    const auto keys = scan_family(*redis, family);
    const std::size_t sampled = std::min(keys.size(), options.ttl_sample);
    const std::vector<std::string> sample(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(sampled));
    const auto ttls = per_key(*redis, sample, 1, [](const std::string& k) {
      return std::vector<command_args>{{"PTTL", k}};
    });
    std::uint64_t with_ttl = 0;
    std::uint64_t without_ttl = 0;
    std::int64_t min_ttl = std::numeric_limits<std::int64_t>::max();
    std::int64_t max_ttl = 0;
    for (const auto& t : ttls) {
      check_reply(t, "PTTL");
      if (t.integer == -1) {
        ++without_ttl;
      } else if (t.integer >= 0) {
        ++with_ttl;
        min_ttl = std::min(min_ttl, t.integer);
        max_ttl = std::max(max_ttl, t.integer);
      }  // -2: expired between SCAN and PTTL
    }
    if (family.ttl && without_ttl > 0) {
      warnings.push_back(family.name + ": " + std::to_string(without_ttl) +
                         " keys have no TTL although the gateway sets " + ttl_text(family.ttl));
    }
    if (family.ttl && with_ttl > 0 && max_ttl > family.ttl->count() * 1000) {
      warnings.push_back(family.name + ": a key's TTL (" + std::to_string(max_ttl) +
                         " ms) exceeds the configured " + ttl_text(family.ttl));
    }
    json::array patterns;
    for (const auto& p : family.patterns) patterns.push_back(json::string(p));
    json::object f{{"family", family.name},
                   {"db", family.db},
                   {"patterns", std::move(patterns)},
                   {"keys", keys.size()},
                   {"ttl_configured_seconds",
                    family.ttl ? json::value(family.ttl->count()) : json::value(nullptr)},
                   {"ttl_sampled", sampled},
                   {"with_ttl", with_ttl},
                   {"without_ttl", without_ttl}};
    if (with_ttl > 0) {
      f["min_ttl_ms"] = min_ttl;
      f["max_ttl_ms"] = max_ttl;
    }
    families_json.push_back(std::move(f));
    families_text << "  " << std::left << std::setw(8) << family.name << " db " << std::setw(3)
                  << family.db << std::right << std::setw(8) << keys.size()
                  << " keys   configured TTL " << ttl_text(family.ttl) << "; " << with_ttl
                  << " with a TTL, " << without_ttl << " without";
    if (with_ttl > 0) families_text << " (" << min_ttl << "–" << max_ttl << " ms)";
    if (sampled < keys.size()) families_text << " [" << sampled << " sampled]";
    families_text << '\n';
  }

  json::array channels_json;
  std::ostringstream channels_text;
  if (common.redis.pubsub.enabled && !common.redis.pubsub.all_channel.empty()) {
    const auto reply = check_reply(
        redis->command({"PUBSUB", "NUMSUB", common.redis.pubsub.all_channel}), "PUBSUB NUMSUB");
    const std::int64_t subscribers = reply.elements.size() == 2 ? reply.elements[1].integer : 0;
    channels_json.push_back({{"channel", common.redis.pubsub.all_channel}, {"subscribers", subscribers}});
    channels_text << "  " << common.redis.pubsub.all_channel << ": " << subscribers << " subscribers\n";
  }

  json::array dbs_json;
  std::ostringstream dbs_text;
  for (const auto& [db, fields] : keyspace) {
    const auto get = [&](const char* k) {
      const auto it = fields.find(k);
      return it == fields.end() ? std::int64_t{0} : it->second;
    };
    dbs_json.push_back({{"db", db}, {"keys", get("keys")}, {"expires", get("expires")},
                        {"avg_ttl_ms", get("avg_ttl")}});
    dbs_text << "  db " << std::left << std::setw(3) << db << std::right << std::setw(8)
             << get("keys") << " keys " << std::setw(8) << get("expires") << " expiring   avg TTL "
             << get("avg_ttl") << " ms\n";
  }

  const bool degraded = !warnings.empty();
  report["status"] = degraded ? "degraded" : "healthy";
  report["redis"] = "healthy";
  report["redis_version"] = info_field(server_info, "redis_version");
  report["latency"] = avg_ms;  // the seed's field: ms
  report["ping_ms"] = {{"count", latencies.size()}, {"min", min_ms}, {"avg", avg_ms}, {"max", max_ms}};
  report["databases"] = std::move(dbs_json);
  report["families"] = std::move(families_json);
  report["channels"] = std::move(channels_json);
  json::array w;
  for (const auto& s : warnings) w.push_back(json::string(s));
  report["warnings"] = std::move(w);

  if (common.json) {
    out << json::serialize(report) << '\n';
  } else {
    out << "redis " << url << " (redis " << info_field(server_info, "redis_version") << "): "
        << (degraded ? "degraded" : "healthy") << '\n'
        << "ping: " << latencies.size() << " × min " << fixed(min_ms, 3) << " ms, avg "
        << fixed(avg_ms, 3) << " ms, max " << fixed(max_ms, 3) << " ms\n"
        << "keyspace:\n" << (dbs_text.str().empty() ? std::string("  (empty)\n") : dbs_text.str())
        << "key families:\n" << families_text.str();
    if (!channels_text.str().empty()) out << "pub/sub:\n" << channels_text.str();
    for (const auto& s : warnings) out << "warning: " << s << '\n';
  }
  return degraded ? exit_degraded : exit_ok;
}

int run_keys(const common_options& common, const keys_options& options, std::ostream& out) {
  sync_client redis(common.redis.connection.endpoint, common.timeout);
  json::array families_json;
  std::ostringstream text;
  text << std::left << std::setw(9) << "family" << std::setw(5) << "db" << std::right
       << std::setw(8) << "keys" << std::setw(12) << "entries" << std::setw(14) << "bytes"
       << "  pattern\n";
  std::map<int, std::uint64_t> family_keys_per_db;
  for (const auto& family : key_families(common.redis)) {
    const auto keys = scan_family(redis, family);
    family_keys_per_db[family.db] += keys.size();
    const std::string len_cmd = family.type == "stream" ? "XLEN"
                                : family.type == "list" ? "LLEN"
                                : family.type == "hash" ? "HLEN"
                                                        : "STRLEN";
    const auto replies = per_key(redis, keys, 2, [&](const std::string& k) {
      return std::vector<command_args>{{len_cmd, k}, {"MEMORY", "USAGE", k}};
    });
    std::uint64_t entries = 0;
    std::uint64_t bytes = 0;
    bool bytes_known = true;
    json::array per_key_json;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const auto& len = check_reply(replies[2 * i], len_cmd + " " + keys[i]);
      const auto& mem = replies[2 * i + 1];  // may be refused (MEMORY disabled): then unknown
      // A string's "entries" is one value, whatever its length.
      const std::int64_t n = family.type == "string" ? (len.integer > 0 ? 1 : 0) : len.integer;
      entries += static_cast<std::uint64_t>(std::max<std::int64_t>(0, n));
      const bool mem_ok = mem.type == resp_type::integer;
      bytes_known = bytes_known && mem_ok;
      if (mem_ok) bytes += static_cast<std::uint64_t>(mem.integer);
      if (options.per_key) {
        per_key_json.push_back({{"key", keys[i]}, {"entries", n},
                                {"bytes", mem_ok ? json::value(mem.integer) : json::value(nullptr)}});
      }
    }
    json::array patterns;
    for (const auto& p : family.patterns) patterns.push_back(json::string(p));
    json::object f{{"family", family.name}, {"db", family.db},     {"type", family.type},
                   {"patterns", std::move(patterns)}, {"keys", keys.size()}, {"entries", entries},
                   {"bytes", bytes_known ? json::value(bytes) : json::value(nullptr)}};
    if (options.per_key) f["per_key"] = std::move(per_key_json);
    families_json.push_back(std::move(f));
    std::string pattern_list;
    for (const auto& p : family.patterns) pattern_list += (pattern_list.empty() ? "" : " ") + p;
    text << std::left << std::setw(9) << family.name << std::setw(5) << family.db << std::right
         << std::setw(8) << keys.size() << std::setw(12) << entries << std::setw(14)
         << (bytes_known ? std::to_string(bytes) : "?") << "  " << pattern_list << '\n';
    if (options.per_key) {
      for (std::size_t i = 0; i < keys.size(); ++i) {
        const auto& len = replies[2 * i];
        const auto& mem = replies[2 * i + 1];
        text << "    " << keys[i] << "  " << len.integer << " entries  "
             << (mem.type == resp_type::integer ? std::to_string(mem.integer) : "?") << " bytes\n";
      }
    }
  }
  // Keys in the same dbs that are not tickgate's.
  json::array others;
  for (const auto& [db, ours] : family_keys_per_db) {
    redis.select(db);
    const auto size = check_reply(redis.command({"DBSIZE"}), "DBSIZE").integer;
    const auto other = std::max<std::int64_t>(0, size - static_cast<std::int64_t>(ours));
    others.push_back({{"db", db}, {"keys", size}, {"other_keys", other}});
    text << "db " << db << ": " << size << " keys, " << other << " not tickgate's\n";
  }
  if (common.json) {
    out << json::serialize(json::object{{"families", std::move(families_json)},
                                        {"databases", std::move(others)}})
        << '\n';
  } else {
    out << text.str();
  }
  return exit_ok;
}

}  // namespace tickgate::gateway::cli

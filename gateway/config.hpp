// tickgate's configuration: a JSON file, then the contract's environment
// variables on top (design.md "Command-line contract"). Loading validates
// every key; an error names the key by its path ("sinks.stream.maxlen",
// "instruments.subscribe[2].mode") and never echoes a secret's value.
// Secrets follow the <NAME>_FILE convention (environment.hpp): REDIS_URL,
// REDIS_PASSWORD, TICKGATE_API_TOKEN, ANGEL_API_KEY, ANGEL_CLIENT_CODE,
// ANGEL_PIN and ANGEL_TOTP_SECRET can each be NAME_FILE=/run/secrets/x.
// REDIS_PASSWORD(_FILE) is the password for the URL in force, which must then
// carry none.
#pragma once

#include "gateway/environment.hpp"
#include "gateway/secret.hpp"
#include "protocol/frame.hpp"
#include "protocol/tick.hpp"
#include "storage/log.hpp"
#include "storage/storage_config.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tickgate::gateway {

using std::chrono::milliseconds;
using std::chrono::seconds;

// How the WebSocket handshake's Authorization header carries the JWT
// (smartstream-protocol.md §1.2: no source says which form the server needs).
enum class auth_header_style : std::uint8_t {
  bearer,  // "Bearer <jwt>" (Python SDK flow)
  raw,     // "<jwt>" (DOCX wording)
  automatic,  // "Bearer <jwt>" first; after a 401, the raw JWT once; keep what worked
};

// Which form index tokens are subscribed with (§7: "26000" in the official
// READMEs, "99926000" in the scrip master). Incoming frames are matched in
// either form whatever this says.
enum class index_token_form : std::uint8_t { master, short_form };

struct angel_config {
  secret api_key;
  std::string client_code;  // an account identifier: logged only masked
  secret pin;
  secret totp_secret;       // base32
  std::string login_url = "https://apiconnect.angelone.in";
  std::string feed_url = "wss://smartapisocket.angelone.in/smart-stream";
  std::filesystem::path ca_file;   // extra CA trusted for feed and login
  bool insecure_skip_verify = false;  // never by default; logged at error level
  auth_header_style auth_header = auth_header_style::automatic;
  std::string client_local_ip = "127.0.0.1";
  std::string client_public_ip = "127.0.0.1";
  std::string mac_address = "00:00:00:00:00:00";
  // Daily re-login (IST wall clock, minutes after midnight): JWTs last a day
  // (§6.1 "You need to log in daily").
  int relogin_minute_ist = 8 * 60 + 30;
};

struct feed_config {
  bool enabled = true;  // false: no live feed (replay / REST only)
  int max_connections = 3;              // per client code (§5.3)
  int max_tokens_per_connection = 1000;  // §5.3
  milliseconds ping_interval{10'000};   // §4
  milliseconds idle_timeout{20'000};    // no frame at all → reconnect (§4)
  milliseconds stall_timeout{60'000};   // subscribed, regular session, no tick → reconnect
  bool stall_market_hours_only = true;  // false: expect ticks at any hour (simulator, tests)
  milliseconds connect_timeout{10'000};  // resolve + TCP + TLS + WS handshake
  milliseconds backoff_initial{500};
  milliseconds backoff_max{30'000};
  milliseconds rate_limited_backoff{15'000};  // after a 429 (§5.2, §8.6)
  std::size_t max_frame_bytes = 64 * 1024;    // real frames are ≤ 443 B
  index_token_form index_tokens = index_token_form::master;
  protocol::decode_options decode;
  // Price divisor overrides per exchangeType (§3.7); others use
  // protocol::price_divisor.
  std::map<std::uint8_t, std::int64_t> price_divisors;
};

// One instrument to subscribe: by symbol or by token, on an exchange, in a
// mode. Unset fields take instruments_config defaults.
struct instrument_spec {
  std::string symbol;
  std::string token;
  std::string exchange;
  std::optional<protocol::mode> mode;
  std::string origin;  // config path, for error messages: "instruments.subscribe[3]"
};

struct instruments_config {
  std::filesystem::path scrip_master;
  std::filesystem::path symbols_csv;  // optional; enabled rows are subscribed
  std::string default_exchange = "NSE";
  protocol::mode default_mode = protocol::mode::snap_quote;
  std::vector<instrument_spec> subscribe;
};

struct http_config {
  bool enabled = true;
  std::string host = "127.0.0.1";
  std::uint16_t port = 8001;
  secret api_token;  // required for mutating routes when set; required when host is not loopback
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  milliseconds read_timeout{10'000};
  milliseconds write_timeout{10'000};
  milliseconds idle_timeout{60'000};
  std::size_t max_connections = 64;
};

struct recording_config {
  bool enabled = false;                    // record live frames
  std::filesystem::path data_dir = "data";  // <data_dir>/<database_name>.ticks
  std::string database_name;               // "" = the live session name N_YYYYMMDD
  // A file stops growing at this size (its last whole record that fits);
  // 0 = no cap. 8 GiB: a full trading day at the feed's usual rates, and a
  // bound a runaway day cannot pass to fill the disk.
  std::uint64_t max_bytes = std::uint64_t{8} << 30;
};

struct config {
  angel_config angel;
  feed_config feed;
  instruments_config instruments;
  // The "redis" section: connection and every sink (storage_config.hpp).
  storage::storage_config redis;
  std::string pubsub_source = "angel_one";  // "records.source": the pub/sub JSON's "source"
  http_config http;
  recording_config recording;
  log::level log_level = log::level::info;
  milliseconds shutdown_drain{5000};  // SIGTERM: bound on draining Redis buffers
};

struct config_error {
  std::string path;     // "" for the document itself
  std::string message;  // never contains a secret's value
  std::string to_string() const;
};

// env_lookup, process_env(): environment.hpp.

// Told the path of every key the parser knows as it walks the sections that
// are present ("feed.ping_interval_ms", "instruments.subscribe[].mode",
// "redis.sinks.stream.maxlen"; array indices as "[]"). The README's
// configuration reference is tested against it (config_reference_test).
using key_observer = storage::config_key_observer;

// Parses `json`, applies the environment, validates. Relative paths are
// resolved against `base_dir` (the config file's directory).
std::variant<config, config_error> parse_config(std::string_view json,
                                                const std::filesystem::path& base_dir,
                                                const env_lookup& env,
                                                const key_observer& observe = {});

// Reads `path` then parse_config with its directory as base.
std::variant<config, config_error> load_config(const std::filesystem::path& path,
                                               const env_lookup& env);

// "HOST:PORT" → host, port; false when malformed.
bool parse_host_port(std::string_view text, std::string& host, std::uint16_t& port);

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);

// "D12345" → "D1***5": enough to tell accounts apart in logs.
std::string mask_identifier(std::string_view id);

// "ltp" | "quote" | "snap_quote" | "depth_20" (also 1–4).
std::optional<protocol::mode> parse_mode(std::string_view text);

}  // namespace tickgate::gateway

#include "gateway/config.hpp"

#include "protocol/instrument.hpp"
#include "protocol/totp.hpp"
#include "storage/redis_url.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace tickgate::gateway {
namespace json = boost::json;

namespace {

// Thrown only inside this file to unwind the parse at the first error; the
// public functions turn it into a config_error value.
struct config_failure {
  config_error error;
};

[[noreturn]] void fail(std::string path, std::string message) {
  throw config_failure{{std::move(path), std::move(message)}};
}

std::string join(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out(path);
  out += '.';
  out += key;
  return out;
}

std::string_view kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64: return "an integer";
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

// Reads one JSON object, remembering which keys were consumed so that
// unknown keys (typos) are reported instead of silently ignored.
class object_reader {
public:
  object_reader(const json::value& v, std::string path, const key_observer& observe)
      : path_(std::move(path)), observe_(observe) {
    if (!v.is_object()) fail(path_, "must be an object, not " + std::string(kind_name(v)));
    object_ = &v.get_object();
  }

  const std::string& path() const noexcept { return path_; }
  const key_observer& observer() const noexcept { return observe_; }

  const json::value* find(std::string_view key) {
    known_.emplace(key);
    if (observe_) observe_(without_indices(join(path_, key)));
    const auto it = object_->find(key);
    return it == object_->end() ? nullptr : &it->value();
  }

  std::optional<object_reader> child(std::string_view key) {
    const json::value* v = find(key);
    if (v == nullptr) return std::nullopt;
    return object_reader(*v, join(path_, key), observe_);
  }

  void read(std::string_view key, bool& out) {
    if (const json::value* v = find(key)) {
      if (!v->is_bool()) type_error(key, *v, "a boolean");
      out = v->get_bool();
    }
  }

  void read(std::string_view key, std::string& out, bool allow_empty = true) {
    if (const json::value* v = find(key)) {
      if (!v->is_string()) type_error(key, *v, "a string");
      out = std::string(v->get_string());
      if (!allow_empty && out.empty()) fail(join(path_, key), "must not be empty");
    }
  }

  // Secrets: the error never repeats the value.
  void read(std::string_view key, secret& out) {
    if (const json::value* v = find(key)) {
      if (v->is_null()) return;
      if (!v->is_string()) type_error(key, *v, "a string");
      out = secret(std::string(v->get_string()));
    }
  }

  void read(std::string_view key, std::filesystem::path& out) {
    std::string s;
    if (find(key) == nullptr) return;
    read(key, s, false);
    out = s;
  }

  template <class Int>
  void read_int(std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
    if (const json::value* v = find(key)) {
      std::int64_t value = 0;
      if (v->is_int64()) {
        value = v->get_int64();
      } else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(max)) {
        value = static_cast<std::int64_t>(v->get_uint64());
      } else if (v->is_uint64()) {
        range_error(key, min, max);
      } else {
        type_error(key, *v, "an integer");
      }
      if (value < min || value > max) range_error(key, min, max);
      out = static_cast<Int>(value);
    }
  }

  void read_ms(std::string_view key, milliseconds& out, std::int64_t min, std::int64_t max) {
    std::int64_t ms = out.count();
    read_int(key, ms, min, max);
    out = milliseconds(ms);
  }

  void read_seconds(std::string_view key, std::optional<seconds>& out, std::int64_t min,
                    std::int64_t max) {
    if (const json::value* v = find(key)) {
      if (v->is_null()) {
        out.reset();
        return;
      }
      std::int64_t s = 0;
      read_int(key, s, min, max);
      out = seconds(s);
    }
  }

  // Every key present must have been read.
  void finish() const {
    for (const auto& kv : *object_) {
      if (!known_.contains(std::string(kv.key()))) fail(join(path_, kv.key()), "unknown key");
    }
  }

  [[noreturn]] void type_error(std::string_view key, const json::value& v,
                               std::string_view expected) const {
    fail(join(path_, key),
         "must be " + std::string(expected) + ", not " + std::string(kind_name(v)));
  }
  [[noreturn]] void range_error(std::string_view key, std::int64_t min, std::int64_t max) const {
    fail(join(path_, key),
         "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }

private:
  const json::object* object_ = nullptr;
  // "instruments.subscribe[3].mode" → "instruments.subscribe[].mode"
  static std::string without_indices(std::string_view path) {
    std::string out;
    bool in_index = false;
    for (const char c : path) {
      if (c == '[') in_index = true;
      if (c == ']') in_index = false;
      if (!in_index || c == '[') out += c;
    }
    return out;
  }

  std::string path_;
  const key_observer& observe_;
  std::set<std::string, std::less<>> known_;
};

constexpr std::int64_t max_ms = 24LL * 3600 * 1000;
constexpr std::int64_t max_int = std::numeric_limits<std::int32_t>::max();

void read_angel(object_reader r, angel_config& a) {
  r.read("api_key", a.api_key);
  r.read("client_code", a.client_code);
  r.read("pin", a.pin);
  r.read("totp_secret", a.totp_secret);
  r.read("login_url", a.login_url, false);
  r.read("feed_url", a.feed_url, false);
  r.read("ca_file", a.ca_file);
  r.read("insecure_skip_verify", a.insecure_skip_verify);
  if (const json::value* v = r.find("auth_header")) {
    const std::string path = join(r.path(), "auth_header");
    if (!v->is_string()) r.type_error("auth_header", *v, "a string");
    const auto s = v->get_string();
    if (s == "bearer") a.auth_header = auth_header_style::bearer;
    else if (s == "raw") a.auth_header = auth_header_style::raw;
    else if (s == "auto") a.auth_header = auth_header_style::automatic;
    else fail(path, "must be \"bearer\", \"raw\" or \"auto\"");
  }
  r.read("client_local_ip", a.client_local_ip, false);
  r.read("client_public_ip", a.client_public_ip, false);
  r.read("mac_address", a.mac_address, false);
  if (r.find("relogin_time_ist") != nullptr) {
    std::string hhmm;
    r.read("relogin_time_ist", hhmm, false);
    int h = -1;
    int m = -1;
    char colon = 0;
    std::istringstream in(hhmm);
    in >> h >> colon >> m;
    if (!in || !in.eof() || colon != ':' || h < 0 || h > 23 || m < 0 || m > 59) {
      fail(join(r.path(), "relogin_time_ist"), "must be \"HH:MM\" (IST, 24-hour)");
    }
    a.relogin_minute_ist = h * 60 + m;
  }
  r.finish();
}

void read_feed(object_reader r, feed_config& f) {
  r.read("enabled", f.enabled);
  r.read_int("max_connections", f.max_connections, 1, 16);
  r.read_int("max_tokens_per_connection", f.max_tokens_per_connection, 1, 10'000);
  r.read_ms("ping_interval_ms", f.ping_interval, 100, max_ms);
  r.read_ms("idle_timeout_ms", f.idle_timeout, 200, max_ms);
  r.read_ms("stall_timeout_ms", f.stall_timeout, 0, max_ms);
  r.read("stall_market_hours_only", f.stall_market_hours_only);
  r.read_ms("connect_timeout_ms", f.connect_timeout, 100, max_ms);
  r.read_ms("backoff_initial_ms", f.backoff_initial, 1, max_ms);
  r.read_ms("backoff_max_ms", f.backoff_max, 1, max_ms);
  r.read_ms("rate_limited_backoff_ms", f.rate_limited_backoff, 1, max_ms);
  r.read_int("max_frame_bytes", f.max_frame_bytes, 443, 16 << 20);
  if (const json::value* v = r.find("index_tokens")) {
    if (!v->is_string()) r.type_error("index_tokens", *v, "a string");
    const auto s = v->get_string();
    if (s == "master") f.index_tokens = index_token_form::master;
    else if (s == "short") f.index_tokens = index_token_form::short_form;
    else fail(join(r.path(), "index_tokens"), "must be \"master\" or \"short\"");
  }
  if (const json::value* v = r.find("depth20_layout")) {
    if (!v->is_string()) r.type_error("depth20_layout", *v, "a string");
    const auto s = v->get_string();
    if (s == "exchange_ts_at_27") f.decode.depth20 = protocol::depth20_layout::exchange_ts_at_27;
    else if (s == "both_at_35") f.decode.depth20 = protocol::depth20_layout::both_at_35;
    else fail(join(r.path(), "depth20_layout"), "must be \"exchange_ts_at_27\" or \"both_at_35\"");
  }
  if (const json::value* v = r.find("price_divisors")) {
    const std::string path = join(r.path(), "price_divisors");
    if (!v->is_object()) fail(path, "must be an object of exchangeType → divisor");
    for (const auto& kv : v->get_object()) {
      const std::string key_path = join(path, kv.key());
      int exchange_type = 0;
      std::istringstream in{std::string(kv.key())};
      in >> exchange_type;
      if (!in || !in.eof() || exchange_type < 0 || exchange_type > 255 ||
          !protocol::is_known_exchange_type(static_cast<std::uint8_t>(exchange_type))) {
        fail(key_path, "key must be a known exchangeType code (1, 2, 3, 4, 5, 7, 13)");
      }
      const json::value& d = kv.value();
      bool power_of_ten = d.is_int64() && d.get_int64() > 0;
      for (std::int64_t x = power_of_ten ? d.get_int64() : 1; power_of_ten && x > 1; x /= 10) {
        power_of_ten = x % 10 == 0;
      }
      if (!power_of_ten || d.get_int64() > 1'000'000'000) {
        fail(key_path, "must be a power of ten from 1 to 10^9");
      }
      f.price_divisors[static_cast<std::uint8_t>(exchange_type)] = d.get_int64();
    }
  }
  r.finish();
  if (f.backoff_initial > f.backoff_max) {
    fail(join(r.path(), "backoff_initial_ms"), "must not exceed backoff_max_ms");
  }
  if (f.ping_interval >= f.idle_timeout) {
    fail(join(r.path(), "ping_interval_ms"), "must be shorter than idle_timeout_ms");
  }
}


void read_instrument_spec(const json::value& v, std::string path, instrument_spec& spec,
                          const key_observer& observe) {
  spec.origin = path;
  if (v.is_string()) {
    spec.symbol = std::string(v.get_string());
    if (spec.symbol.empty()) fail(path, "must not be empty");
    return;
  }
  object_reader r(v, path, observe);
  r.read("symbol", spec.symbol);
  r.read("token", spec.token);
  r.read("exchange", spec.exchange);
  if (const json::value* m = r.find("mode")) {
    std::optional<protocol::mode> mode;
    if (m->is_string()) mode = parse_mode(m->get_string());
    if (m->is_int64()) mode = parse_mode(std::to_string(m->get_int64()));
    if (!mode) fail(join(path, "mode"), "must be \"ltp\", \"quote\", \"snap_quote\" or \"depth_20\"");
    spec.mode = mode;
  }
  r.finish();
  if (spec.symbol.empty() == spec.token.empty()) {
    fail(path, "needs exactly one of \"symbol\" and \"token\"");
  }
  if (!spec.token.empty() && spec.exchange.empty()) {
    fail(path, "a token needs its \"exchange\"");
  }
  if (!spec.exchange.empty() && !protocol::exchange_type_for_segment(spec.exchange)) {
    fail(join(path, "exchange"), "unknown exchange \"" + spec.exchange + "\"");
  }
}

void read_instruments(object_reader r, instruments_config& i) {
  r.read("scrip_master", i.scrip_master);
  r.read("symbols_csv", i.symbols_csv);
  r.read("default_exchange", i.default_exchange, false);
  if (!protocol::exchange_type_for_segment(i.default_exchange)) {
    fail(join(r.path(), "default_exchange"), "unknown exchange \"" + i.default_exchange + "\"");
  }
  if (const json::value* m = r.find("default_mode")) {
    std::optional<protocol::mode> mode;
    if (m->is_string()) mode = parse_mode(m->get_string());
    if (!mode) {
      fail(join(r.path(), "default_mode"),
           "must be \"ltp\", \"quote\", \"snap_quote\" or \"depth_20\"");
    }
    i.default_mode = *mode;
  }
  if (const json::value* v = r.find("subscribe")) {
    const std::string path = join(r.path(), "subscribe");
    if (!v->is_array()) r.type_error("subscribe", *v, "an array");
    const auto& array = v->get_array();
    i.subscribe.resize(array.size());
    for (std::size_t k = 0; k < array.size(); ++k) {
      read_instrument_spec(array[k], path + "[" + std::to_string(k) + "]", i.subscribe[k],
                           r.observer());
    }
  }
  r.finish();
}

void read_http(object_reader r, http_config& h) {
  r.read("enabled", h.enabled);
  if (r.find("listen") != nullptr) {
    std::string listen;
    r.read("listen", listen, false);
    if (!parse_host_port(listen, h.host, h.port)) {
      fail(join(r.path(), "listen"), "must be \"HOST:PORT\"");
    }
  }
  r.read("api_token", h.api_token);
  r.read_int("max_body_bytes", h.max_body_bytes, 64, 64 << 20);
  r.read_int("max_header_bytes", h.max_header_bytes, 512, 1 << 20);
  r.read_ms("read_timeout_ms", h.read_timeout, 10, max_ms);
  r.read_ms("write_timeout_ms", h.write_timeout, 10, max_ms);
  r.read_ms("idle_timeout_ms", h.idle_timeout, 10, max_ms);
  r.read_int("max_connections", h.max_connections, 1, 100'000);
  r.finish();
}

void read_recording(object_reader r, recording_config& rc) {
  r.read("enabled", rc.enabled);
  r.read("data_dir", rc.data_dir);
  r.read("database_name", rc.database_name);
  r.read_int("max_bytes", rc.max_bytes, 0, std::int64_t{1} << 50);
  // Under 1 MiB is a unit slip (8 meant as GiB), not a cap anyone wants.
  if (rc.max_bytes != 0 && rc.max_bytes < (std::uint64_t{1} << 20)) {
    fail(join(r.path(), "max_bytes"), "must be 0 (no cap) or at least 1048576 (1 MiB)");
  }
  r.finish();
}

void read_document(const json::value& doc, config& c, const key_observer& observe) {
  object_reader r(doc, "", observe);
  if (auto a = r.child("angel")) read_angel(std::move(*a), c.angel);
  if (auto f = r.child("feed")) read_feed(std::move(*f), c.feed);
  if (auto i = r.child("instruments")) read_instruments(std::move(*i), c.instruments);
  if (const json::value* v = r.find("redis")) {
    std::string detail;
    auto parsed = storage::parse_storage_config(*v, &detail, observe);
    if (!parsed) {
      // detail is "redis.sinks.…: problem" and never holds the password.
      const auto colon = detail.find(": ");
      if (colon == std::string::npos) fail("redis", detail.empty() ? parsed.error().message() : detail);
      fail(detail.substr(0, colon), detail.substr(colon + 2));
    }
    c.redis = std::move(*parsed);
  }
  if (auto x = r.child("records")) {
    x->read("source", c.pubsub_source, false);
    x->finish();
  }
  r.read_ms("shutdown_drain_ms", c.shutdown_drain, 0, max_ms);
  if (auto h = r.child("http")) read_http(std::move(*h), c.http);
  if (auto x = r.child("recording")) read_recording(std::move(*x), c.recording);
  if (auto l = r.child("log")) {
    std::string level;
    l->read("level", level, false);
    if (!level.empty() && !log::parse_level(level, c.log_level)) {
      fail("log.level", "must be \"debug\", \"info\", \"warn\" or \"error\"");
    }
    l->finish();
  }
  r.finish();
}

// NAME, else the file NAME_FILE names (environment.hpp), else nothing; an
// error about either is a config error.
std::optional<env_value> env_or_file(const env_lookup& env, std::string_view name) {
  auto read = read_env_or_file(env, name);
  if (auto* e = std::get_if<env_error>(&read)) fail("env " + e->variable, std::move(e->message));
  if (auto* v = std::get_if<env_value>(&read)) return std::move(*v);
  return std::nullopt;
}

void apply_env(const env_lookup& env, config& c) {
  if (auto v = env_or_file(env, "REDIS_URL")) {
    auto endpoint = storage::parse_redis_url(v->value);
    // Never echo the URL: it may carry a password.
    if (!endpoint) fail("env " + v->origin, "is not a valid redis:// or rediss:// URL");
    c.redis.connection.endpoint = std::move(*endpoint);
  }
  // The password for the URL in force (REDIS_URL's or redis.url), which then
  // carries none.
  if (auto e = apply_redis_password(env, c.redis.connection.endpoint)) {
    fail("env " + e->variable, std::move(e->message));
  }
  if (auto v = env("TICKGATE_FEED_URL")) c.angel.feed_url = *v;
  if (auto v = env("TICKGATE_LOGIN_URL")) c.angel.login_url = *v;
  if (auto v = env("TICKGATE_CA_FILE")) c.angel.ca_file = *v;
  if (auto v = env("TICKGATE_HTTP_LISTEN")) {
    if (!parse_host_port(*v, c.http.host, c.http.port)) {
      fail("env TICKGATE_HTTP_LISTEN", "must be \"HOST:PORT\"");
    }
  }
  if (auto v = env_or_file(env, "TICKGATE_API_TOKEN")) c.http.api_token = secret(std::move(v->value));
  if (auto v = env_or_file(env, "ANGEL_API_KEY")) c.angel.api_key = secret(std::move(v->value));
  if (auto v = env_or_file(env, "ANGEL_CLIENT_CODE")) c.angel.client_code = std::move(v->value);
  if (auto v = env_or_file(env, "ANGEL_PIN")) c.angel.pin = secret(std::move(v->value));
  if (auto v = env_or_file(env, "ANGEL_TOTP_SECRET")) c.angel.totp_secret = secret(std::move(v->value));
  if (auto v = env("TICKGATE_LOG_LEVEL")) {
    if (!log::parse_level(*v, c.log_level)) {
      fail("env TICKGATE_LOG_LEVEL", "must be debug, info, warn or error");
    }
  }
}

// A URL of one of `schemes`; the plain-text scheme (the first of each pair)
// is only accepted towards a loopback host, so credentials never cross a
// network in clear.
void check_url(std::string_view path, std::string_view url, std::string_view tls_scheme,
               std::string_view plain_scheme) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) fail(std::string(path), "is not a valid URL");
  const auto scheme = parsed->scheme();
  if (scheme != tls_scheme && scheme != plain_scheme) {
    fail(std::string(path), "must be a " + std::string(tls_scheme) + ":// URL");
  }
  if (parsed->host().empty()) fail(std::string(path), "has no host");
  if (scheme == plain_scheme && !is_loopback_host(parsed->host())) {
    fail(std::string(path), std::string(plain_scheme) +
                                ":// (no TLS) is only allowed to a loopback host; use " +
                                std::string(tls_scheme) + "://");
  }
}

void resolve_path(std::filesystem::path& p, const std::filesystem::path& base) {
  if (!p.empty() && p.is_relative()) p = (base / p).lexically_normal();
}

void validate(config& c, const std::filesystem::path& base_dir) {
  resolve_path(c.angel.ca_file, base_dir);
  resolve_path(c.instruments.scrip_master, base_dir);
  resolve_path(c.instruments.symbols_csv, base_dir);
  resolve_path(c.recording.data_dir, base_dir);

  if (c.feed.enabled) {
    const auto required = [](std::string_view variable) {
      return "is required (or " + std::string(variable) + " or " + std::string(variable) + "_FILE)";
    };
    if (c.angel.api_key.empty()) fail("angel.api_key", required("ANGEL_API_KEY"));
    if (c.angel.client_code.empty()) fail("angel.client_code", required("ANGEL_CLIENT_CODE"));
    if (c.angel.pin.empty()) fail("angel.pin", required("ANGEL_PIN"));
    if (c.angel.totp_secret.empty()) fail("angel.totp_secret", required("ANGEL_TOTP_SECRET"));
    if (!protocol::decode_base32(c.angel.totp_secret.reveal())) {
      fail("angel.totp_secret", "is not a base32 secret");
    }
    check_url("angel.feed_url", c.angel.feed_url, "wss", "ws");
    check_url("angel.login_url", c.angel.login_url, "https", "http");
    if (c.instruments.scrip_master.empty()) {
      fail("instruments.scrip_master", "is required when the feed is enabled");
    }
  }
  if (!c.angel.ca_file.empty() && !std::filesystem::is_regular_file(c.angel.ca_file)) {
    fail("angel.ca_file", "no such file: " + c.angel.ca_file.string());
  }
  if (!c.instruments.scrip_master.empty() &&
      !std::filesystem::is_regular_file(c.instruments.scrip_master)) {
    fail("instruments.scrip_master", "no such file: " + c.instruments.scrip_master.string());
  }
  if (!c.instruments.symbols_csv.empty() &&
      !std::filesystem::is_regular_file(c.instruments.symbols_csv)) {
    fail("instruments.symbols_csv", "no such file: " + c.instruments.symbols_csv.string());
  }
  if (c.http.enabled && !is_loopback_host(c.http.host) && c.http.api_token.empty()) {
    fail("http.api_token",
         "is required when http.listen is not a loopback address (or TICKGATE_API_TOKEN or "
         "TICKGATE_API_TOKEN_FILE)");
  }
}

}  // namespace

std::string config_error::to_string() const {
  return path.empty() ? message : path + ": " + message;
}

std::variant<config, config_error> parse_config(std::string_view text,
                                                const std::filesystem::path& base_dir,
                                                const env_lookup& env,
                                                const key_observer& observe) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 16;
  const json::value doc = json::parse(text, ec, {}, options);
  if (ec) return config_error{"", "not valid JSON: " + ec.message()};
  try {
    config c;
    read_document(doc, c, observe);
    apply_env(env, c);
    validate(c, base_dir);
    return c;
  } catch (config_failure& f) {
    return std::move(f.error);
  }
}

std::variant<config, config_error> load_config(const std::filesystem::path& path,
                                               const env_lookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return config_error{"", "cannot read config file " + path.string()};
  // Input size limit: a config listing thousands of instruments inline is a
  // few hundred KiB.
  constexpr std::uintmax_t max_config_bytes = 16u << 20;
  std::error_code size_error;
  if (const auto size = std::filesystem::file_size(path, size_error);
      !size_error && size > max_config_bytes) {
    return config_error{"", "config file " + path.string() + " is larger than the limit of " +
                                std::to_string(max_config_bytes) + " bytes"};
  }
  std::ostringstream text;
  text << in.rdbuf();
  const auto base = std::filesystem::absolute(path).parent_path();
  return parse_config(text.str(), base, env);
}

bool parse_host_port(std::string_view text, std::string& host, std::uint16_t& port) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return false;
  std::string_view h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  unsigned value = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > 65535) return false;
  }
  host = std::string(h);
  port = static_cast<std::uint16_t>(value);
  return true;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  return !ec && address.is_loopback();
}

std::string mask_identifier(std::string_view id) {
  if (id.size() <= 3) return std::string(id.size(), '*');
  std::string out;
  out += id.substr(0, 2);
  out += "***";
  out += id.back();
  return out;
}

std::optional<protocol::mode> parse_mode(std::string_view text) {
  if (text == "ltp" || text == "1") return protocol::mode::ltp;
  if (text == "quote" || text == "2") return protocol::mode::quote;
  if (text == "snap_quote" || text == "3") return protocol::mode::snap_quote;
  if (text == "depth_20" || text == "4") return protocol::mode::depth_20;
  return std::nullopt;
}

}  // namespace tickgate::gateway

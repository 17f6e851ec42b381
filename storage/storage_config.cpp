#include "storage/storage_config.hpp"

#include "storage/errc.hpp"

#include <boost/json/object.hpp>

#include <charconv>
#include <initializer_list>
#include <limits>

namespace tickgate::storage {
namespace {

namespace json = boost::json;

// Walks one JSON object, remembering the first problem with its path.
class reader {
public:
  reader(const json::object& obj, std::string path, std::string& error,
         const config_key_observer& observe)
      : obj_(obj), path_(std::move(path)), error_(error), observe_(observe) {}

  bool ok() const noexcept { return error_.empty(); }

  void fail(std::string_view key, std::string_view problem) {
    if (!error_.empty()) return;
    error_ = path_;
    if (!key.empty()) {
      error_ += '.';
      error_ += key;
    }
    error_ += ": ";
    error_ += problem;
  }

  // Every key must be one of `known`.
  void only(std::initializer_list<std::string_view> known) {
    if (observe_) {
      for (std::string_view k : known) observe_(path_ + "." + std::string(k));
    }
    for (const auto& kv : obj_) {
      bool found = false;
      for (std::string_view k : known) found = found || kv.key() == k;
      if (!found) fail(kv.key(), "unknown key");
    }
  }

  const json::value* find(std::string_view key) const { return obj_.if_contains(key); }

  void boolean(std::string_view key, bool& out) {
    if (const auto* v = find(key)) {
      if (!v->is_bool()) return fail(key, "expected true or false");
      out = v->as_bool();
    }
  }

  void text(std::string_view key, std::string& out, bool allow_empty = true) {
    if (const auto* v = find(key)) {
      if (!v->is_string()) return fail(key, "expected a string");
      if (!allow_empty && v->as_string().empty()) return fail(key, "must not be empty");
      out = std::string(v->as_string());
    }
  }

  // An integer in [min, max].
  template <class T>
  void integer(std::string_view key, T& out, std::int64_t min, std::int64_t max) {
    const auto* v = find(key);
    if (v == nullptr) return;
    std::int64_t n = 0;
    if (v->is_int64()) {
      n = v->as_int64();
    } else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(max)) {
      n = static_cast<std::int64_t>(v->as_uint64());
    } else {
      return fail(key, "expected an integer");
    }
    if (n < min || n > max) {
      return fail(key, "out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    out = static_cast<T>(n);
  }

  void millis(std::string_view key, std::chrono::milliseconds& out, std::int64_t min = 1) {
    std::int64_t n = out.count();
    integer(key, n, min, 24 * 3600 * 1000);
    out = std::chrono::milliseconds(n);
  }

  void db(int& out) { integer("db", out, -1, 1 << 20); }

  // null/absent: none; else seconds > 0.
  void optional_ttl(std::optional<std::chrono::seconds>& out) {
    const auto* v = find("ttl_seconds");
    if (v == nullptr) return;
    if (v->is_null()) {
      out.reset();
      return;
    }
    std::int64_t n = 0;
    integer("ttl_seconds", n, 1, std::numeric_limits<std::int32_t>::max());
    if (ok()) out = std::chrono::seconds(n);
  }

  // An object member, or nullptr when absent (error when not an object).
  const json::object* object(std::string_view key) {
    const auto* v = find(key);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) {
      fail(key, "expected an object");
      return nullptr;
    }
    return &v->as_object();
  }

  const std::string& path() const noexcept { return path_; }

private:
  const json::object& obj_;
  std::string path_;
  std::string& error_;
  const config_key_observer& observe_;
};

void read_stream(reader& r, stream_sink::options& o) {
  r.only({"enabled", "db", "key_prefix", "maxlen", "ttl_seconds"});
  r.boolean("enabled", o.enabled);
  r.db(o.db);
  r.text("key_prefix", o.key_prefix);
  r.integer("maxlen", o.maxlen, 0, std::numeric_limits<std::int64_t>::max());
  r.optional_ttl(o.ttl);
}

void read_pubsub(reader& r, pubsub_sink::options& o) {
  r.only({"enabled", "db", "all_channel", "symbol_channel_prefix"});
  r.boolean("enabled", o.enabled);
  r.db(o.db);
  r.text("all_channel", o.all_channel);
  r.text("symbol_channel_prefix", o.symbol_channel_prefix);
  if (r.ok() && o.enabled && o.all_channel.empty() && o.symbol_channel_prefix.empty()) {
    r.fail("", "enabled with neither all_channel nor symbol_channel_prefix");
  }
}

void read_lists(reader& r, list_sink::options& o) {
  r.only({"enabled", "db", "cap", "ttl_seconds"});
  r.boolean("enabled", o.enabled);
  r.db(o.db);
  r.integer("cap", o.cap, 0, std::numeric_limits<std::int64_t>::max());
  r.optional_ttl(o.ttl);
}

void read_price(reader& r, price_sink::options& o) {
  r.only({"enabled", "db", "key_prefix", "ttl_seconds"});
  r.boolean("enabled", o.enabled);
  r.db(o.db);
  r.text("key_prefix", o.key_prefix);
  std::int64_t ttl = o.ttl.count();
  r.integer("ttl_seconds", ttl, 0, std::numeric_limits<std::int32_t>::max());
  o.ttl = std::chrono::seconds(ttl);
}

void read_candles(reader& r, candle_sink::options& o) {
  r.only({"enabled", "db", "key_prefix", "timeframes", "ttl_seconds", "flush_interval_ms",
          "utc_offset_seconds"});
  r.boolean("enabled", o.enabled);
  r.db(o.db);
  r.text("key_prefix", o.key_prefix);
  r.optional_ttl(o.ttl);
  r.millis("flush_interval_ms", o.flush_interval, 0);
  std::int64_t offset = o.utc_offset.count();
  r.integer("utc_offset_seconds", offset, -14 * 3600, 14 * 3600);
  o.utc_offset = std::chrono::seconds(offset);
  if (const auto* v = r.find("timeframes")) {
    if (!v->is_array() || v->as_array().empty()) {
      return r.fail("timeframes", "expected a non-empty array such as [\"1m\", \"5m\"]");
    }
    o.timeframes.clear();
    const auto& items = v->as_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string key = "timeframes[" + std::to_string(i) + "]";
      boost::system::result<std::chrono::seconds> tf = errc::bad_config;
      if (items[i].is_string()) tf = parse_timeframe(items[i].as_string());
      if (items[i].is_int64() && items[i].as_int64() > 0) {
        tf = std::chrono::seconds(items[i].as_int64());
      }
      if (!tf) return r.fail(key, "expected 1m, 5m, 90s, 1h or 1d");
      for (const auto seen : o.timeframes) {
        if (seen == *tf) return r.fail(key, "duplicate timeframe");
      }
      o.timeframes.push_back(*tf);
    }
  }
}

}  // namespace

boost::system::result<std::chrono::seconds> parse_timeframe(std::string_view text) {
  if (text.empty()) return errc::bad_config;
  std::int64_t unit = 1;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: unit = 0; break;
  }
  if (unit != 0) text.remove_suffix(1);
  if (unit == 0) unit = 1;  // bare number: seconds
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || n <= 0 ||
      n > 366 * 86400 / unit) {
    return errc::bad_config;
  }
  return std::chrono::seconds(n * unit);
}

boost::system::result<storage_config> parse_storage_config(const json::value& redis,
                                                           std::string* detail,
                                                           const config_key_observer& observe) {
  std::string error;
  storage_config cfg;
  cfg.connection.endpoint = redis_endpoint{};
  auto finish = [&](boost::system::error_code ec) -> boost::system::result<storage_config> {
    if (detail != nullptr) *detail = error;
    return ec;
  };
  if (!redis.is_object()) {
    error = "redis: expected an object";
    return finish(errc::bad_config);
  }
  reader r(redis.as_object(), "redis", error, observe);
  r.only({"url", "buffer_limit_bytes", "backlog_limit_bytes", "connect_timeout_ms", "request_timeout_ms",
          "health_check_interval_ms", "backoff_initial_ms", "backoff_max_ms", "client_name",
          "sinks"});
  if (const auto* url = r.find("url")) {
    if (!url->is_string()) {
      r.fail("url", "expected a string");
    } else {
      auto ep = parse_redis_url(url->as_string());
      if (!ep) {
        // The message names the problem, never the URL (it may hold a password).
        r.fail("url", ep.error().message());
        return finish(ep.error());
      }
      cfg.connection.endpoint = *ep;
    }
  }
  connection_options& c = cfg.connection;
  r.integer("buffer_limit_bytes", c.buffer_limit_bytes, 4096, std::int64_t{1} << 40);
  r.integer("backlog_limit_bytes", c.backlog_limit_bytes, 4096, std::int64_t{1} << 40);
  r.millis("connect_timeout_ms", c.connect_timeout);
  r.millis("request_timeout_ms", c.request_timeout);
  r.millis("health_check_interval_ms", c.health_check_interval);
  r.millis("backoff_initial_ms", c.backoff_initial);
  r.millis("backoff_max_ms", c.backoff_max);
  r.text("client_name", c.client_name);
  if (r.ok() && c.backoff_max < c.backoff_initial) {
    r.fail("backoff_max_ms", "must not be less than backoff_initial_ms");
  }
  if (const json::object* sinks = r.object("sinks")) {
    reader s(*sinks, "redis.sinks", error, observe);
    s.only({"stream", "pubsub", "lists", "price", "candles"});
    if (const json::object* o = s.object("stream")) {
      reader sub(*o, "redis.sinks.stream", error, observe);
      read_stream(sub, cfg.stream);
    }
    if (const json::object* o = s.object("pubsub")) {
      reader sub(*o, "redis.sinks.pubsub", error, observe);
      read_pubsub(sub, cfg.pubsub);
    }
    if (const json::object* o = s.object("lists")) {
      reader sub(*o, "redis.sinks.lists", error, observe);
      read_lists(sub, cfg.lists);
    }
    if (const json::object* o = s.object("price")) {
      reader sub(*o, "redis.sinks.price", error, observe);
      read_price(sub, cfg.price);
    }
    if (const json::object* o = s.object("candles")) {
      reader sub(*o, "redis.sinks.candles", error, observe);
      read_candles(sub, cfg.candles);
    }
  }
  if (!error.empty()) return finish(errc::bad_config);
  return cfg;
}

}  // namespace tickgate::storage

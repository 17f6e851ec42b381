// The "redis" section of the gateway's JSON config: the connection and every
// sink's switch, database, TTL and shape options. Strict: an unknown key or a
// value of the wrong type is an error naming its path, so a typo never turns
// into a silently ignored setting. deploy/examples/redis-db-map.json is an
// example (the seed's database map).
//
// {
//   "url": "redis://127.0.0.1:6379/0",          // REDIS_URL overrides it (gateway)
//   "buffer_limit_bytes": 67108864, "backlog_limit_bytes": 268435456,
//   "connect_timeout_ms": 2000, "request_timeout_ms": 5000,
//   "health_check_interval_ms": 1000, "backoff_initial_ms": 100, "backoff_max_ms": 5000,
//   "client_name": "tickgate",
//   "sinks": {
//     "stream":  {"enabled": true, "db": 4, "key_prefix": "market_data_stream:",
//                 "maxlen": 10000, "ttl_seconds": 57600},
//     "pubsub":  {"enabled": true, "all_channel": "tickstock.all_ticks",
//                 "symbol_channel_prefix": "tickstock.ticks."},
//     "lists":   {"enabled": true, "db": 4, "cap": 1000, "ttl_seconds": 57600},
//     "price":   {"enabled": true, "db": 2, "key_prefix": "price:", "ttl_seconds": 10},
//     "candles": {"enabled": true, "db": 2, "key_prefix": "candle:",
//                 "timeframes": ["1m", "5m", "15m"], "ttl_seconds": 3600,
//                 "flush_interval_ms": 250, "utc_offset_seconds": 19800}
//   }
// }
//
// Every key is optional; absent keys keep the defaults of connection_options
// and the sinks' options (every sink enabled, in the URL's db). "db": -1 or
// absent means the URL's db; "ttl_seconds": null or absent means no TTL
// (price: 0 means no TTL).
#pragma once

#include "storage/connection.hpp"
#include "storage/sinks.hpp"

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace tickgate::storage {

struct storage_config {
  connection_options connection;  // endpoint from "url" (default redis://127.0.0.1:6379/0)
  stream_sink::options stream;
  pubsub_sink::options pubsub;
  list_sink::options lists;
  price_sink::options price;
  candle_sink::options candles;
};

// Told the path of every key the parser knows ("redis.sinks.stream.maxlen"),
// present or not, for each section it walks: documentation is tested against it.
using config_key_observer = std::function<void(std::string_view path)>;

// Parses the "redis" object. On failure returns errc::bad_config (or the
// URL's errc) and, when `detail` is given, sets it to "<path>: <problem>",
// e.g. "redis.sinks.candles.timeframes[1]: expected 1m, 5m, 90s, 1h or 1d".
// The URL's password never appears in `detail`.
boost::system::result<storage_config> parse_storage_config(
    const boost::json::value& redis, std::string* detail = nullptr,
    const config_key_observer& observe = {});

// "90s", "1m", "15m", "1h", "1d" (or a positive number of seconds as text).
boost::system::result<std::chrono::seconds> parse_timeframe(std::string_view text);

}  // namespace tickgate::storage

#include "gateway/control_api.hpp"

#include "gateway/app.hpp"
#include "gateway/errc.hpp"
#include "gateway/instruments.hpp"
#include "gateway/ist_time.hpp"
#include "gateway/metrics.hpp"
#include "gateway/recorder.hpp"
#include "gateway/replay.hpp"
#include "storage/errc.hpp"
#include "storage/resp_encoder.hpp"
#include "storage/stats_report.hpp"
#include "storage/unlink_matching.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace tickgate::gateway {
namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

// A 4xx/5xx on its way out: thrown inside a route, turned into the error
// response by handle(). (Only control flow inside this file; never escapes.)
struct api_error {
  unsigned status;
  std::string code;
  std::string message;
};

[[noreturn]] void fail(unsigned status, std::string code, std::string message) {
  throw api_error{status, std::move(code), std::move(message)};
}

http_response json_response(unsigned version, unsigned status, const json::value& body) {
  http_response res{static_cast<http::status>(status), version};
  res.set(http::field::server, "tickgate");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = json::serialize(body);
  res.prepare_payload();
  return res;
}

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json::value iso_or_null(std::int64_t epoch_us) {
  if (epoch_us <= 0) return nullptr;
  std::string s;
  append_iso_ist(s, epoch_us);
  return json::value(s);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// [A-Za-z0-9_-]{1,64}: a session name is a file name and part of a Redis
// glob, so nothing that could escape either.
bool valid_session_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  });
}

bool valid_token(std::string_view s) {
  return !s.empty() && s.size() <= 32 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Numeric order for numeric tokens ("999" before "26001").
bool token_less(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

json::value parse_body(const http_request& req) {
  const auto ct = req[http::field::content_type];
  if (!ct.empty() &&
      !iequals(ct.substr(0, std::min<std::size_t>(ct.size(), 16)), "application/json")) {
    fail(415, "unsupported_media_type", "the body must be application/json");
  }
  if (req.body().empty()) fail(400, "bad_json", "the request body is empty; JSON expected");
  boost::system::error_code ec;
  json::value v = json::parse(req.body(), ec);
  if (ec) fail(400, "bad_json", "the request body is not valid JSON: " + ec.message());
  return v;
}

std::string_view exchange_name(std::uint8_t exchange_type) {
  switch (exchange_type) {
    case 1: return "NSE";
    case 2: return "NFO";
    case 3: return "BSE";
    case 4: return "BFO";
    case 5: return "MCX";
    case 7: return "NCX";
    case 13: return "CDS";
    default: return "";
  }
}

struct query {
  std::string path;
  std::vector<std::pair<std::string, std::string>> params;
  const std::string* find(std::string_view key) const {
    for (const auto& [k, v] : params) {
      if (k == key) return &v;
    }
    return nullptr;
  }
};

query parse_target(std::string_view target) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) fail(400, "bad_target", "the request target is not a valid origin-form URL");
  query q;
  q.path = std::string(parsed->encoded_path());
  for (const auto& p : parsed->params()) {
    if (q.find(p.key) != nullptr)
      fail(400, "bad_query", "query parameter \"" + p.key + "\" given twice");
    q.params.emplace_back(p.key, p.value);
  }
  return q;
}

}  // namespace

control_api::control_api(app& a) : app_(a) {}

std::string control_api::current_session() {
  const run_status& run = app_.runs().status();
  if (run.runs_started > 0) return run.database_name;
  return app_.router().live_session(now_us());
}

namespace {

// Everything a route needs; one per request.
struct route_context {
  app& a;
  control_api& api;
  const http_request& req;
  const query& q;
  bool& run_starting;
};

using route_fn = std::function<asio::awaitable<http_response>(route_context&)>;

struct route {
  std::string_view path;  // exact, or a prefix ending in '/' when prefix is true
  bool prefix;
  http::verb method;
  route_fn fn;
};

json::object describe(const app& a, const desired_subscription& s) {
  json::object o;
  const protocol::instrument* i = a.instruments().find_by_token(s.key.exchange_type, s.key.token);
  o["symbol"] = i != nullptr ? i->symbol : s.key.token;
  o["trading_symbol"] = i != nullptr ? i->trading_symbol : std::string();
  o["token"] = s.key.token;
  o["exchange"] = i != nullptr ? i->exchange : std::string(exchange_name(s.key.exchange_type));
  o["exchange_type"] = s.key.exchange_type;
  o["mode"] = protocol::mode_name(s.mode);
  o["class"] = i != nullptr ? protocol::instrument_class_name(i->cls) : "other";
  return o;
}

std::vector<desired_subscription> resolve_body(app& a, const json::value& body,
                                               bool for_subscribe) {
  if (!body.is_array()) {
    fail(400, "bad_request",
         "the body must be a JSON array of symbols ([\"HDFC\",\"ICICIBANK\"]) or of objects "
         "([{\"symbol\"|\"token\",\"exchange\",\"mode\"}])");
  }
  const json::array& items = body.as_array();
  if (items.empty()) fail(400, "bad_request", "the body lists no instruments");
  const std::size_t capacity = a.market_feed().plan().capacity();
  if (items.size() > capacity) {
    fail(400, "too_many_instruments",
         "the body lists " + std::to_string(items.size()) + " instruments; at most " +
             std::to_string(capacity) + " can be subscribed");
  }
  std::vector<desired_subscription> out;
  out.reserve(items.size());
  for (std::size_t k = 0; k < items.size(); ++k) {
    const std::string origin = "body[" + std::to_string(k) + "]";
    instrument_spec spec;
    spec.origin = origin;
    const json::value& item = items[k];
    if (item.is_string()) {
      spec.symbol = std::string(item.as_string());
      if (spec.symbol.empty()) fail(400, "bad_request", origin + ": empty symbol");
    } else if (item.is_object()) {
      for (const auto& kv : item.as_object()) {
        const std::string key(kv.key());
        if (key != "symbol" && key != "token" && key != "exchange" && key != "mode") {
          fail(400, "bad_request",
               origin + ": unknown key \"" + key + "\" (expected symbol, token, exchange, mode)");
        }
        if (!kv.value().is_string())
          fail(400, "bad_request", origin + "." + key + ": must be a string");
        const std::string value(kv.value().as_string());
        if (key == "symbol") spec.symbol = value;
        if (key == "token") spec.token = value;
        if (key == "exchange") spec.exchange = value;
        if (key == "mode") {
          spec.mode = parse_mode(value);
          if (!spec.mode) {
            fail(400, "bad_mode",
                 origin + ".mode: must be \"ltp\", \"quote\", \"snap_quote\" or \"depth_20\"");
          }
        }
      }
      if (spec.symbol.empty() == spec.token.empty()) {
        fail(400, "bad_request", origin + ": give exactly one of \"symbol\" and \"token\"");
      }
    } else {
      fail(400, "bad_request", origin + ": must be a symbol string or an object");
    }
    auto resolved = resolve_instrument(spec, a.instruments(), a.cfg());
    if (auto* e = std::get_if<instrument_error>(&resolved)) {
      fail(404, "unknown_instrument", e->to_string());
    }
    out.push_back(std::get<desired_subscription>(std::move(resolved)));
    static_cast<void>(for_subscribe);
  }
  return out;
}

void require_no_params(const query& q) {
  if (!q.params.empty()) {
    fail(400, "bad_query",
         "this route takes no query parameters (got \"" + q.params.front().first + "\")");
  }
}

// --- read-only routes -------------------------------------------------------

asio::awaitable<http_response> get_root(route_context& c) {
  const auto uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - c.a.started_at());
  json::object o{{"service", "tickgate"},
                 {"version", TICKGATE_VERSION},
                 {"status", "running"},
                 {"uptime_seconds", std::round(uptime.count() * 1000) / 1000},
                 {"timestamp", iso_or_null(now_us())}};
  co_return json_response(c.req.version(), 200, o);
}

json::object seed_status(app& a) {
  const auto& rs = a.router().stats();
  json::object o;
  o["redis_connected"] = a.redis().all_connected();
  o["ws_connected"] = a.market_feed().connected();
  o["symbols_tracked"] = a.market_feed().plan().size();
  o["tick_count"] = rs.routed_total;
  o["last_tick_time"] = iso_or_null(rs.last_tick_us);
  const angel_config& angel = a.cfg().angel;
  o["has_credentials"] = !angel.api_key.empty() && !angel.client_code.empty() &&
                         !angel.pin.empty() && !angel.totp_secret.empty();
  return o;
}

asio::awaitable<http_response> get_health(route_context& c) {
  json::object s = seed_status(c.a);
  const bool feed_ok = !c.a.cfg().feed.enabled || s["ws_connected"].as_bool();
  json::object o{{"status", s["redis_connected"].as_bool() && feed_ok ? "healthy" : "degraded"},
                 {"timestamp", iso_or_null(now_us())}};
  for (auto& kv : s) o[kv.key()] = kv.value();
  co_return json_response(c.req.version(), 200, o);
}

asio::awaitable<http_response> get_ready(route_context& c) {
  const bool redis_ok = c.a.redis().all_connected();
  const bool feed_ok = !c.a.cfg().feed.enabled || c.a.market_feed().ready();
  json::object o{
      {"ready", redis_ok && feed_ok}, {"redis_connected", redis_ok}, {"feed_subscribed", feed_ok}};
  if (redis_ok && feed_ok) co_return json_response(c.req.version(), 200, o);
  o["error"] = json::object{{"code", "not_ready"},
                            {"message", !redis_ok ? "Redis is not connected"
                                                  : "not every feed connection is subscribed"}};
  co_return json_response(c.req.version(), 503, o);
}

json::object feed_connection_json(const feed_connection_stats& s, std::size_t index) {
  return json::object{{"connection", index},
                      {"state", connection_state_name(s.state)},
                      {"connects", s.connects},
                      {"connect_failures", s.connect_failures},
                      {"disconnects", s.disconnects},
                      {"handshake_401", s.handshake_401},
                      {"handshake_429", s.handshake_429},
                      {"idle_timeouts", s.idle_timeouts},
                      {"stalls", s.stalls},
                      {"frames", s.frames},
                      {"bytes", s.bytes},
                      {"ticks", s.ticks},
                      {"text_frames", s.text_frames},
                      {"pongs", s.pongs},
                      {"pings_sent", s.pings_sent},
                      {"oversized_frames", s.oversized_frames},
                      {"server_errors", s.server_errors},
                      {"requests_sent", s.requests_sent},
                      {"connected_since", iso_or_null(s.connected_since_ms * 1000)},
                      {"last_frame_time", iso_or_null(s.last_frame_ms * 1000)},
                      {"last_tick_time", iso_or_null(s.last_tick_ms * 1000)},
                      {"last_error", s.last_error}};
}

json::object run_json(const run_status& r) {
  json::object o{{"state", run_state_name(r.state)},
                 {"database_name", r.database_name},
                 {"frames", r.frames},
                 {"ticks", r.ticks},
                 {"runs_started", r.runs_started},
                 {"started_at", iso_or_null(r.started_ms * 1000)},
                 {"ended_at", iso_or_null(r.ended_ms * 1000)}};
  if (r.interval_seconds) {
    o["interval_seconds"] = *r.interval_seconds;
  } else {
    o["interval_seconds"] = nullptr;
  }
  if (!r.error.empty()) o["error"] = r.error;
  return o;
}

asio::awaitable<http_response> get_stats(route_context& c) {
  app& a = c.a;
  json::object o = seed_status(a);
  json::array symbols;
  for (const desired_subscription* s : a.market_feed().plan().all()) {
    const protocol::instrument* i =
        a.instruments().find_by_token(s->key.exchange_type, s->key.token);
    symbols.push_back(json::value(i != nullptr ? i->symbol : s->key.token));
  }
  o["symbols"] = std::move(symbols);
  o["running"] = true;

  json::array conns;
  const auto& fs = a.market_feed().connection_stats();
  for (std::size_t k = 0; k < fs.size(); ++k) conns.push_back(feed_connection_json(fs[k], k));
  const login_stats& ls = a.market_feed().login();
  json::object server_errors;
  for (const auto& [code, n] : a.market_feed().server_error_counts()) server_errors[code] = n;
  o["feed"] = json::object{{"enabled", a.cfg().feed.enabled},
                           {"ready", a.market_feed().ready()},
                           {"connections", std::move(conns)},
                           {"server_errors", std::move(server_errors)},
                           {"login", json::object{{"attempts", ls.attempts},
                                                  {"succeeded", ls.succeeded},
                                                  {"rejected", ls.rejected},
                                                  {"rate_limited", ls.rate_limited},
                                                  {"failed", ls.failed},
                                                  {"refreshes", ls.refreshes},
                                                  {"last_error", ls.last_error}}}};

  const router_stats& rs = a.router().stats();
  std::uint64_t decoded = 0;
  for (const auto& m : rs.decoded) {
    for (std::uint64_t n : m) decoded += n;
  }
  o["router"] = json::object{{"frames", rs.frames},
                             {"bytes", rs.bytes},
                             {"decoded", decoded},
                             {"routed", rs.routed_total},
                             {"decode_errors", rs.decode_errors},
                             {"unknown_instrument", rs.unknown_instrument}};
  o["redis"] = storage::to_json(a.redis());
  json::object sinks;
  for (const auto& s : a.named_sinks()) sinks[s.name] = storage::to_json(*s.sink);
  o["sinks"] = std::move(sinks);

  if (const http_server* h = a.http()) {
    const http_server_stats& hs = h->stats();
    json::object by_status;
    for (const auto& [status, n] : hs.responses_by_status) by_status[std::to_string(status)] = n;
    o["http"] = json::object{{"connections_accepted", hs.connections_accepted},
                             {"connections_rejected", hs.connections_rejected},
                             {"connections_open", hs.connections_open},
                             {"requests", hs.requests},
                             {"bad_requests", hs.bad_requests},
                             {"header_too_large", hs.header_too_large},
                             {"body_too_large", hs.body_too_large},
                             {"timeouts", hs.timeouts},
                             {"responses", std::move(by_status)}};
  }
  if (const recorder* r = a.frame_recorder()) {
    const recorder_stats st = r->stats();
    o["recording"] = json::object{{"active", st.active},
                                  {"file", st.file},
                                  {"frames", st.frames},
                                  {"bytes", st.bytes},
                                  {"errors", st.errors},
                                  {"last_error", st.last_error},
                                  {"dropped", st.dropped},
                                  {"buffered_bytes", st.buffered_bytes},
                                  {"capped", st.capped},
                                  {"capped_files", st.capped_files},
                                  {"capped_frames", st.capped_frames}};
  } else {
    o["recording"] = json::object{{"active", false}};
  }
  o["run"] = run_json(a.runs().status());
  co_return json_response(c.req.version(), 200, o);
}

asio::awaitable<http_response> get_symbols(route_context& c) {
  json::array list;
  for (const desired_subscription* s : c.a.market_feed().plan().all()) {
    list.push_back(describe(c.a, *s));
  }
  const std::size_t n = list.size();
  co_return json_response(c.req.version(), 200,
                          json::object{{"symbols", std::move(list)}, {"total_count", n}});
}

asio::awaitable<http_response> get_metrics(route_context& c) {
  http_response res{http::status::ok, c.req.version()};
  res.set(http::field::server, "tickgate");
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.body() = render_metrics(c.a);
  res.prepare_payload();
  co_return res;
}

// --- Redis reads ------------------------------------------------------------

storage::connection& list_connection(app& a) {
  return a.redis().for_db(a.cfg().redis.lists.db);
}

[[noreturn]] void redis_failed(const boost::system::error_code& ec) {
  fail(503, "redis_unavailable", "Redis: " + ec.message());
}

// SCAN MATCH `pattern` → the keys, sorted (at most max_scan_keys; `truncated`
// says when there were more).
struct scanned_keys {
  std::vector<std::string> keys;
  bool truncated = false;
};

constexpr std::size_t max_scan_keys = 100'000;

asio::awaitable<scanned_keys> scan_keys(storage::connection& conn, const std::string& pattern) {
  scanned_keys out;
  std::string cursor = "0";
  do {
    std::string cmd;
    storage::append_command(cmd, "SCAN", cursor, "MATCH", pattern, "COUNT", 1000);
    auto r = co_await conn.exec(std::move(cmd), 1);
    if (!r) redis_failed(r.error());
    const storage::resp_value& reply = r.value().front();
    if (reply.type != storage::resp_type::array || reply.elements.size() != 2 ||
        reply.elements[1].type != storage::resp_type::array) {
      redis_failed(storage::errc::unexpected_reply);
    }
    cursor = reply.elements[0].string;
    for (const auto& k : reply.elements[1].elements) {
      if (out.keys.size() < max_scan_keys) {
        out.keys.push_back(k.string);
      } else {
        out.truncated = true;
      }
    }
  } while (cursor != "0" && !out.truncated);
  std::sort(out.keys.begin(), out.keys.end());
  out.keys.erase(std::unique(out.keys.begin(), out.keys.end()), out.keys.end());
  co_return out;
}

// LRANGE key 0 limit-1 of one key.
asio::awaitable<std::vector<std::string>> read_list(storage::connection& conn,
                                                    const std::string& key, std::uint64_t limit) {
  std::string cmd;
  storage::append_command(cmd, "LRANGE", key, 0, limit - 1);
  auto r = co_await conn.exec(std::move(cmd), 1);
  if (!r) redis_failed(r.error());
  const storage::resp_value& reply = r.value().front();
  if (reply.is_error()) fail(503, "redis_error", "Redis: " + reply.string);
  std::vector<std::string> entries;
  entries.reserve(reply.elements.size());
  for (const auto& e : reply.elements) entries.push_back(e.string);
  co_return entries;
}

// A list entry as a tick: a JSON object, with its "ft" (0 when missing or
// not a number). nullopt when it is not a JSON object.
std::optional<std::pair<double, json::value>> parse_tick(std::string_view entry) {
  boost::system::error_code ec;
  json::value v = json::parse(entry, ec);
  if (ec || !v.is_object()) return std::nullopt;
  double ft = 0;
  if (const json::value* f = v.as_object().if_contains("ft"); f != nullptr && f->is_number()) {
    ft = f->to_number<double>();
  }
  return std::pair{ft, std::move(v)};
}

// The "ft" of an entry without parsing it, when that is unambiguous: one
// `"ft":` followed by a number. nullopt otherwise (the caller parses).
std::optional<double> quick_ft(std::string_view entry) {
  constexpr std::string_view needle = "\"ft\":";
  const std::size_t at = entry.find(needle);
  if (at == std::string_view::npos || at == 0 || entry[at - 1] == '\\' ||
      entry.find(needle, at + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  const char* first = entry.data() + at + needle.size();
  const char* last = entry.data() + entry.size();
  double v = 0;
  const auto [p, ec] = std::from_chars(first, last, v);
  if (ec != std::errc() || p == last || (*p != ',' && *p != '}')) return std::nullopt;
  return v;
}

// The `limit` newest ticks (by ft, descending) across many lists, each
// newest first; ties keep key order, then list order (a stable sort of all
// entries, cut at limit). Memory is bounded by limit: the lists are read a
// few keys at a time and only the best `limit` entries are kept, in a heap
// whose top is the one to evict; an entry is parsed only when it would enter
// the heap. Yields to other work between batches.
struct merged_ticks {
  std::vector<json::value> ticks;
  std::uint64_t skipped = 0;
};

asio::awaitable<merged_ticks> merge_lists(storage::connection& conn,
                                          const std::vector<std::string>& keys,
                                          std::uint64_t limit) {
  struct kept {
    double ft;
    std::uint64_t order;  // position in the concatenation of the lists
    json::value tick;
  };
  // Heap order: the top is the worst kept entry (lowest ft; among equal ft,
  // the latest in order).
  const auto better = [](const kept& a, const kept& b) {
    return a.ft != b.ft ? a.ft > b.ft : a.order < b.order;
  };
  std::vector<kept> heap;
  merged_ticks out;
  std::uint64_t order = 0;
  // About 20 000 entries per round trip, whatever the limit.
  const std::size_t batch = std::clamp<std::size_t>(
      static_cast<std::size_t>(20'000 / limit), 1, 64);
  const auto executor = co_await asio::this_coro::executor;
  for (std::size_t begin = 0; begin < keys.size(); begin += batch) {
    if (begin > 0) co_await asio::post(executor, asio::use_awaitable);
    const std::size_t end = std::min(keys.size(), begin + batch);
    std::string cmds;
    for (std::size_t k = begin; k < end; ++k) {
      storage::append_command(cmds, "LRANGE", keys[k], 0, limit - 1);
    }
    auto r = co_await conn.exec(std::move(cmds), end - begin);
    if (!r) redis_failed(r.error());
    for (const storage::resp_value& reply : r.value()) {
      if (reply.is_error()) fail(503, "redis_error", "Redis: " + reply.string);
      for (const auto& e : reply.elements) {
        const std::uint64_t at = order++;
        const bool full = heap.size() >= limit;
        // A later entry enters a full heap only with a higher ft than its worst.
        if (full) {
          if (const auto ft = quick_ft(e.string); ft && !(*ft > heap.front().ft)) continue;
        }
        auto tick = parse_tick(e.string);
        if (!tick) {
          ++out.skipped;
          continue;
        }
        kept k{tick->first, at, std::move(tick->second)};
        if (full) {
          if (!better(k, heap.front())) continue;
          std::pop_heap(heap.begin(), heap.end(), better);
          heap.back() = std::move(k);
        } else {
          heap.push_back(std::move(k));
        }
        std::push_heap(heap.begin(), heap.end(), better);
      }
    }
  }
  std::sort(heap.begin(), heap.end(), better);
  out.ticks.reserve(heap.size());
  for (auto& k : heap) out.ticks.push_back(std::move(k.tick));
  co_return out;
}

std::uint64_t parse_limit(const query& q) {
  const std::string* text = q.find("limit");
  if (text == nullptr) return control_api::default_limit;
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (text->empty() || ec != std::errc() || p != text->data() + text->size() || v < 1 ||
      v > control_api::max_limit) {
    fail(400, "bad_limit",
         "limit must be an integer from 1 to " + std::to_string(control_api::max_limit));
  }
  return v;
}

std::string session_param(route_context& c) {
  if (const std::string* s = c.q.find("database_name")) {
    if (!valid_session_name(*s)) {
      fail(400, "bad_database_name", "database_name must be 1–64 characters of A-Z a-z 0-9 _ -");
    }
    return *s;
  }
  return c.api.current_session();
}

asio::awaitable<http_response> get_redis_ticks(route_context& c) {
  constexpr std::string_view prefix = "/api/redis-ticks/";
  const std::string tick_type = c.q.path.substr(prefix.size());
  if (tick_type != "indextick" && tick_type != "optiontick") {
    fail(400, "bad_tick_type", "tick_type must be \"indextick\" or \"optiontick\"");
  }
  for (const auto& [k, v] : c.q.params) {
    if (k != "limit" && k != "token" && k != "database_name") {
      fail(400, "bad_query",
           "unknown query parameter \"" + k + "\" (expected limit, token, database_name)");
    }
  }
  const std::uint64_t limit = parse_limit(c.q);
  const std::string* token = c.q.find("token");
  if (token != nullptr) {
    if (tick_type == "indextick") fail(400, "bad_query", "token applies to optiontick only");
    if (!valid_token(*token)) fail(400, "bad_token", "token must be 1–32 digits");
  }
  const std::string session = session_param(c);
  storage::connection& conn = list_connection(c.a);
  const std::string base = "ticks:" + session + ":" + tick_type;

  json::array out;
  std::uint64_t skipped = 0;
  bool truncated = false;
  if (tick_type == "indextick" || token != nullptr) {
    // One list, newest first: its first `limit` ticks.
    const std::string key = tick_type == "indextick" ? base : base + ":" + *token;
    const std::vector<std::string> entries = co_await read_list(conn, key, limit);
    for (const std::string& entry : entries) {
      if (auto tick = parse_tick(entry)) {
        out.push_back(std::move(tick->second));
      } else {
        ++skipped;
      }
    }
  } else {
    // Every option token's list, merged by ft descending.
    const scanned_keys scanned = co_await scan_keys(conn, base + ":*");
    truncated = scanned.truncated;
    merged_ticks merged = co_await merge_lists(conn, scanned.keys, limit);
    skipped = merged.skipped;
    out.reserve(merged.ticks.size());
    for (auto& t : merged.ticks) out.push_back(std::move(t));
  }
  const std::size_t n = out.size();
  json::object o{{"ticks", std::move(out)},
                 {"total_count", n},
                 {"database_name", session},
                 {"tick_type", tick_type}};
  o["token"] = token != nullptr ? json::value(*token) : json::value(nullptr);
  if (skipped > 0) o["skipped_unparsable"] = skipped;
  if (truncated) o["truncated"] = true;
  co_return json_response(c.req.version(), 200, o);
}

asio::awaitable<http_response> get_option_tokens(route_context& c) {
  for (const auto& [k, v] : c.q.params) {
    if (k != "database_name") {
      fail(400, "bad_query", "unknown query parameter \"" + k + "\" (expected database_name)");
    }
  }
  const std::string session = session_param(c);
  const std::string prefix = "ticks:" + session + ":optiontick:";
  const scanned_keys scanned = co_await scan_keys(list_connection(c.a), prefix + "*");
  const std::vector<std::string>& keys = scanned.keys;
  std::vector<std::string> tokens;
  tokens.reserve(keys.size());
  for (const std::string& k : keys) tokens.push_back(k.substr(prefix.size()));
  std::sort(tokens.begin(), tokens.end(), token_less);
  json::array list;
  for (auto& t : tokens) list.push_back(json::value(t));
  const std::size_t n = list.size();
  json::object o{{"tokens", std::move(list)}, {"total_count", n}, {"database_name", session}};
  if (scanned.truncated) o["truncated"] = true;
  co_return json_response(c.req.version(), 200, o);
}

// --- mutating routes --------------------------------------------------------

asio::awaitable<http_response> post_subscribe(route_context& c) {
  require_no_params(c.q);
  const json::value body = parse_body(c.req);
  const auto items = resolve_body(c.a, body, true);
  json::array described;
  for (const auto& s : items) described.push_back(describe(c.a, s));
  if (const auto ec = c.a.market_feed().subscribe(items)) {
    if (ec == errc::capacity_exceeded) {
      fail(409, "capacity_exceeded",
           "subscribing these would exceed the feed's capacity of " +
               std::to_string(c.a.market_feed().plan().capacity()) + " tokens; nothing changed");
    }
    fail(400, "subscription_refused", ec.message() + "; nothing changed");
  }
  const std::size_t n = described.size();
  co_return json_response(
      c.req.version(), 200,
      json::object{{"status", "success"},
                   {"message", "Subscribed to " + std::to_string(n) + " instrument(s)"},
                   {"subscribed", std::move(described)},
                   {"symbols_tracked", c.a.market_feed().plan().size()}});
}

asio::awaitable<http_response> post_unsubscribe(route_context& c) {
  require_no_params(c.q);
  const json::value body = parse_body(c.req);
  const auto items = resolve_body(c.a, body, false);
  std::vector<token_key> keys;
  json::array removed;
  json::array absent;
  for (const auto& s : items) {
    if (const desired_subscription* current = c.a.market_feed().plan().find(s.key)) {
      removed.push_back(describe(c.a, *current));
      keys.push_back(s.key);
    } else {
      json::object d = describe(c.a, s);
      d.erase("mode");
      absent.push_back(std::move(d));
    }
  }
  if (!keys.empty()) c.a.market_feed().unsubscribe(keys);
  const std::size_t n = removed.size();
  co_return json_response(
      c.req.version(), 200,
      json::object{{"status", "success"},
                   {"message", "Unsubscribed from " + std::to_string(n) + " instrument(s)"},
                   {"unsubscribed", std::move(removed)},
                   {"not_subscribed", std::move(absent)},
                   {"symbols_tracked", c.a.market_feed().plan().size()}});
}

asio::awaitable<http_response> post_start_run(route_context& c) {
  require_no_params(c.q);
  const json::value body = parse_body(c.req);
  if (!body.is_object()) {
    fail(400, "bad_request", "the body must be an object {\"database_name\",\"interval_seconds\"}");
  }
  std::string name;
  std::optional<double> interval;
  for (const auto& kv : body.as_object()) {
    if (kv.key() == "database_name") {
      if (!kv.value().is_string()) fail(400, "bad_request", "database_name must be a string");
      name = std::string(kv.value().as_string());
    } else if (kv.key() == "interval_seconds") {
      if (kv.value().is_null()) continue;
      if (!kv.value().is_number()) {
        fail(400, "bad_interval", "interval_seconds must be a number (seconds per tick) or null");
      }
      const double v = kv.value().to_number<double>();
      if (!(v >= 0 && v <= 3600)) {
        fail(400, "bad_interval", "interval_seconds must be from 0 to 3600 (null: recorded pace)");
      }
      interval = v;
    } else {
      fail(400, "bad_request",
           "unknown key \"" + std::string(kv.key()) +
               "\" (expected database_name, interval_seconds)");
    }
  }
  if (name.empty()) fail(400, "bad_request", "database_name is required");
  if (!valid_session_name(name)) {
    fail(400, "bad_database_name", "database_name must be 1–64 characters of A-Z a-z 0-9 _ -");
  }
  if (c.api.stopping()) fail(503, "shutting_down", "the gateway is shutting down");
  if (c.run_starting || c.a.runs().running()) {
    fail(409, "run_active",
         "a run is already active (" + c.a.runs().status().database_name + "); stop it first");
  }
  // A run flushes its session's lists first: never the live session's.
  if (name == c.a.router().live_session(now_us())) {
    fail(409, "live_session",
         "\"" + name + "\" is the live session; a run would flush and overwrite its lists");
  }
  const auto path = recorder::file_for(c.a.cfg().recording.data_dir, name);
  if (const recorder* r = c.a.frame_recorder(); r != nullptr) {
    if (const recorder_stats st = r->stats(); st.active && st.file == path.string()) {
      fail(409, "recording_in_progress",
           "\"" + name + "\" is the file being recorded now; stop recording or pick another");
    }
  }
  if (!std::filesystem::is_regular_file(path)) {
    fail(404, "recording_not_found", "no recording named \"" + name + "\" in the data directory");
  }
  auto opened = recording_reader::open(path);
  if (auto* e = std::get_if<std::string>(&opened)) fail(422, "bad_recording", *e);

  // Flush the session's keys (SCAN + UNLINK), then replay. Refused whole when
  // Redis is down: nothing is replayed into a session that was not cleared.
  c.run_starting = true;
  struct reset_starting {
    bool& flag;
    ~reset_starting() { flag = false; }
  } reset{c.run_starting};
  auto flushed = co_await storage::unlink_matching(list_connection(c.a), "ticks:" + name + ":*");
  if (c.api.stopping()) fail(503, "shutting_down", "the gateway is shutting down");
  if (!flushed) redis_failed(flushed.error());
  c.a.runs().start(std::get<recording_reader>(std::move(opened)), name, interval);
  json::object o{{"status", "started"},
                 {"database_name", name},
                 {"flushed_keys", *flushed},
                 {"recording", path.filename().string()}};
  o["interval_seconds"] = interval ? json::value(*interval) : json::value(nullptr);
  co_return json_response(c.req.version(), 200, o);
}

asio::awaitable<http_response> post_stop_run(route_context& c) {
  require_no_params(c.q);
  if (!c.req.body().empty()) {
    const json::value body = parse_body(c.req);
    if (!body.is_object() || !body.as_object().empty()) {
      fail(400, "bad_request", "stop-run takes no parameters (empty body or {})");
    }
  }
  if (!c.a.runs().running()) fail(409, "no_active_run", "no run is active");
  c.a.runs().stop();
  const run_status& r = c.a.runs().status();
  co_return json_response(c.req.version(), 200,
                          json::object{{"status", "stopped"},
                                       {"database_name", r.database_name},
                                       {"frames_replayed", r.frames}});
}

const std::vector<route>& routes() {
  static const std::vector<route> table = {
      {"/", false, http::verb::get, get_root},
      {"/health", false, http::verb::get, get_health},
      {"/ready", false, http::verb::get, get_ready},
      {"/stats", false, http::verb::get, get_stats},
      {"/symbols", false, http::verb::get, get_symbols},
      {"/metrics", false, http::verb::get, get_metrics},
      {"/subscribe", false, http::verb::post, post_subscribe},
      {"/unsubscribe", false, http::verb::post, post_unsubscribe},
      {"/api/redis-ticks/", true, http::verb::get, get_redis_ticks},
      {"/api/redis-option-tokens", false, http::verb::get, get_option_tokens},
      {"/api/start-run", false, http::verb::post, post_start_run},
      {"/api/stop-run", false, http::verb::post, post_stop_run},
  };
  return table;
}

bool matches(const route& r, std::string_view path) {
  if (!r.prefix) return path == r.path;
  return path.size() > r.path.size() && path.starts_with(r.path) &&
         path.find('/', r.path.size()) == std::string_view::npos;
}

bool authorized(const app& a, const http_request& req) {
  const secret& token = a.cfg().http.api_token;
  if (token.empty()) return true;
  const auto it = req.find(http::field::authorization);
  if (it == req.end()) return false;
  const std::string_view value = it->value();
  constexpr std::string_view scheme = "bearer ";
  if (value.size() <= scheme.size() || !iequals(value.substr(0, scheme.size()), scheme))
    return false;
  std::string_view candidate = value.substr(scheme.size());
  while (!candidate.empty() && candidate.front() == ' ') candidate.remove_prefix(1);
  return token.equals(candidate);
}

}  // namespace

asio::awaitable<http_response> control_api::handle(const http_request& req) {
  const unsigned version = req.version();
  std::optional<api_error> error;
  try {
    const query q = parse_target(req.target());
    const route* found = nullptr;
    std::string allow;
    for (const route& r : routes()) {
      if (!matches(r, q.path)) continue;
      // HEAD is routed like GET (the server sends the header only).
      if (r.method == req.method() ||
          (r.method == http::verb::get && req.method() == http::verb::head)) {
        found = &r;
        break;
      }
      if (!allow.empty()) allow += ", ";
      allow += std::string(http::to_string(r.method));
      if (r.method == http::verb::get) allow += ", HEAD";
    }
    if (found == nullptr) {
      if (allow.empty()) fail(404, "not_found", "no route " + q.path.substr(0, 200));
      auto res = make_error_response(version, 405, "method_not_allowed",
                                     std::string(req.method_string().substr(0, 20)) +
                                         " is not allowed on " + q.path.substr(0, 200) +
                                         " (allowed: " + allow + ")");
      res.set(http::field::allow, allow);
      co_return res;
    }
    if (found->method == http::verb::post && !authorized(app_, req)) {
      auto res = make_error_response(
          version, 401, "unauthorized",
          "this route needs \"Authorization: Bearer <token>\" with the API token");
      res.set(http::field::www_authenticate, "Bearer realm=\"tickgate\"");
      co_return res;
    }
    route_context ctx{app_, *this, req, q, run_starting_};
    co_return co_await found->fn(ctx);
  } catch (api_error& e) {
    error = std::move(e);
  }
  co_return make_error_response(version, error->status, error->code, error->message);
}

}  // namespace tickgate::gateway

// tickgate-sim end to end: the real binary through the simulator fixture, a
// Beast WebSocket client, TLS verified against the generated certificate.
#define BOOST_TEST_MODULE sim_server
#include <boost/test/unit_test.hpp>

#include "protocol/frame.hpp"
#include "protocol/login.hpp"
#include "protocol/request.hpp"
#include "test/sim/feed_client.hpp"
#include "test/support/simulator.hpp"

#include <boost/json/parse.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace tickgate::test {
namespace {

namespace json = boost::json;
using protocol::action;
using protocol::mode;
using protocol::subscription_request;
using protocol::token_group;

simulator_options sim_options(double rate, std::vector<std::string> extra_args = {},
                              bool tls = true) {
  simulator_options o;
  o.rate = rate;
  o.extra_args = std::move(extra_args);
  o.tls = tls;
  return o;
}

subscription_request request(mode m, std::vector<token_group> groups, std::string id = {},
                             action a = action::subscribe) {
  return {std::move(id), a, m, std::move(groups)};
}

protocol::tick decode(const feed_message& m) {
  BOOST_REQUIRE(m.binary);
  auto t = protocol::decode_frame(m.bytes());
  BOOST_REQUIRE_MESSAGE(t.has_value(), "frame does not decode: " << t.error().message());
  return t.value();
}

json::object only_connection(const simulator& sim) {
  const auto stats = sim.stats();
  const auto& conns = stats.at("connections").as_array();
  BOOST_REQUIRE_EQUAL(conns.size(), 1u);
  return conns[0].as_object();
}

std::int64_t stat(const json::value& stats, std::string_view group, std::string_view name) {
  return stats.at(group).at(name).to_number<std::int64_t>();
}

// Sends a deliberately invalid request with correlation ID `id` and returns
// the text frames received before its E1001 (binary frames are skipped).
// Proves that earlier requests produced no error text.
std::vector<std::string> texts_until_marker(feed_client& c, const std::string& id) {
  c.send_text(R"({"correlationID":")" + id + R"(","action":1})");
  std::vector<std::string> before;
  for (;;) {
    const std::string text = c.read_text();
    const auto msg = protocol::parse_server_text(text);
    if (const auto* e = std::get_if<protocol::server_error>(&msg); e && e->correlation_id == id) {
      return before;
    }
    before.push_back(text);
  }
}

BOOST_AUTO_TEST_CASE(login_succeeds_and_fails_like_smartapi) {
  simulator sim;
  const auto& cred = sim.credentials();
  const auto a = sim.login();
  const auto b = sim.login();
  BOOST_TEST(!a.jwt.empty());
  BOOST_TEST(!a.feed.empty());
  BOOST_TEST(!a.refresh.empty());
  BOOST_TEST(std::count(a.jwt.begin(), a.jwt.end(), '.') == 2);  // JWT-shaped
  BOOST_TEST(a.jwt != b.jwt);                                    // random per login
  BOOST_TEST(a.feed != b.feed);

  // A TOTP code that is wrong for the previous, current and next step.
  const std::string totp = sim.current_totp();
  const std::string bad_totp = totp == "000000" ? "111111" : "000000";

  struct row {
    std::string name;
    http_reply reply;
    unsigned status;
    std::string code;
    bool status_shape;  // {"status":false,"errorcode"} vs {"success":false,"errorCode"}
  };
  const std::vector<row> rows = {
      {"bad PIN", sim.login_request(cred.api_key, cred.client_code, "9999", totp), 200, "AB1007",
       true},
      {"bad client code", sim.login_request(cred.api_key, "X99999", cred.pin, totp), 200, "AB1007",
       true},
      {"bad TOTP", sim.login_request(cred.api_key, cred.client_code, cred.pin, bad_totp), 200,
       "AB1050", true},
      {"bad API key", sim.login_request("nope", cred.client_code, cred.pin, totp), 200, "AG8004",
       false},
  };
  for (const auto& r : rows) {
    BOOST_TEST(r.reply.status == r.status, r.name);
    const auto parsed = protocol::parse_login_response(r.reply.body);
    BOOST_REQUIRE_MESSAGE(parsed.has_value(), r.name << ": " << r.reply.body);
    BOOST_TEST(!parsed.value().ok, r.name);
    BOOST_TEST(parsed.value().error_code == r.code, r.name);
    const auto body = json::parse(r.reply.body).as_object();
    BOOST_TEST(body.contains(r.status_shape ? "status" : "success"), r.name);
  }
  const auto malformed = sim.request("POST", protocol::login_path, "{not json");
  BOOST_TEST(malformed.status == 400u);
  BOOST_TEST(sim.request("GET", protocol::login_path).status == 405u);
  BOOST_TEST(sim.request("GET", "/nowhere").status == 404u);

  const auto stats = sim.stats();
  BOOST_TEST(stat(stats, "logins", "ok") == 2);
  BOOST_TEST(stat(stats, "logins", "bad_credentials") == 2);
  BOOST_TEST(stat(stats, "logins", "bad_totp") == 1);
  BOOST_TEST(stat(stats, "logins", "bad_api_key") == 1);
  BOOST_TEST(stat(stats, "logins", "bad_request") == 1);

  // Secrets never reach the log or the stats.
  const std::string log = read_file(sim.log_file());
  const std::string stats_text = sim.request("GET", "/sim/stats").body;
  for (const std::string& secret :
       {a.jwt, a.feed, a.refresh, b.jwt, cred.api_key, cred.totp_secret}) {
    BOOST_TEST(log.find(secret) == std::string::npos);
    BOOST_TEST(stats_text.find(secret) == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(login_error_status_is_configurable) {
  simulator sim(sim_options(20, {"--login-error-status", "401"}));
  const auto& cred = sim.credentials();
  const auto reply = sim.login_request(cred.api_key, cred.client_code, "0000", sim.current_totp());
  BOOST_TEST(reply.status == 401u);
  BOOST_TEST(protocol::parse_login_response(reply.body).value().error_code == "AB1007");
}

BOOST_AUTO_TEST_CASE(refresh_replaces_jwt_and_feed_token) {
  simulator sim;
  const auto s = sim.login();
  const auto reply =
      sim.request("POST", protocol::refresh_path, protocol::encode_refresh_request(s.refresh),
                  {{"Authorization", "Bearer " + s.jwt}});
  BOOST_TEST(reply.status == 200u);
  const auto fresh = protocol::parse_login_response(reply.body).value();
  BOOST_REQUIRE(fresh.ok);
  BOOST_TEST(fresh.tokens.jwt != s.jwt);
  BOOST_TEST(fresh.tokens.feed != s.feed);
  BOOST_TEST(fresh.tokens.refresh == s.refresh);

  feed_client old_client(sim);
  std::string message;
  BOOST_TEST(old_client.connect(headers_for(sim, s), &message) == 401u);
  BOOST_TEST(message == "Invalid Auth token");
  feed_client new_client(sim);
  BOOST_TEST(new_client.connect(
                 headers_for(sim, {fresh.tokens.jwt, s.refresh, fresh.tokens.feed})) == 101u);

  const auto bad =
      sim.request("POST", protocol::refresh_path, protocol::encode_refresh_request("nope"));
  BOOST_TEST(bad.status == 200u);
  BOOST_TEST(protocol::parse_login_response(bad.body).value().error_code == "AB8050");
  BOOST_TEST(sim.request("POST", protocol::refresh_path, "[]").status == 400u);
  const auto stats = sim.stats();
  BOOST_TEST(stat(stats, "refreshes", "ok") == 1);
  BOOST_TEST(stat(stats, "refreshes", "invalid") == 1);
  BOOST_TEST(stat(stats, "refreshes", "bad_request") == 1);
}

BOOST_AUTO_TEST_CASE(handshake_401_names_the_bad_header) {
  simulator sim;
  const auto s = sim.login();
  const feed_headers good = headers_for(sim, s);
  struct row {
    std::string name;
    feed_headers headers;
    unsigned status;
    std::string message;
  };
  auto with = [&](auto change) {
    feed_headers h = good;
    change(h);
    return h;
  };
  const std::vector<row> rows = {
      {"no Authorization", with([](feed_headers& h) { h.authorization.reset(); }), 401,
       "Invalid Auth token"},
      {"unknown JWT", with([](feed_headers& h) { h.authorization = "Bearer abc.def.ghi"; }), 401,
       "Invalid Auth token"},
      {"no x-api-key", with([](feed_headers& h) { h.api_key.reset(); }), 401, "Invalid API Key"},
      {"wrong x-api-key", with([](feed_headers& h) { h.api_key = "other"; }), 401,
       "Invalid API Key"},
      {"wrong x-client-code", with([](feed_headers& h) { h.client_code = "Z1"; }), 401,
       "Invalid Client Code"},
      {"no x-feed-token", with([](feed_headers& h) { h.feed_token.reset(); }), 401,
       "Invalid Feed Token"},
      {"wrong x-feed-token", with([](feed_headers& h) { h.feed_token = "x"; }), 401,
       "Invalid Feed Token"},
      {"all four good", good, 101, ""},
  };
  for (const auto& r : rows) {
    feed_client c(sim);
    std::string message;
    BOOST_TEST(c.connect(r.headers, &message) == r.status, r.name);
    BOOST_TEST(message == r.message, r.name);
  }
  const auto stats = sim.stats();
  BOOST_TEST(stat(stats, "handshakes", "invalid_auth_token") == 2);
  BOOST_TEST(stat(stats, "handshakes", "invalid_api_key") == 2);
  BOOST_TEST(stat(stats, "handshakes", "invalid_client_code") == 1);
  BOOST_TEST(stat(stats, "handshakes", "invalid_feed_token") == 2);
  BOOST_TEST(stat(stats, "handshakes", "ok") == 1);
}

BOOST_AUTO_TEST_CASE(auth_style_selects_the_authorization_forms) {
  struct row {
    std::string style;
    bool bearer_ok;
    bool raw_ok;
  };
  for (const row& r :
       std::vector<row>{{"bearer", true, false}, {"raw", false, true}, {"any", true, true}}) {
    simulator sim(sim_options(20, {"--auth-style", r.style}));
    const auto s = sim.login();
    feed_client bearer(sim), raw(sim);
    BOOST_TEST(bearer.connect(headers_for(sim, s, true)) == (r.bearer_ok ? 101u : 401u), r.style);
    BOOST_TEST(raw.connect(headers_for(sim, s, false)) == (r.raw_ok ? 101u : 401u), r.style);
  }
}

BOOST_AUTO_TEST_CASE(every_mode_streams_frames_that_decode) {
  simulator sim(sim_options(50));
  feed_client c(sim);
  BOOST_REQUIRE(c.connect(headers_for(sim, sim.login())) == 101u);
  c.subscribe(request(mode::ltp, {{1, {"2885"}}}, "ltp0000001"));
  c.subscribe(request(mode::quote, {{1, {"11536"}}}));
  c.subscribe(request(mode::snap_quote, {{2, {"45829"}}, {1, {"1333"}}}));
  c.subscribe(request(mode::depth_20, {{1, {"1594"}}}));
  c.subscribe(request(mode::ltp, {{1, {"26000"}}}));

  const std::map<std::string, std::pair<mode, std::uint8_t>> expected = {
      {"2885", {mode::ltp, 1}},         {"11536", {mode::quote, 1}},
      {"45829", {mode::snap_quote, 2}}, {"1333", {mode::snap_quote, 1}},
      {"1594", {mode::depth_20, 1}},    {"26000", {mode::ltp, 1}}};
  std::map<std::string, std::vector<protocol::tick>> seen;
  const auto enough = [&] {
    for (const auto& [token, e] : expected) {
      if (seen[token].size() < 5) return false;
    }
    return true;
  };
  while (!enough()) {
    const auto m = c.read();
    if (!m.binary) BOOST_FAIL("unexpected text frame: " << m.data);
    const auto t = decode(m);
    BOOST_REQUIRE(expected.contains(std::string(t.token.view())));
    BOOST_TEST(m.data.size() == protocol::frame_size(t.subscription_mode));
    seen[std::string(t.token.view())].push_back(t);
  }
  for (const auto& [token, ticks] : seen) {
    const auto [m, exchange_type] = expected.at(token);
    for (std::size_t i = 0; i < ticks.size(); ++i) {
      const auto& t = ticks[i];
      BOOST_TEST((t.subscription_mode == m), token);
      BOOST_TEST(t.exchange_type == exchange_type, token);
      if (m == mode::depth_20) {
        BOOST_TEST(t.sequence == 0);  // §3.6
        BOOST_TEST(t.depth_buy[0].price > 0);
        BOOST_TEST(t.depth_sell[19].price > t.depth_buy[0].price);
      } else {
        if (i > 0) BOOST_TEST(t.sequence == ticks[i - 1].sequence + 1, token);
        BOOST_TEST(t.ltp > 0);
      }
      if (i > 0) BOOST_TEST(t.exchange_timestamp_ms >= ticks[i - 1].exchange_timestamp_ms);
      if (m == mode::quote || m == mode::snap_quote) {
        BOOST_TEST((t.low <= t.ltp && t.ltp <= t.high));
        BOOST_TEST(t.close > 0);
        BOOST_TEST(t.volume > 0);
      }
      if (m == mode::snap_quote) {
        BOOST_TEST(t.best_buy_count == 5);
        BOOST_TEST(t.best_sell_count == 5);
        BOOST_TEST(t.best_bid() < t.ltp);
        BOOST_TEST(t.best_ask() > t.ltp);
        BOOST_TEST((exchange_type == 2 ? t.open_interest > 0 : t.open_interest == 0));
      }
    }
  }
  // Wall-clock exchange timestamps.
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  BOOST_TEST(std::abs(seen["2885"].back().exchange_timestamp_ms - now_ms) < 60'000);

  const auto conn = only_connection(sim);
  BOOST_TEST(conn.at("subscription_count").as_int64() == 6);
  BOOST_TEST(conn.at("frames_sent").to_number<std::int64_t>() > 0);
}

BOOST_AUTO_TEST_CASE(two_connections_receive_the_same_ticks) {
  simulator sim(sim_options(50));
  const auto s = sim.login();
  feed_client a(sim), b(sim);
  BOOST_REQUIRE(a.connect(headers_for(sim, s)) == 101u);
  BOOST_REQUIRE(b.connect(headers_for(sim, s, false)) == 101u);
  a.subscribe(request(mode::quote, {{1, {"2885", "26000"}}}));
  b.subscribe(request(mode::snap_quote, {{1, {"2885"}}}));
  b.subscribe(request(mode::ltp, {{1, {"99926000"}}}));  // the index's other spelling (§7)

  // token → sequence → tick, per connection.
  using book = std::map<std::string, std::map<std::int64_t, protocol::tick>>;
  const auto collect = [](feed_client& c, book& out, std::size_t per_token) {
    while (out.size() < 2 || out.begin()->second.size() < per_token ||
           std::next(out.begin())->second.size() < per_token) {
      const auto t = decode(c.read());
      out[std::string(t.token.view())][t.sequence] = t;
    }
  };
  book got_a, got_b;
  collect(a, got_a, 20);
  collect(b, got_b, 20);
  BOOST_REQUIRE(got_a.contains("2885"));
  BOOST_REQUIRE(got_a.contains("26000"));
  BOOST_REQUIRE(got_b.contains("2885"));
  BOOST_REQUIRE(got_b.contains("99926000"));  // echoed as subscribed

  const auto compare = [](const std::map<std::int64_t, protocol::tick>& x,
                          const std::map<std::int64_t, protocol::tick>& y, bool quote_fields) {
    std::size_t common = 0;
    for (const auto& [seq, t] : x) {
      const auto it = y.find(seq);
      if (it == y.end()) continue;
      ++common;
      BOOST_TEST(t.ltp == it->second.ltp, "sequence " << seq);
      BOOST_TEST(t.exchange_timestamp_ms == it->second.exchange_timestamp_ms, "sequence " << seq);
      if (quote_fields) {
        BOOST_TEST(t.volume == it->second.volume);
        BOOST_TEST(t.high == it->second.high);
        BOOST_TEST(t.low == it->second.low);
        BOOST_TEST(t.close == it->second.close);
        BOOST_TEST(t.avg_price == it->second.avg_price);
      }
    }
    return common;
  };
  BOOST_TEST(compare(got_a["2885"], got_b["2885"], true) >= 10u);
  BOOST_TEST(compare(got_a["26000"], got_b["99926000"], false) >= 10u);
  // Each connection sees every sequence once, in order, without gaps.
  for (const book* g : {&got_a, &got_b}) {
    for (const auto& [token, ticks] : *g) {
      BOOST_TEST(static_cast<std::int64_t>(ticks.size()) ==
                     ticks.rbegin()->first - ticks.begin()->first + 1,
                 token);
    }
  }
  // One instrument for both spellings.
  const auto stats = sim.stats();
  std::size_t index_models = 0;
  for (const auto& t : stats.at("tokens").as_array()) {
    if (t.at("token").as_string() == "26000") ++index_models;
    BOOST_TEST(t.at("token").as_string() != "99926000");
  }
  BOOST_TEST(index_models == 1u);
}

BOOST_AUTO_TEST_CASE(unsubscribe_stops_only_that_token) {
  simulator sim(sim_options(50));
  feed_client c(sim);
  BOOST_REQUIRE(c.connect(headers_for(sim, sim.login())) == 101u);
  c.subscribe(request(mode::ltp, {{1, {"2885", "1594"}}}));
  // Wrong mode: ignored; unknown token: ignored; neither answers an error.
  c.subscribe(request(mode::quote, {{1, {"2885"}}}, "unsub00001", action::unsubscribe));
  c.subscribe(request(mode::ltp, {{1, {"424242"}}}, "unsub00002", action::unsubscribe));
  BOOST_TEST(texts_until_marker(c, "marker0001").empty());
  BOOST_TEST(only_connection(sim).at("subscription_count").as_int64() == 2);

  c.subscribe(request(mode::ltp, {{1, {"2885"}}}, "unsub00003", action::unsubscribe));
  c.send_text("ping");
  std::vector<feed_message> before_pong;
  BOOST_TEST(c.read_text(&before_pong) == "pong");
  // Everything after the pong was generated after the unsubscribe.
  std::size_t others = 0;
  while (others < 10) {
    const auto t = decode(c.read());
    BOOST_TEST(t.token.view() == "1594");
    ++others;
  }
  const auto conn = only_connection(sim);
  BOOST_TEST(conn.at("subscription_count").as_int64() == 1);
  BOOST_TEST(conn.at("subscriptions").as_array()[0].at("token").as_string() == "1594");
}

BOOST_AUTO_TEST_CASE(invalid_requests_get_e1001_and_change_nothing) {
  simulator sim(sim_options(5));
  feed_client c(sim);
  BOOST_REQUIRE(c.connect(headers_for(sim, sim.login())) == 101u);
  c.subscribe(request(mode::ltp, {{1, {"2885"}}}));
  std::vector<std::string> tokens51;
  for (int i = 0; i < 51; ++i) tokens51.push_back(std::to_string(1000 + i));
  struct row {
    std::string name;
    std::string text;
    std::string correlation_id;
  };
  const std::vector<row> rows = {
      {"not JSON", "{{{", ""},
      {"numbers as tokens",
       R"({"correlationID":"num0000001","action":1,"params":{"mode":1,"tokenList":[{"exchangeType":1,"tokens":[2885]}]}})",
       "num0000001"},
      {"action 7",
       R"({"correlationID":"act0000007","action":7,"params":{"mode":1,"tokenList":[{"exchangeType":1,"tokens":["1"]}]}})",
       "act0000007"},
      {"mode 5",
       R"({"correlationID":"mod0000005","action":1,"params":{"mode":5,"tokenList":[{"exchangeType":1,"tokens":["1"]}]}})",
       "mod0000005"},
      {"no tokens",
       R"({"correlationID":"empty00001","action":1,"params":{"mode":1,"tokenList":[]}})",
       "empty00001"},
      {"depth-20 on nse_fo",
       protocol::encode_subscription_request(
           request(mode::depth_20, {{2, {"45829"}}}, "depthfo001")),
       "depthfo001"},
      {"depth-20 with 51 tokens",
       protocol::encode_subscription_request(
           request(mode::depth_20, {{1, tokens51}}, "depth51001")),
       "depth51001"},
  };
  for (const auto& r : rows) {
    c.send_text(r.text);
    const auto msg = protocol::parse_server_text(c.read_text());
    const auto* e = std::get_if<protocol::server_error>(&msg);
    BOOST_REQUIRE_MESSAGE(e != nullptr, r.name);
    BOOST_TEST(e->code == "E1001", r.name);
    BOOST_TEST(e->message == "Invalid Request Payload", r.name);
    BOOST_TEST(e->correlation_id == r.correlation_id, r.name);
  }
  // 50 Depth-20 tokens on nse_cm are fine.
  tokens51.pop_back();
  c.subscribe(request(mode::depth_20, {{1, tokens51}}));
  BOOST_TEST(texts_until_marker(c, "marker0002").empty());
  const auto conn = only_connection(sim);
  BOOST_TEST(conn.at("subscription_count").as_int64() == 51);
  BOOST_TEST(stat(sim.stats(), "feed", "e1001") == static_cast<std::int64_t>(rows.size()) + 1);
}

BOOST_AUTO_TEST_CASE(subscription_limit_gets_e1002_and_keeps_the_first) {
  simulator sim(sim_options(5, {"--max-tokens-per-connection", "5"}));
  feed_client c(sim);
  BOOST_REQUIRE(c.connect(headers_for(sim, sim.login())) == 101u);
  c.subscribe(request(mode::ltp, {{1, {"1", "2", "3", "4", "5", "6", "7"}}}, "limit00001"));
  const auto msg = protocol::parse_server_text(c.read_text());
  const auto* e = std::get_if<protocol::server_error>(&msg);
  BOOST_REQUIRE(e != nullptr);
  BOOST_TEST(e->code == "E1002");
  BOOST_TEST(e->message == "Invalid Request. Subscription Limit Exceeded");
  BOOST_TEST(e->correlation_id == "limit00001");
  auto conn = only_connection(sim);
  BOOST_TEST(conn.at("subscription_count").as_int64() == 5);
  std::set<std::string> tokens;
  for (const auto& s : conn.at("subscriptions").as_array())
    tokens.insert(std::string(s.at("token").as_string()));
  BOOST_TEST((tokens == std::set<std::string>{"1", "2", "3", "4", "5"}));

  // Duplicates and mode changes do not count against the limit.
  c.subscribe(request(mode::ltp, {{1, {"1", "2"}}}));
  c.subscribe(request(mode::quote, {{1, {"3"}}}));
  BOOST_TEST(texts_until_marker(c, "marker0003").empty());
  conn = only_connection(sim);
  BOOST_TEST(conn.at("subscription_count").as_int64() == 5);
  for (const auto& s : conn.at("subscriptions").as_array()) {
    BOOST_TEST(s.at("mode").as_int64() == (s.at("token").as_string() == "3" ? 2 : 1));
  }
  BOOST_TEST(stat(sim.stats(), "feed", "e1002") == 1);
}

BOOST_AUTO_TEST_CASE(latest_mode_wins_and_unknown_exchange_is_silent) {
  simulator sim(sim_options(50));
  feed_client c(sim);
  BOOST_REQUIRE(c.connect(headers_for(sim, sim.login())) == 101u);
  c.subscribe(request(mode::ltp, {{1, {"2885"}}}));
  c.subscribe(request(mode::ltp, {{6, {"2885"}}, {99, {"1"}}}));  // no error, no data (§2.2)
  BOOST_TEST(texts_until_marker(c, "marker0004").empty());
  c.subscribe(request(mode::snap_quote, {{1, {"2885"}}}));
  c.send_text("ping");
  BOOST_TEST(c.read_text() == "pong");
  for (int i = 0; i < 5; ++i) {
    const auto t = decode(c.read());
    BOOST_TEST((t.subscription_mode == mode::snap_quote));
    BOOST_TEST(t.exchange_type == 1);
  }
  const auto stats = sim.stats();
  BOOST_TEST(stat(stats, "feed", "ignored_tokens") == 2);
  BOOST_TEST(only_connection(sim).at("subscription_count").as_int64() == 1);
}

BOOST_AUTO_TEST_CASE(heartbeat_answers_both_styles) {
  simulator sim(sim_options(0));
  feed_client c(sim);
  BOOST_REQUIRE(c.connect(headers_for(sim, sim.login())) == 101u);
  c.send_text("ping");
  BOOST_TEST(c.read_text() == "pong");
  c.ping("ping");
  c.ping("abc");
  c.send_text("ping");  // the read below returns after both control pongs
  BOOST_TEST(c.read_text() == "pong");
  BOOST_TEST((c.pongs() == std::vector<std::string>{"ping", "abc"}));
  const auto stats = sim.stats();
  BOOST_TEST(stat(stats, "feed", "text_pings") == 2);
  BOOST_TEST(stat(stats, "feed", "control_pings") == 2);
  // A clean close handshake: echo, then TLS close_notify both ways.
  BOOST_TEST(!c.close());
}

BOOST_AUTO_TEST_CASE(fourth_connection_is_reset_and_the_others_live_on) {
  simulator sim(sim_options(50));
  const auto s = sim.login();
  std::vector<std::unique_ptr<feed_client>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<feed_client>(sim));
    BOOST_REQUIRE(clients.back()->connect(headers_for(sim, s)) == 101u);
    clients.back()->subscribe(request(mode::ltp, {{1, {"2885"}}}));
  }
  feed_client extra(sim);
  BOOST_TEST(extra.connect(headers_for(sim, s)) == 101u);  // accepted, then reset (§5.2)
  feed_message m;
  const auto ec = extra.read(m);
  BOOST_TEST(ec.failed());
  BOOST_TEST((ec != boost::beast::websocket::error::closed), ec.message());  // no close frame
  for (auto& c : clients) BOOST_TEST(decode(c->read()).token.view() == "2885");
  const auto stats = sim.stats();
  BOOST_TEST(stat(stats, "handshakes", "over_limit") == 1);
  BOOST_TEST(stats.at("connections").as_array().size() == 3u);

  // A slot frees up when one of the three leaves.
  BOOST_TEST(!clients[0]->close());
  BOOST_REQUIRE(eventually([&] { return sim.stats().at("connections").as_array().size() == 2u; },
                           std::chrono::seconds(10)));
  feed_client again(sim);
  BOOST_TEST(again.connect(headers_for(sim, s)) == 101u);
  again.send_text("ping");
  BOOST_TEST(again.read_text() == "pong");
}

BOOST_AUTO_TEST_CASE(plain_mode_serves_http_and_ws) {
  simulator sim(sim_options(50, {}, false));
  BOOST_TEST(sim.feed_url().starts_with("ws://"));
  BOOST_TEST(sim.ca_file().empty());
  feed_client c(sim);
  BOOST_REQUIRE(c.connect(headers_for(sim, sim.login())) == 101u);
  c.subscribe(request(mode::quote, {{1, {"2885"}}}));
  BOOST_TEST(decode(c.read()).token.view() == "2885");
  BOOST_TEST(!c.close());
}

}  // namespace
}  // namespace tickgate::test

#define BOOST_TEST_MODULE tick_records
#include <boost/test/unit_test.hpp>

#include "gateway/tick_records.hpp"
#include "storage/log.hpp"

#include <boost/json.hpp>

#include <map>
#include <utility>
#include <vector>

using namespace tickgate;
using namespace tickgate::gateway;

namespace {

std::string price(std::int64_t v, std::int64_t d) {
  std::string s;
  append_price(s, v, d);
  return s;
}
std::string percent(std::int64_t c, std::int64_t b) {
  std::string s;
  append_percent(s, c, b);
  return s;
}

protocol::instrument reliance() {
  protocol::instrument i;
  i.token = "2885";
  i.trading_symbol = "RELIANCE-EQ";
  i.name = "RELIANCE";
  i.symbol = "RELIANCE";
  i.exchange = "NSE";
  i.exchange_type = 1;
  i.cls = protocol::instrument_class::equity;
  return i;
}

protocol::instrument nifty() {
  protocol::instrument i;
  i.token = "99926000";
  i.trading_symbol = "Nifty 50";
  i.name = "NIFTY";
  i.symbol = "NIFTY";
  i.exchange = "NSE";
  i.exchange_type = 1;
  i.cls = protocol::instrument_class::index;
  return i;
}

protocol::instrument option_ce() {
  protocol::instrument i;
  i.token = "40001";
  i.trading_symbol = "NIFTY26NOV2624000CE";
  i.name = "NIFTY";
  i.symbol = "NIFTY26NOV2624000CE";
  i.exchange = "NFO";
  i.exchange_type = 2;
  i.cls = protocol::instrument_class::option;
  i.option_type = "CE";
  return i;
}

// 2024-01-15 10:30:45.000 IST, a Monday in the regular session.
constexpr std::int64_t exchange_ms = 1705294845000;
constexpr std::int64_t received_us = 1705294845123456;

protocol::tick quote_tick() {
  protocol::tick t;
  t.subscription_mode = protocol::mode::quote;
  t.exchange_type = 1;
  t.token = protocol::token_string::from("2885");
  t.sequence = 42;
  t.exchange_timestamp_ms = exchange_ms;
  t.ltp = 245675;
  t.last_traded_qty = 10;
  t.avg_price = 245012;
  t.volume = 1234567;
  t.open = 244425;
  t.high = 247000;
  t.low = 244000;
  t.close = 244425;
  return t;
}

std::map<std::string, std::string> as_map(std::span<const record_field> fields) {
  std::map<std::string, std::string> m;
  for (const auto& f : fields) m.emplace(f.name, f.value);
  return m;
}

}  // namespace

BOOST_AUTO_TEST_CASE(prices_are_exact_fixed_point) {
  BOOST_TEST(price(245675, 100) == "2456.75");
  BOOST_TEST(price(245600, 100) == "2456.00");
  BOOST_TEST(price(5, 100) == "0.05");
  BOOST_TEST(price(0, 100) == "0.00");
  BOOST_TEST(price(-1250, 100) == "-12.50");
  BOOST_TEST(price(-5, 100) == "-0.05");
  BOOST_TEST(price(832525000, 10'000'000) == "83.2525");
  BOOST_TEST(price(830000000, 10'000'000) == "83.00");
  BOOST_TEST(price(830000001, 10'000'000) == "83.0000001");
  BOOST_TEST(price(7, 1) == "7.00");
  BOOST_TEST(price(75, 10) == "7.50");
  BOOST_TEST(price(INT64_MIN, 100) == "-92233720368547758.08");
}

BOOST_AUTO_TEST_CASE(percent_rounds_half_away_from_zero) {
  BOOST_TEST(percent(1250, 244425) == "0.51");   // the seed's RELIANCE example
  BOOST_TEST(percent(-1250, 244425) == "-0.51");
  BOOST_TEST(percent(1, 200) == "0.50");
  BOOST_TEST(percent(1, 400) == "0.25");
  BOOST_TEST(percent(1, 80000) == "0.00");       // 0.00125 % rounds to 0.00
  BOOST_TEST(percent(1, 40000) == "0.00");       // 0.0025 %
  BOOST_TEST(percent(1, 20000) == "0.01");       // 0.005 % rounds away from zero
  BOOST_TEST(percent(-1, 20000) == "-0.01");
  BOOST_TEST(percent(100, 0) == "0.00");
}

BOOST_AUTO_TEST_CASE(stream_fields_follow_the_seed_order) {
  tick_records r;
  r.build(quote_tick(), reliance(), 100, received_us);
  const auto fields = r.stream_fields();
  const std::vector<std::string> seed_order{"symbol", "token", "ltp", "change", "change_percent",
                                            "high", "low", "volume", "bid", "ask", "open", "close",
                                            "timestamp", "exchange_timestamp"};
  BOOST_REQUIRE_GE(fields.size(), seed_order.size());
  for (std::size_t i = 0; i < seed_order.size(); ++i) BOOST_TEST(fields[i].name == seed_order[i]);
  auto m = as_map(fields);
  BOOST_TEST(m["symbol"] == "RELIANCE");
  BOOST_TEST(m["token"] == "2885");
  BOOST_TEST(m["ltp"] == "2456.75");
  BOOST_TEST(m["change"] == "12.50");
  BOOST_TEST(m["change_percent"] == "0.51");
  BOOST_TEST(m["high"] == "2470.00");
  BOOST_TEST(m["low"] == "2440.00");
  BOOST_TEST(m["volume"] == "1234567");
  BOOST_TEST(m["bid"] == "0.00");  // Quote mode has no book
  BOOST_TEST(m["ask"] == "0.00");
  BOOST_TEST(m["open"] == "2444.25");
  BOOST_TEST(m["close"] == "2444.25");
  BOOST_TEST(m["timestamp"] == "2024-01-15T10:30:45.123456");
  BOOST_TEST(m["exchange_timestamp"] == "2024-01-15T10:30:45.000000");
  BOOST_TEST(m["exchange"] == "NSE");
  BOOST_TEST(m["mode"] == "quote");
  BOOST_TEST(m["sequence"] == "42");
  BOOST_TEST(m["last_traded_qty"] == "10");
  BOOST_TEST(m["avg_price"] == "2450.12");
  BOOST_TEST(!m.contains("open_interest"));  // SnapQuote only
}

BOOST_AUTO_TEST_CASE(snap_quote_carries_book_and_open_interest) {
  auto t = quote_tick();
  t.subscription_mode = protocol::mode::snap_quote;
  t.open_interest = 777;
  t.best_buy_count = 2;
  t.best_buy[0] = {100, 245650, 3};
  t.best_buy[1] = {100, 245660, 3};  // out of order: best bid is the highest
  t.best_sell_count = 2;
  t.best_sell[0] = {50, 245700, 1};
  t.best_sell[1] = {50, 245690, 1};  // best ask is the lowest
  tick_records r;
  r.build(t, reliance(), 100, received_us);
  auto m = as_map(r.stream_fields());
  BOOST_TEST(m["bid"] == "2456.60");
  BOOST_TEST(m["ask"] == "2456.90");
  BOOST_TEST(m["open_interest"] == "777");
  BOOST_TEST(m["mode"] == "snap_quote");
}

BOOST_AUTO_TEST_CASE(ltp_mode_has_no_close_so_no_change) {
  protocol::tick t;
  t.subscription_mode = protocol::mode::ltp;
  t.exchange_type = 1;
  t.token = protocol::token_string::from("2885");
  t.sequence = 1;
  t.exchange_timestamp_ms = exchange_ms;
  t.ltp = 245675;
  tick_records r;
  r.build(t, reliance(), 100, received_us);
  auto m = as_map(r.stream_fields());
  BOOST_TEST(m["change"] == "0.00");
  BOOST_TEST(m["change_percent"] == "0.00");
  BOOST_TEST(m["volume"] == "0");
  BOOST_TEST(!m.contains("last_traded_qty"));
  BOOST_TEST(r.has_trade_price());
}

BOOST_AUTO_TEST_CASE(pubsub_json_is_the_tickstock_shape) {
  tick_records r("angel_one");
  r.build(quote_tick(), reliance(), 100, received_us);
  const auto v = boost::json::parse(r.pubsub_json()).as_object();
  BOOST_TEST(v.size() == 7u);
  BOOST_TEST(v.at("event_type").as_string() == "tick_data");
  BOOST_TEST(v.at("ticker").as_string() == "RELIANCE");
  BOOST_TEST(v.at("price").as_double() == 2456.75);
  BOOST_TEST(v.at("volume").as_int64() == 10);
  BOOST_TEST(v.at("timestamp").as_double() == 1705294845.0);
  BOOST_TEST(v.at("source").as_string() == "angel_one");
  BOOST_TEST(v.at("market_status").as_string() == "REGULAR");
  BOOST_TEST(r.pubsub_json().find("\"timestamp\":1705294845.000") != std::string_view::npos);
}

BOOST_AUTO_TEST_CASE(list_json_for_index_and_option) {
  tick_records r;
  auto t = quote_tick();
  t.token = protocol::token_string::from("26000");
  t.ltp = 2512435;
  t.close = 2511200;
  r.build(t, nifty(), 100, received_us);
  const auto v = boost::json::parse(r.list_json()).as_object();
  BOOST_TEST(v.at("ft").as_int64() == 1705294845);
  BOOST_TEST(v.at("token").as_int64() == 26000);  // a number, as in the seed
  BOOST_TEST(v.at("e").as_string() == "NSE");
  BOOST_TEST(v.at("lp").as_double() == 25124.35);
  BOOST_TEST(v.at("pc").as_double() == 0.05);
  BOOST_TEST(v.at("rt").as_string() == "2024-01-15 10:30:45");
  BOOST_TEST(v.at("ts").as_string() == "Nifty 50");
  BOOST_TEST(v.at("_id").as_string() == "26000:" + std::to_string(t.sequence));
  BOOST_TEST(v.at("data_type").as_string() == "indextick");

  t.token = protocol::token_string::from("40001");
  r.build(t, option_ce(), 100, received_us);
  const auto o = boost::json::parse(r.list_json()).as_object();
  BOOST_TEST(o.at("data_type").as_string() == "optiontick");
  BOOST_TEST(o.at("e").as_string() == "NFO");
  BOOST_TEST(o.at("ts").as_string() == "NIFTY26NOV2624000CE");

  r.build(quote_tick(), reliance(), 100, received_us);
  BOOST_TEST(r.list_json().empty());  // equities have no list
}

BOOST_AUTO_TEST_CASE(price_cache_json) {
  tick_records r;
  r.build(quote_tick(), reliance(), 100, received_us);
  const auto v = boost::json::parse(r.price_json()).as_object();
  BOOST_TEST(v.at("symbol").as_string() == "RELIANCE");
  BOOST_TEST(v.at("price").as_double() == 2456.75);
  BOOST_TEST(v.at("change").as_double() == 12.5);
  BOOST_TEST(v.at("change_percent").as_double() == 0.51);
  BOOST_TEST(v.at("volume").as_int64() == 1234567);
  BOOST_TEST(v.at("exchange").as_string() == "NSE");
}

BOOST_AUTO_TEST_CASE(missing_exchange_time_falls_back_to_receive_time) {
  auto t = quote_tick();
  t.exchange_timestamp_ms = 0;
  tick_records r;
  r.build(t, reliance(), 100, received_us);
  BOOST_TEST(r.event_time_ms() == received_us / 1000);
  auto m = as_map(r.stream_fields());
  BOOST_TEST(m["exchange_timestamp"] == "2024-01-15T10:30:45.123000");
}

// Regressions from test/fuzz/frame_fuzz (UBSan: signed overflow). A frame
// may carry any int64: an exchange time whose µs overflow falls back to the
// receive time; ltp − close saturates instead of overflowing.
BOOST_AUTO_TEST_CASE(corrupt_times_and_prices_do_not_overflow) {
  auto t = quote_tick();
  t.exchange_timestamp_ms = 69242848565799424;  // the fuzzer's value: × 1000 overflows
  tick_records r;
  r.build(t, reliance(), 100, received_us);
  BOOST_TEST(r.event_time_ms() == received_us / 1000);
  auto m = as_map(r.stream_fields());
  BOOST_TEST(m["exchange_timestamp"] == "2024-01-15T10:30:45.123000");

  t = quote_tick();
  t.exchange_timestamp_ms = INT64_MAX;
  t.ltp = INT64_MAX;
  t.close = -1;
  r.build(t, reliance(), 100, received_us);
  m = as_map(r.stream_fields());
  BOOST_TEST(m["change"] == "92233720368547758.07");  // saturated at INT64_MAX paise
  t.ltp = INT64_MIN;
  t.close = 1;
  r.build(t, reliance(), 100, received_us);
  m = as_map(r.stream_fields());
  BOOST_TEST(m["change"] == "-92233720368547758.08");
}

BOOST_AUTO_TEST_CASE(depth20_has_no_trade_price_or_sequence) {
  protocol::tick t;
  t.subscription_mode = protocol::mode::depth_20;
  t.exchange_type = 1;
  t.token = protocol::token_string::from("2885");
  t.exchange_timestamp_ms = exchange_ms;
  t.depth_buy[0] = {100, 245650, 2};
  t.depth_sell[0] = {100, 245700, 2};
  tick_records r;
  r.build(t, reliance(), 100, received_us);
  BOOST_TEST(!r.has_trade_price());
  auto m = as_map(r.stream_fields());
  BOOST_TEST(m["bid"] == "2456.50");
  BOOST_TEST(m["ask"] == "2457.00");
  BOOST_TEST(!m.contains("sequence"));
}

BOOST_AUTO_TEST_CASE(json_strings_are_escaped) {
  auto inst = reliance();
  inst.symbol = "A\"B\\C";
  tick_records r;
  r.build(quote_tick(), inst, 100, received_us);
  const auto v = boost::json::parse(r.pubsub_json()).as_object();
  BOOST_TEST(v.at("ticker").as_string() == "A\"B\\C");
}

// The records escape exactly like log::append_json_string (one escaper for
// the whole product), for every byte value.
BOOST_AUTO_TEST_CASE(json_escaping_matches_the_logger_for_every_byte) {
  auto inst = reliance();
  std::string symbol;
  for (int c = 1; c < 256; ++c) symbol.push_back(static_cast<char>(c));
  inst.symbol = symbol;
  tick_records r;
  r.build(quote_tick(), inst, 100, received_us);
  std::string expected;
  log::append_json_string(expected, symbol);
  BOOST_TEST(r.pubsub_json().find("\"ticker\":" + expected + ",") != std::string_view::npos);
  BOOST_TEST(r.price_json().find("\"symbol\":" + expected + ",") != std::string_view::npos);
}

// tick_records keeps the IST civil time of the last two seconds it saw:
// every timestamp and market status must still be what the standalone
// formatting says, whatever the order of the instants (same second, next
// second, back again, across IST midnight and into a weekend).
BOOST_AUTO_TEST_CASE(cached_civil_times_match_fresh_formatting) {
  tick_records r;
  // Friday 2024-01-19 23:59:58.5 IST = 18:29:58.5 UTC.
  const std::int64_t friday_night_us = 1705688998500000;
  const std::int64_t steps_us[] = {0,        1,         499'999,  500'000, 1'500'000, 250'000,
                                   -1'000'000, 2'500'000, 3'000'000, 86'400'000'000, 7,
                                   -3'000'000'000, 4'000'001};
  for (const std::int64_t step : steps_us) {
    const std::int64_t recv = friday_night_us + step;
    for (const std::int64_t lag_us : {std::int64_t{0}, std::int64_t{900'000}, std::int64_t{-1'200'000}}) {
      auto t = quote_tick();
      t.exchange_timestamp_ms = (recv + lag_us) / 1000;
      r.build(t, reliance(), 100, recv);
      std::string want_recv;
      append_iso_ist(want_recv, recv);
      std::string want_event;
      append_iso_ist(want_event, t.exchange_timestamp_ms * 1000);
      auto m = as_map(r.stream_fields());
      BOOST_TEST(m["timestamp"] == want_recv);
      BOOST_TEST(m["exchange_timestamp"] == want_event);
      const auto pubsub = boost::json::parse(r.pubsub_json()).as_object();
      const std::string_view status = market_status_name(
          market_status_at("NSE", t.exchange_timestamp_ms * 1000));
      BOOST_TEST(std::string_view(pubsub.at("market_status").as_string()) == status);
    }
  }
  // The list entry's "rt" too (an option: it has a list entry).
  auto t = quote_tick();
  t.exchange_timestamp_ms = friday_night_us / 1000;
  r.build(t, option_ce(), 100, friday_night_us);
  t.exchange_timestamp_ms = friday_night_us / 1000 + 2000;  // past midnight: Saturday
  r.build(t, option_ce(), 100, friday_night_us + 2'000'000);
  const auto list = boost::json::parse(r.list_json()).as_object();
  std::string want_rt;
  append_ist_seconds(want_rt, t.exchange_timestamp_ms * 1000);
  BOOST_TEST(std::string_view(list.at("rt").as_string()) == want_rt);
  BOOST_TEST(want_rt == "2024-01-20 00:00:00");
}

// Pub/sub, the list entry and the price cache copy the stream's formatted
// numbers: the same text everywhere.
BOOST_AUTO_TEST_CASE(records_share_the_stream_numbers) {
  tick_records r;
  auto t = quote_tick();
  r.build(t, option_ce(), 100, received_us);
  auto m = as_map(r.stream_fields());
  const std::string price_json(r.price_json());
  BOOST_TEST(price_json.find("\"price\":" + m["ltp"] + ",") != std::string::npos);
  BOOST_TEST(price_json.find("\"change\":" + m["change"] + ",") != std::string::npos);
  BOOST_TEST(price_json.find("\"change_percent\":" + m["change_percent"] + ",") != std::string::npos);
  BOOST_TEST(price_json.find("\"bid\":" + m["bid"] + ",") != std::string::npos);
  BOOST_TEST(price_json.find("\"volume\":" + m["volume"] + ",") != std::string::npos);
  const std::string list_json(r.list_json());
  BOOST_TEST(list_json.find("\"lp\":" + m["ltp"] + ",") != std::string::npos);
  BOOST_TEST(list_json.find("\"pc\":" + m["change_percent"] + ",") != std::string::npos);
  const std::string pubsub_json(r.pubsub_json());
  BOOST_TEST(pubsub_json.find("\"price\":" + m["ltp"] + ",") != std::string::npos);
}

// A sink that is off gets no record formatted: each of the 16 subsets builds
// exactly the records of the full set it names, byte for byte, and leaves
// the others empty. The candles' inputs are set whatever the subset. An
// option (every record) then an equity (no list entry): nothing of the first
// tick's records stays behind.
BOOST_AUTO_TEST_CASE(only_the_wanted_records_are_built) {
  auto equity_tick = quote_tick();
  equity_tick.ltp = 312050;
  equity_tick.sequence = 43;
  const std::vector<std::pair<protocol::tick, protocol::instrument>> ticks{
      {quote_tick(), option_ce()}, {equity_tick, reliance()}};
  for (unsigned bits = 0; bits < 16; ++bits) {
    BOOST_TEST_CONTEXT("subset " << bits) {
      const record_set wanted{.stream = (bits & 1) != 0,
                              .pubsub = (bits & 2) != 0,
                              .list = (bits & 4) != 0,
                              .price = (bits & 8) != 0};
      tick_records r("angel_one", wanted);
      for (const auto& [t, instrument] : ticks) {
        tick_records full;
        full.build(t, instrument, 100, received_us);
        BOOST_TEST_REQUIRE(!full.stream_fields().empty());
        BOOST_TEST_REQUIRE(!full.pubsub_json().empty());
        BOOST_TEST_REQUIRE(!full.price_json().empty());
        BOOST_TEST_REQUIRE(full.list_json().empty() == (instrument.symbol == "RELIANCE"));

        r.build(t, instrument, 100, received_us);
        BOOST_TEST((as_map(r.stream_fields()) == as_map(full.stream_fields())) == wanted.stream);
        BOOST_TEST(r.stream_fields().empty() == !wanted.stream);
        BOOST_TEST(std::string(r.pubsub_json()) ==
                   (wanted.pubsub ? std::string(full.pubsub_json()) : ""));
        BOOST_TEST(std::string(r.list_json()) ==
                   (wanted.list ? std::string(full.list_json()) : ""));
        BOOST_TEST(std::string(r.price_json()) ==
                   (wanted.price ? std::string(full.price_json()) : ""));
        BOOST_TEST(r.event_time_ms() == full.event_time_ms());
        BOOST_TEST(r.ltp() == full.ltp());
        BOOST_TEST(r.has_trade_price() == full.has_trade_price());
      }
    }
  }
}

#define BOOST_TEST_MODULE ist_time
#include <boost/test/unit_test.hpp>

#include "gateway/ist_time.hpp"

using namespace tickgate::gateway;

namespace tickgate::gateway {
std::ostream& operator<<(std::ostream& os, market_status s) { return os << market_status_name(s); }
}  // namespace tickgate::gateway

namespace {
// 2024-01-15 05:00:45.123456 UTC = 10:30:45.123456 IST (a Monday).
constexpr std::int64_t monday_1030_ist_us = 1705294845123456;
std::string iso(std::int64_t us) {
  std::string s;
  append_iso_ist(s, us);
  return s;
}
// IST wall clock on 2024-01-15 (Monday) → epoch µs.
std::int64_t ist_on_monday(int h, int m, int s = 0) {
  constexpr std::int64_t midnight_ist_us = 1705257000LL * 1'000'000;  // 2024-01-15 00:00 IST
  return midnight_ist_us + ((h * 60LL + m) * 60 + s) * 1'000'000;
}
}  // namespace

BOOST_AUTO_TEST_CASE(formats_the_seed_shapes) {
  BOOST_TEST(iso(monday_1030_ist_us) == "2024-01-15T10:30:45.123456");
  std::string rt;
  append_ist_seconds(rt, monday_1030_ist_us);
  BOOST_TEST(rt == "2024-01-15 10:30:45");
  // per-token-tick-lists seed: ft 1752810305 ↔ rt "2025-07-18 09:15:05".
  std::string seed;
  append_ist_seconds(seed, 1752810305LL * 1'000'000);
  BOOST_TEST(seed == "2025-07-18 09:15:05");
  BOOST_TEST(live_session_name(1752810305LL * 1'000'000) == "N_20250718");
}

BOOST_AUTO_TEST_CASE(day_boundaries_follow_ist_not_utc) {
  // 18:29:59 UTC is 23:59:59 IST; 18:30:00 UTC is the next IST day.
  const std::int64_t before = (1705257000LL - 1) * 1'000'000;  // 2024-01-14 23:59:59 IST
  BOOST_TEST(ist_date_compact(before) == "20240114");
  BOOST_TEST(ist_date_compact(before + 1'000'000) == "20240115");
  BOOST_TEST(iso(0) == "1970-01-01T05:30:00.000000");
  BOOST_TEST(iso(-1) == "1970-01-01T05:29:59.999999");
  // Leap day.
  BOOST_TEST(ist_date_compact(1709164800LL * 1'000'000) == "20240229");
  // The day's span: IST midnight to IST midnight, the last µs inside it.
  const std::int64_t midnight = 1705257000LL * 1'000'000;  // 2024-01-15 00:00 IST
  const auto day = ist_day_of(before);
  BOOST_TEST(day.until_us == midnight);
  BOOST_TEST(day.from_us == midnight - 86'400'000'000);
  BOOST_TEST(ist_day_of(midnight).from_us == midnight);
  BOOST_TEST(ist_day_of(midnight - 1).until_us == midnight);
  BOOST_TEST(ist_day_of(-1).until_us == -ist_offset_seconds * 1'000'000 + 86'400'000'000);
}

BOOST_AUTO_TEST_CASE(weekday_is_ist_weekday) {
  BOOST_TEST(ist_civil_time(monday_1030_ist_us).weekday == 1);
  BOOST_TEST(ist_civil_time(ist_on_monday(0, 0)).weekday == 1);
  BOOST_TEST(ist_civil_time(ist_on_monday(0, 0) - 1).weekday == 0);  // Sunday 23:59:59.999999
}

BOOST_AUTO_TEST_CASE(nse_session_clock) {
  struct row {
    int h, m;
    market_status expected;
  };
  const row rows[] = {
      {8, 59, market_status::closed}, {9, 0, market_status::pre},      {9, 14, market_status::pre},
      {9, 15, market_status::regular}, {15, 29, market_status::regular}, {15, 30, market_status::after},
      {15, 59, market_status::after},  {16, 0, market_status::closed},   {23, 0, market_status::closed},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.h << ":" << r.m) {
      BOOST_TEST(market_status_at("NSE", ist_on_monday(r.h, r.m)) == r.expected);
      BOOST_TEST(market_status_at("NFO", ist_on_monday(r.h, r.m)) == r.expected);
    }
  }
  // Saturday and Sunday are closed all day.
  BOOST_TEST(market_status_at("NSE", ist_on_monday(10, 0) - 2 * 86'400'000'000LL) == market_status::closed);
  BOOST_TEST(market_status_at("NSE", ist_on_monday(10, 0) - 1 * 86'400'000'000LL) == market_status::closed);
  BOOST_TEST(market_status_name(market_status::regular) == "REGULAR");
}

BOOST_AUTO_TEST_CASE(mcx_and_cds_hours) {
  BOOST_TEST(market_status_at("MCX", ist_on_monday(23, 29)) == market_status::regular);
  BOOST_TEST(market_status_at("MCX", ist_on_monday(23, 30)) == market_status::closed);
  BOOST_TEST(market_status_at("MCX", ist_on_monday(8, 59)) == market_status::closed);
  BOOST_TEST(market_status_at("CDS", ist_on_monday(16, 59)) == market_status::regular);
  BOOST_TEST(market_status_at("CDS", ist_on_monday(17, 0)) == market_status::closed);
  BOOST_TEST(in_regular_session("NSE", ist_on_monday(12, 0)));
  BOOST_TEST(!in_regular_session("NSE", ist_on_monday(9, 5)));
}

BOOST_AUTO_TEST_CASE(daily_relogin_instant) {
  using std::chrono::system_clock;
  const auto at = [](std::int64_t us) { return system_clock::time_point(std::chrono::microseconds(us)); };
  const auto epoch_s = [](system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  };
  // Monday 10:30 IST: 08:30 is tomorrow, 11:00 is today.
  BOOST_TEST(epoch_s(next_ist_time_of_day(at(ist_on_monday(10, 30)), 8 * 60 + 30)) ==
             ist_on_monday(8, 30) / 1'000'000 + 86400);
  BOOST_TEST(epoch_s(next_ist_time_of_day(at(ist_on_monday(10, 30)), 11 * 60)) ==
             ist_on_monday(11, 0) / 1'000'000);
  // Exactly at the time: strictly after, so tomorrow.
  BOOST_TEST(epoch_s(next_ist_time_of_day(at(ist_on_monday(8, 30)), 8 * 60 + 30)) ==
             ist_on_monday(8, 30) / 1'000'000 + 86400);
  // 23:59 IST (18:29 UTC) → 00:00 IST the next day.
  BOOST_TEST(epoch_s(next_ist_time_of_day(at(ist_on_monday(23, 59)), 0)) ==
             ist_on_monday(0, 0) / 1'000'000 + 86400);
}

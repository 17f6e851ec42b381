// India Standard Time (UTC+05:30, no DST) formatting and the exchange session
// clocks. The seeds show IST wall-clock times without an offset
// ("2024-01-15T10:30:45.123456", "2025-07-18 09:15:05") and name sessions by
// the IST trading day ("N_20250718").
//
// Pure functions over epoch times; no time-zone database is needed because
// IST has had a fixed offset since 1945.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace tickgate::gateway {

inline constexpr std::int64_t ist_offset_seconds = 5 * 3600 + 30 * 60;

struct civil_time {
  int year = 1970;
  int month = 1;   // 1–12
  int day = 1;     // 1–31
  int hour = 0;
  int minute = 0;
  int second = 0;
  int microsecond = 0;
  int weekday = 4;  // 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday)
};

// IST wall-clock fields of an instant given in microseconds since the epoch.
civil_time ist_civil_time(std::int64_t epoch_us) noexcept;

// "2024-01-15T10:30:45.123456" (IST, microseconds, no offset), appended.
void append_iso_ist(std::string& out, std::int64_t epoch_us);

// "2025-07-18 09:15:05" (IST, seconds), appended.
void append_ist_seconds(std::string& out, std::int64_t epoch_us);

// "YYYYMMDD" of the IST calendar day.
std::string ist_date_compact(std::int64_t epoch_us);

// The live feed's list-session name: "N_" + the IST trading day.
std::string live_session_name(std::int64_t epoch_us);

// The IST day containing epoch_us, [midnight, next midnight) in epoch µs: the
// span one live session name (and one dated recording file) covers.
struct ist_day_span {
  std::int64_t from_us = 0;
  std::int64_t until_us = 0;
};
ist_day_span ist_day_of(std::int64_t epoch_us) noexcept;

// The first instant strictly after `now` at which the IST wall clock reads
// `minute_of_day` (0–1439) — the daily re-login (JWTs last a day, §6.1).
std::chrono::system_clock::time_point next_ist_time_of_day(std::chrono::system_clock::time_point now,
                                                          int minute_of_day);

// Session state of a tick's exchange at an instant (tickstock-pubsub seed).
enum class market_status : std::uint8_t { pre, regular, after, closed };

std::string_view market_status_name(market_status s) noexcept;  // "PRE", "REGULAR", …

// Session hours per segment, IST, Monday–Friday (exchange holidays are not
// modelled: a holiday reports the normal session):
// - NSE/BSE cash and F&O (the default): PRE 09:00–09:15, REGULAR 09:15–15:30,
//   AFTER 15:30–16:00, else CLOSED;
// - MCX: REGULAR 09:00–23:30, else CLOSED (no pre-open modelled);
// - CDS: REGULAR 09:00–17:00, else CLOSED.
// `exchange` is the scrip-master segment ("NSE", "NFO", "MCX", "CDS", …).
market_status market_status_at(std::string_view exchange, std::int64_t epoch_us) noexcept;
// The same for an instant already in IST civil time.
market_status market_status_at(std::string_view exchange, const civil_time& ist) noexcept;

// True while `exchange` is in its REGULAR session (the stall detector only
// expects ticks then).
inline bool in_regular_session(std::string_view exchange, std::int64_t epoch_us) noexcept {
  return market_status_at(exchange, epoch_us) == market_status::regular;
}

}  // namespace tickgate::gateway

#include "gateway/ist_time.hpp"

namespace tickgate::gateway {
namespace {

// Floor division, so instants before 1970 still map to the right day.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// Howard Hinnant's civil_from_days: days since 1970-01-01 → y/m/d.
void civil_from_days(std::int64_t z, int& y, int& m, int& d) noexcept {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(year + (m <= 2 ? 1 : 0));
}

void append_digits(std::string& out, int value, int width) {
  char buf[8];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

void append_date_time(std::string& out, const civil_time& t, char separator) {
  append_digits(out, t.year, 4);
  out.push_back('-');
  append_digits(out, t.month, 2);
  out.push_back('-');
  append_digits(out, t.day, 2);
  out.push_back(separator);
  append_digits(out, t.hour, 2);
  out.push_back(':');
  append_digits(out, t.minute, 2);
  out.push_back(':');
  append_digits(out, t.second, 2);
}

constexpr int minutes(int h, int m) noexcept { return h * 60 + m; }

}  // namespace

civil_time ist_civil_time(std::int64_t epoch_us) noexcept {
  const std::int64_t local_us = epoch_us + ist_offset_seconds * 1'000'000;
  const std::int64_t secs = floor_div(local_us, 1'000'000);
  const std::int64_t days = floor_div(secs, 86400);
  const std::int64_t sod = secs - days * 86400;
  civil_time t;
  civil_from_days(days, t.year, t.month, t.day);
  t.hour = static_cast<int>(sod / 3600);
  t.minute = static_cast<int>((sod % 3600) / 60);
  t.second = static_cast<int>(sod % 60);
  t.microsecond = static_cast<int>(local_us - secs * 1'000'000);
  // 1970-01-01 (day 0) was a Thursday (4).
  t.weekday = static_cast<int>(((days % 7) + 7 + 4) % 7);
  return t;
}

void append_iso_ist(std::string& out, std::int64_t epoch_us) {
  const civil_time t = ist_civil_time(epoch_us);
  append_date_time(out, t, 'T');
  out.push_back('.');
  append_digits(out, t.microsecond, 6);
}

void append_ist_seconds(std::string& out, std::int64_t epoch_us) {
  append_date_time(out, ist_civil_time(epoch_us), ' ');
}

std::string ist_date_compact(std::int64_t epoch_us) {
  const civil_time t = ist_civil_time(epoch_us);
  std::string out;
  append_digits(out, t.year, 4);
  append_digits(out, t.month, 2);
  append_digits(out, t.day, 2);
  return out;
}

std::string live_session_name(std::int64_t epoch_us) { return "N_" + ist_date_compact(epoch_us); }

ist_day_span ist_day_of(std::int64_t epoch_us) noexcept {
  constexpr std::int64_t day_us = 86'400'000'000;
  const std::int64_t local = epoch_us + ist_offset_seconds * 1'000'000;
  const std::int64_t day_start_local = local - ((local % day_us) + day_us) % day_us;
  const std::int64_t from = day_start_local - ist_offset_seconds * 1'000'000;
  return {from, from + day_us};
}

std::chrono::system_clock::time_point next_ist_time_of_day(std::chrono::system_clock::time_point now,
                                                          int minute_of_day) {
  using namespace std::chrono;
  const std::int64_t local = duration_cast<seconds>(now.time_since_epoch()).count() + ist_offset_seconds;
  const std::int64_t day_start = local - (((local % 86400) + 86400) % 86400);
  std::int64_t target = day_start + std::int64_t{minute_of_day} * 60;
  if (target <= local) target += 86400;
  return system_clock::time_point(seconds(target - ist_offset_seconds));
}

std::string_view market_status_name(market_status s) noexcept {
  switch (s) {
    case market_status::pre: return "PRE";
    case market_status::regular: return "REGULAR";
    case market_status::after: return "AFTER";
    case market_status::closed: return "CLOSED";
  }
  return "CLOSED";
}

market_status market_status_at(std::string_view exchange, std::int64_t epoch_us) noexcept {
  return market_status_at(exchange, ist_civil_time(epoch_us));
}

market_status market_status_at(std::string_view exchange, const civil_time& t) noexcept {
  if (t.weekday == 0 || t.weekday == 6) return market_status::closed;
  const int now = minutes(t.hour, t.minute);
  if (exchange == "MCX") {
    return now >= minutes(9, 0) && now < minutes(23, 30) ? market_status::regular
                                                          : market_status::closed;
  }
  if (exchange == "CDS") {
    return now >= minutes(9, 0) && now < minutes(17, 0) ? market_status::regular
                                                         : market_status::closed;
  }
  if (now >= minutes(9, 0) && now < minutes(9, 15)) return market_status::pre;
  if (now >= minutes(9, 15) && now < minutes(15, 30)) return market_status::regular;
  if (now >= minutes(15, 30) && now < minutes(16, 0)) return market_status::after;
  return market_status::closed;
}

}  // namespace tickgate::gateway

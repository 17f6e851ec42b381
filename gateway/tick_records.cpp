#include "gateway/tick_records.hpp"

#include "gateway/ist_time.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>

// Hot path: every record is written through a raw pointer into a buffer
// sized once for the worst case (the put_* functions below; each says the
// most it writes), instead of one std::string append per piece: a tick
// makes ~150 pieces, and each append is a call with a capacity check.
namespace tickgate::gateway {
namespace {

// The most a put_* function writes, in bytes.
constexpr std::size_t max_int_chars = 20;    // "-9223372036854775808"
constexpr std::size_t max_price_chars = 41;  // sign, 20 digits, '.', 19 decimals
constexpr std::size_t max_epoch_ms_chars = 24;
constexpr std::size_t max_iso_chars = 26;  // "2024-01-15T10:30:45.123456"
constexpr std::size_t json_string_bound(std::size_t n) {
  return 2 + 6 * n;
}

char* put(char* p, std::string_view s) noexcept {
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// A literal: its size is a constant, so the copy is inlined.
template <std::size_t N>
char* put(char* p, const char (&literal)[N]) noexcept {
  std::memcpy(p, literal, N - 1);
  return p + (N - 1);
}

char* put_int(char* p, std::int64_t v) noexcept {
  return std::to_chars(p, p + max_int_chars, v).ptr;
}

char* put_uint(char* p, std::uint64_t v, int min_width = 0) noexcept {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  const auto len = static_cast<int>(r.ptr - buf);
  for (int i = len; i < min_width; ++i) *p++ = '0';
  return put(p, {buf, static_cast<std::size_t>(len)});
}

int decimals_of(std::int64_t divisor) noexcept {
  int d = 0;
  while (divisor >= 10) {
    divisor /= 10;
    ++d;
  }
  return d;
}

bool all_digits(std::string_view s) noexcept {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// At most max_price_chars.
char* put_price(char* p, std::int64_t value, std::int64_t divisor) noexcept {
  if (divisor <= 0) divisor = 1;
  // Work in unsigned magnitude so INT64_MIN cannot overflow.
  const bool negative = value < 0;
  const std::uint64_t magnitude =
      negative ? ~static_cast<std::uint64_t>(value) + 1 : static_cast<std::uint64_t>(value);
  if (negative && magnitude != 0) *p++ = '-';
  if (divisor == 100) {  // paise: every segment but currency
    p = std::to_chars(p, p + max_int_chars, magnitude / 100).ptr;
    const auto cents = static_cast<unsigned>(magnitude % 100);
    *p++ = '.';
    *p++ = static_cast<char>('0' + cents / 10);
    *p++ = static_cast<char>('0' + cents % 10);
    return p;
  }
  const auto udiv = static_cast<std::uint64_t>(divisor);
  const std::uint64_t whole = magnitude / udiv;
  std::uint64_t frac = magnitude % udiv;
  int digits = decimals_of(divisor);
  p = put_uint(p, whole);
  *p++ = '.';
  // Trim trailing zeros, keeping at least two decimals.
  while (digits > 2 && frac % 10 == 0) {
    frac /= 10;
    --digits;
  }
  // Divisors 1 and 10 have fewer than two decimals: pad to two.
  if (digits > 0) p = put_uint(p, frac, digits);
  for (int i = digits; i < 2; ++i) *p++ = '0';
  return p;
}

// At most max_price_chars.
char* put_percent(char* p, std::int64_t change, std::int64_t base) noexcept {
  if (base == 0) return put(p, "0.00");
  // Hundredths of a percent, rounded half away from zero, in integers:
  // change / base × 100 × 100 = change × 10^4 / base. 128-bit so that any
  // int64 a frame may carry cannot overflow.
  __extension__ using int128 = __int128;
  const int128 num = static_cast<int128>(change) * 10'000;
  const int128 den = base < 0 ? -static_cast<int128>(base) : base;
  const int128 signed_num = base < 0 ? -num : num;
  const int128 mag = signed_num < 0 ? -signed_num : signed_num;
  const int128 q = (2 * mag + den) / (2 * den);
  const int128 clamped = q > INT64_MAX ? INT64_MAX : q;
  const auto hundredths = static_cast<std::int64_t>(signed_num < 0 ? -clamped : clamped);
  return put_price(p, hundredths, 100);
}

// At most max_epoch_ms_chars.
char* put_epoch_seconds_ms(char* p, std::int64_t epoch_ms) noexcept {
  if (epoch_ms < 0) epoch_ms = 0;
  p = put_int(p, epoch_ms / 1000);
  *p++ = '.';
  return put_uint(p, static_cast<std::uint64_t>(epoch_ms % 1000), 3);
}

// At most json_string_bound(s.size()). The same escaping as
// log::append_json_string (the one JSON string escaper): quotes, backslash,
// \n \r \t, other control characters and DEL as \u00XX; other bytes,
// UTF-8 included, as they are.
char* put_json_string(char* p, std::string_view s) noexcept {
  static constexpr char hex[] = "0123456789abcdef";
  *p++ = '"';
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': p = put(p, "\\\""); break;
      case '\\': p = put(p, "\\\\"); break;
      case '\n': p = put(p, "\\n"); break;
      case '\r': p = put(p, "\\r"); break;
      case '\t': p = put(p, "\\t"); break;
      default:
        if (u < 0x20 || u == 0x7f) {
          p = put(p, "\\u00");
          *p++ = hex[u >> 4];
          *p++ = hex[u & 0xf];
        } else {
          *p++ = c;
        }
    }
  }
  *p++ = '"';
  return p;
}

// The same digits as ist_time's formatting (width digits of value).
char* put_digits(char* p, int value, int width) noexcept {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return p + width;
}

// "2024-01-15T10:30:45" with `separator` between date and time: 19 bytes.
char* put_date_time(char* p, const civil_time& t, char separator) noexcept {
  p = put_digits(p, t.year, 4);
  *p++ = '-';
  p = put_digits(p, t.month, 2);
  *p++ = '-';
  p = put_digits(p, t.day, 2);
  *p++ = separator;
  p = put_digits(p, t.hour, 2);
  *p++ = ':';
  p = put_digits(p, t.minute, 2);
  *p++ = ':';
  return put_digits(p, t.second, 2);
}

// append_iso_ist into a buffer: max_iso_chars bytes.
char* put_iso_ist(char* p, const civil_time& t) noexcept {
  p = put_date_time(p, t, 'T');
  *p++ = '.';
  return put_digits(p, t.microsecond, 6);
}

// Makes `buffer` at least `bound` bytes long (it only ever grows, so in
// steady state this does nothing) and returns its start.
char* room(std::string& buffer, std::size_t bound) {
  if (buffer.size() < bound) buffer.resize(std::max(bound, 2 * buffer.size()));
  return buffer.data();
}

template <class Put, class... Args>
void append_with(std::string& out, std::size_t bound, Put put_fn, Args... args) {
  const std::size_t at = out.size();
  out.resize(at + bound);
  char* end = put_fn(out.data() + at, args...);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

}  // namespace

void append_price(std::string& out, std::int64_t value, std::int64_t divisor) {
  append_with(out, max_price_chars, put_price, value, divisor);
}

void append_percent(std::string& out, std::int64_t change, std::int64_t base) {
  append_with(out, max_price_chars, put_percent, change, base);
}

void append_epoch_seconds_ms(std::string& out, std::int64_t epoch_ms) {
  append_with(out, max_epoch_ms_chars, put_epoch_seconds_ms, epoch_ms);
}

list_kind list_kind_for(const protocol::instrument& instrument) noexcept {
  switch (instrument.cls) {
    case protocol::instrument_class::index: return list_kind::index_tick;
    case protocol::instrument_class::option: return list_kind::option_tick;
    default: return list_kind::none;
  }
}

civil_time tick_records::civil(std::int64_t epoch_us) noexcept {
  // Before 1970 or after 9999 (a corrupt receive time): no cache.
  constexpr std::int64_t latest_us = 253'402'300'799'999'999;
  if (epoch_us < 0 || epoch_us > latest_us) return ist_civil_time(epoch_us);
  const std::int64_t second = epoch_us / 1'000'000;
  for (civil_cache& c : civil_) {
    if (c.second == second) {
      civil_time t = c.t;
      t.microsecond = static_cast<int>(epoch_us - second * 1'000'000);
      return t;
    }
  }
  civil_cache& c = civil_[civil_next_];
  civil_next_ = (civil_next_ + 1) % civil_.size();
  c.second = second;
  c.t = ist_civil_time(epoch_us);
  return c.t;
}

tick_records::tick_records(std::string pubsub_source, record_set wanted)
    : source_(std::move(pubsub_source)), wanted_(wanted) {
  values_.resize(2048);
  pubsub_.resize(512);
  list_.resize(512);
  price_.resize(512);
}

void tick_records::build(const protocol::tick& t, const protocol::instrument& instrument,
                         std::int64_t divisor, std::int64_t received_us) {
  using protocol::mode;
  const mode m = t.subscription_mode;
  has_trade_price_ = m != mode::depth_20;
  // The feed's time when it is one (after 1970, before year 9999); anything
  // else — absent, or a corrupt value whose µs would overflow int64 (found
  // by test/fuzz/frame_fuzz) — falls back to the receive time.
  constexpr std::int64_t latest_epoch_ms = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
  event_ms_ = t.exchange_timestamp_ms > 0 && t.exchange_timestamp_ms <= latest_epoch_ms
                  ? t.exchange_timestamp_ms
                  : received_us / 1000;
  ltp_ = static_cast<double>(t.ltp) / static_cast<double>(divisor);
  // change = ltp − close; 0 when the mode carries no close (design.md).
  // Saturating: a corrupt frame may carry any int64 (test/fuzz/frame_fuzz).
  std::int64_t change = 0;
  if (t.close != 0 && __builtin_sub_overflow(t.ltp, t.close, &change)) {
    change = t.ltp < t.close ? INT64_MIN : INT64_MAX;
  }
  field_count_ = 0;
  pubsub_size_ = 0;
  list_size_ = 0;
  price_size_ = 0;
  if (!wanted_.stream && !wanted_.pubsub && !wanted_.list && !wanted_.price) return;
  const std::string_view token = t.token.view();
  const std::string_view mode_text = protocol::mode_name(m);

  // Stream: the seed's 14 fields in order, then extras. Worst case: the
  // strings, 21 numbers and two timestamps.
  char* const base =
      room(values_, instrument.symbol.size() + token.size() + instrument.exchange.size() +
                        mode_text.size() + 21 * max_price_chars + 2 * max_iso_chars);
  char* p = base;
  const auto field = [&](std::string_view name, char* begin) {
    fields_[field_count_++] = {name, std::string_view(begin, static_cast<std::size_t>(p - begin))};
  };
  char* b = p;
  p = put(p, instrument.symbol);
  field("symbol", b);
  b = p;
  p = put(p, token);
  field("token", b);
  // Returns the value's text: the other records copy it instead of
  // formatting the number again.
  const auto price_field = [&](std::string_view name, std::int64_t v) {
    char* begin = p;
    p = put_price(p, v, divisor);
    field(name, begin);
    return fields_[field_count_ - 1].value;
  };
  const auto int_field = [&](std::string_view name, std::int64_t v) {
    char* begin = p;
    p = put_int(p, v);
    field(name, begin);
    return fields_[field_count_ - 1].value;
  };
  const std::string_view ltp_text = price_field("ltp", t.ltp);
  const std::string_view change_text = price_field("change", change);
  b = p;
  p = put_percent(p, change, t.close);
  field("change_percent", b);
  const std::string_view percent_text = fields_[field_count_ - 1].value;
  price_field("high", t.high);
  price_field("low", t.low);
  const std::string_view volume_text = int_field("volume", t.volume);
  const std::string_view bid_text = price_field("bid", t.best_bid());
  const std::string_view ask_text = price_field("ask", t.best_ask());
  price_field("open", t.open);
  price_field("close", t.close);
  b = p;
  p = put_iso_ist(p, civil(received_us));
  field("timestamp", b);
  const civil_time event_ist = civil(event_ms_ * 1000);
  b = p;
  p = put_iso_ist(p, event_ist);
  field("exchange_timestamp", b);
  b = p;
  p = put(p, instrument.exchange);
  field("exchange", b);
  b = p;
  p = put(p, mode_text);
  field("mode", b);
  if (m != mode::depth_20) int_field("sequence", t.sequence);
  if (m == mode::quote || m == mode::snap_quote) {
    int_field("last_traded_qty", t.last_traded_qty);
    price_field("avg_price", t.avg_price);
  }
  if (m == mode::snap_quote) int_field("open_interest", t.open_interest);

  // Pub/sub and the price cache share the exchange time's text.
  char time_text_buffer[max_epoch_ms_chars];
  const std::string_view time_text(
      time_text_buffer,
      static_cast<std::size_t>(put_epoch_seconds_ms(time_text_buffer, event_ms_) - time_text_buffer));

  const shared_texts texts{event_ist,   ltp_text, change_text, percent_text,
                           volume_text, bid_text, ask_text,    time_text};
  if (wanted_.pubsub) build_pubsub(t, instrument, texts);
  if (wanted_.list) build_list(t, instrument, texts);
  if (wanted_.price) build_price(instrument, texts);
  if (!wanted_.stream) field_count_ = 0;  // formatted only for the others to copy
}

// Pub/sub (tickstock-pubsub seed): volume is this tick's traded quantity.
void tick_records::build_pubsub(const protocol::tick& t, const protocol::instrument& instrument,
                                const shared_texts& x) {
  const std::string_view status =
      market_status_name(market_status_at(instrument.exchange, x.event_ist));
  char* p = room(pubsub_, 128 + json_string_bound(instrument.symbol.size()) +
                              json_string_bound(source_.size()) + max_price_chars + max_int_chars +
                              max_epoch_ms_chars + status.size());
  char* const pubsub_begin = p;
  p = put(p, R"({"event_type":"tick_data","ticker":)");
  p = put_json_string(p, instrument.symbol);
  p = put(p, R"(,"price":)");
  p = put(p, x.ltp);
  p = put(p, R"(,"volume":)");
  p = put_int(p, t.last_traded_qty);
  p = put(p, R"(,"timestamp":)");
  p = put(p, x.time);
  p = put(p, R"(,"source":)");
  p = put_json_string(p, source_);
  p = put(p, R"(,"market_status":")");
  p = put(p, status);
  p = put(p, R"("})");
  pubsub_size_ = static_cast<std::size_t>(p - pubsub_begin);
}

// Per-token list entry (per-token-tick-lists seed), for indices and options.
void tick_records::build_list(const protocol::tick& t, const protocol::instrument& instrument,
                              const shared_texts& x) {
  const list_kind kind = list_kind_for(instrument);
  if (kind != list_kind::none) {
    const std::string_view token = t.token.view();
    char* p = room(list_, 160 + 2 * max_int_chars + token.size() + json_string_bound(token.size()) +
                              json_string_bound(instrument.exchange.size()) + 2 * max_price_chars +
                              max_iso_chars + json_string_bound(instrument.trading_symbol.size()));
    char* const list_begin = p;
    p = put(p, R"({"ft":)");
    p = put_int(p, event_ms_ / 1000);
    p = put(p, R"(,"token":)");
    if (all_digits(token)) {
      p = put(p, token);
    } else {
      p = put_json_string(p, token);
    }
    p = put(p, R"(,"e":)");
    p = put_json_string(p, instrument.exchange);
    p = put(p, R"(,"lp":)");
    p = put(p, x.ltp);
    p = put(p, R"(,"pc":)");
    p = put(p, x.percent);
    p = put(p, R"(,"rt":")");
    p = put_date_time(p, x.event_ist, ' ');
    p = put(p, R"(","ts":)");
    p = put_json_string(p, instrument.trading_symbol);
    // "_id": unique per tick of a token, stable across replays of the same
    // recording — the feed's sequence number, qualified by the token.
    p = put(p, R"(,"_id":")");
    p = put(p, token);
    *p++ = ':';
    p = put_int(p, t.sequence);
    *p++ = '"';
    p = put(p, kind == list_kind::index_tick ? R"(,"data_type":"indextick"})"
                                             : R"(,"data_type":"optiontick"})");
    list_size_ = static_cast<std::size_t>(p - list_begin);
  }
}

// Price cache entry (price-cache-and-candles seed).
void tick_records::build_price(const protocol::instrument& instrument, const shared_texts& x) {
  char* p = room(price_, 160 + json_string_bound(instrument.symbol.size()) + 6 * max_price_chars +
                             max_int_chars + json_string_bound(instrument.exchange.size()) +
                             max_epoch_ms_chars);
  char* const price_begin = p;
  p = put(p, R"({"symbol":)");
  p = put_json_string(p, instrument.symbol);
  p = put(p, R"(,"price":)");
  p = put(p, x.ltp);
  p = put(p, R"(,"change":)");
  p = put(p, x.change);
  p = put(p, R"(,"change_percent":)");
  p = put(p, x.percent);
  p = put(p, R"(,"bid":)");
  p = put(p, x.bid);
  p = put(p, R"(,"ask":)");
  p = put(p, x.ask);
  p = put(p, R"(,"volume":)");
  p = put(p, x.volume);
  p = put(p, R"(,"exchange":)");
  p = put_json_string(p, instrument.exchange);
  p = put(p, R"(,"timestamp":)");
  p = put(p, x.time);
  *p++ = '}';
  price_size_ = static_cast<std::size_t>(p - price_begin);
}

}  // namespace tickgate::gateway

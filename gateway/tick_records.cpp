#include "gateway/tick_records.hpp"

#include "gateway/ist_time.hpp"
#include "storage/log.hpp"

#include <charconv>
#include <cstdlib>

namespace tickgate::gateway {
namespace {

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_uint(std::string& out, std::uint64_t v, int min_width = 0) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  const auto len = static_cast<int>(r.ptr - buf);
  for (int i = len; i < min_width; ++i) out.push_back('0');
  out.append(buf, r.ptr);
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

}  // namespace

void append_price(std::string& out, std::int64_t value, std::int64_t divisor) {
  if (divisor <= 0) divisor = 1;
  // Work in unsigned magnitude so INT64_MIN cannot overflow.
  const bool negative = value < 0;
  const std::uint64_t magnitude =
      negative ? ~static_cast<std::uint64_t>(value) + 1 : static_cast<std::uint64_t>(value);
  const auto udiv = static_cast<std::uint64_t>(divisor);
  const std::uint64_t whole = magnitude / udiv;
  std::uint64_t frac = magnitude % udiv;
  int digits = decimals_of(divisor);
  if (negative && magnitude != 0) out.push_back('-');
  append_uint(out, whole);
  out.push_back('.');
  // Trim trailing zeros, keeping at least two decimals.
  while (digits > 2 && frac % 10 == 0) {
    frac /= 10;
    --digits;
  }
  // Divisors 1 and 10 have fewer than two decimals: pad to two.
  if (digits > 0) append_uint(out, frac, digits);
  for (int i = digits; i < 2; ++i) out.push_back('0');
}

void append_percent(std::string& out, std::int64_t change, std::int64_t base) {
  if (base == 0) {
    out += "0.00";
    return;
  }
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
  append_price(out, hundredths, 100);
}

void append_epoch_seconds_ms(std::string& out, std::int64_t epoch_ms) {
  if (epoch_ms < 0) epoch_ms = 0;
  append_int(out, epoch_ms / 1000);
  out.push_back('.');
  append_uint(out, static_cast<std::uint64_t>(epoch_ms % 1000), 3);
}

list_kind list_kind_for(const protocol::instrument& instrument) noexcept {
  switch (instrument.cls) {
    case protocol::instrument_class::index: return list_kind::index_tick;
    case protocol::instrument_class::option: return list_kind::option_tick;
    default: return list_kind::none;
  }
}

tick_records::tick_records(std::string pubsub_source) : source_(std::move(pubsub_source)) {
  values_.reserve(512);
  pubsub_.reserve(256);
  list_.reserve(256);
  price_.reserve(256);
}

void tick_records::add_field(std::string_view name, std::size_t begin) {
  spans_[field_count_++] = {name, {begin, values_.size()}};
}

void tick_records::build(const protocol::tick& t, const protocol::instrument& instrument,
                         std::int64_t divisor, std::int64_t received_us) {
  using protocol::mode;
  const mode m = t.subscription_mode;
  has_trade_price_ = m != mode::depth_20;
  event_ms_ = t.exchange_timestamp_ms > 0 ? t.exchange_timestamp_ms : received_us / 1000;
  ltp_ = static_cast<double>(t.ltp) / static_cast<double>(divisor);
  // change = ltp − close; 0 when the mode carries no close (design.md).
  const std::int64_t change = t.close != 0 ? t.ltp - t.close : 0;

  // Stream: the seed's 14 fields in order, then extras.
  values_.clear();
  field_count_ = 0;
  std::size_t b = 0;
  const auto price_field = [&](std::string_view name, std::int64_t v) {
    b = values_.size();
    append_price(values_, v, divisor);
    add_field(name, b);
  };
  const auto int_field = [&](std::string_view name, std::int64_t v) {
    b = values_.size();
    append_int(values_, v);
    add_field(name, b);
  };
  b = values_.size();
  values_ += instrument.symbol;
  add_field("symbol", b);
  b = values_.size();
  values_ += t.token.view();
  add_field("token", b);
  price_field("ltp", t.ltp);
  price_field("change", change);
  b = values_.size();
  append_percent(values_, change, t.close);
  add_field("change_percent", b);
  price_field("high", t.high);
  price_field("low", t.low);
  int_field("volume", t.volume);
  price_field("bid", t.best_bid());
  price_field("ask", t.best_ask());
  price_field("open", t.open);
  price_field("close", t.close);
  b = values_.size();
  append_iso_ist(values_, received_us);
  add_field("timestamp", b);
  b = values_.size();
  append_iso_ist(values_, event_ms_ * 1000);
  add_field("exchange_timestamp", b);
  b = values_.size();
  values_ += instrument.exchange;
  add_field("exchange", b);
  b = values_.size();
  values_ += protocol::mode_name(m);
  add_field("mode", b);
  if (m != mode::depth_20) int_field("sequence", t.sequence);
  if (m == mode::quote || m == mode::snap_quote) {
    int_field("last_traded_qty", t.last_traded_qty);
    price_field("avg_price", t.avg_price);
  }
  if (m == mode::snap_quote) int_field("open_interest", t.open_interest);
  for (std::size_t i = 0; i < field_count_; ++i) {
    const auto& [name, span] = spans_[i];
    fields_[i] = {name, std::string_view(values_).substr(span.first, span.second - span.first)};
  }

  // Pub/sub (tickstock-pubsub seed): volume is this tick's traded quantity.
  pubsub_.clear();
  pubsub_ += R"({"event_type":"tick_data","ticker":)";
  log::append_json_string(pubsub_, instrument.symbol);
  pubsub_ += R"(,"price":)";
  append_price(pubsub_, t.ltp, divisor);
  pubsub_ += R"(,"volume":)";
  append_int(pubsub_, t.last_traded_qty);
  pubsub_ += R"(,"timestamp":)";
  append_epoch_seconds_ms(pubsub_, event_ms_);
  pubsub_ += R"(,"source":)";
  log::append_json_string(pubsub_, source_);
  pubsub_ += R"(,"market_status":")";
  pubsub_ += market_status_name(market_status_at(instrument.exchange, event_ms_ * 1000));
  pubsub_ += R"("})";

  // Per-token list entry (per-token-tick-lists seed).
  list_.clear();
  const list_kind kind = list_kind_for(instrument);
  if (kind != list_kind::none) {
    list_ += R"({"ft":)";
    append_int(list_, event_ms_ / 1000);
    list_ += R"(,"token":)";
    if (all_digits(t.token.view())) {
      list_ += t.token.view();
    } else {
      log::append_json_string(list_, t.token.view());
    }
    list_ += R"(,"e":)";
    log::append_json_string(list_, instrument.exchange);
    list_ += R"(,"lp":)";
    append_price(list_, t.ltp, divisor);
    list_ += R"(,"pc":)";
    append_percent(list_, change, t.close);
    list_ += R"(,"rt":")";
    append_ist_seconds(list_, event_ms_ * 1000);
    list_ += R"(","ts":)";
    log::append_json_string(list_, instrument.trading_symbol);
    // "_id": unique per tick of a token, stable across replays of the same
    // recording — the feed's sequence number, qualified by the token.
    list_ += R"(,"_id":")";
    list_ += t.token.view();
    list_.push_back(':');
    append_int(list_, t.sequence);
    list_.push_back('"');
    list_ += kind == list_kind::index_tick ? R"(,"data_type":"indextick"})"
                                           : R"(,"data_type":"optiontick"})";
  }

  // Price cache entry.
  price_.clear();
  price_ += R"({"symbol":)";
  log::append_json_string(price_, instrument.symbol);
  price_ += R"(,"price":)";
  append_price(price_, t.ltp, divisor);
  price_ += R"(,"change":)";
  append_price(price_, change, divisor);
  price_ += R"(,"change_percent":)";
  append_percent(price_, change, t.close);
  price_ += R"(,"bid":)";
  append_price(price_, t.best_bid(), divisor);
  price_ += R"(,"ask":)";
  append_price(price_, t.best_ask(), divisor);
  price_ += R"(,"volume":)";
  append_int(price_, t.volume);
  price_ += R"(,"exchange":)";
  log::append_json_string(price_, instrument.exchange);
  price_ += R"(,"timestamp":)";
  append_epoch_seconds_ms(price_, event_ms_);
  price_ += '}';
}

}  // namespace tickgate::gateway

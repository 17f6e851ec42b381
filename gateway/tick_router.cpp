#include "gateway/tick_router.hpp"

#include "gateway/ist_time.hpp"
#include "storage/log.hpp"

#include <algorithm>

namespace tickgate::gateway {

namespace {

// The key of a decimal token without leading zeros of at most 16 digits
// ("0" included): exchangeType in bits 55–62, a marker in bit 54 (no key is
// 0), the value below. 0 for any other token.
std::uint64_t cache_key(std::uint8_t exchange_type, std::string_view token) noexcept {
  if (token.empty() || token.size() > 16 || (token[0] == '0' && token.size() > 1)) return 0;
  std::uint64_t value = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return 0;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return (std::uint64_t{exchange_type} << 55) | (std::uint64_t{1} << 54) | value;
}

std::size_t cache_hash(std::uint64_t key) noexcept {
  return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 32);
}

}  // namespace

const protocol::instrument* instrument_cache::find(const protocol::instrument_index& index,
                                                   std::uint8_t exchange_type,
                                                   std::string_view token) {
  const std::uint64_t key = cache_key(exchange_type, token);
  if (key == 0) return index.find_by_token(exchange_type, token);
  if (!slots_.empty()) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = cache_hash(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i].key == key) return slots_[i].instrument;
      if (slots_[i].key == 0) break;
    }
  }
  const protocol::instrument* found = index.find_by_token(exchange_type, token);
  if (found != nullptr) insert(key, found);
  return found;
}

void instrument_cache::insert(std::uint64_t key, const protocol::instrument* instrument) {
  if (2 * (used_ + 1) > slots_.size()) {
    std::vector<slot> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(64, 2 * old.size()), slot{});
    used_ = 0;
    for (const slot& s : old) {
      if (s.key != 0) insert(s.key, s.instrument);
    }
  }
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = cache_hash(key) & mask;
  while (slots_[i].key != 0) i = (i + 1) & mask;
  slots_[i] = {key, instrument};
  ++used_;
}

std::size_t exchange_slot(std::uint8_t exchange_type) noexcept {
  switch (exchange_type) {
    case protocol::exchange::nse_cm: return 0;
    case protocol::exchange::nse_fo: return 1;
    case protocol::exchange::bse_cm: return 2;
    case protocol::exchange::bse_fo: return 3;
    case protocol::exchange::mcx_fo: return 4;
    case protocol::exchange::ncx_fo: return 5;
    case protocol::exchange::cde_fo: return 6;
    default: return 7;
  }
}

std::uint8_t exchange_type_of_slot(std::size_t slot) noexcept {
  static constexpr std::array<std::uint8_t, 8> types{1, 2, 3, 4, 5, 7, 13, 0};
  return slot < types.size() ? types[slot] : 0;
}

tick_router::tick_router(const config& cfg, const protocol::instrument_index& instruments,
                         sink_set sinks)
    : config_(cfg),
      instruments_(instruments),
      sinks_(sinks),
      decode_options_(cfg.feed.decode),
      records_(cfg.pubsub_source, record_set{.stream = sinks.stream != nullptr,
                                             .pubsub = sinks.pubsub != nullptr,
                                             .list = sinks.lists != nullptr,
                                             .price = sinks.price != nullptr}) {
  for (std::size_t i = 0; i < divisors_.size(); ++i) {
    divisors_[i] = protocol::price_divisor(static_cast<std::uint8_t>(i));
  }
  for (const auto& [exchange_type, divisor] : cfg.feed.price_divisors) {
    divisors_[exchange_type] = divisor;
  }
  list_key_.reserve(128);
  if (sinks_.candles != nullptr) candle_ids_.assign(instruments_.all().size(), candle_unset);
}

const std::string& tick_router::live_session(std::int64_t epoch_us) {
  if (epoch_us < session_from_us_ || epoch_us >= session_until_us_) {
    session_name_ = live_session_name(epoch_us);
    const ist_day_span day = ist_day_of(epoch_us);
    session_from_us_ = day.from_us;
    session_until_us_ = day.until_us;
  }
  return session_name_;
}

bool tick_router::on_frame(std::span<const std::byte> frame, clock::time_point received,
                           std::int64_t received_us) {
  if (observer_) observer_(frame, received_us);
  return route_frame(frame, received, received_us, live_session(received_us));
}

bool tick_router::route_frame(std::span<const std::byte> frame, clock::time_point received,
                              std::int64_t received_us, std::string_view list_session) {
  ++stats_.frames;
  stats_.bytes += frame.size();
  if (const auto ec = protocol::decode_frame(frame, tick_, decode_options_)) {
    ++stats_.decode_errors;
    const auto code = static_cast<std::size_t>(ec.value());
    ++stats_.decode_errors_by_code[code < stats_.decode_errors_by_code.size() ? code : 0];
    // Bad frames are counted, and logged at debug level only: a broken
    // server could otherwise flood the log.
    log::debug("router", "frame rejected", {{"error", ec.message()}, {"bytes", frame.size()}});
    return false;
  }
  route(tick_, received, received_us, list_session);
  return true;
}

void tick_router::route(const protocol::tick& t, clock::time_point received,
                        std::int64_t received_us, std::string_view list_session) {
  const auto mode_index = static_cast<std::size_t>(t.subscription_mode);
  const std::size_t slot = exchange_slot(t.exchange_type);
  ++stats_.decoded[mode_index][slot];

  const protocol::instrument* instrument =
      instrument_cache_.find(instruments_, t.exchange_type, t.token.view());
  if (instrument == nullptr) {
    ++stats_.unknown_instrument;
    if (logged_unknown_.size() < 1000 &&
        logged_unknown_.emplace(std::to_string(t.exchange_type) + ":" + std::string(t.token.view())).second) {
      log::warn("router", "tick for a token not in the scrip master",
                {{"exchange_type", static_cast<int>(t.exchange_type)}, {"token", t.token.view()}});
    }
    return;
  }

  records_.build(t, *instrument, divisors_[t.exchange_type], received_us);
  const auto fields = records_.stream_fields();
  if (sinks_.stream != nullptr) sinks_.stream->write(instrument->symbol, fields, received);
  // Depth-20 carries no traded price (§3.6): only the stream gets its book.
  if (records_.has_trade_price()) {
    if (sinks_.pubsub != nullptr) sinks_.pubsub->publish(instrument->symbol, records_.pubsub_json(), received);
    if (sinks_.price != nullptr) sinks_.price->set(instrument->symbol, records_.price_json(), received);
    if (sinks_.lists != nullptr) {
      const list_kind kind = list_kind_for(*instrument);
      if (kind != list_kind::none) {
        list_key_.clear();
        list_key_ += "ticks:";
        list_key_ += list_session;
        if (kind == list_kind::index_tick) {
          list_key_ += ":indextick";
        } else {
          list_key_ += ":optiontick:";
          list_key_ += t.token.view();
        }
        sinks_.lists->push(list_key_, records_.list_json(), received);
      }
    }
    if (sinks_.candles != nullptr) {
      // The instrument is one of instruments_.all(): its index keys the id.
      auto& id = candle_ids_[static_cast<std::size_t>(instrument - instruments_.all().data())];
      if (id == candle_unset) id = sinks_.candles->intern(instrument->symbol);
      sinks_.candles->update(id, records_.event_time_ms(), records_.ltp(), t.volume);
    }
  }
  ++stats_.routed[mode_index][slot];
  ++stats_.routed_total;
  stats_.last_tick_us = received_us;
  stats_.last_event_ms = records_.event_time_ms();
}

}  // namespace tickgate::gateway

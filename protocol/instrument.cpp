// Scrip master, symbols CSV and symbol ↔ token resolution
// (smartstream-protocol.md §7).
#include "protocol/instrument.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>

namespace tickgate::protocol {

namespace {

char ascii_upper(char c) noexcept {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_upper(x) == ascii_upper(y);
         });
}

bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view trim(std::string_view s) noexcept {
  constexpr std::string_view space = " \t\r\n\f\v";
  const auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

}  // namespace

std::string_view instrument_class_name(instrument_class c) noexcept {
  switch (c) {
    case instrument_class::equity: return "equity";
    case instrument_class::index: return "index";
    case instrument_class::option: return "option";
    case instrument_class::future: return "future";
    case instrument_class::other: return "other";
  }
  return "other";
}

boost::system::result<std::uint8_t> exchange_type_for_segment(std::string_view exch_seg) {
  static constexpr std::pair<std::string_view, std::uint8_t> segments[] = {
      {"NSE", exchange::nse_cm},   {"NFO", exchange::nse_fo}, {"BSE", exchange::bse_cm},
      {"BFO", exchange::bse_fo},   {"MCX", exchange::mcx_fo}, {"NCX", exchange::ncx_fo},
      {"NCDEX", exchange::ncx_fo}, {"CDS", exchange::cde_fo},
  };
  for (const auto& [name, code] : segments) {
    if (iequals(exch_seg, name)) return code;
  }
  return make_error_code(errc::unknown_exchange);
}

// ---- scrip master ------------------------------------------------------------

namespace {

// The nine fields every row carries (§7), in the file's order.
enum field : std::size_t {
  f_token,
  f_symbol,
  f_name,
  f_expiry,
  f_strike,
  f_lotsize,
  f_instrumenttype,
  f_exch_seg,
  f_tick_size,
  field_count
};
constexpr std::array<std::string_view, field_count> field_names{
    "token",   "symbol",         "name",     "expiry",   "strike",
    "lotsize", "instrumenttype", "exch_seg", "tick_size"};
constexpr std::uint32_t all_fields = (1u << field_count) - 1;

// "2300000.000000" → 2300000.0. Error: not a plain decimal number.
bool parse_decimal(std::string_view s, double& out) noexcept {
  s = trim(s);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(out);
}

// "75" (a trailing ".000000" is tolerated). Error: anything else.
bool parse_lot_size(std::string_view s, std::int64_t& out) noexcept {
  s = trim(s);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end == s.data()) return false;
  std::string_view rest(end, static_cast<std::size_t>(s.data() + s.size() - end));
  if (rest.empty()) return true;
  if (rest.front() != '.') return false;
  rest.remove_prefix(1);
  return std::all_of(rest.begin(), rest.end(), [](char c) { return c == '0'; });
}

instrument_class classify(std::string_view instrument_type, std::uint8_t exchange_type) noexcept {
  if (iequals(instrument_type, "AMXIDX")) return instrument_class::index;
  if (starts_with_ci(instrument_type, "OPT")) return instrument_class::option;
  if (starts_with_ci(instrument_type, "FUT")) return instrument_class::future;
  // Cash segments list equities (and other cash instruments: -BE, -SM, …)
  // with an empty instrumenttype (§7).
  if (instrument_type.empty() &&
      (exchange_type == exchange::nse_cm || exchange_type == exchange::bse_cm)) {
    return instrument_class::equity;
  }
  return instrument_class::other;
}

// instrument.hpp's key-symbol rule.
std::string key_symbol_of(const instrument& i) {
  if (i.cls == instrument_class::index && !i.name.empty()) return i.name;
  if (i.cls == instrument_class::equity && ends_with(i.trading_symbol, "-EQ")) {
    return i.name.empty() ? i.trading_symbol.substr(0, i.trading_symbol.size() - 3) : i.name;
  }
  return i.trading_symbol;
}

// Builds one instrument from a complete row. Returns an errc value or 0;
// `skipped` is set for an unknown exch_seg.
errc build_instrument(std::array<std::string, field_count>& row, instrument& out, bool& skipped) {
  const auto exchange_type = exchange_type_for_segment(row[f_exch_seg]);
  if (!exchange_type) {
    skipped = true;
    return {};
  }
  skipped = false;
  double strike = 0;
  double tick_size = 0;
  std::int64_t lot_size = 0;
  if (!parse_decimal(row[f_strike], strike) || !parse_decimal(row[f_tick_size], tick_size) ||
      !parse_lot_size(row[f_lotsize], lot_size) || !is_valid_token(row[f_token])) {
    // A token that cannot travel in a frame (§3.1: 1–25 printable
    // characters) could never be subscribed or matched: the row is bad
    // (found by test/fuzz/instruments_fuzz: a 32-character token).
    return errc::bad_field;
  }
  out.token = std::move(row[f_token]);
  out.trading_symbol = std::move(row[f_symbol]);
  out.name = std::move(row[f_name]);
  out.exchange = std::move(row[f_exch_seg]);
  out.exchange_type = *exchange_type;
  out.instrument_type = std::move(row[f_instrumenttype]);
  out.cls = classify(out.instrument_type, out.exchange_type);
  out.expiry = std::move(row[f_expiry]);
  // strike is ×100 (×10^7 for CDS currency and interest-rate options);
  // non-options carry -1.000000, which means "none".
  const bool cds_option =
      out.exchange_type == exchange::cde_fo &&
      (iequals(out.instrument_type, "OPTCUR") || iequals(out.instrument_type, "OPTIRC"));
  out.strike = strike <= 0 ? 0 : strike / (cds_option ? 1e7 : 100.0);
  out.lot_size = lot_size;
  out.tick_size = tick_size <= 0 ? 0 : tick_size / 100.0;
  out.option_type.clear();
  if (out.cls == instrument_class::option) {
    if (ends_with(out.trading_symbol, "CE")) out.option_type = "CE";
    if (ends_with(out.trading_symbol, "PE")) out.option_type = "PE";
  }
  out.symbol = key_symbol_of(out);
  return {};
}

// SAX handler for basic_parser: the master is streamed straight into
// instruments, without a DOM (the real file is ~40 MB, ~150 000 rows).
// Shape: [ {"token":"…", …}, … ]; values of the nine fields must be strings;
// other members (freeze_qty, is_cas_enabled, …) are ignored whatever their
// type.
class scrip_master_handler {
public:
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);

  std::vector<instrument> instruments;
  std::size_t rows = 0;
  std::size_t skipped = 0;
  errc error{};  // our verdict when a callback stops the parse

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }

  bool on_array_begin(boost::system::error_code& ec) {
    if (depth_ == 0) return enter();
    if (depth_ == 1) return fail(errc::bad_json, ec);  // a row that is not an object
    return enter_value(ec);
  }
  bool on_array_end(std::size_t, boost::system::error_code&) { return leave(); }

  bool on_object_begin(boost::system::error_code& ec) {
    if (depth_ == 0) return fail(errc::bad_json, ec);  // top level must be an array
    if (depth_ == 1) {
      seen_ = 0;
      current_ = field_count;
      return enter();
    }
    return enter_value(ec);
  }
  bool on_object_end(std::size_t, boost::system::error_code& ec) {
    if (depth_ == 2) {
      leave();
      return finish_row(ec);
    }
    return leave();
  }

  bool on_key_part(std::string_view s, std::size_t, boost::system::error_code&) {
    if (depth_ == 2) key_.append(s);
    return true;
  }
  bool on_key(std::string_view s, std::size_t, boost::system::error_code&) {
    if (depth_ != 2) return true;
    key_.append(s);
    current_ = field_count;
    for (std::size_t f = 0; f < field_count; ++f) {
      if (key_ == field_names[f]) current_ = f;
    }
    key_.clear();
    return true;
  }

  bool on_string_part(std::string_view s, std::size_t, boost::system::error_code& ec) {
    if (depth_ != 2 && !scalar_allowed(ec)) return false;
    if (depth_ == 2 && current_ < field_count) {
      if (!(partial_ & (1u << current_))) row_[current_].clear();
      partial_ |= 1u << current_;
      row_[current_].append(s);
    }
    return true;
  }
  bool on_string(std::string_view s, std::size_t, boost::system::error_code& ec) {
    if (depth_ != 2) return scalar_allowed(ec);
    if (current_ < field_count) {
      if (!(partial_ & (1u << current_))) row_[current_].clear();
      row_[current_].append(s);
      partial_ &= ~(1u << current_);
      seen_ |= 1u << current_;
    }
    return true;
  }

  bool on_number_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, std::string_view, boost::system::error_code& ec) {
    return non_string(ec);
  }
  bool on_uint64(std::uint64_t, std::string_view, boost::system::error_code& ec) {
    return non_string(ec);
  }
  bool on_double(double, std::string_view, boost::system::error_code& ec) { return non_string(ec); }
  bool on_bool(bool, boost::system::error_code& ec) { return non_string(ec); }
  bool on_null(boost::system::error_code& ec) { return non_string(ec); }
  bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_comment(std::string_view, boost::system::error_code&) { return true; }

private:
  bool enter() {
    ++depth_;
    return true;
  }
  bool leave() {
    --depth_;
    return true;
  }
  // An array or object as a member value: fine for unknown members, wrong
  // for one of the nine fields.
  bool enter_value(boost::system::error_code& ec) {
    if (depth_ == 2 && current_ < field_count) return fail(errc::bad_field, ec);
    return enter();
  }
  // A scalar outside a row: at top level or as an array element.
  bool scalar_allowed(boost::system::error_code& ec) {
    if (depth_ <= 1) return fail(errc::bad_json, ec);
    return true;
  }
  bool non_string(boost::system::error_code& ec) {
    if (depth_ <= 1) return fail(errc::bad_json, ec);
    if (depth_ == 2 && current_ < field_count) return fail(errc::bad_field, ec);
    return true;
  }
  bool fail(errc e, boost::system::error_code& ec) {
    error = e;
    ec = make_error_code(e);
    return false;
  }

  bool finish_row(boost::system::error_code& ec) {
    if ((seen_ & all_fields) != all_fields) return fail(errc::missing_field, ec);
    instrument built;
    bool skip = false;
    if (const errc e = build_instrument(row_, built, skip); e != errc{}) return fail(e, ec);
    ++rows;
    if (skip) {
      ++skipped;
    } else {
      instruments.push_back(std::move(built));
    }
    return true;
  }

  std::size_t depth_ = 0;
  std::array<std::string, field_count> row_;
  std::uint32_t seen_ = 0;
  std::uint32_t partial_ = 0;
  std::size_t current_ = field_count;
  std::string key_;
};

}  // namespace

boost::system::result<std::vector<instrument>> parse_scrip_master(std::string_view json,
                                                                  scrip_master_stats* stats,
                                                                  std::size_t* error_row) {
  boost::json::basic_parser<scrip_master_handler> parser{boost::json::parse_options{}};
  // ~250 bytes per row in the real file: one allocation for the result.
  parser.handler().instruments.reserve(json.size() / 256 + 1);
  boost::system::error_code ec;
  const std::size_t used = parser.write_some(false, json.data(), json.size(), ec);
  auto& h = parser.handler();
  if (!ec && !trim(json.substr(used)).empty()) ec = make_error_code(errc::bad_json);
  if (!ec && !parser.done()) ec = make_error_code(errc::bad_json);
  if (ec) {
    if (error_row != nullptr) *error_row = h.rows;
    return make_error_code(h.error != errc{} ? h.error : errc::bad_json);
  }
  if (stats != nullptr) *stats = {h.rows, h.skipped};
  h.instruments.shrink_to_fit();
  return std::move(h.instruments);
}

// ---- symbols CSV -------------------------------------------------------------

namespace {

// One CSV record's fields: comma-separated, each optionally double-quoted
// ("" inside quotes is a quote), surrounding whitespace trimmed. False on an
// unterminated quote or text after a closing quote.
bool split_csv_line(std::string_view line, std::vector<std::string>& fields) {
  fields.clear();
  std::size_t i = 0;
  for (;;) {
    std::string field;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) return false;
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',') return false;
    } else {
      const std::size_t comma = line.find(',', i);
      const std::size_t end = comma == std::string_view::npos ? line.size() : comma;
      field = std::string(trim(line.substr(i, end - i)));
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

bool parse_enabled(std::string_view s, bool& out) noexcept {
  for (const std::string_view t : {"true", "1", "yes"}) {
    if (iequals(s, t)) {
      out = true;
      return true;
    }
  }
  for (const std::string_view f : {"false", "0", "no"}) {
    if (iequals(s, f)) {
      out = false;
      return true;
    }
  }
  return false;
}

}  // namespace

boost::system::result<std::vector<symbol_entry>> parse_symbols_csv(std::string_view csv,
                                                                   std::size_t* error_line) {
  const auto fail = [&](std::size_t line) {
    if (error_line != nullptr) *error_line = line;
    return make_error_code(errc::bad_csv);
  };
  // A UTF-8 byte-order mark, as spreadsheet exports write it.
  if (csv.substr(0, 3) == "\xEF\xBB\xBF") csv.remove_prefix(3);

  std::vector<symbol_entry> entries;
  std::vector<std::string> fields;
  bool header_seen = false;
  std::size_t line_number = 0;
  while (!csv.empty()) {
    ++line_number;
    const std::size_t newline = csv.find('\n');
    std::string_view line = csv.substr(0, newline);
    csv.remove_prefix(newline == std::string_view::npos ? csv.size() : newline + 1);
    line = trim(line);  // also drops the CR of CRLF
    if (line.empty()) continue;
    if (!split_csv_line(line, fields)) return fail(line_number);
    if (!header_seen) {
      if (fields.size() != 2 || !iequals(fields[0], "symbol_name") ||
          !iequals(fields[1], "enabled")) {
        return fail(line_number);
      }
      header_seen = true;
      continue;
    }
    symbol_entry entry;
    if (fields.size() != 2 || fields[0].empty() || !parse_enabled(fields[1], entry.enabled)) {
      return fail(line_number);
    }
    entry.symbol = std::move(fields[0]);
    entries.push_back(std::move(entry));
  }
  if (!header_seen) return fail(line_number == 0 ? 1 : line_number);
  return entries;
}

// ---- instrument_index --------------------------------------------------------

namespace {

constexpr std::uint8_t known_exchange_types[] = {
    exchange::nse_cm, exchange::nse_fo, exchange::bse_cm, exchange::bse_fo,
    exchange::mcx_fo, exchange::ncx_fo, exchange::cde_fo};

// §7: index tokens appear as "99926000" in the master and "26000" in the
// official examples. The short form is the long one without "999".
constexpr std::string_view index_prefix = "999";
constexpr std::size_t short_index_size = 5;

bool is_short_index_token(std::string_view t) noexcept {
  return t.size() == short_index_size && all_digits(t);
}
bool is_long_index_token(std::string_view t) noexcept {
  return t.size() == index_prefix.size() + short_index_size && t.substr(0, 3) == index_prefix &&
         all_digits(t);
}

}  // namespace

// The by-token key: the exchange type byte then the token, built on the
// stack so a lookup allocates nothing.
struct instrument_index::token_key {
  std::array<char, 1 + 25> bytes{};
  std::size_t size = 0;
  token_key(std::uint8_t exchange_type, std::string_view prefix, std::string_view token) noexcept {
    if (prefix.size() + token.size() > 25) return;  // no master token is longer
    bytes[0] = static_cast<char>(exchange_type);
    std::copy(prefix.begin(), prefix.end(), bytes.begin() + 1);
    std::copy(token.begin(), token.end(),
              bytes.begin() + 1 + static_cast<std::ptrdiff_t>(prefix.size()));
    size = 1 + prefix.size() + token.size();
  }
  bool valid() const noexcept { return size != 0; }
  std::string_view view() const noexcept { return {bytes.data(), size}; }
};

instrument_index::instrument_index(std::vector<instrument> instruments)
    : instruments_(std::move(instruments)) {
  by_token_.reserve(instruments_.size());
  by_trading_symbol_.reserve(instruments_.size());
  for (std::size_t i = 0; i < instruments_.size(); ++i) {
    const instrument& in = instruments_[i];
    const token_key key(in.exchange_type, {}, in.token);
    // A duplicated (segment, token) keeps its first row.
    if (key.valid()) by_token_.try_emplace(std::string(key.view()), i);
    by_trading_symbol_[in.trading_symbol].push_back(i);
    if (in.symbol != in.trading_symbol) by_key_symbol_[in.symbol].push_back(i);
  }
}

const instrument* instrument_index::find_exact_token(std::uint8_t exchange_type,
                                                     std::string_view prefix,
                                                     std::string_view token) const noexcept {
  const token_key key(exchange_type, prefix, token);
  if (!key.valid()) return nullptr;
  const auto it = by_token_.find(key.view());
  return it == by_token_.end() ? nullptr : &instruments_[it->second];
}

const instrument* instrument_index::find_by_token(std::uint8_t exchange_type,
                                                  std::string_view token) const {
  if (const auto* direct = find_exact_token(exchange_type, {}, token)) return direct;
  const instrument* other = nullptr;
  if (is_short_index_token(token)) {
    other = find_exact_token(exchange_type, index_prefix, token);
  } else if (is_long_index_token(token)) {
    other = find_exact_token(exchange_type, {}, token.substr(index_prefix.size()));
  }
  return other != nullptr && other->cls == instrument_class::index ? other : nullptr;
}

std::vector<const instrument*> instrument_index::candidates(std::string_view name,
                                                            std::string_view exchange) const {
  std::vector<const instrument*> result;
  std::uint8_t only = 0;
  if (!exchange.empty()) {
    const auto code = exchange_type_for_segment(exchange);
    if (!code) return result;
    only = *code;
  }
  // Per segment, the first tier with a match wins: token, then trading
  // symbol, then key symbol. Matches from different segments all count.
  for (const std::uint8_t segment : known_exchange_types) {
    if (only != 0 && segment != only) continue;
    if (const auto* by_token = find_by_token(segment, name)) {
      result.push_back(by_token);
      continue;
    }
    bool found = false;
    for (const auto* map : {&by_trading_symbol_, &by_key_symbol_}) {
      const auto it = map->find(name);
      if (it == map->end()) continue;
      for (const std::size_t i : it->second) {
        if (instruments_[i].exchange_type != segment) continue;
        result.push_back(&instruments_[i]);
        found = true;
      }
      if (found) break;
    }
  }
  return result;
}

boost::system::result<const instrument*> instrument_index::resolve(
    std::string_view name, std::string_view exchange) const {
  if (!exchange.empty() && !exchange_type_for_segment(exchange)) {
    return make_error_code(errc::unknown_exchange);
  }
  const auto found = candidates(name, exchange);
  if (found.empty()) return make_error_code(errc::unknown_symbol);
  if (found.size() > 1) return make_error_code(errc::ambiguous_symbol);
  return found.front();
}

}  // namespace tickgate::protocol

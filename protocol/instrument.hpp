// Instruments: Angel One's scrip master (§7), the seed's symbols_to_trade.csv,
// and symbol ↔ token resolution.
#pragma once

#include "protocol/errc.hpp"
#include "protocol/tick.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tickgate::protocol {

enum class instrument_class : std::uint8_t { equity, index, option, future, other };

std::string_view instrument_class_name(instrument_class c) noexcept;  // "equity", …

struct instrument {
  std::string token;            // as in the master: "2885", "99926000"
  std::string trading_symbol;   // master "symbol": "RELIANCE-EQ", "Nifty 50", "NIFTY25JUL2525100CE"
  std::string name;             // master "name": "RELIANCE", "NIFTY"
  std::string symbol;           // the key symbol used in Redis keys, see below
  std::string exchange;         // master "exch_seg": "NSE", "NFO", "BSE", "BFO", "MCX", "CDS", "NCX"
  std::uint8_t exchange_type = 0;  // §2.2 code for exch_seg (NSE/BSE indices: 1/3)
  std::string instrument_type;  // master "instrumenttype": "", "AMXIDX", "OPTIDX", …
  instrument_class cls = instrument_class::other;
  std::string expiry;           // "DDMMMYYYY" as in the master, "" when none
  double strike = 0;            // rupees (master ×100; CDS ×10^7); 0 when none
  std::int64_t lot_size = 0;
  double tick_size = 0;         // rupees (master ×100)
  std::string option_type;      // "CE" / "PE" from the symbol suffix, "" otherwise
};

// The key symbol (what follows "market_data_stream:" and "tickstock.ticks."):
// - cash equity with a "-EQ" trading symbol: the master name ("RELIANCE");
// - index (AMXIDX): the master name ("NIFTY", "BANKNIFTY");
// - everything else: the trading symbol ("NIFTY25JUL2525100CE", "SBIN-BE").

// "NSE" → 1, "NFO" → 2, "BSE" → 3, "BFO" → 4, "MCX" → 5, "NCX"/"NCDEX" → 7,
// "CDS" → 13 (case-insensitive). Error: unknown_exchange.
boost::system::result<std::uint8_t> exchange_type_for_segment(std::string_view exch_seg);

// Parses OpenAPIScripMaster.json: one JSON array of objects whose values are
// strings (newer copies add booleans, ignored). Rows of unknown exch_seg are
// skipped and counted, not errors. Errors: bad_json, missing_field, bad_field
// (the error names the row index through `error_row` when given).
// Details: streamed (SAX, no DOM), so memory is the result plus one row.
// Every row must carry the nine fields token, symbol, name, expiry, strike,
// lotsize, instrumenttype, exch_seg, tick_size as strings (absent →
// missing_field, another type → bad_field); other members are ignored
// whatever their type. strike and tick_size must be decimal numbers and
// lotsize an integer, token non-empty (bad_field otherwise). A row is
// checked for missing fields before its exch_seg decides whether it is
// skipped. error_row is the 0-based index of the offending row (for bad_json
// the number of rows completed before the syntax error).
// Mapping: strike ÷100 (÷10^7 for CDS OPTCUR/OPTIRC), ≤ 0 → 0; tick_size
// ÷100; class AMXIDX → index, OPT* → option, FUT* → future, "" on NSE/BSE →
// equity, else other; option_type "CE"/"PE" from the symbol's suffix for
// options.
struct scrip_master_stats {
  std::size_t rows = 0;
  std::size_t skipped = 0;
};
boost::system::result<std::vector<instrument>> parse_scrip_master(
    std::string_view json, scrip_master_stats* stats = nullptr, std::size_t* error_row = nullptr);

// symbols_to_trade.csv: header "symbol_name,enabled", then one row per
// symbol; enabled is true/false/1/0/yes/no (case-insensitive); blank lines
// and surrounding whitespace ignored; CRLF accepted. Error: bad_csv (with the
// 1-based line through `error_line` when given).
// Details: the header must be the first non-blank line (names
// case-insensitive); every row has exactly two fields and a non-empty
// symbol; fields may be double-quoted ("" for a quote); a leading UTF-8 BOM
// is ignored. No header at all (empty input) is bad_csv at line 1.
struct symbol_entry {
  std::string symbol;
  bool enabled = true;
  friend bool operator==(const symbol_entry&, const symbol_entry&) = default;
};
boost::system::result<std::vector<symbol_entry>> parse_symbols_csv(
    std::string_view csv, std::size_t* error_line = nullptr);

// Lookup over a loaded master. Resolution of a user-supplied name:
//  1. a token: exact match within the exchange (index tokens also match in
//     their short form: "26000" ↔ "99926000", §7 contradiction);
//  2. an exact trading symbol ("RELIANCE-EQ", "NIFTY25JUL2525100CE");
//  3. a key symbol ("RELIANCE", "NIFTY"), which only equities and indices have
//     besides their trading symbol.
// When `exchange` is given ("NSE", "NFO", …) only that segment is searched.
// Errors: unknown_symbol, ambiguous_symbol (matches in several segments and no
// exchange given), unknown_exchange.
// Precisely: within each segment the first of the three tiers that matches
// wins; the matches of all searched segments are then pooled, so "RELIANCE"
// (NSE key symbol, BSE trading symbol) is ambiguous without an exchange.
// Two matches in one segment and one tier are ambiguous too. Matching is
// exact (case-sensitive) on names; the exchange is case-insensitive.
class instrument_index {
public:
  instrument_index() = default;
  explicit instrument_index(std::vector<instrument> instruments);

  const std::vector<instrument>& all() const noexcept { return instruments_; }

  boost::system::result<const instrument*> resolve(std::string_view name,
                                                   std::string_view exchange = {}) const;

  // The instrument for a frame's (exchangeType, token), accepting the short
  // index form; nullptr when unknown. Allocates nothing (one or two hash
  // lookups). The other form matches only an index instrument. The pointer
  // stays valid as long as the index.
  const instrument* find_by_token(std::uint8_t exchange_type, std::string_view token) const;

  // All matches of a name (for ambiguity messages).
  std::vector<const instrument*> candidates(std::string_view name,
                                            std::string_view exchange = {}) const;

private:
  // Heterogeneous lookup: find(std::string_view) without building a string.
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  template <class T>
  using string_map = std::unordered_map<std::string, T, string_hash, std::equal_to<>>;
  struct token_key;

  const instrument* find_exact_token(std::uint8_t exchange_type, std::string_view prefix,
                                     std::string_view token) const noexcept;

  std::vector<instrument> instruments_;
  // Built once; values index into instruments_.
  string_map<std::size_t> by_token_;  // exchange type byte followed by the token
  string_map<std::vector<std::size_t>> by_trading_symbol_;
  string_map<std::vector<std::size_t>> by_key_symbol_;  // only where it differs
};

}  // namespace tickgate::protocol

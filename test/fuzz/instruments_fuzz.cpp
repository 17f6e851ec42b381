// Fuzz target: the instrument master (protocol::parse_scrip_master, streamed
// JSON) and the symbols CSV (protocol::parse_symbols_csv), then the index
// built from a parsed master and lookups in it (protocol::instrument_index).
//
// The first input byte picks the parser; the rest is the document. Oracles:
// no crash, no sanitizer report, no exception; every parsed instrument has a
// non-empty token, every CSV row a non-empty symbol; every instrument can be
// resolved by its own token on its own exchange.
#include "protocol/instrument.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

using namespace tickgate;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "instruments_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    protocol::scrip_master_stats stats;
    std::size_t error_row = 0;
    auto parsed = protocol::parse_scrip_master(text, &stats, &error_row);
    if (!parsed) return 0;
    if (parsed->size() + stats.skipped != stats.rows) fail("rows and skipped do not add up");
    for (const auto& i : *parsed) {
      if (i.token.empty()) fail("instrument without a token");
    }
    const protocol::instrument_index index(std::move(*parsed));
    for (const auto& i : index.all()) {
      const auto found = index.resolve(i.token, i.exchange);
      // Two rows may share a token on one exchange (the master has such
      // duplicates): ambiguous is a fine answer, unknown is not.
      if (!found && found.error() == protocol::errc::unknown_symbol) fail("an instrument cannot be found by its token");
      (void)index.resolve(i.symbol, "");
      (void)index.resolve(i.trading_symbol, i.exchange);
    }
  } else {
    std::size_t error_line = 0;
    const auto parsed = protocol::parse_symbols_csv(text, &error_line);
    if (!parsed) {
      if (error_line == 0) fail("a CSV error without a line number");
      return 0;
    }
    for (const auto& row : *parsed) {
      if (row.symbol.empty()) fail("a CSV row without a symbol");
    }
  }
  return 0;
}

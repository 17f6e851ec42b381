// Loading the instrument master and turning what users ask for (config
// entries, the symbols CSV, REST bodies) into subscriptions, with errors that
// say which entry was wrong and why.
#pragma once

#include "gateway/config.hpp"
#include "gateway/subscription_plan.hpp"
#include "protocol/instrument.hpp"

#include <string>
#include <variant>
#include <vector>

namespace tickgate::gateway {

struct instrument_error {
  std::string origin;   // "instruments.subscribe[2]", "symbols.csv line 4", "body[1]"
  std::string message;  // "unknown symbol \"HDFC\" on NSE", "\"RELIANCE\" is ambiguous: NSE:2885, BSE:500325"
  std::string to_string() const { return origin.empty() ? message : origin + ": " + message; }
};

// Reads and parses the scrip master named in the config.
std::variant<protocol::instrument_index, instrument_error> load_instrument_index(
    const instruments_config& config);

// One requested instrument → a subscription. The token subscribed for an
// index follows feed.index_tokens (§7); the mode defaults to
// instruments.default_mode, the exchange (for symbols) to
// instruments.default_exchange.
std::variant<desired_subscription, instrument_error> resolve_instrument(
    const instrument_spec& spec, const protocol::instrument_index& index, const config& cfg);

// Everything the config asks for at start-up: instruments.subscribe, then the
// enabled rows of instruments.symbols_csv (duplicates collapse, the last mode
// wins). Errors stop at the first bad entry.
std::variant<std::vector<desired_subscription>, instrument_error> resolve_startup_subscriptions(
    const config& cfg, const protocol::instrument_index& index);

// "99926000" → "26000" for index master tokens ("999" + short form, §7);
// other tokens unchanged.
std::string short_index_token(std::string_view master_token);

}  // namespace tickgate::gateway

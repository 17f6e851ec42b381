#include "gateway/instruments.hpp"

#include "protocol/errc.hpp"

#include <fstream>
#include <sstream>

namespace tickgate::gateway {
namespace {

// Input size limits: Angel One's full OpenAPIScripMaster.json is ~40 MB; a
// symbols CSV of every NSE equity is well under 1 MB.
constexpr std::uintmax_t max_scrip_master_bytes = 512u << 20;
constexpr std::uintmax_t max_symbols_csv_bytes = 16u << 20;

std::variant<std::string, instrument_error> read_whole(const std::filesystem::path& path,
                                                       std::string origin, std::uintmax_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return instrument_error{std::move(origin), "cannot read " + path.string()};
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > limit) {
    return instrument_error{std::move(origin), path.string() + " is larger than the limit of " +
                                                   std::to_string(limit) + " bytes"};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

std::string describe_candidates(const std::vector<const protocol::instrument*>& candidates) {
  std::string out;
  for (std::size_t i = 0; i < candidates.size() && i < 8; ++i) {
    if (i > 0) out += ", ";
    out += candidates[i]->exchange;
    out += ':';
    out += candidates[i]->token;
    out += " (";
    out += candidates[i]->trading_symbol;
    out += ')';
  }
  if (candidates.size() > 8) out += ", …";
  return out;
}

}  // namespace

std::string short_index_token(std::string_view master_token) {
  if (master_token.size() > 3 && master_token.starts_with("999")) {
    return std::string(master_token.substr(3));
  }
  return std::string(master_token);
}

std::variant<protocol::instrument_index, instrument_error> load_instrument_index(
    const instruments_config& config) {
  auto text = read_whole(config.scrip_master, "instruments.scrip_master", max_scrip_master_bytes);
  if (auto* e = std::get_if<instrument_error>(&text)) return std::move(*e);
  protocol::scrip_master_stats stats;
  std::size_t row = 0;
  auto parsed = protocol::parse_scrip_master(std::get<std::string>(text), &stats, &row);
  if (!parsed) {
    return instrument_error{"instruments.scrip_master",
                            config.scrip_master.string() + ": " + parsed.error().message() +
                                " (row " + std::to_string(row) + ")"};
  }
  return protocol::instrument_index(std::move(*parsed));
}

std::variant<desired_subscription, instrument_error> resolve_instrument(
    const instrument_spec& spec, const protocol::instrument_index& index, const config& cfg) {
  const std::string_view name = spec.symbol.empty() ? std::string_view(spec.token) : spec.symbol;
  // Tokens are only unique within a segment: their exchange is mandatory
  // (config validation enforces it); symbols default to default_exchange.
  const std::string exchange = spec.exchange.empty() ? cfg.instruments.default_exchange : spec.exchange;
  const auto found = index.resolve(name, exchange);
  if (!found) {
    if (found.error() == protocol::errc::ambiguous_symbol) {
      // Appended, not "\"" + std::string(name): GCC 12 -O3 reports a false
      // -Wrestrict for operator+(const char*, std::string&&).
      std::string message = "\"";
      message.append(name).append("\" is ambiguous on ").append(exchange).append(": ");
      message += describe_candidates(index.candidates(name, exchange));
      return instrument_error{spec.origin, message};
    }
    if (found.error() == protocol::errc::unknown_symbol) {
      std::string message = "unknown symbol \"";
      message.append(name).append("\" on ").append(exchange);
      const auto elsewhere = index.candidates(name);
      if (!elsewhere.empty()) message += " (found on: " + describe_candidates(elsewhere) + ")";
      return instrument_error{spec.origin, message};
    }
    return instrument_error{spec.origin, found.error().message()};
  }
  const protocol::instrument& inst = **found;
  desired_subscription out;
  out.key.exchange_type = inst.exchange_type;
  out.key.token = inst.cls == protocol::instrument_class::index &&
                          cfg.feed.index_tokens == index_token_form::short_form
                      ? short_index_token(inst.token)
                      : inst.token;
  out.mode = spec.mode.value_or(cfg.instruments.default_mode);
  out.segment = inst.exchange;
  return out;
}

std::variant<std::vector<desired_subscription>, instrument_error> resolve_startup_subscriptions(
    const config& cfg, const protocol::instrument_index& index) {
  std::vector<desired_subscription> out;
  for (const auto& spec : cfg.instruments.subscribe) {
    auto r = resolve_instrument(spec, index, cfg);
    if (auto* e = std::get_if<instrument_error>(&r)) return std::move(*e);
    out.push_back(std::move(std::get<desired_subscription>(r)));
  }
  if (!cfg.instruments.symbols_csv.empty()) {
    auto text = read_whole(cfg.instruments.symbols_csv, "instruments.symbols_csv", max_symbols_csv_bytes);
    if (auto* e = std::get_if<instrument_error>(&text)) return std::move(*e);
    std::size_t line = 0;
    const auto rows = protocol::parse_symbols_csv(std::get<std::string>(text), &line);
    if (!rows) {
      return instrument_error{cfg.instruments.symbols_csv.string() + " line " + std::to_string(line),
                              rows.error().message()};
    }
    // Data rows start on line 2, after the header; blank lines are skipped,
    // so the origin names the symbol rather than a line number.
    for (const auto& row : *rows) {
      if (!row.enabled) continue;
      instrument_spec spec;
      spec.symbol = row.symbol;
      spec.origin = cfg.instruments.symbols_csv.filename().string() + " \"" + row.symbol + "\"";
      auto r = resolve_instrument(spec, index, cfg);
      if (auto* e = std::get_if<instrument_error>(&r)) return std::move(*e);
      out.push_back(std::move(std::get<desired_subscription>(r)));
    }
  }
  return out;
}

}  // namespace tickgate::gateway

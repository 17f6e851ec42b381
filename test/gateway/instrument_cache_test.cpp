// gateway::instrument_cache (tick_router.hpp): the router's one-probe table
// in front of instrument_index::find_by_token must answer exactly what the
// index answers, for every token form a frame can carry — decimal tokens
// (cached), index tokens in both spellings, leading zeros, letters, unknown
// tokens and other exchanges (all left to the index) — first time and again.
#define BOOST_TEST_MODULE gateway_instrument_cache
#include <boost/test/unit_test.hpp>

#include "gateway/tick_router.hpp"
#include "protocol/instrument.hpp"

#include <set>
#include <string>
#include <vector>

using namespace tickgate;

namespace {

protocol::instrument make(std::string token, std::string exchange, std::uint8_t type,
                          protocol::instrument_class cls, std::string symbol) {
  protocol::instrument in;
  in.token = std::move(token);
  in.exchange = std::move(exchange);
  in.exchange_type = type;
  in.cls = cls;
  in.symbol = symbol;
  in.trading_symbol = symbol;
  in.name = symbol;
  return in;
}

}  // namespace

BOOST_AUTO_TEST_CASE(answers_exactly_what_the_index_answers) {
  using protocol::instrument_class;
  std::vector<protocol::instrument> rows{
      make("99926000", "NSE", 1, instrument_class::index, "NIFTY"),
      make("99919000", "BSE", 3, instrument_class::index, "SENSEX"),
      make("2885", "NSE", 1, instrument_class::equity, "RELIANCE"),
      make("2885", "NFO", 2, instrument_class::option, "SAME2885"),  // same token, other segment
      make("0", "NSE", 1, instrument_class::equity, "ZERO"),
      make("ABC1", "MCX", 5, instrument_class::future, "LETTERS"),
      make("99912345", "NSE", 1, instrument_class::equity, "NOTINDEX"),
  };
  for (int i = 0; i < 5000; ++i) {  // enough to grow the table several times
    rows.push_back(make(std::to_string(40000 + i), "NFO", 2, instrument_class::option,
                        "OPT" + std::to_string(i)));
  }
  const protocol::instrument_index index(rows);
  gateway::instrument_cache cache;

  std::vector<std::pair<std::uint8_t, std::string>> probes{
      {1, "99926000"}, {1, "26000"},    {3, "19000"},  {3, "99919000"}, {1, "2885"},
      {2, "2885"},     {3, "2885"},     {1, "02885"},  {1, "0"},        {1, "00"},
      {5, "ABC1"},     {5, "abc1"},     {1, "12345"},  {1, "99912345"}, {2, "26000"},
      {1, "9999999999999999"},          {1, "99999999999999999"},       {1, "1"},
      {255, "40001"},  {0, "40001"},    {2, "44999"},  {2, "45000"},    {2, "40000"},
  };
  for (int i = 0; i < 5000; i += 7) probes.emplace_back(2, std::to_string(40000 + i));
  for (int round = 0; round < 3; ++round) {
    for (const auto& [type, token] : probes) {
      BOOST_TEST_CONTEXT("exchange " << int(type) << " token " << token << " round " << round) {
        BOOST_TEST(cache.find(index, type, token) == index.find_by_token(type, token));
      }
    }
  }
  // Only tokens the index knows were cached, each once.
  std::set<std::pair<std::uint8_t, std::string>> known;
  for (const auto& [type, token] : probes) {
    const bool decimal = !token.empty() && token.size() <= 16 &&
                         (token[0] != '0' || token.size() == 1) &&
                         token.find_first_not_of("0123456789") == std::string::npos;
    if (decimal && index.find_by_token(type, token) != nullptr) known.emplace(type, token);
  }
  BOOST_TEST(cache.size() == known.size());
}

// Scrip master parsing, symbols CSV and symbol ↔ token resolution (§7),
// against the shipped sample data and table-driven edge cases.
#define BOOST_TEST_MODULE instrument_test
#include <boost/test/unit_test.hpp>

#include "protocol/instrument.hpp"
#include "test/protocol/allocation_counter.hpp"
#include "test/support/process.hpp"

#include <string>

namespace tickgate::test {
namespace {

using protocol::errc;
using protocol::instrument;
using protocol::instrument_class;
using protocol::instrument_index;

const std::filesystem::path sample_master =
    std::filesystem::path(TICKGATE_SOURCE_DIR) / "deploy/data/OpenAPIScripMaster.sample.json";
const std::filesystem::path sample_symbols =
    std::filesystem::path(TICKGATE_SOURCE_DIR) / "deploy/data/symbols_to_trade.csv";

std::vector<instrument> load_sample(protocol::scrip_master_stats* stats = nullptr) {
  const std::string text = read_file(sample_master);
  BOOST_TEST_REQUIRE(!text.empty(), "missing " << sample_master);
  auto parsed = protocol::parse_scrip_master(text, stats);
  BOOST_TEST_REQUIRE(parsed.has_value(), parsed.error().message());
  return std::move(parsed).value();
}

const instrument_index& sample_index() {
  static const instrument_index index(load_sample());
  return index;
}

// One master row in the real file's field order.
std::string row(std::string_view token, std::string_view symbol, std::string_view name,
                std::string_view expiry, std::string_view strike, std::string_view lotsize,
                std::string_view type, std::string_view seg, std::string_view tick) {
  std::string r = R"({"token":")";
  r += token;
  r += R"(","symbol":")";
  r += symbol;
  r += R"(","name":")";
  r += name;
  r += R"(","expiry":")";
  r += expiry;
  r += R"(","strike":")";
  r += strike;
  r += R"(","lotsize":")";
  r += lotsize;
  r += R"(","instrumenttype":")";
  r += type;
  r += R"(","exch_seg":")";
  r += seg;
  r += R"(","tick_size":")";
  r += tick;
  r += R"("})";
  return r;
}

std::string equity_row(std::string_view token = "2885") {
  return row(token, "RELIANCE-EQ", "RELIANCE", "", "-1.000000", "1", "", "NSE", "5.000000");
}

instrument parse_one(const std::string& row_json) {
  auto parsed = protocol::parse_scrip_master("[" + row_json + "]");
  BOOST_TEST_REQUIRE(parsed.has_value(), row_json << " → " << parsed.error().message());
  BOOST_TEST_REQUIRE(parsed.value().size() == 1u);
  return parsed.value().front();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sample_master)

BOOST_AUTO_TEST_CASE(loads_every_row) {
  protocol::scrip_master_stats stats;
  const auto all = load_sample(&stats);
  BOOST_TEST(all.size() == 27u);
  BOOST_TEST(stats.rows == 27u);
  BOOST_TEST(stats.skipped == 0u);
}

BOOST_AUTO_TEST_CASE(maps_fields_and_classes) {
  const auto& index = sample_index();
  const auto* nifty = index.find_by_token(1, "99926000");
  BOOST_TEST_REQUIRE(nifty != nullptr);
  BOOST_TEST(nifty->trading_symbol == "Nifty 50");
  BOOST_TEST(nifty->name == "NIFTY");
  BOOST_TEST(nifty->symbol == "NIFTY");
  BOOST_TEST((nifty->cls == instrument_class::index));
  BOOST_TEST(nifty->exchange == "NSE");
  BOOST_TEST(nifty->strike == 0.0);

  const auto* reliance = index.find_by_token(1, "2885");
  BOOST_TEST_REQUIRE(reliance != nullptr);
  BOOST_TEST(reliance->trading_symbol == "RELIANCE-EQ");
  BOOST_TEST(reliance->symbol == "RELIANCE");
  BOOST_TEST((reliance->cls == instrument_class::equity));
  BOOST_TEST(reliance->strike == 0.0);  // "-1.000000"
  BOOST_TEST(reliance->lot_size == 1);
  BOOST_TEST(reliance->tick_size == 0.05);
  BOOST_TEST(reliance->option_type == "");

  const auto* bse = index.find_by_token(3, "500325");
  BOOST_TEST_REQUIRE(bse != nullptr);
  BOOST_TEST(bse->symbol == "RELIANCE");  // no -EQ: the trading symbol
  BOOST_TEST((bse->cls == instrument_class::equity));
  BOOST_TEST(bse->exchange_type == 3);

  const auto* sensex = index.find_by_token(3, "99919000");
  BOOST_TEST_REQUIRE(sensex != nullptr);
  BOOST_TEST((sensex->cls == instrument_class::index));
  BOOST_TEST(sensex->symbol == "SENSEX");

  std::size_t options = 0;
  for (const auto& i : index.all()) {
    if (i.cls != instrument_class::option || i.exchange != "NFO") continue;
    ++options;
    BOOST_TEST(i.lot_size == 75);
    BOOST_TEST(i.tick_size == 0.05);
    BOOST_TEST(i.expiry == "26NOV2026");
    BOOST_TEST(i.symbol == i.trading_symbol);
    BOOST_TEST(i.trading_symbol.ends_with(i.option_type));
    BOOST_TEST((i.option_type == "CE" || i.option_type == "PE"));
    BOOST_TEST(i.strike >= 24000.0);
    BOOST_TEST(i.strike <= 24500.0);
    BOOST_TEST(i.trading_symbol ==
               "NIFTY26NOV26" + std::to_string(static_cast<int>(i.strike)) + i.option_type);
  }
  BOOST_TEST(options == 12u);

  const auto* future = index.resolve("NIFTY26NOV26FUT").value();
  BOOST_TEST((future->cls == instrument_class::future));
  BOOST_TEST(future->exchange_type == 2);
  const auto* crude = index.resolve("CRUDEOIL19NOV26FUT").value();
  BOOST_TEST((crude->cls == instrument_class::future));
  BOOST_TEST(crude->exchange_type == 5);
  BOOST_TEST(crude->tick_size == 1.0);
  const auto* usdinr = index.resolve("USDINR26NOV26FUT").value();
  BOOST_TEST((usdinr->cls == instrument_class::future));
  BOOST_TEST(usdinr->exchange_type == 13);
  const auto* usdinr_ce = index.resolve("USDINR26NOV2688CE").value();
  BOOST_TEST((usdinr_ce->cls == instrument_class::option));
  BOOST_TEST(usdinr_ce->strike == 88.0);  // ×10^7 for CDS OPTCUR
  BOOST_TEST(usdinr_ce->option_type == "CE");
  BOOST_TEST(usdinr_ce->tick_size == 0.0025);
}

BOOST_AUTO_TEST_CASE(resolution) {
  const auto& index = sample_index();
  const struct {
    std::string_view name;
    std::string_view exchange;
    std::string_view expected_token;  // "" when an error is expected
    errc expected_error;
  } cases[] = {
      {"RELIANCE", "", "", errc::ambiguous_symbol},
      {"RELIANCE", "NSE", "2885", {}},
      {"RELIANCE", "nse", "2885", {}},
      {"RELIANCE", "BSE", "500325", {}},
      {"RELIANCE-EQ", "", "2885", {}},
      {"NIFTY", "", "99926000", {}},
      {"Nifty 50", "", "99926000", {}},
      {"NIFTY", "NFO", "", errc::unknown_symbol},
      {"BANKNIFTY", "", "99926009", {}},
      {"FINNIFTY", "NSE", "99926037", {}},
      {"SENSEX", "", "99919000", {}},
      {"26000", "", "99926000", {}},
      {"99926000", "", "99926000", {}},
      {"26000", "NSE", "99926000", {}},
      {"26000", "BSE", "", errc::unknown_symbol},
      {"26009", "", "99926009", {}},
      {"19000", "", "99919000", {}},
      {"2885", "", "2885", {}},
      {"2885", "BSE", "", errc::unknown_symbol},
      {"500325", "", "500325", {}},
      {"TCS", "", "11536", {}},
      {"SBIN", "", "3045", {}},
      {"NIFTY26NOV2624000CE", "", "43650", {}},
      {"NIFTY26NOV2624000PE", "NFO", "43651", {}},
      {"NIFTY26NOV2624000CE", "NSE", "", errc::unknown_symbol},
      {"43650", "NFO", "43650", {}},
      {"reliance", "", "", errc::unknown_symbol},
      {"UNKNOWN", "", "", errc::unknown_symbol},
      {"", "", "", errc::unknown_symbol},
      {"RELIANCE", "XYZ", "", errc::unknown_exchange},
  };
  for (const auto& c : cases) {
    const auto r = index.resolve(c.name, c.exchange);
    if (c.expected_token.empty()) {
      BOOST_TEST_REQUIRE(r.has_error(), c.name << "/" << c.exchange);
      BOOST_TEST(r.error() == make_error_code(c.expected_error),
                 c.name << "/" << c.exchange << " → " << r.error().message());
    } else {
      BOOST_TEST_REQUIRE(r.has_value(),
                         c.name << "/" << c.exchange << " → " << r.error().message());
      BOOST_TEST(r.value()->token == c.expected_token, c.name << "/" << c.exchange);
    }
  }
}

BOOST_AUTO_TEST_CASE(candidates_list_every_match) {
  const auto found = sample_index().candidates("RELIANCE");
  BOOST_TEST_REQUIRE(found.size() == 2u);
  BOOST_TEST(found[0]->exchange == "NSE");
  BOOST_TEST(found[1]->exchange == "BSE");
  BOOST_TEST(sample_index().candidates("RELIANCE", "NSE").size() == 1u);
  BOOST_TEST(sample_index().candidates("RELIANCE", "XYZ").empty());
  BOOST_TEST(sample_index().candidates("nothing").empty());
}

BOOST_AUTO_TEST_CASE(find_by_token_both_index_forms) {
  const auto& index = sample_index();
  const struct {
    std::uint8_t exchange_type;
    std::string_view token;
    std::string_view expected;  // "" → nullptr
  } cases[] = {
      {1, "2885", "2885"},
      {1, "26000", "99926000"},
      {1, "99926000", "99926000"},
      {3, "19000", "99919000"},
      {3, "500325", "500325"},
      {2, "43650", "43650"},
      {1, "43650", ""},
      {2, "2885", ""},
      {1, "", ""},
      {1, "26001", ""},
      {3, "26000", ""},
      {9, "2885", ""},
      {1, std::string_view("12345678901234567890123456789"), ""},
      {2, "99943650", ""},  // long form of a non-index token: no
  };
  for (const auto& c : cases) {
    const auto* found = index.find_by_token(c.exchange_type, c.token);
    if (c.expected.empty()) {
      BOOST_TEST(found == nullptr, int{c.exchange_type} << "/" << c.token);
    } else {
      BOOST_TEST_REQUIRE(found != nullptr, int{c.exchange_type} << "/" << c.token);
      BOOST_TEST(found->token == c.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(find_by_token_allocates_nothing) {
  const auto& index = sample_index();
  const std::size_t before = allocation_count();
  std::size_t hits = 0;
  for (int i = 0; i < 1000; ++i) {
    hits += index.find_by_token(1, "2885") != nullptr;
    hits += index.find_by_token(1, "26000") != nullptr;
    hits += index.find_by_token(2, "43655") != nullptr;
    hits += index.find_by_token(2, "00000") != nullptr;
  }
  BOOST_TEST(allocation_count() == before);
  BOOST_TEST(hits == 3000u);
  // The counter does count: candidates() returns a vector.
  static_cast<void>(index.candidates("RELIANCE"));
  BOOST_TEST(allocation_count() > before);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(master_rows)

BOOST_AUTO_TEST_CASE(classes_key_symbols_and_scaling) {
  const struct {
    std::string row_json;
    instrument_class cls;
    std::string_view symbol;
    double strike;
    std::string_view option_type;
  } cases[] = {
      {row("1", "SBIN-BE", "SBIN", "", "-1.000000", "1", "", "NSE", "1.000000"),
       instrument_class::equity, "SBIN-BE", 0, ""},
      {row("2", "IDEA", "IDEA", "", "-1.000000", "1", "", "BSE", "1.000000"),
       instrument_class::equity, "IDEA", 0, ""},
      {row("3", "X", "X", "", "-1.000000", "1", "", "NFO", "5.000000"), instrument_class::other,
       "X", 0, ""},
      {row("4", "RELIANCE26NOV261500PE", "RELIANCE", "26NOV2026", "150000.000000", "500", "OPTSTK",
           "NFO", "5.000000"),
       instrument_class::option, "RELIANCE26NOV261500PE", 1500, "PE"},
      {row("5", "CRUDEOIL19NOV266000CE", "CRUDEOIL", "19NOV2026", "600000.000000", "100", "OPTFUT",
           "MCX", "10.000000"),
       instrument_class::option, "CRUDEOIL19NOV266000CE", 6000, "CE"},
      {row("6", "GOI26NOV267PE", "GOI", "26NOV2026", "70000000.000000", "2000", "OPTIRC", "CDS",
           "0.250000"),
       instrument_class::option, "GOI26NOV267PE", 7, "PE"},
      {row("7", "EURINR26NOV2690.25CE", "EURINR", "26NOV2026", "902500000.000000", "1", "OPTCUR",
           "CDS", "0.250000"),
       instrument_class::option, "EURINR26NOV2690.25CE", 90.25, "CE"},
      {row("8", "SBIN26NOV26FUT", "SBIN", "26NOV2026", "-1.000000", "750", "FUTSTK", "NFO",
           "10.000000"),
       instrument_class::future, "SBIN26NOV26FUT", 0, ""},
      {row("99920000", "MCXCOMDEX", "MCXCOMDEX", "", "0.000000", "1", "AMXIDX", "MCX", "0.000000"),
       instrument_class::index, "MCXCOMDEX", 0, ""},
      {row("9", "GOLD", "GOLD", "", "-1.000000", "1", "COMDTY", "MCX", "100.000000"),
       instrument_class::other, "GOLD", 0, ""},
      {row("10", "NIFTYBEES-EQ", "", "", "-1.000000", "1", "", "NSE", "1.000000"),
       instrument_class::equity, "NIFTYBEES", 0, ""},
  };
  for (const auto& c : cases) {
    const instrument i = parse_one(c.row_json);
    BOOST_TEST((i.cls == c.cls), c.row_json);
    BOOST_TEST(i.symbol == c.symbol, c.row_json);
    BOOST_TEST(i.strike == c.strike, c.row_json);
    BOOST_TEST(i.option_type == c.option_type, c.row_json);
  }
  BOOST_TEST(protocol::instrument_class_name(instrument_class::equity) == "equity");
  BOOST_TEST(protocol::instrument_class_name(instrument_class::index) == "index");
  BOOST_TEST(protocol::instrument_class_name(instrument_class::option) == "option");
  BOOST_TEST(protocol::instrument_class_name(instrument_class::future) == "future");
  BOOST_TEST(protocol::instrument_class_name(instrument_class::other) == "other");
}

BOOST_AUTO_TEST_CASE(extra_members_escapes_and_lot_sizes) {
  // Newer copies add freeze_qty (string) and is_cas_enabled (bool); anything
  // else unknown is skipped whatever its shape.
  std::string r = equity_row();
  r.insert(1, R"("freeze_qty":"1800","is_cas_enabled":false,"x":{"y":[1,{"z":null}]},"n":1.5,)");
  BOOST_TEST(parse_one(r).token == "2885");
  BOOST_TEST(parse_one(row("1", "Nifty \\u0035\\u0030", "NIFTY", "", "0.000000", "1", "AMXIDX",
                           "NSE", "0.000000"))
                 .trading_symbol == "Nifty 50");
  BOOST_TEST(parse_one(row("1", "A", "A", "", "-1", "75.000000", "", "NSE", "5")).lot_size == 75);
  BOOST_TEST(parse_one(row("1", "A", "A", "", " -1.000000 ", " 75 ", "", "nse", "5")).lot_size ==
             75);
}

BOOST_AUTO_TEST_CASE(unknown_segments_are_skipped_and_counted) {
  const std::string json =
      "[" + equity_row() + "," + row("1", "X", "X", "", "-1.000000", "1", "", "NCO", "1.000000") +
      "," + row("2", "Y", "Y", "", "bad strike is not checked", "1", "", "BCD", "1.000000") + "," +
      row("3", "Z", "Z", "", "-1.000000", "1", "", "NCDEX", "1.000000") + "]";
  protocol::scrip_master_stats stats;
  const auto parsed = protocol::parse_scrip_master(json, &stats);
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST(parsed.value().size() == 2u);
  BOOST_TEST(parsed.value()[1].exchange_type == 7);
  BOOST_TEST(stats.rows == 4u);
  BOOST_TEST(stats.skipped == 2u);
}

BOOST_AUTO_TEST_CASE(empty_master) {
  const auto parsed = protocol::parse_scrip_master(" [ ] \n");
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST(parsed.value().empty());
}

BOOST_AUTO_TEST_CASE(errors_name_the_row) {
  const std::string good = equity_row();
  std::string no_token = good;
  no_token.erase(1, std::string_view(R"("token":"2885",)").size());
  const struct {
    std::string json;
    errc expected;
    std::size_t row;
  } cases[] = {
      {"", errc::bad_json, 0},
      {"{}", errc::bad_json, 0},
      {R"("text")", errc::bad_json, 0},
      {"[1]", errc::bad_json, 0},
      {"[" + good + ",[]]", errc::bad_json, 1},
      {"[" + good + "," + good + ",\"x\"]", errc::bad_json, 2},
      {"[" + good + "] trailing", errc::bad_json, 1},
      {"[" + good + "," + good, errc::bad_json, 2},
      {"[" + good.substr(0, 40), errc::bad_json, 0},
      {"[" + good + "," + no_token + "]", errc::missing_field, 1},
      {"[{}]", errc::missing_field, 0},
      {"[" + row("1", "A", "A", "", "abc", "1", "", "NSE", "5") + "]", errc::bad_field, 0},
      {"[" + row("1", "A", "A", "", "", "1", "", "NSE", "5") + "]", errc::bad_field, 0},
      {"[" + row("1", "A", "A", "", "1", "7.5", "", "NSE", "5") + "]", errc::bad_field, 0},
      {"[" + row("1", "A", "A", "", "1", "x", "", "NSE", "5") + "]", errc::bad_field, 0},
      {"[" + row("1", "A", "A", "", "1", "1", "", "NSE", "nan") + "]", errc::bad_field, 0},
      // Tokens that cannot travel in a frame (§3.1), found by instruments_fuzz.
      {"[" + row(std::string(26, '9'), "A", "A", "", "1", "1", "", "NSE", "5") + "]", errc::bad_field, 0},
      {"[" + row("12 34", "A", "A", "", "1", "1", "", "NSE", "5") + "]", errc::bad_field, 0},
      {"[" + good + "," + row("", "A", "A", "", "1", "1", "", "NSE", "5") + "]", errc::bad_field,
       1},
      {R"([{"token":2885,"symbol":"A","name":"A","expiry":"","strike":"1","lotsize":"1","instrumenttype":"","exch_seg":"NSE","tick_size":"5"}])",
       errc::bad_field, 0},
      {R"([{"token":"1","symbol":null,"name":"A","expiry":"","strike":"1","lotsize":"1","instrumenttype":"","exch_seg":"NSE","tick_size":"5"}])",
       errc::bad_field, 0},
      {R"([{"token":"1","symbol":"A","name":["A"],"expiry":"","strike":"1","lotsize":"1","instrumenttype":"","exch_seg":"NSE","tick_size":"5"}])",
       errc::bad_field, 0},
      {R"([{"token":"1","symbol":"A","name":"A","expiry":{},"strike":"1","lotsize":"1","instrumenttype":"","exch_seg":"NSE","tick_size":"5"}])",
       errc::bad_field, 0},
      {R"([{"token":"1","symbol":"A","name":"A","expiry":"","strike":"1","lotsize":1,"instrumenttype":"","exch_seg":"NSE","tick_size":"5"}])",
       errc::bad_field, 0},
  };
  for (const auto& c : cases) {
    std::size_t error_row = 999;
    const auto parsed = protocol::parse_scrip_master(c.json, nullptr, &error_row);
    BOOST_TEST_REQUIRE(parsed.has_error(), c.json);
    BOOST_TEST(parsed.error() == make_error_code(c.expected),
               c.json << " → " << parsed.error().message());
    BOOST_TEST(error_row == c.row, c.json);
  }
}

BOOST_AUTO_TEST_CASE(exchange_segments) {
  const struct {
    std::string_view segment;
    int expected;  // -1: unknown_exchange
  } cases[] = {{"NSE", 1}, {"NFO", 2},   {"BSE", 3},  {"BFO", 4},  {"MCX", 5},
               {"NCX", 7}, {"NCDEX", 7}, {"CDS", 13}, {"cds", 13}, {"Nse", 1},
               {"", -1},   {"NCO", -1},  {"BCD", -1}, {"NSE ", -1}};
  for (const auto& c : cases) {
    const auto r = protocol::exchange_type_for_segment(c.segment);
    if (c.expected < 0) {
      BOOST_TEST(r.error() == make_error_code(errc::unknown_exchange), c.segment);
    } else {
      BOOST_TEST_REQUIRE(r.has_value(), c.segment);
      BOOST_TEST(int{r.value()} == c.expected, c.segment);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(index_edge_cases)

instrument make(std::string token, std::string trading_symbol, std::string symbol,
                std::uint8_t exchange_type, instrument_class cls) {
  instrument i;
  i.token = std::move(token);
  i.trading_symbol = std::move(trading_symbol);
  i.symbol = std::move(symbol);
  i.exchange_type = exchange_type;
  i.exchange = exchange_type == 1 ? "NSE" : "BSE";
  i.cls = cls;
  return i;
}

BOOST_AUTO_TEST_CASE(short_form_in_the_master_accepts_the_long_form) {
  const instrument_index index({make("26000", "Nifty 50", "NIFTY", 1, instrument_class::index)});
  BOOST_TEST_REQUIRE(index.find_by_token(1, "99926000") != nullptr);
  BOOST_TEST(index.resolve("99926000").value()->token == "26000");
}

BOOST_AUTO_TEST_CASE(short_form_only_reaches_indices) {
  const instrument_index index({make("99912345", "ODD-EQ", "ODD", 1, instrument_class::equity)});
  BOOST_TEST(index.find_by_token(1, "99912345") != nullptr);
  BOOST_TEST(index.find_by_token(1, "12345") == nullptr);
}

BOOST_AUTO_TEST_CASE(same_segment_duplicates_are_ambiguous) {
  const instrument_index index({make("1", "DUP", "DUP", 1, instrument_class::other),
                                make("2", "DUP", "DUP", 1, instrument_class::other)});
  BOOST_TEST(index.resolve("DUP").error() == make_error_code(errc::ambiguous_symbol));
  BOOST_TEST(index.resolve("DUP", "NSE").error() == make_error_code(errc::ambiguous_symbol));
  BOOST_TEST(index.resolve("1").value()->token == "1");
}

BOOST_AUTO_TEST_CASE(within_a_segment_a_token_beats_a_symbol) {
  const instrument_index index({make("500", "A", "A", 1, instrument_class::other),
                                make("7", "500", "500", 1, instrument_class::other)});
  BOOST_TEST(index.resolve("500").value()->trading_symbol == "A");
}

BOOST_AUTO_TEST_CASE(a_duplicated_token_keeps_the_first_row) {
  const instrument_index index({make("5", "FIRST", "FIRST", 1, instrument_class::other),
                                make("5", "SECOND", "SECOND", 1, instrument_class::other)});
  BOOST_TEST(index.find_by_token(1, "5")->trading_symbol == "FIRST");
}

BOOST_AUTO_TEST_CASE(empty_index) {
  const instrument_index index;
  BOOST_TEST(index.all().empty());
  BOOST_TEST(index.find_by_token(1, "2885") == nullptr);
  BOOST_TEST(index.resolve("RELIANCE").error() == make_error_code(errc::unknown_symbol));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(symbols_csv)

BOOST_AUTO_TEST_CASE(shipped_file) {
  const std::string text = read_file(sample_symbols);
  BOOST_TEST_REQUIRE(!text.empty());
  const auto parsed = protocol::parse_symbols_csv(text);
  BOOST_TEST_REQUIRE(parsed.has_value());
  const std::vector<protocol::symbol_entry> expected{{"RELIANCE", true},  {"TCS", true},
                                                     {"INFY", true},      {"HDFCBANK", true},
                                                     {"ICICIBANK", true}, {"SBIN", false}};
  BOOST_TEST((parsed.value() == expected));
  // Every enabled symbol resolves on NSE in the shipped master.
  for (const auto& e : parsed.value()) {
    BOOST_TEST(sample_index().resolve(e.symbol, "NSE").has_value(), e.symbol);
  }
}

BOOST_AUTO_TEST_CASE(accepted_variants) {
  const struct {
    std::string_view csv;
    std::vector<protocol::symbol_entry> expected;
  } cases[] = {
      {"symbol_name,enabled\nRELIANCE,true\nTCS,true\nINFY,true\n",
       {{"RELIANCE", true}, {"TCS", true}, {"INFY", true}}},
      {"symbol_name,enabled\r\nA,false\r\nB,TRUE\r\n", {{"A", false}, {"B", true}}},
      {"\n\n  Symbol_Name , ENABLED  \n\n A , yes \n\nB,No\nC,1\nD,0",
       {{"A", true}, {"B", false}, {"C", true}, {"D", false}}},
      {"\xEF\xBB\xBFsymbol_name,enabled\nA,true\n", {{"A", true}}},
      {"symbol_name,enabled\n\"M&M\",true\n\"A,B\",false\n\"Q\"\"T\" , \"true\"\n",
       {{"M&M", true}, {"A,B", false}, {"Q\"T", true}}},
      {"symbol_name,enabled\n", {}},
  };
  for (const auto& c : cases) {
    const auto parsed = protocol::parse_symbols_csv(c.csv);
    BOOST_TEST_REQUIRE(parsed.has_value(), c.csv);
    BOOST_TEST((parsed.value() == c.expected), c.csv);
  }
}

BOOST_AUTO_TEST_CASE(errors_name_the_line) {
  const struct {
    std::string_view csv;
    std::size_t line;
  } cases[] = {
      {"", 1},
      {"\n\n", 2},
      {"symbol,enabled\nA,true\n", 1},
      {"symbol_name\nA\n", 1},
      {"symbol_name,enabled,extra\n", 1},
      {"\nA,true\nsymbol_name,enabled\n", 2},
      {"symbol_name,enabled\nA,true\nB\n", 3},
      {"symbol_name,enabled\nA,true,x\n", 2},
      {"symbol_name,enabled\n,true\n", 2},
      {"symbol_name,enabled\nA,maybe\n", 2},
      {"symbol_name,enabled\nA,\n", 2},
      {"symbol_name,enabled\n\n\nA,true\n\"B,true\n", 5},
      {"symbol_name,enabled\r\nA,true\r\n\"B\"x,true\r\n", 3},
  };
  for (const auto& c : cases) {
    std::size_t line = 0;
    const auto parsed = protocol::parse_symbols_csv(c.csv, &line);
    BOOST_TEST_REQUIRE(parsed.has_error(), c.csv);
    BOOST_TEST(parsed.error() == make_error_code(errc::bad_csv), c.csv);
    BOOST_TEST(line == c.line, c.csv);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace tickgate::test

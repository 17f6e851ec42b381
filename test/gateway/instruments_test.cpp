#define BOOST_TEST_MODULE instruments
#include <boost/test/unit_test.hpp>

#include "gateway/instruments.hpp"

#include <fstream>

using namespace tickgate;
using namespace tickgate::gateway;

namespace {

struct fixture {
  config cfg;
  protocol::instrument_index index;

  fixture() {
    cfg.instruments.scrip_master =
        std::string(TICKGATE_SOURCE_DIR) + "/deploy/data/OpenAPIScripMaster.sample.json";
    auto loaded = load_instrument_index(cfg.instruments);
    BOOST_REQUIRE(std::holds_alternative<protocol::instrument_index>(loaded));
    index = std::get<protocol::instrument_index>(std::move(loaded));
  }

  std::variant<desired_subscription, instrument_error> resolve(std::string symbol, std::string exchange = "",
                                                               std::string token = "") {
    instrument_spec spec;
    spec.symbol = std::move(symbol);
    spec.token = std::move(token);
    spec.exchange = std::move(exchange);
    spec.origin = "test";
    return resolve_instrument(spec, index, cfg);
  }

  desired_subscription ok(std::string symbol, std::string exchange = "", std::string token = "") {
    auto r = resolve(std::move(symbol), std::move(exchange), std::move(token));
    if (auto* e = std::get_if<instrument_error>(&r)) BOOST_FAIL(e->to_string());
    return std::get<desired_subscription>(r);
  }

  std::string error(std::string symbol, std::string exchange = "") {
    auto r = resolve(std::move(symbol), std::move(exchange));
    BOOST_REQUIRE(std::holds_alternative<instrument_error>(r));
    return std::get<instrument_error>(r).to_string();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(resolution, fixture)

BOOST_AUTO_TEST_CASE(symbols_resolve_on_the_default_exchange) {
  const auto s = ok("RELIANCE");
  BOOST_TEST(s.key.exchange_type == 1);
  BOOST_TEST(s.key.token == "2885");
  BOOST_TEST(s.segment == "NSE");
  BOOST_TEST((s.mode == protocol::mode::snap_quote));  // instruments.default_mode
  BOOST_TEST(ok("RELIANCE", "BSE").key.token == "500325");
  BOOST_TEST(ok("NIFTY26NOV2624000CE", "NFO").key.token == "43650");
  BOOST_TEST(ok("", "NFO", "43651").key.token == "43651");
}

BOOST_AUTO_TEST_CASE(index_token_form_follows_the_config) {
  BOOST_TEST(ok("NIFTY").key.token == "99926000");
  cfg.feed.index_tokens = index_token_form::short_form;
  BOOST_TEST(ok("NIFTY").key.token == "26000");
  BOOST_TEST(ok("SENSEX", "BSE").key.token == "19000");
  BOOST_TEST(ok("RELIANCE").key.token == "2885");  // only indices change
  BOOST_TEST(short_index_token("99926009") == "26009");
  BOOST_TEST(short_index_token("2885") == "2885");
}

BOOST_AUTO_TEST_CASE(errors_say_what_is_wrong) {
  // HDFC merged into HDFCBANK: the seed's example symbol no longer exists.
  const auto unknown = error("HDFC");
  BOOST_TEST(unknown.find("test: unknown symbol \"HDFC\" on NSE") == 0u);
  // On another exchange: the error says where it is.
  const auto elsewhere = error("NIFTY26NOV2624000CE");
  BOOST_TEST(elsewhere.find("unknown symbol") != std::string::npos);
  BOOST_TEST(elsewhere.find("NFO:43650") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(startup_set_merges_config_and_csv) {
  cfg.instruments.symbols_csv = std::string(TICKGATE_SOURCE_DIR) + "/deploy/data/symbols_to_trade.csv";
  instrument_spec nifty;
  nifty.symbol = "NIFTY";
  nifty.mode = protocol::mode::quote;
  cfg.instruments.subscribe.push_back(nifty);
  auto r = resolve_startup_subscriptions(cfg, index);
  BOOST_REQUIRE(std::holds_alternative<std::vector<desired_subscription>>(r));
  const auto& subs = std::get<std::vector<desired_subscription>>(r);
  BOOST_TEST(subs.size() == 6u);  // NIFTY + five enabled CSV rows (SBIN is disabled)
  for (const auto& s : subs) BOOST_TEST(s.key.token != "3045");
}

BOOST_AUTO_TEST_CASE(bad_csv_row_names_the_file_and_symbol) {
  const auto dir = std::filesystem::temp_directory_path() / "tickgate-instruments-test.csv";
  std::ofstream(dir) << "symbol_name,enabled\nRELIANCE,true\nNOSUCH,true\n";
  cfg.instruments.symbols_csv = dir;
  auto r = resolve_startup_subscriptions(cfg, index);
  BOOST_REQUIRE(std::holds_alternative<instrument_error>(r));
  const auto message = std::get<instrument_error>(r).to_string();
  BOOST_TEST(message.find("NOSUCH") != std::string::npos);
  std::filesystem::remove(dir);
}

BOOST_AUTO_TEST_CASE(oversized_instrument_files_are_refused) {
  // Input size limits (issue 7): sparse files just over each limit.
  const auto csv = std::filesystem::temp_directory_path() / "tickgate-instruments-huge.csv";
  std::ofstream(csv) << "symbol_name,enabled\n";
  std::filesystem::resize_file(csv, (std::uintmax_t{16} << 20) + 1);
  cfg.instruments.symbols_csv = csv;
  auto r = resolve_startup_subscriptions(cfg, index);
  BOOST_REQUIRE(std::holds_alternative<instrument_error>(r));
  BOOST_TEST(std::get<instrument_error>(r).to_string().find("larger than the limit") != std::string::npos);
  std::filesystem::remove(csv);

  const auto master = std::filesystem::temp_directory_path() / "tickgate-instruments-huge.json";
  std::ofstream(master) << "[]";
  std::filesystem::resize_file(master, (std::uintmax_t{512} << 20) + 1);
  instruments_config big;
  big.scrip_master = master;
  auto loaded = load_instrument_index(big);
  BOOST_REQUIRE(std::holds_alternative<instrument_error>(loaded));
  BOOST_TEST(std::get<instrument_error>(loaded).to_string().find("larger than the limit") != std::string::npos);
  std::filesystem::remove(master);
}

BOOST_AUTO_TEST_SUITE_END()

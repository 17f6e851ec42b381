// tickgate-cli's key families from the "redis" config section: databases
// (a sink's own or the URL's), SCAN patterns (prefixes glob-escaped), types
// and the TTLs the gateway sets; disabled sinks are left out.
#define BOOST_TEST_MODULE cli_key_families
#include <boost/test/unit_test.hpp>

#include "gateway/cli/key_families.hpp"

#include <boost/json.hpp>

using namespace tickgate;
using namespace tickgate::gateway::cli;

namespace {

storage::storage_config parse(std::string_view text) {
  std::string detail;
  auto c = storage::parse_storage_config(boost::json::parse(text), &detail);
  BOOST_REQUIRE_MESSAGE(c.has_value(), detail);
  return *c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(defaults_put_every_family_in_the_urls_db) {
  const auto families = key_families(parse(R"({"url": "redis://127.0.0.1:6379/3"})"));
  BOOST_REQUIRE_EQUAL(families.size(), 4u);
  BOOST_TEST(families[0].name == "stream");
  BOOST_TEST(families[0].patterns == std::vector<std::string>{"market_data_stream:*"},
             boost::test_tools::per_element());
  BOOST_TEST(families[0].type == "stream");
  BOOST_TEST(!families[0].ttl.has_value());
  BOOST_TEST(families[1].name == "lists");
  BOOST_TEST(families[1].patterns ==
                 (std::vector<std::string>{"ticks:*:indextick", "ticks:*:optiontick:*"}),
             boost::test_tools::per_element());
  BOOST_TEST(families[2].name == "price");
  BOOST_TEST(families[2].ttl->count() == 10);
  BOOST_TEST(families[3].name == "candles");
  BOOST_TEST(families[3].type == "hash");
  BOOST_TEST(families[3].ttl->count() == 3600);
  for (const auto& f : families) BOOST_TEST(f.db == 3);
  BOOST_TEST(stream_db(parse(R"({"url": "redis://127.0.0.1:6379/3"})")) == 3);
}

BOOST_AUTO_TEST_CASE(sinks_name_their_own_db_ttl_and_prefix) {
  const auto config = parse(R"({"sinks": {
      "stream": {"db": 4, "ttl_seconds": 57600, "key_prefix": "md*["},
      "lists": {"enabled": false},
      "price": {"db": 2, "ttl_seconds": 0},
      "candles": {"db": 2, "ttl_seconds": null, "key_prefix": "c:"}}})");
  const auto families = key_families(config);
  BOOST_REQUIRE_EQUAL(families.size(), 3u);  // lists disabled
  BOOST_TEST(families[0].db == 4);
  BOOST_TEST(families[0].ttl->count() == 57600);
  BOOST_TEST(families[0].patterns.at(0) == "md\\*\\[*");  // the prefix matched literally
  BOOST_TEST(families[1].name == "price");
  BOOST_TEST(families[1].db == 2);
  BOOST_TEST(!families[1].ttl.has_value());  // 0: no TTL
  BOOST_TEST(families[2].patterns.at(0) == "c:*");
  BOOST_TEST(!families[2].ttl.has_value());
  BOOST_TEST(stream_key(config, "RELIANCE") == "md*[RELIANCE");
  BOOST_TEST(stream_db(config) == 4);
}

BOOST_AUTO_TEST_CASE(glob_metacharacters_are_escaped) {
  BOOST_TEST(glob_escape("plain:") == "plain:");
  BOOST_TEST(glob_escape("a*b?c[d]e\\") == "a\\*b\\?c\\[d\\]e\\\\");
}

// append_command and friends: golden encodings, number formatting, size
// accounting, and a round trip through the parser.
#define BOOST_TEST_MODULE storage_resp_encoder
#include <boost/test/unit_test.hpp>

#include "storage/resp_encoder.hpp"
#include "storage/resp_parser.hpp"
#include "storage/resp_value.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace tickgate::test {
namespace {

using storage::append_command;
using storage::resp_arg;

BOOST_AUTO_TEST_CASE(golden_encodings) {
  using namespace std::string_literals;
  struct row {
    std::vector<resp_arg> args;
    std::string expected;
  };
  const std::string key = "price:TCS";
  const row rows[] = {
      {{"PING"}, "*1\r\n$4\r\nPING\r\n"},
      {{"SET", key, "{}", "EX", 10},
       "*5\r\n$3\r\nSET\r\n$9\r\nprice:TCS\r\n$2\r\n{}\r\n$2\r\nEX\r\n$2\r\n10\r\n"},
      {{"ECHO", ""}, "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"},
      {{"ECHO", std::string_view("a\r\n\0b", 5)}, "*2\r\n$4\r\nECHO\r\n$5\r\na\r\n\0b\r\n"s},
      {{"INCRBY", "k", -42}, "*3\r\n$6\r\nINCRBY\r\n$1\r\nk\r\n$3\r\n-42\r\n"},
      {{"X", std::numeric_limits<std::int64_t>::min()},
       "*2\r\n$1\r\nX\r\n$20\r\n-9223372036854775808\r\n"},
      {{"X", std::numeric_limits<std::uint64_t>::max()},
       "*2\r\n$1\r\nX\r\n$20\r\n18446744073709551615\r\n"},
      {{"X", 1234.5}, "*2\r\n$1\r\nX\r\n$6\r\n1234.5\r\n"},
      {{"X", 0.1}, "*2\r\n$1\r\nX\r\n$3\r\n0.1\r\n"},
      {{"X", 1e300}, "*2\r\n$1\r\nX\r\n$6\r\n1e+300\r\n"},
      {{"X", std::numeric_limits<double>::infinity()}, "*2\r\n$1\r\nX\r\n$3\r\ninf\r\n"},
  };
  for (const row& r : rows) {
    std::string out = "prefix";
    append_command(out, std::span<const resp_arg>(r.args));
    BOOST_TEST(out == "prefix" + r.expected);
    BOOST_TEST(storage::encoded_size(r.args) == r.expected.size());
  }
}

BOOST_AUTO_TEST_CASE(variadic_form_matches_span_form) {
  std::string a;
  std::string b;
  const std::string value = "{\"ltp\":1}";
  append_command(a, "LPUSH", std::string_view("ticks:k"), value, 7u, -3, 2.5);
  append_command(b, {"LPUSH", "ticks:k", value, 7u, -3, 2.5});
  BOOST_TEST(a == b);
}

BOOST_AUTO_TEST_CASE(copied_arguments_keep_inline_numbers) {
  const resp_arg original(12345);
  const resp_arg copy = original;  // must not point into `original`
  BOOST_TEST(copy.view() == "12345");
  resp_arg assigned("x");
  assigned = original;
  BOOST_TEST(assigned.view() == "12345");
}

BOOST_AUTO_TEST_CASE(building_blocks_for_variable_commands) {
  std::string out;
  storage::append_array_header(out, 3);
  storage::append_bulk(out, "XADD");
  storage::append_bulk(out, "s");
  storage::append_bulk(out, resp_arg(99).view());
  BOOST_TEST(out == "*3\r\n$4\r\nXADD\r\n$1\r\ns\r\n$2\r\n99\r\n");
}

// Whatever the encoder writes, the parser reads back as an array of the same
// bulk strings (Redis parses requests with the same grammar).
BOOST_AUTO_TEST_CASE(round_trip_through_the_parser) {
  std::string long_arg(100000, 'x');
  const std::vector<resp_arg> args = {
      "XADD",  "market_data_stream:TCS", "MAXLEN", "~", 10000, "*", "ltp", 3901.55, "payload",
      long_arg};
  std::string out;
  append_command(out, std::span<const resp_arg>(args));
  storage::resp_parser p;
  storage::resp_builder b;
  std::string_view in = out;
  while (!in.empty()) {
    auto r = p.next(in);
    BOOST_REQUIRE(r && *r);
    b.on_node(**r);
    in.remove_prefix(p.consumed());
  }
  BOOST_REQUIRE(p.done());
  const storage::resp_value v = b.take();
  BOOST_REQUIRE_EQUAL(v.elements.size(), args.size());
  for (std::size_t i = 0; i < args.size(); ++i) {
    BOOST_TEST(v.elements[i].string == args[i].view());
  }
}

BOOST_AUTO_TEST_CASE(appending_into_reserved_buffer_does_not_reallocate) {
  std::string out;
  out.reserve(4096);
  const char* before = out.data();
  for (int i = 0; i < 20; ++i)
    append_command(out, "SET", "price:INFY", "{\"ltp\":1500.5}", "EX", 10);
  BOOST_TEST(static_cast<const void*>(out.data()) == static_cast<const void*>(before));
}

}  // namespace
}  // namespace tickgate::test

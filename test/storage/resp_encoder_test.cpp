// append_command and friends: golden encodings, number formatting, size
// accounting, and a round trip through the parser.
#define BOOST_TEST_MODULE storage_resp_encoder
#include <boost/test/unit_test.hpp>

#include "storage/resp_encoder.hpp"
#include "storage/resp_parser.hpp"
#include "storage/resp_value.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
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

// Doubles take a fast path for prices (n / 100); its text must be exactly
// the shortest round-trip text of std::to_chars, whatever the value: fixed
// notation for 1e-4 <= |v| < 1e15, scientific beyond.
std::string shortest(double v) {
  char buf[400];
  const double a = std::fabs(v);
  const auto r = (a != 0 && (a < 1e-4 || a >= 1e15))
                     ? std::to_chars(buf, buf + sizeof buf, v)
                     : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

BOOST_AUTO_TEST_CASE(doubles_are_the_shortest_round_trip_text) {
  std::size_t mismatches = 0;
  const auto check = [&](double v) {
    if (resp_arg(v).view() != shortest(v)) {
      if (++mismatches <= 5) BOOST_TEST_MESSAGE(shortest(v) << " became " << resp_arg(v).view());
    }
  };
  // Every price in paise up to ₹1 lakh and past it, both signs.
  for (std::int64_t paise = -200'000; paise <= 200'000; ++paise) {
    check(static_cast<double>(paise) / 100.0);
  }
  for (std::int64_t paise = -10'050'000; paise <= 10'050'000; paise += 37) {
    check(static_cast<double>(paise) / 100.0);
  }
  // Neighbours of prices (not n / 100 exactly), sub-paisa and huge values.
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> any(-2e5, 2e5);
  for (int i = 0; i < 200'000; ++i) {
    const double v = any(rng);
    check(v);
    check(std::nextafter(std::round(v * 100) / 100, 1e300));
    check(std::round(v * 1000) / 1000);
  }
  std::uniform_real_distribution<double> large(-2e13, 2e13);
  for (int i = 0; i < 100'000; ++i) {
    const double v = large(rng);
    check(v);
    check(std::round(v * 100) / 100);
  }
  for (double v : {0.0, -0.0, 0.01, 0.001, 0.005, 1e-4, 9.999e-5, 99999.99, 100000.0, 1e5 - 0.005,
                   1e13, 1e13 - 0.01, 1e15, 1e15 - 0.125, -1e15, 1e-300, 1.7976931348623157e308}) {
    check(v);
  }
  BOOST_TEST(mismatches == 0u);
  BOOST_TEST(resp_arg(3901.55).view() == "3901.55");
  BOOST_TEST(resp_arg(3890.0).view() == "3890");
  BOOST_TEST(resp_arg(3901.5).view() == "3901.5");
  BOOST_TEST(resp_arg(-0.05).view() == "-0.05");
  // Never scientific for a price: consumers parse candle fields as decimals.
  BOOST_TEST(resp_arg(100000.0).view() == "100000");
  BOOST_TEST(resp_arg(130000.0).view() == "130000");
  BOOST_TEST(resp_arg(123456.75).view() == "123456.75");
  BOOST_TEST(resp_arg(0.0001).view() == "0.0001");
  BOOST_TEST(resp_arg(1e15).view() == "1e+15");
}

BOOST_AUTO_TEST_CASE(sized_writers_match_the_appending_ones) {
  const std::string long_text(150, 'a');
  for (std::string_view s : {std::string_view(), std::string_view("x"), std::string_view("0123456789"),
                             std::string_view(long_text)}) {
    std::string appended;
    storage::append_bulk(appended, s);
    std::string put(storage::bulk_size(s.size()), '\0');
    BOOST_TEST(storage::put_bulk(put.data(), s) == put.data() + put.size());
    BOOST_TEST(put == appended);
    std::string two(storage::bulk_size(s.size() + 3), '\0');
    storage::put_bulk(two.data(), "ab:", s);
    std::string appended_two;
    storage::append_bulk(appended_two, "ab:", s);
    BOOST_TEST(two == appended_two);
  }
  for (std::size_t count : {0u, 9u, 10u, 99u, 100u, 12345u}) {
    std::string appended;
    storage::append_array_header(appended, count);
    BOOST_TEST(appended.size() == storage::array_header_size(count));
    BOOST_TEST(appended == "*" + std::to_string(count) + "\r\n");
  }
}

}  // namespace
}  // namespace tickgate::test

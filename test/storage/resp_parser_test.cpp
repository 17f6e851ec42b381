// resp_parser + resp_builder: every RESP2/RESP3 type, nesting, attributes,
// push frames, streamed values, malformed input; each case fed whole, split
// at every byte offset, and byte by byte; then mutation fuzzing that checks
// splitting never changes the outcome.
#define BOOST_TEST_MODULE storage_resp_parser
#include <boost/test/unit_test.hpp>

#include "storage/errc.hpp"
#include "storage/resp_parser.hpp"
#include "storage/resp_value.hpp"

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace tickgate::test {
namespace {

using storage::errc;
using storage::resp_type;
using storage::resp_value;

// What a reader gets from a byte stream cut into `pieces`: the complete
// replies, then either the error that stopped parsing or nothing.
struct outcome {
  std::vector<resp_value> replies;
  boost::system::error_code error;
  bool incomplete = false;  // bytes left over that do not form a reply yet

  friend bool operator==(const outcome&, const outcome&) = default;
};

outcome feed(const std::vector<std::string>& pieces, storage::resp_limits limits = {}) {
  storage::resp_parser parser(limits);
  storage::resp_builder builder;
  outcome out;
  std::string buffer;
  std::size_t pos = 0;
  for (const std::string& piece : pieces) {
    buffer += piece;
    for (;;) {
      auto r = parser.next(std::string_view(buffer).substr(pos));
      if (!r) {
        out.error = r.error();
        return out;
      }
      if (!*r) break;
      BOOST_REQUIRE_GT(parser.consumed(), 0u);
      pos += parser.consumed();
      builder.on_node(**r);
      if (parser.done()) out.replies.push_back(builder.take());
    }
  }
  out.incomplete = pos != buffer.size() || parser.depth() != 0;
  return out;
}

std::vector<std::vector<std::string>> every_split(const std::string& bytes) {
  std::vector<std::vector<std::string>> out;
  out.push_back({bytes});
  for (std::size_t i = 1; i < bytes.size(); ++i) {
    out.push_back({bytes.substr(0, i), bytes.substr(i)});
  }
  std::vector<std::string> singles;
  for (char c : bytes) singles.emplace_back(1, c);
  out.push_back(singles);
  return out;
}

resp_value leaf(resp_type t, std::string s) {
  resp_value v;
  v.type = t;
  v.string = std::move(s);
  return v;
}
resp_value simple(std::string s) {
  return leaf(resp_type::simple_string, std::move(s));
}
resp_value bulk(std::string s) {
  return leaf(resp_type::bulk_string, std::move(s));
}
resp_value integer(std::int64_t i) {
  resp_value v = leaf(resp_type::integer, std::to_string(i));
  v.integer = i;
  return v;
}
resp_value dbl(std::string text, double d) {
  resp_value v = leaf(resp_type::double_type, std::move(text));
  v.number = d;
  return v;
}
resp_value boolean(bool b) {
  resp_value v = leaf(resp_type::boolean, b ? "t" : "f");
  v.integer = b ? 1 : 0;
  return v;
}
resp_value nil() {
  return resp_value{};
}
resp_value aggregate(resp_type t, std::vector<resp_value> elements) {
  resp_value v;
  v.type = t;
  v.elements = std::move(elements);
  return v;
}
resp_value arr(std::vector<resp_value> e) {
  return aggregate(resp_type::array, std::move(e));
}

struct good_case {
  const char* name;
  std::string bytes;
  resp_value expected;
};

std::vector<good_case> good_cases() {
  using namespace std::string_literals;
  return {
      // RESP2
      {"simple string", "+OK\r\n", simple("OK")},
      {"empty simple string", "+\r\n", simple("")},
      {"simple error", "-ERR unknown command\r\n",
       leaf(resp_type::simple_error, "ERR unknown command")},
      {"integer", ":1000\r\n", integer(1000)},
      {"negative integer", ":-42\r\n", integer(-42)},
      {"plus integer", ":+7\r\n",
       [] {
         auto v = integer(7);
         v.string = "+7";
         return v;
       }()},
      {"int64 min", ":-9223372036854775808\r\n", integer(INT64_MIN)},
      {"bulk string", "$5\r\nhello\r\n", bulk("hello")},
      {"empty bulk", "$0\r\n\r\n", bulk("")},
      {"bulk with CRLF inside", "$4\r\na\r\nb\r\n", bulk("a\r\nb")},
      {"binary bulk", "$3\r\n\0\xff\r\r\n"s, bulk("\0\xff\r"s)},
      {"null bulk", "$-1\r\n", nil()},
      {"array", "*2\r\n$3\r\nfoo\r\n:1\r\n", arr({bulk("foo"), integer(1)})},
      {"empty array", "*0\r\n", arr({})},
      {"null array", "*-1\r\n", nil()},
      {"nested arrays", "*2\r\n*1\r\n+a\r\n*0\r\n", arr({arr({simple("a")}), arr({})})},
      {"array with null", "*3\r\n:1\r\n$-1\r\n:2\r\n", arr({integer(1), nil(), integer(2)})},
      // RESP3
      {"null", "_\r\n", nil()},
      {"true", "#t\r\n", boolean(true)},
      {"false", "#f\r\n", boolean(false)},
      {"double", ",3.14\r\n", dbl("3.14", 3.14)},
      {"double exponent", ",-1.5e3\r\n", dbl("-1.5e3", -1500)},
      {"double integer", ",10\r\n", dbl("10", 10)},
      {"double inf", ",inf\r\n", dbl("inf", INFINITY)},
      {"double -inf", ",-inf\r\n", dbl("-inf", -INFINITY)},
      {"double overflow", ",1e999\r\n", dbl("1e999", INFINITY)},
      {"double underflow", ",-1e-999\r\n", dbl("-1e-999", -0.0)},
      {"big number", "(3492890328409238509324850943850943825024385\r\n",
       leaf(resp_type::big_number, "3492890328409238509324850943850943825024385")},
      {"negative big number", "(-12\r\n", leaf(resp_type::big_number, "-12")},
      {"bulk error", "!21\r\nSYNTAX invalid syntax\r\n",
       leaf(resp_type::bulk_error, "SYNTAX invalid syntax")},
      {"verbatim", "=15\r\ntxt:Some string\r\n", leaf(resp_type::verbatim_string, "Some string")},
      {"empty verbatim", "=4\r\nmkd:\r\n", leaf(resp_type::verbatim_string, "")},
      {"map", "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
       aggregate(resp_type::map, {simple("first"), integer(1), simple("second"), integer(2)})},
      {"empty map", "%0\r\n", aggregate(resp_type::map, {})},
      {"set", "~3\r\n+a\r\n+b\r\n+c\r\n",
       aggregate(resp_type::set, {simple("a"), simple("b"), simple("c")})},
      {"push", ">3\r\n+message\r\n+chan\r\n$7\r\npayload\r\n",
       aggregate(resp_type::push, {simple("message"), simple("chan"), bulk("payload")})},
      {"map of aggregates", "%1\r\n*1\r\n:1\r\n~1\r\n#t\r\n",
       aggregate(resp_type::map, {arr({integer(1)}), aggregate(resp_type::set, {boolean(true)})})},
      {"top-level attribute",
       "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n"
       "*2\r\n:2039123\r\n:9543892\r\n",
       arr({integer(2039123), integer(9543892)})},
      {"attribute inside array", "*2\r\n|1\r\n+ttl\r\n:3600\r\n:1\r\n:2\r\n",
       arr({integer(1), integer(2)})},
      {"attribute before last element", "*2\r\n:1\r\n|1\r\n+a\r\n+b\r\n:2\r\n",
       arr({integer(1), integer(2)})},
      {"empty attribute", "|0\r\n:5\r\n", integer(5)},
      {"streamed string", "$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n",
       bulk("Hello word")},
      {"empty streamed string", "$?\r\n;0\r\n", bulk("")},
      {"streamed array", "*?\r\n:1\r\n:2\r\n:3\r\n.\r\n",
       arr({integer(1), integer(2), integer(3)})},
      {"empty streamed array", "*?\r\n.\r\n", arr({})},
      {"streamed map", "%?\r\n+a\r\n:1\r\n.\r\n",
       aggregate(resp_type::map, {simple("a"), integer(1)})},
      {"streamed inside array", "*3\r\n:1\r\n$?\r\n;2\r\nab\r\n;0\r\n:3\r\n",
       arr({integer(1), bulk("ab"), integer(3)})},
      {"array inside streamed", "*?\r\n*1\r\n:1\r\n*?\r\n.\r\n.\r\n",
       arr({arr({integer(1)}), arr({})})},
  };
}

BOOST_AUTO_TEST_CASE(every_type_at_every_split_point) {
  for (const good_case& c : good_cases()) {
    BOOST_TEST_CONTEXT("case " << c.name) {
      // Twice back to back: the first reply's end must not leak into the second.
      const std::string twice = c.bytes + c.bytes;
      for (const auto& pieces : every_split(twice)) {
        const outcome out = feed(pieces);
        BOOST_TEST(!out.error, out.error.message());
        BOOST_TEST(!out.incomplete);
        BOOST_REQUIRE_EQUAL(out.replies.size(), 2u);
        for (const resp_value& v : out.replies) {
          BOOST_TEST((v == c.expected), storage::to_debug_string(v)
                                            << " != " << storage::to_debug_string(c.expected));
        }
      }
      // Every proper prefix is incomplete, never an error or a reply.
      for (std::size_t i = 0; i < c.bytes.size(); ++i) {
        const outcome out = feed({c.bytes.substr(0, i)});
        BOOST_TEST(!out.error);
        BOOST_TEST(out.replies.empty());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(double_nan) {
  const outcome out = feed({",nan\r\n"});
  BOOST_REQUIRE_EQUAL(out.replies.size(), 1u);
  BOOST_TEST(std::isnan(out.replies[0].number));
}

BOOST_AUTO_TEST_CASE(nodes_report_depth_size_and_consumed) {
  storage::resp_parser p;
  const std::string bytes = "*2\r\n%1\r\n+k\r\n$1\r\nv\r\n:7\r\n";
  std::string_view in = bytes;
  struct expect {
    resp_type type;
    std::size_t size, depth, consumed;
    bool done;
  };
  const expect want[] = {{resp_type::array, 2, 0, 4, false},
                         {resp_type::map, 2, 1, 4, false},
                         {resp_type::simple_string, 0, 2, 4, false},
                         {resp_type::bulk_string, 0, 2, 7, false},
                         {resp_type::integer, 0, 1, 4, true}};
  for (const expect& w : want) {
    auto r = p.next(in);
    BOOST_REQUIRE(r && *r);
    const storage::resp_node node = r.value().value();
    BOOST_TEST(static_cast<int>(node.type) == static_cast<int>(w.type));
    BOOST_TEST(node.aggregate_size == w.size);
    BOOST_TEST(node.depth == w.depth);
    BOOST_TEST(p.consumed() == w.consumed);
    BOOST_TEST(p.done() == w.done);
    in.remove_prefix(p.consumed());
  }
  BOOST_TEST(in.empty());
  auto r = p.next(in);
  BOOST_REQUIRE(r);
  BOOST_TEST(!r->has_value());
}

struct bad_case {
  const char* name;
  std::string bytes;
  errc expected;
  storage::resp_limits limits = {};
};

std::vector<bad_case> bad_cases() {
  storage::resp_limits small;
  small.max_line = 16;
  small.max_bulk = 10;
  small.max_aggregate = 5;
  small.max_depth = 3;
  return {
      {"unknown marker", "?x\r\n", errc::resp_bad_type},
      {"empty line", "\r\n", errc::resp_bad_type},
      {"CR without LF", "+OK\rX\n", errc::resp_missing_crlf},
      {"integer letters", ":abc\r\n", errc::resp_bad_integer},
      {"empty integer", ":\r\n", errc::resp_bad_integer},
      {"integer overflow", ":9223372036854775808\r\n", errc::resp_bad_integer},
      {"integer double sign", ":+-1\r\n", errc::resp_bad_integer},
      {"integer trailing", ":12 \r\n", errc::resp_bad_integer},
      {"double letters", ",abc\r\n", errc::resp_bad_double},
      {"empty double", ",\r\n", errc::resp_bad_double},
      {"boolean", "#x\r\n", errc::resp_bad_boolean},
      {"long boolean", "#tt\r\n", errc::resp_bad_boolean},
      {"null with payload", "_x\r\n", errc::resp_bad_length},
      {"big number letters", "(12a\r\n", errc::resp_bad_big_number},
      {"big number sign only", "(-\r\n", errc::resp_bad_big_number},
      {"bulk length letters", "$abc\r\n", errc::resp_bad_length},
      {"bulk length -2", "$-2\r\n", errc::resp_bad_length},
      {"bulk length empty", "$\r\n", errc::resp_bad_length},
      {"bulk length overflow", "$99999999999999999999999\r\n", errc::resp_bad_length},
      {"bulk too long for its length", "$3\r\nabcd\r\n", errc::resp_missing_crlf},
      {"bulk error null", "!-1\r\n", errc::resp_bad_length},
      {"verbatim too short", "=3\r\ntxt\r\n", errc::resp_bad_verbatim},
      {"verbatim without colon", "=4\r\ntxtx\r\n", errc::resp_bad_verbatim},
      {"array count letters", "*x\r\n", errc::resp_bad_length},
      {"array count overflow", "*99999999999999999999999\r\n", errc::resp_bad_length},
      {"map null", "%-1\r\n", errc::resp_bad_length},
      {"part outside streamed string", ";3\r\nabc\r\n", errc::resp_unexpected_chunk},
      {"end outside streamed aggregate", ".\r\n", errc::resp_unexpected_chunk},
      {"end inside counted array", "*1\r\n.\r\n", errc::resp_unexpected_chunk},
      {"value inside streamed string", "$?\r\n+x\r\n", errc::resp_bad_type},
      {"part length letters", "$?\r\n;x\r\n", errc::resp_bad_length},
      {"end with payload", "*?\r\n.x\r\n", errc::resp_bad_length},
      {"error after good values", "*2\r\n:1\r\n?\r\n", errc::resp_bad_type},
      {"line too long", "+" + std::string(17, 'a') + "\r\n", errc::resp_line_too_long, small},
      {"line too long, no CR", "+" + std::string(40, 'a'), errc::resp_line_too_long, small},
      {"bulk too long", "$11\r\n", errc::resp_bulk_too_long, small},
      {"aggregate too long", "*6\r\n", errc::resp_aggregate_too_long, small},
      {"nesting too deep", "*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", errc::resp_nesting_too_deep, small},
      {"streamed nesting too deep", "*1\r\n*1\r\n*1\r\n$?\r\n", errc::resp_nesting_too_deep, small},
  };
}

BOOST_AUTO_TEST_CASE(malformed_input_is_an_error_at_every_split_point) {
  for (const bad_case& c : bad_cases()) {
    BOOST_TEST_CONTEXT("case " << c.name) {
      for (const auto& pieces : every_split(c.bytes)) {
        const outcome out = feed(pieces, c.limits);
        BOOST_TEST(out.error == storage::make_error_code(c.expected), out.error.message());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(limits_are_inclusive) {
  storage::resp_limits small;
  small.max_line = 16;
  small.max_bulk = 10;
  small.max_aggregate = 5;
  small.max_depth = 3;
  const std::string cases[] = {"+" + std::string(16, 'a') + "\r\n", "$10\r\n0123456789\r\n",
                               "*5\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n", "*1\r\n*1\r\n*1\r\n:1\r\n",
                               "%?\r\n*1\r\n$?\r\n;0\r\n.\r\n"};
  for (const std::string& bytes : cases) {
    const outcome out = feed({bytes}, small);
    BOOST_TEST(!out.error, bytes << ": " << out.error.message());
    BOOST_TEST(out.replies.size() == 1u);
  }
}

BOOST_AUTO_TEST_CASE(errors_are_sticky_until_reset) {
  storage::resp_parser p;
  BOOST_TEST(!p.next("?\r\n"));
  BOOST_TEST(!p.next("+OK\r\n"));
  p.reset();
  auto r = p.next("+OK\r\n");
  BOOST_REQUIRE(r && *r);
  BOOST_TEST(p.done());
}

BOOST_AUTO_TEST_CASE(hostile_counts_do_not_allocate_up_front) {
  // A declared count of 2^32 elements must not make the builder reserve it.
  storage::resp_parser p;
  storage::resp_builder b;
  auto r = p.next("*4294967296\r\n");
  BOOST_REQUIRE(r && *r);
  b.on_node(**r);
  BOOST_TEST(!p.done());
}

// Mutation fuzzing: corrupt valid streams, then check the parser terminates
// without reading out of bounds (run under ASan in the sanitizer preset) and
// that feeding the same bytes whole or split at a random point gives the same
// outcome.
BOOST_AUTO_TEST_CASE(mutations_are_split_invariant) {
  std::mt19937_64 rng(20240115);
  const auto cases = good_cases();
  const char alphabet[] = "+-:$*%~>|_#,(!=;.?\r\n0123456789-tfa";
  storage::resp_limits limits;
  limits.max_depth = 8;
  limits.max_line = 64;
  limits.max_bulk = 64;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string bytes;
    const int n = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) bytes += cases[rng() % cases.size()].bytes;
    const int mutations = 1 + static_cast<int>(rng() % 3);
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
      const std::size_t at = rng() % bytes.size();
      switch (rng() % 3) {
        case 0: bytes[at] = alphabet[rng() % (sizeof alphabet - 1)]; break;
        case 1: bytes.erase(at, 1); break;
        default: bytes.insert(at, 1, alphabet[rng() % (sizeof alphabet - 1)]); break;
      }
    }
    const outcome whole = feed({bytes}, limits);
    const std::size_t cut = bytes.empty() ? 0 : rng() % bytes.size();
    const outcome split = feed({bytes.substr(0, cut), bytes.substr(cut)}, limits);
    BOOST_TEST_REQUIRE((whole.error == split.error && whole.incomplete == split.incomplete &&
                        whole.replies.size() == split.replies.size()),
                       "bytes: " << bytes << " cut at " << cut);
  }
}

BOOST_AUTO_TEST_CASE(random_bytes_are_split_invariant) {
  std::mt19937_64 rng(7);
  for (int iteration = 0; iteration < 5000; ++iteration) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const outcome whole = feed({bytes});
    const std::size_t cut = bytes.empty() ? 0 : rng() % bytes.size();
    const outcome split = feed({bytes.substr(0, cut), bytes.substr(cut)});
    BOOST_TEST_REQUIRE((whole == split), "iteration " << iteration << " cut at " << cut);
  }
}

}  // namespace
}  // namespace tickgate::test

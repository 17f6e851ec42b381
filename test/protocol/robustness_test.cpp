// Every parser and decoder in protocol/ fed deterministic random and mutated
// inputs: no crash, no exception, only error values, and whatever is
// accepted survives a re-encode unchanged.
#define BOOST_TEST_MODULE robustness_test
#include <boost/test/unit_test.hpp>

#include "protocol/frame.hpp"
#include "protocol/instrument.hpp"
#include "protocol/login.hpp"
#include "protocol/request.hpp"
#include "protocol/totp.hpp"
#include "test/support/process.hpp"

#include <exception>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace tickgate::test {
namespace {

using protocol::mode;

constexpr int iterations = 4000;

// Random edits of a valid input: byte flips, random bytes, truncation,
// insertion, deletion, duplication of a slice.
class mutator {
public:
  explicit mutator(std::uint64_t seed) : rng_(seed) {}

  std::string mutate(std::string s) {
    const int edits = pick(1, 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = s.empty() ? 0 : static_cast<std::size_t>(pick(0, int(s.size()) - 1));
      switch (pick(0, 6)) {
        case 0:
          if (!s.empty()) s[at] = static_cast<char>(s[at] ^ (1 << pick(0, 7)));
          break;
        case 1:
          if (!s.empty()) s[at] = random_byte();
          break;
        case 2: s.resize(at); break;
        case 3: s.insert(at, 1, random_byte()); break;
        case 4:
          if (!s.empty()) s.erase(at, static_cast<std::size_t>(pick(1, 8)));
          break;
        case 5: s.insert(at, s.substr(at, static_cast<std::size_t>(pick(1, 16)))); break;
        case 6: s.insert(at, interesting()); break;
      }
    }
    return s;
  }

  std::string random_bytes(std::size_t max) {
    std::string s(static_cast<std::size_t>(pick(0, int(max))), '\0');
    for (auto& c : s) c = random_byte();
    return s;
  }

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::mt19937_64& rng() { return rng_; }

private:
  char random_byte() { return static_cast<char>(pick(0, 255)); }

  std::string interesting() {
    static const std::vector<std::string> tokens{"{",
                                                 "}",
                                                 "[",
                                                 "]",
                                                 "\"",
                                                 ":",
                                                 ",",
                                                 "null",
                                                 "true",
                                                 "-1",
                                                 "1e400",
                                                 "\\u0000",
                                                 "\\",
                                                 "\xff",
                                                 "99999999999999999999999",
                                                 "\"tokens\"",
                                                 "\"data\"",
                                                 "\"status\"",
                                                 std::string(1, '\0'),
                                                 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["};
    return tokens[static_cast<std::size_t>(pick(0, int(tokens.size()) - 1))];
  }

  std::mt19937_64 rng_;
};

// Runs `f` and counts exceptions instead of letting one end the test.
std::size_t exceptions = 0;
void guarded(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    ++exceptions;
    BOOST_ERROR("exception: " << e.what());
  } catch (...) {
    ++exceptions;
    BOOST_ERROR("unknown exception");
  }
}

std::string seed_frame(mutator& m, mode md) {
  protocol::tick t;
  t.subscription_mode = md;
  t.exchange_type = 1;
  t.token = protocol::token_string::from(std::to_string(m.pick(1, 99999999)));
  t.sequence = m.pick(0, 1 << 30);
  t.ltp = m.pick(0, 1 << 30);
  t.volume = m.pick(0, 1 << 30);
  for (std::size_t i = 0; i < 5; ++i) {
    t.best_buy[i] = {m.pick(0, 3), m.pick(0, 100), static_cast<std::int16_t>(m.pick(0, 3))};
    t.best_sell[i] = {m.pick(0, 3), m.pick(0, 100), static_cast<std::int16_t>(m.pick(0, 3))};
  }
  t.depth_buy[3] = {5, 6, 7};
  std::string out;
  protocol::encode_frame(t, out);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(frames) {
  mutator m(1);
  constexpr mode modes[] = {mode::ltp, mode::quote, mode::snap_quote, mode::depth_20};
  std::size_t accepted = 0;
  protocol::tick reused;
  for (int i = 0; i < iterations; ++i) {
    std::string input = i % 10 == 0
                            ? m.random_bytes(500)
                            : m.mutate(seed_frame(m, modes[static_cast<std::size_t>(i % 4)]));
    // Mutations mostly change the length; keep a share at a valid length.
    if (i % 3 == 0 && !input.empty()) {
      const auto raw = static_cast<std::uint8_t>(input[0]);
      if (raw >= 1 && raw <= 4) input.resize(protocol::frame_size(static_cast<mode>(raw)), '\x01');
    }
    const auto bytes = std::as_bytes(std::span(input));
    const auto decoded = protocol::decode_frame(bytes);
    const auto ec = protocol::decode_frame(bytes, reused);
    BOOST_TEST_REQUIRE(decoded.has_value() == !ec, "iteration " << i);
    if (!decoded) continue;
    ++accepted;
    const auto& t = decoded.value();
    std::string from_value;
    std::string from_reused;
    protocol::encode_frame(t, from_value);
    protocol::encode_frame(reused, from_reused);
    BOOST_TEST_REQUIRE(from_value == from_reused);  // both overloads agree
    BOOST_TEST_REQUIRE(protocol::is_valid_token(t.token.view()));
    BOOST_TEST_REQUIRE(t.best_buy_count <= 5);
    BOOST_TEST_REQUIRE(t.best_sell_count <= 5);
    // Accepted frames re-encode to a frame that decodes to the same tick
    // (doubles compared by bits: a mutated double may be NaN).
    std::string again;
    protocol::encode_frame(t, again);
    const auto redecoded = protocol::decode_frame(std::as_bytes(std::span(again)));
    BOOST_TEST_REQUIRE(redecoded.has_value());
    std::string twice;
    protocol::encode_frame(redecoded.value(), twice);
    BOOST_TEST_REQUIRE(twice == again, "iteration " << i);
  }
  BOOST_TEST(accepted > 100u);  // the mutations reach the field decoding
  BOOST_TEST(accepted < static_cast<std::size_t>(iterations));
}

BOOST_AUTO_TEST_CASE(subscription_requests_and_server_text) {
  mutator m(2);
  const std::string seed =
      protocol::encode_subscription_request({"abcde12345",
                                             protocol::action::subscribe,
                                             mode::quote,
                                             {{1, {"2885", "26000"}}, {2, {"45829"}}}});
  const std::string error_seed = protocol::encode_server_error({"abcde12345", "E1002", "limit"});
  exceptions = 0;
  std::size_t accepted = 0;
  for (int i = 0; i < iterations; ++i) {
    const std::string input =
        i % 10 == 0 ? m.random_bytes(200) : m.mutate(i % 2 ? seed : error_seed);
    guarded([&] {
      const auto parsed = protocol::parse_subscription_request(input);
      if (parsed) {
        ++accepted;
        const auto again =
            protocol::parse_subscription_request(protocol::encode_subscription_request(*parsed));
        BOOST_TEST_REQUIRE(again.has_value());
        BOOST_TEST_REQUIRE((again.value() == parsed.value()));
      }
      const auto message = protocol::parse_server_text(input);
      if (const auto* unknown = std::get_if<protocol::server_unknown>(&message)) {
        BOOST_TEST_REQUIRE(unknown->text == input);
      }
    });
  }
  BOOST_TEST(exceptions == 0u);
  BOOST_TEST(accepted > 10u);
}

BOOST_AUTO_TEST_CASE(login_bodies_and_envelopes) {
  mutator m(3);
  const std::string seeds[] = {
      protocol::encode_login_request({"D12345", "1234", "123456"}),
      protocol::encode_refresh_request("eyJ.refresh"),
      protocol::encode_login_success({"Bearer eyJ.jwt", "eyJ.r", "eyJ.f"}),
      protocol::encode_login_failure("AB1007", "Login Id or password is invalid"),
      protocol::encode_login_failure("AG8001", "Invalid Token", protocol::envelope_shape::success),
  };
  exceptions = 0;
  for (int i = 0; i < iterations; ++i) {
    const std::string input =
        i % 10 == 0 ? m.random_bytes(200) : m.mutate(seeds[static_cast<std::size_t>(i % 5)]);
    guarded([&] {
      static_cast<void>(protocol::parse_login_request(input));
      static_cast<void>(protocol::parse_refresh_request(input));
      const auto r = protocol::parse_login_response(input);
      if (r && r->ok) BOOST_TEST_REQUIRE(!r->tokens.jwt.empty());
    });
  }
  BOOST_TEST(exceptions == 0u);
}

BOOST_AUTO_TEST_CASE(base32_and_totp) {
  mutator m(4);
  const auto key = protocol::decode_base32("JBSWY3DPEHPK3PXP").value();
  exceptions = 0;
  for (int i = 0; i < iterations; ++i) {
    const std::string input = i % 2 ? m.random_bytes(40) : m.mutate("JBSWY3DPEHPK3PXP");
    guarded([&] {
      const auto decoded = protocol::decode_base32(input);
      if (decoded) BOOST_TEST_REQUIRE(protocol::totp_code(*decoded, 1700000000).size() == 6u);
      static_cast<void>(protocol::verify_totp(key, input.substr(0, 6), 1700000000));
    });
  }
  BOOST_TEST(exceptions == 0u);
}

BOOST_AUTO_TEST_CASE(scrip_master_and_resolution) {
  mutator m(5);
  const std::string sample = read_file(std::filesystem::path(TICKGATE_SOURCE_DIR) /
                                       "deploy/data/OpenAPIScripMaster.sample.json");
  BOOST_TEST_REQUIRE(!sample.empty());
  const protocol::instrument_index sample_index(protocol::parse_scrip_master(sample).value());
  // Mutating a 5 KB document 4000 times is slow for nothing: mutate a
  // three-row excerpt instead (the first index, an equity, an option).
  const std::size_t first_row_end = sample.find("},") + 1;
  const std::string excerpt =
      "[" + sample.substr(2, first_row_end - 2) + "," +
      R"({"token":"2885","symbol":"RELIANCE-EQ","name":"RELIANCE","expiry":"","strike":"-1.000000","lotsize":"1","instrumenttype":"","exch_seg":"NSE","tick_size":"5.000000"},)"
      R"({"token":"43650","symbol":"NIFTY26NOV2624000CE","name":"NIFTY","expiry":"26NOV2026","strike":"2400000.000000","lotsize":"75","instrumenttype":"OPTIDX","exch_seg":"NFO","tick_size":"5.000000"}])";
  BOOST_TEST_REQUIRE(protocol::parse_scrip_master(excerpt).has_value(), excerpt);
  exceptions = 0;
  std::size_t accepted = 0;
  for (int i = 0; i < iterations; ++i) {
    const std::string input = i % 10 == 0 ? m.random_bytes(300) : m.mutate(excerpt);
    guarded([&] {
      std::size_t row = 0;
      protocol::scrip_master_stats stats;
      const auto parsed = protocol::parse_scrip_master(input, &stats, &row);
      if (parsed) {
        ++accepted;
        BOOST_TEST_REQUIRE(parsed->size() + stats.skipped == stats.rows);
        const protocol::instrument_index index(*parsed);
        for (const auto& in : index.all()) {
          static_cast<void>(index.find_by_token(in.exchange_type, in.token));
          static_cast<void>(index.resolve(in.trading_symbol));
        }
      }
      // Random names and exchanges against the real sample index.
      const std::string name = input.substr(0, static_cast<std::size_t>(m.pick(0, 30)));
      static_cast<void>(sample_index.resolve(name));
      static_cast<void>(sample_index.resolve(name, i % 2 ? "NSE" : name));
      static_cast<void>(
          sample_index.find_by_token(static_cast<std::uint8_t>(m.pick(0, 255)), name));
    });
  }
  BOOST_TEST(exceptions == 0u);
  BOOST_TEST(accepted > 10u);
}

BOOST_AUTO_TEST_CASE(symbols_csv) {
  mutator m(6);
  const std::string seed =
      "symbol_name,enabled\r\nRELIANCE,true\r\n\"M&M\",yes\r\n\r\nSBIN,false\r\n";
  exceptions = 0;
  std::size_t accepted = 0;
  for (int i = 0; i < iterations; ++i) {
    const std::string input = i % 10 == 0 ? m.random_bytes(100) : m.mutate(seed);
    guarded([&] {
      std::size_t line = 0;
      const auto parsed = protocol::parse_symbols_csv(input, &line);
      if (parsed) {
        ++accepted;
        for (const auto& e : *parsed) BOOST_TEST_REQUIRE(!e.symbol.empty());
      } else {
        BOOST_TEST_REQUIRE(line >= 1u);
      }
    });
  }
  BOOST_TEST(exceptions == 0u);
  BOOST_TEST(accepted > 10u);
}

}  // namespace tickgate::test

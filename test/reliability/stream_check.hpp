// What reached Redis, per instrument: the `sequence` field of every entry of
// market_data_stream:<SYMBOL>, in stream order, and a summary that the
// reliability tests assert on. The simulator numbers each instrument's ticks
// 1, 2, 3, … (design.md "Command-line contract"), so a gap is a lost tick and
// a repeat is a redelivery (at-least-once replay after a Redis outage).
// check_tracked_streams() asserts the part every reliability test shares.
// Include after <boost/test/unit_test.hpp> (it asserts with BOOST_TEST).
#pragma once

#include "test/support/redis_client.hpp"
#include "test/support/simulator.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tickgate::test {

struct sequence_summary {
  std::size_t entries = 0;       // stream entries
  std::int64_t first = 0;        // first sequence in stream order
  std::int64_t last = 0;         // highest sequence
  std::size_t distinct = 0;      // distinct sequences
  std::size_t missing = 0;       // sequences in [first, last] never written
  std::size_t duplicates = 0;    // entries - distinct
  std::size_t gaps = 0;          // runs of missing sequences
  // A first occurrence lower than an earlier first occurrence: ticks
  // reordered (a redelivered repeat does not count: it is not a first).
  std::size_t out_of_order = 0;
};

inline std::ostream& operator<<(std::ostream& os, const sequence_summary& s) {
  return os << "{entries " << s.entries << ", first " << s.first << ", last " << s.last
            << ", distinct " << s.distinct << ", missing " << s.missing << " in " << s.gaps
            << " gaps, duplicates " << s.duplicates << ", out_of_order " << s.out_of_order << "}";
}

// The `sequence` fields of XRANGE key - +, in stream order.
inline std::vector<std::int64_t> stream_sequences(redis_client& redis, const std::string& symbol) {
  const auto reply = redis.command({"XRANGE", "market_data_stream:" + symbol, "-", "+"});
  std::vector<std::int64_t> out;
  for (const auto& entry : reply.elements) {
    const auto& kv = entry.elements.at(1).elements;
    for (std::size_t i = 0; i + 1 < kv.size(); i += 2) {
      if (kv[i].string == "sequence") out.push_back(std::stoll(kv[i + 1].string));
    }
  }
  return out;
}

inline sequence_summary summarize(const std::vector<std::int64_t>& sequences) {
  sequence_summary s;
  s.entries = sequences.size();
  if (sequences.empty()) return s;
  s.first = sequences.front();
  std::set<std::int64_t> seen;
  std::int64_t highest_first = 0;
  for (const std::int64_t q : sequences) {
    if (seen.insert(q).second) {
      if (q < highest_first) ++s.out_of_order;
      highest_first = std::max(highest_first, q);
    }
    s.last = std::max(s.last, q);
  }
  s.distinct = seen.size();
  s.duplicates = s.entries - s.distinct;
  const std::int64_t low = std::min(s.first, *seen.begin());
  std::int64_t expected = low;
  for (const std::int64_t q : seen) {
    if (q != expected) {
      ++s.gaps;
      s.missing += static_cast<std::size_t>(q - expected);
    }
    expected = q + 1;
  }
  return s;
}

// The simulator's current sequence number of `token` (0 when it has none):
// the last tick it generated for that instrument.
inline std::int64_t sim_sequence(const simulator& sim, std::string_view token) {
  const auto stats = sim.stats();
  for (const auto& t : stats.as_object().at("tokens").as_array()) {
    const auto& o = t.as_object();
    if (o.at("token").as_string() == token) return o.at("sequence").to_number<std::int64_t>();
  }
  return 0;
}

// The tokens of the default gateway_options instruments (sample scrip master).
struct tracked {
  std::string symbol;
  std::string token;
};
inline const std::vector<tracked> default_tracked{{"RELIANCE", "2885"}, {"TCS", "11536"}, {"INFY", "1594"}};

// What a test allows in each tracked stream beyond the contract every one
// of them holds (the first tick is 1, first occurrences in order).
struct stream_expectation {
  std::size_t min_missing = 0;
  std::size_t max_missing = 0;
  std::size_t max_gaps = std::numeric_limits<std::size_t>::max();
  std::size_t max_duplicates = 0;
  // With a simulator: the last tick is at most what it generated and at
  // least `max_behind` below it (ticks in flight when the feed stopped).
  const simulator* sim = nullptr;
  std::int64_t max_behind = 0;
};

// Asserts `expect` on every default_tracked stream (one test context per
// symbol, the summary in the log) and returns the ticks missing in all.
inline std::size_t check_tracked_streams(redis_client& redis, const stream_expectation& expect) {
  std::size_t missing = 0;
  for (const auto& t : default_tracked) {
    BOOST_TEST_CONTEXT(t.symbol) {
      const auto s = summarize(stream_sequences(redis, t.symbol));
      BOOST_TEST_MESSAGE(t.symbol << " " << s);
      BOOST_TEST(s.first == 1);
      BOOST_TEST(s.out_of_order == 0u);
      BOOST_TEST(s.missing >= expect.min_missing);
      BOOST_TEST(s.missing <= expect.max_missing);
      BOOST_TEST(s.gaps <= expect.max_gaps);
      BOOST_TEST(s.duplicates <= expect.max_duplicates);
      if (expect.sim != nullptr) {
        const std::int64_t generated = sim_sequence(*expect.sim, t.token);
        BOOST_TEST(s.last <= generated);
        BOOST_TEST(s.last >= generated - expect.max_behind);
      }
      missing += s.missing;
    }
  }
  return missing;
}

}  // namespace tickgate::test

#define BOOST_TEST_MODULE sim_faults_unit
#include <boost/test/unit_test.hpp>

#include "protocol/frame.hpp"
#include "test/sim/faults.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace tickgate::test {
namespace {

using sim::fault_kind;

// The payload of a single server frame built by make_*_frame.
std::string payload_of(const std::string& frame) {
  BOOST_REQUIRE(frame.size() >= 2);
  BOOST_REQUIRE(static_cast<std::uint8_t>(frame[0]) == 0x82);  // FIN + binary
  std::size_t length = static_cast<std::uint8_t>(frame[1]);
  std::size_t header = 2;
  if (length == 126) {
    length = (std::size_t{static_cast<std::uint8_t>(frame[2])} << 8) |
             static_cast<std::uint8_t>(frame[3]);
    header = 4;
  } else if (length == 127) {
    length = 0;
    for (int i = 0; i < 8; ++i)
      length = (length << 8) | static_cast<std::uint8_t>(frame[2 + static_cast<std::size_t>(i)]);
    header = 10;
  }
  BOOST_REQUIRE(frame.size() == header + length);
  return frame.substr(header);
}

boost::system::error_code decode_error(const std::string& payload) {
  const auto t = protocol::decode_frame(std::as_bytes(std::span(payload.data(), payload.size())));
  return t ? boost::system::error_code{} : t.error();
}

BOOST_AUTO_TEST_CASE(parse_valid_faults) {
  struct row {
    std::string json;
    fault_kind kind;
    std::uint64_t count;
    unsigned status;
  };
  const std::vector<row> rows = {
      {R"({"kind":"drop"})", fault_kind::drop, 1, 0},
      {R"({"kind":"garbage","count":7})", fault_kind::garbage, 7, 0},
      {R"({"kind":"truncated","count":1000000})", fault_kind::truncated, 1'000'000, 0},
      {R"({"kind":"reject_handshakes","count":2})", fault_kind::reject_handshakes, 2, 401},
      {R"({"kind":"reject_handshakes","count":2,"status":429})", fault_kind::reject_handshakes, 2,
       429},
      {R"({"kind":"reject_logins"})", fault_kind::reject_logins, 1, 429},
      {R"({"kind":"reject_logins","status":200})", fault_kind::reject_logins, 1, 200},
      {R"({"kind":"expire_sessions"})", fault_kind::expire_sessions, 1, 0},
      {R"({"kind":"reset"})", fault_kind::reset, 1, 0},
  };
  for (const auto& r : rows) {
    const auto f = sim::parse_fault(r.json);
    BOOST_REQUIRE_MESSAGE(f.has_value(), r.json);
    BOOST_TEST((f.value().kind == r.kind), r.json);
    BOOST_TEST(f.value().count == r.count, r.json);
    BOOST_TEST(f.value().status == r.status, r.json);
    BOOST_TEST(sim::fault_kind_name(f.value().kind) ==
               r.json.substr(9, sim::fault_kind_name(r.kind).size()));
  }
  BOOST_TEST(sim::parse_fault(R"({"kind":"stall","seconds":2.5})").value().seconds == 2.5);
  BOOST_TEST(sim::parse_fault(R"({"kind":"huge","bytes":1048576})").value().bytes == 1'048'576u);
  BOOST_TEST(sim::parse_fault(R"({"kind":"close"})").value().close_code == 1001);
  BOOST_TEST(sim::parse_fault(R"({"kind":"close","code":4000})").value().close_code == 4000);
  BOOST_TEST((sim::parse_fault(R"({"kind":"drop","connection":3})").value().connection ==
              std::optional<std::uint64_t>(3)));
}

BOOST_AUTO_TEST_CASE(parse_invalid_faults) {
  for (const std::string json : {"",
                                 "null",
                                 "[]",
                                 "{}",
                                 R"({"kind":1})",
                                 R"({"kind":"DROP"})",
                                 R"({"kind":"stall"})",
                                 R"({"kind":"stall","seconds":0})",
                                 R"({"kind":"stall","seconds":3601})",
                                 R"({"kind":"stall","seconds":"3"})",
                                 R"({"kind":"garbage","count":0})",
                                 R"({"kind":"garbage","count":1000001})",
                                 R"({"kind":"garbage","count":-1})",
                                 R"({"kind":"garbage","count":1.5})",
                                 R"({"kind":"huge"})",
                                 R"({"kind":"huge","bytes":67108865})",
                                 R"({"kind":"reject_handshakes","status":403})",
                                 R"({"kind":"reject_logins","status":401})",
                                 R"({"kind":"close","code":999})",
                                 R"({"kind":"drop","connection":-1})",
                                 R"({"kind":"drop","connection":"1"})"}) {
    const auto f = sim::parse_fault(json);
    BOOST_TEST(!f.has_value(), json);
    if (!f) BOOST_TEST((f.error() == sim::errc::bad_fault), json);
  }
}

BOOST_AUTO_TEST_CASE(fault_state_counts_down_and_resets) {
  sim::fault_state s;
  BOOST_TEST(!s.take_handshake_rejection().has_value());
  s.reject_handshakes(2, 429);
  BOOST_TEST((s.take_handshake_rejection() == std::optional<unsigned>(429)));
  BOOST_TEST(s.pending_handshake_rejections() == 1u);
  BOOST_TEST((s.take_handshake_rejection() == std::optional<unsigned>(429)));
  BOOST_TEST(!s.take_handshake_rejection().has_value());
  s.reject_logins(1, 200);
  BOOST_TEST((s.take_login_rejection() == std::optional<unsigned>(200)));
  BOOST_TEST(!s.take_login_rejection().has_value());

  const auto now = std::chrono::steady_clock::now();
  BOOST_TEST(!s.stalled(now));
  s.stall_until(now + std::chrono::seconds(3));
  BOOST_TEST(s.stalled(now));
  BOOST_TEST(!s.stalled(now + std::chrono::seconds(3)));
  s.reject_handshakes(5, 401);
  s.reset();
  BOOST_TEST(!s.stalled(now));
  BOOST_TEST(s.pending_handshake_rejections() == 0u);
}

BOOST_AUTO_TEST_CASE(fault_frames_fail_to_decode_as_documented) {
  for (std::uint64_t i = 0; i < 300; ++i) {
    const auto garbage = payload_of(sim::make_garbage_frame(i));
    BOOST_TEST(garbage.size() == 51u);
    BOOST_TEST((decode_error(garbage) == protocol::errc::unknown_mode), i);
    const auto truncated = payload_of(sim::make_truncated_frame(i));
    BOOST_TEST(truncated.size() < protocol::frame_size(protocol::mode::quote));
    const auto expected =
        i % 4 == 0 ? protocol::errc::frame_too_short : protocol::errc::frame_length_mismatch;
    BOOST_TEST((decode_error(truncated) == expected), i);
  }
  for (const std::size_t bytes : {1000u, 70000u, 1u << 20}) {
    const auto huge = payload_of(sim::make_huge_frame(bytes));
    BOOST_TEST(huge.size() == bytes);
    BOOST_TEST((decode_error(huge) == protocol::errc::frame_length_mismatch));
  }
}

}  // namespace
}  // namespace tickgate::test

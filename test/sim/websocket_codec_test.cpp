#define BOOST_TEST_MODULE sim_websocket_codec
#include <boost/test/unit_test.hpp>

#include "test/sim/websocket_codec.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tickgate::test {
namespace {

using sim::client_frame_reader;
using sim::errc;
using sim::ws_opcode;

struct frame_spec {
  std::uint8_t opcode = 0x1;
  std::string payload;
  bool fin = true;
  bool masked = true;
  std::uint8_t rsv = 0;  // bits 4–6 of byte 0
  int length_form = 0;   // 0: minimal; 16 / 64: force that extended form
};

// A client frame as RFC 6455 §5.2 lays it out, masked with a fixed key.
std::string client_frame(const frame_spec& f) {
  std::string out;
  out.push_back(static_cast<char>((f.fin ? 0x80 : 0) | (f.rsv << 4) | f.opcode));
  const std::uint8_t mask_bit = f.masked ? 0x80 : 0;
  const std::size_t n = f.payload.size();
  if (f.length_form == 64 || (f.length_form == 0 && n > 0xFFFF)) {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<char>((std::uint64_t{n} >> (8 * i)) & 0xFF));
  } else if (f.length_form == 16 || (f.length_form == 0 && n > 125)) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>((n >> 8) & 0xFF));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | n));
  }
  const char key[4] = {'\x12', '\x34', '\x56', '\x78'};
  if (f.masked) out.append(key, 4);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(f.masked ? static_cast<char>(f.payload[i] ^ key[i & 3]) : f.payload[i]);
  }
  return out;
}

struct message {
  ws_opcode op;
  std::string payload;
  friend bool operator==(const message&, const message&) = default;
};

std::ostream& operator<<(std::ostream& os, const message& m) {
  return os << static_cast<int>(m.op) << ':' << m.payload;
}

std::vector<message> drain(client_frame_reader& reader, boost::system::error_code& ec) {
  std::vector<message> out;
  while (auto m = reader.next(ec)) out.push_back({m->op, std::string(m->payload)});
  return out;
}

BOOST_AUTO_TEST_CASE(accept_key_matches_rfc6455_example) {
  // RFC 6455 §1.3.
  BOOST_TEST(sim::sec_websocket_accept("dGhlIHNhbXBsZSBub25jZQ==") ==
             "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

BOOST_AUTO_TEST_CASE(websocket_key_validation) {
  BOOST_TEST(sim::is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ=="));
  BOOST_TEST(!sim::is_valid_websocket_key(""));
  BOOST_TEST(!sim::is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ="));    // 23 chars
  BOOST_TEST(!sim::is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ==="));  // 25 chars
  BOOST_TEST(!sim::is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZ!=="));   // bad alphabet
  BOOST_TEST(!sim::is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZQAA"));   // not 16 bytes
}

BOOST_AUTO_TEST_CASE(server_frame_headers) {
  struct row {
    std::size_t size;
    std::string header;
  };
  const std::vector<row> rows = {
      {0, std::string("\x82\x00", 2)},
      {51, "\x82\x33"},
      {125, "\x82\x7d"},
      {126, std::string("\x82\x7e\x00\x7e", 4)},
      {443, std::string("\x82\x7e\x01\xbb", 4)},
      {65535, "\x82\x7e\xff\xff"},
      {65536, std::string("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10)},
  };
  for (const auto& r : rows) {
    std::string out;
    sim::append_frame_header(out, ws_opcode::binary, r.size);
    BOOST_TEST(out == r.header, "size " << r.size);
    BOOST_TEST(sim::frame_header_size(r.size) == r.header.size());
  }
  std::string text;
  sim::append_frame(text, ws_opcode::text, "pong");
  BOOST_TEST(text == "\x81\x04pong");
  std::string close;
  sim::append_close_frame(close, 1001, "bye");
  BOOST_TEST(close == std::string("\x88\x05\x03\xe9"
                                  "bye",
                                  7));
  std::string long_reason;
  sim::append_close_frame(long_reason, 1000, std::string(300, 'x'));
  BOOST_TEST(long_reason.size() == 2 + 125u);  // control payload capped at 125
}

BOOST_AUTO_TEST_CASE(parses_every_message_kind) {
  client_frame_reader reader(1 << 20);
  std::string bytes;
  bytes += client_frame({0x1, "ping"});
  bytes += client_frame({0x2, std::string("\x00\x01", 2)});
  bytes += client_frame({0x9, "hb"});
  bytes += client_frame({0xA, ""});
  bytes += client_frame({0x1, std::string(200, 'a')});    // 16-bit length
  bytes += client_frame({0x1, std::string(70000, 'b')});  // 64-bit length
  bytes += client_frame({0x8,
                         "\x03\xe8"
                         "done"});
  reader.feed(bytes);
  boost::system::error_code ec;
  const auto got = drain(reader, ec);
  BOOST_TEST(!ec);
  const std::vector<message> want = {
      {ws_opcode::text, "ping"},
      {ws_opcode::binary, std::string("\x00\x01", 2)},
      {ws_opcode::ping, "hb"},
      {ws_opcode::pong, ""},
      {ws_opcode::text, std::string(200, 'a')},
      {ws_opcode::text, std::string(70000, 'b')},
      {ws_opcode::close,
       "\x03\xe8"
       "done"},
  };
  BOOST_TEST(got == want, boost::test_tools::per_element());
  BOOST_TEST(reader.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(every_split_point_yields_the_same_messages) {
  // A fragmented text message with a ping between its fragments, then a
  // 16-bit-length frame: fed in two pieces split at every byte.
  std::string bytes;
  bytes += client_frame({0x1, "{\"action\":", false});
  bytes += client_frame({0x9, "x"});
  bytes += client_frame({0x0, "1}", true});
  bytes += client_frame({0x1, std::string(300, 'z')});
  const std::vector<message> want = {
      {ws_opcode::ping, "x"},
      {ws_opcode::text, "{\"action\":1}"},
      {ws_opcode::text, std::string(300, 'z')},
  };
  for (std::size_t split = 0; split <= bytes.size(); ++split) {
    client_frame_reader reader(1 << 20);
    boost::system::error_code ec;
    std::vector<message> got;
    reader.feed(std::string_view(bytes).substr(0, split));
    for (auto& m : drain(reader, ec)) got.push_back(std::move(m));
    reader.feed(std::string_view(bytes).substr(split));
    for (auto& m : drain(reader, ec)) got.push_back(std::move(m));
    BOOST_TEST(!ec, "split " << split);
    BOOST_TEST(got == want, "split " << split);
  }
}

BOOST_AUTO_TEST_CASE(byte_by_byte_through_prepare_and_commit) {
  const std::string bytes =
      client_frame({0x1, std::string(1000, 'q')}) + client_frame({0x1, "ping"});
  client_frame_reader reader(1 << 20);
  boost::system::error_code ec;
  std::vector<message> got;
  for (const char c : bytes) {
    auto region = reader.prepare(1);
    BOOST_REQUIRE(!region.empty());
    region[0] = c;
    reader.commit(1);
    for (auto& m : drain(reader, ec)) got.push_back(std::move(m));
  }
  BOOST_TEST(!ec);
  BOOST_REQUIRE(got.size() == 2u);
  BOOST_TEST(got[0].payload == std::string(1000, 'q'));
  BOOST_TEST(got[1].payload == "ping");
}

BOOST_AUTO_TEST_CASE(framing_errors) {
  struct row {
    std::string name;
    std::string bytes;
    errc expected;
  };
  const std::vector<row> rows = {
      {"unmasked", client_frame({0x1, "ping", true, false}), errc::ws_unmasked_frame},
      {"rsv1", client_frame({0x1, "ping", true, true, 4}), errc::ws_reserved_bits},
      {"rsv3", client_frame({0x1, "ping", true, true, 1}), errc::ws_reserved_bits},
      {"opcode 3", client_frame({0x3, "x"}), errc::ws_bad_opcode},
      {"opcode 0xB", client_frame({0xB, "x"}), errc::ws_bad_opcode},
      {"fragmented ping", client_frame({0x9, "x", false}), errc::ws_bad_control_frame},
      {"ping of 126 bytes", client_frame({0x9, std::string(126, 'p')}), errc::ws_bad_control_frame},
      {"lone continuation", client_frame({0x0, "x"}), errc::ws_unexpected_continuation},
      {"text inside fragmented text", client_frame({0x1, "a", false}) + client_frame({0x1, "b"}),
       errc::ws_expected_continuation},
      {"non-minimal 16-bit length", client_frame({0x1, "abc", true, true, 0, 16}),
       errc::ws_bad_length},
      {"non-minimal 64-bit length", client_frame({0x1, std::string(1000, 'a'), true, true, 0, 64}),
       errc::ws_bad_length},
      {"64-bit length with top bit", std::string("\x81\xff\x80\x00\x00\x00\x00\x00\x00\x01", 10),
       errc::ws_bad_length},
      {"close with 1-byte payload", client_frame({0x8, "\x03"}), errc::ws_bad_close_payload},
      {"close with code 1005", client_frame({0x8, "\x03\xed"}), errc::ws_bad_close_payload},
      {"close with code 999", client_frame({0x8, "\x03\xe7"}), errc::ws_bad_close_payload},
  };
  for (const auto& r : rows) {
    client_frame_reader reader(1 << 20);
    reader.feed(r.bytes);
    boost::system::error_code ec;
    const auto got = drain(reader, ec);
    BOOST_TEST(got.empty(), r.name);
    BOOST_TEST(ec == sim::make_error_code(r.expected), r.name << ": " << ec.message());
    BOOST_TEST(sim::close_code_for(ec) == 1002, r.name);
    // Sticky: later valid input does not revive the stream.
    reader.feed(client_frame({0x1, "ping"}));
    boost::system::error_code again;
    BOOST_TEST(!reader.next(again).has_value(), r.name);
    BOOST_TEST(again == ec, r.name);
  }
}

BOOST_AUTO_TEST_CASE(oversized_messages_are_refused_before_their_payload_arrives) {
  {
    client_frame_reader reader(100);
    const std::string frame = client_frame({0x1, std::string(101, 'x')});
    reader.feed(frame.substr(0, 8));  // header + mask only
    boost::system::error_code ec;
    BOOST_TEST(!reader.next(ec).has_value());
    BOOST_TEST(ec == sim::make_error_code(errc::ws_message_too_big));
    BOOST_TEST(sim::close_code_for(ec) == 1009);
  }
  {
    // Each fragment fits; their sum does not.
    client_frame_reader reader(100);
    reader.feed(client_frame({0x1, std::string(60, 'x'), false}));
    reader.feed(client_frame({0x0, std::string(60, 'y'), true}));
    boost::system::error_code ec;
    BOOST_TEST(drain(reader, ec).empty());
    BOOST_TEST(ec == sim::make_error_code(errc::ws_message_too_big));
  }
  {
    // Exactly at the bound is fine.
    client_frame_reader reader(100);
    reader.feed(client_frame({0x1, std::string(100, 'x')}));
    boost::system::error_code ec;
    BOOST_TEST(drain(reader, ec).size() == 1u);
    BOOST_TEST(!ec);
  }
}

BOOST_AUTO_TEST_CASE(empty_close_and_valid_close_codes) {
  for (const std::string& payload :
       {std::string(), std::string("\x03\xe8", 2), std::string("\x0f\xa0", 2) /* 4000 */}) {
    client_frame_reader reader(100);
    reader.feed(client_frame({0x8, payload}));
    boost::system::error_code ec;
    const auto got = drain(reader, ec);
    BOOST_TEST(!ec);
    BOOST_REQUIRE(got.size() == 1u);
    BOOST_TEST((got[0].op == ws_opcode::close));
    BOOST_TEST(got[0].payload == payload);
  }
}

}  // namespace
}  // namespace tickgate::test

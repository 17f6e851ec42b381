// Error codes of the simulator layer (tickgate-sim): WebSocket framing from
// clients, certificate generation, command-line options and fault requests.
// Like protocol::errc, these are values at boundaries; nothing throws on bad
// input from a client.
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace tickgate::sim {

enum class errc {
  // Client → server WebSocket frames (RFC 6455 §5). Each maps to the close
  // code the server sends before dropping the connection (close_code_for).
  ws_unmasked_frame = 1,       // client frames must be masked (§5.1) → 1002
  ws_reserved_bits,            // RSV1–3 set without a negotiated extension → 1002
  ws_bad_opcode,               // reserved opcode → 1002
  ws_bad_control_frame,        // control frame fragmented or > 125 bytes → 1002
  ws_unexpected_continuation,  // continuation with no message in progress → 1002
  ws_expected_continuation,    // new data frame inside a fragmented message → 1002
  ws_bad_length,               // 64-bit length with the top bit set, or non-minimal → 1002
  ws_bad_close_payload,        // close payload of 1 byte or an invalid code → 1002
  ws_message_too_big,          // message over the configured bound → 1009
  // Certificates.
  certificate_generation_failed,  // an OpenSSL call failed while generating
  certificate_io_failed,          // reading or writing cert.pem/key.pem failed
  // Control API.
  bad_fault,  // POST /sim/fault body is not a known fault with valid fields
};

const boost::system::error_category& sim_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), sim_category()};
}

}  // namespace tickgate::sim

template <>
struct boost::system::is_error_code_enum<tickgate::sim::errc> : std::true_type {};

#include "test/sim/errc.hpp"

#include <string>

namespace tickgate::sim {
namespace {

// error_category has a protected non-virtual destructor by design (categories
// live for the whole program), which -Wnon-virtual-dtor flags.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
public:
  const char* name() const noexcept override { return "tickgate.sim"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ws_unmasked_frame: return "client WebSocket frame is not masked";
      case errc::ws_reserved_bits: return "WebSocket frame has reserved bits set";
      case errc::ws_bad_opcode: return "WebSocket frame has a reserved opcode";
      case errc::ws_bad_control_frame: return "WebSocket control frame fragmented or too long";
      case errc::ws_unexpected_continuation: return "WebSocket continuation without a message";
      case errc::ws_expected_continuation:
        return "WebSocket data frame inside a fragmented message";
      case errc::ws_bad_length: return "WebSocket frame length is malformed";
      case errc::ws_bad_close_payload: return "WebSocket close frame payload is malformed";
      case errc::ws_message_too_big: return "WebSocket message exceeds the size limit";
      case errc::certificate_generation_failed: return "certificate generation failed";
      case errc::certificate_io_failed: return "cannot read or write the certificate files";
      case errc::bad_fault: return "unknown fault or invalid fault field";
    }
    return "unknown simulator error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& sim_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace tickgate::sim

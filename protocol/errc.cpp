#include "protocol/errc.hpp"

#include <string>

namespace tickgate::protocol {
namespace {

// boost::system::error_category has a protected non-virtual destructor by
// design (categories are never deleted through a base pointer; they live for
// the whole program), which -Wnon-virtual-dtor flags on every derived class.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
public:
  const char* name() const noexcept override { return "tickgate.protocol"; }

  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::frame_too_short: return "frame shorter than the 27-byte header";
      case errc::unknown_mode: return "unknown subscription mode in frame";
      case errc::frame_length_mismatch: return "frame length does not match its mode";
      case errc::bad_token: return "token is empty or not printable non-space ASCII";
      case errc::bad_best_five_flag: return "best-five entry with a bad buy/sell flag";
      case errc::bad_json: return "malformed JSON";
      case errc::missing_field: return "required field missing";
      case errc::bad_field: return "field has the wrong type or value";
      case errc::unknown_action: return "unknown subscription action";
      case errc::bad_base32: return "secret is not valid base32";
      case errc::bad_csv: return "malformed CSV";
      case errc::unknown_symbol: return "unknown symbol";
      case errc::ambiguous_symbol: return "ambiguous symbol";
      case errc::unknown_exchange: return "unknown exchange";
    }
    return "unknown protocol error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& protocol_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace tickgate::protocol

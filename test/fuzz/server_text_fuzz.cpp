// Fuzz target: everything JSON or text the feed and login servers send us,
// and what the simulator parses from clients (protocol/request.hpp,
// protocol/login.hpp): server text frames, subscription requests, login
// requests and responses, refresh requests, base32 TOTP secrets.
//
// Oracles: no crash, no sanitizer report, no exception (the parsers promise
// errors as values); parse(encode(parse(x))) equals parse(x) for subscription
// requests and server errors.
#include "protocol/login.hpp"
#include "protocol/request.hpp"
#include "protocol/totp.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <variant>

using namespace tickgate;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "server_text_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const auto message = protocol::parse_server_text(text);
  if (const auto* error = std::get_if<protocol::server_error>(&message)) {
    const auto again = protocol::parse_server_text(protocol::encode_server_error(*error));
    const auto* error_again = std::get_if<protocol::server_error>(&again);
    if (error_again == nullptr || !(*error_again == *error)) fail("server error does not round-trip");
  }

  if (const auto request = protocol::parse_subscription_request(text)) {
    const auto again = protocol::parse_subscription_request(protocol::encode_subscription_request(*request));
    if (!again || !(*again == *request)) fail("subscription request does not round-trip");
  }

  (void)protocol::parse_login_request(text);
  (void)protocol::parse_refresh_request(text);
  if (const auto response = protocol::parse_login_response(text)) {
    if (response->ok && response->tokens.jwt.empty()) fail("successful login without a JWT");
  }
  if (const auto key = protocol::decode_base32(text)) {
    (void)protocol::totp_code(*key, 1'700'000'000);
  }
  return 0;
}

// Fuzz target: the configuration document (gateway::parse_config, with the
// storage section's parse_storage_config and the Redis URL parser inside).
//
// The input is the JSON text; the environment is empty except that an input
// whose first byte is odd also sets REDIS_URL and TICKGATE_HTTP_LISTEN from
// fixed malformed values, to reach the override paths. Oracles: no crash, no
// sanitizer report, no exception; an error names a path and a message and
// never contains the secrets planted in the environment (unless the input
// itself holds them: an unknown key is quoted).
#include "gateway/config.hpp"
#include "storage/redis_url.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

using namespace tickgate;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "config_fuzz: %s\n", what);
  std::abort();
}

constexpr std::string_view planted_pin = "PIN-5ecr3t-4829";
constexpr std::string_view planted_token = "TOK-5ecr3t-9917";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool with_env = size > 0 && (data[0] & 1) != 0;
  const gateway::env_lookup env = [&](std::string_view name) -> std::optional<std::string> {
    if (!with_env) return std::nullopt;
    if (name == "ANGEL_PIN") return std::string(planted_pin);
    if (name == "TICKGATE_API_TOKEN") return std::string(planted_token);
    if (name == "REDIS_URL") return std::string("redis://:pw@[::1:6379/99999");
    if (name == "TICKGATE_HTTP_LISTEN") return std::string("0.0.0.0:99999");
    return std::nullopt;
  };
  const auto parsed = gateway::parse_config(text, "/nonexistent", env);
  if (const auto* e = std::get_if<gateway::config_error>(&parsed)) {
    const std::string message = e->to_string();
    if (message.empty()) fail("empty error");
    // Only the environment's copy counts: an error may quote the input (an
    // unknown key), and the fuzzer learns the planted strings from the
    // comparisons, so an input that holds one may see it echoed.
    for (const std::string_view secret : {planted_pin, planted_token}) {
      if (message.find(secret) != std::string::npos &&
          text.find(secret) == std::string_view::npos) {
        fail("a secret from the environment appears in a config error");
      }
    }
  }
  // The Redis URL parser on the raw text too (it also reads config and env).
  if (const auto ep = storage::parse_redis_url(text)) (void)storage::redact(*ep);
  return 0;
}

// The environment as tickgate and tickgate-cli read it, with the <NAME>_FILE
// convention for secrets (Docker and compose secrets mounted at
// /run/secrets/…, systemd credentials): NAME holds the value itself, or
// NAME_FILE names a file whose content is the value, with one trailing "\n"
// or "\r\n" removed and nothing else changed. Both set is an error (which one
// would win is a guess); so is an empty NAME_FILE, and a file that is
// missing, unreadable, not a regular file (symlinks followed), larger than
// max_secret_file_bytes or empty. Errors name the variable and the path,
// never the content.
#pragma once

#include "storage/redis_url.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tickgate::gateway {

// Environment lookup (injected so tests do not touch the process env).
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;
env_lookup process_env();

// A secret file is a few bytes; a bigger one is the wrong file.
inline constexpr std::size_t max_secret_file_bytes = 64 * 1024;

struct env_value {
  std::string value;
  std::string origin;  // the variable it came from: "ANGEL_PIN" or "ANGEL_PIN_FILE"
};

// A problem with one variable, shown as "env <variable>: <message>".
struct env_error {
  std::string variable;
  std::string message;  // may name a path; never a value
};

// NAME, else the content of the file NAME_FILE names, else monostate (neither set).
using env_read = std::variant<std::monostate, env_value, env_error>;
env_read read_env_or_file(const env_lookup& env, std::string_view name);

// REDIS_PASSWORD / REDIS_PASSWORD_FILE: the password for `endpoint` (the
// URL in force), which must then carry none — a password in two places is
// refused rather than one of them silently winning. An ACL user is named in
// the URL with an empty password (redis://app:@host:6379/0). Empty is an
// error, not "no password". Unchanged when neither is set.
std::optional<env_error> apply_redis_password(const env_lookup& env, storage::redis_endpoint& endpoint);

}  // namespace tickgate::gateway

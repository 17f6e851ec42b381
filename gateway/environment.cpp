#include "gateway/environment.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace tickgate::gateway {
namespace {

// The content of `path` (what NAME_FILE names), or the error about `variable`.
std::variant<std::string, env_error> read_secret_file(const std::string& variable, const std::string& path) {
  const auto error = [&](std::string message) { return env_error{variable, std::move(message)}; };
  if (path.empty()) return error("is empty; it must name a file");
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    return error("cannot read " + path + ": " + (ec ? ec.message() : "no such file"));
  }
  if (!std::filesystem::is_regular_file(status)) return error(path + " is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return error("cannot read " + path + ": " + std::strerror(errno));
  std::string value;
  value.resize(max_secret_file_bytes + 1);
  in.read(value.data(), static_cast<std::streamsize>(value.size()));
  if (in.bad()) return error("cannot read " + path + ": " + std::strerror(errno));
  value.resize(static_cast<std::size_t>(in.gcount()));
  if (value.size() > max_secret_file_bytes) {
    return error(path + " is larger than the limit of " + std::to_string(max_secret_file_bytes) + " bytes");
  }
  if (value.ends_with("\r\n")) value.resize(value.size() - 2);
  else if (value.ends_with('\n')) value.resize(value.size() - 1);
  if (value.empty()) return error(path + " is empty");
  return value;
}

}  // namespace

env_lookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

env_read read_env_or_file(const env_lookup& env, std::string_view name) {
  const std::string variable(name);
  const std::string file_variable = variable + "_FILE";
  auto direct = env(variable);
  auto file = env(file_variable);
  if (direct && file) return env_error{file_variable, "is set together with " + variable + "; set only one"};
  if (direct) return env_value{std::move(*direct), variable};
  if (!file) return std::monostate{};
  auto content = read_secret_file(file_variable, *file);
  if (auto* e = std::get_if<env_error>(&content)) return std::move(*e);
  return env_value{std::move(std::get<std::string>(content)), file_variable};
}

std::optional<env_error> apply_redis_password(const env_lookup& env, storage::redis_endpoint& endpoint) {
  auto read = read_env_or_file(env, "REDIS_PASSWORD");
  if (auto* e = std::get_if<env_error>(&read)) return std::move(*e);
  auto* v = std::get_if<env_value>(&read);
  if (v == nullptr) return std::nullopt;
  if (v->value.empty()) return env_error{v->origin, "is empty"};
  if (!endpoint.password.empty()) {
    return env_error{v->origin,
                     "is set, but the Redis URL in force carries a password too; keep one"};
  }
  endpoint.password = std::move(v->value);
  return std::nullopt;
}

}  // namespace tickgate::gateway

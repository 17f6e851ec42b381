// A credential held in memory (PIN, TOTP secret, API key, API token, JWT,
// feed token). It has no stream operator, no implicit conversion and no
// formatting: the only way to the bytes is reveal(), and every call site of
// reveal() is a place where the secret leaves the process on purpose (a login
// body, a handshake header, an HMAC key). grep for reveal() to audit them.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <openssl/crypto.h>

namespace tickgate::gateway {

class secret {
public:
  secret() = default;
  explicit secret(std::string value) : value_(std::move(value)) {}
  secret(const secret&) = default;
  secret& operator=(const secret&) = default;
  secret(secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
  secret& operator=(secret&& other) noexcept {
    if (this != &other) {
      wipe();
      value_ = std::move(other.value_);
      other.wipe();
    }
    return *this;
  }
  ~secret() { wipe(); }

  std::string_view reveal() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }

  // Constant-time comparison (REST bearer tokens): the time taken depends on
  // the lengths only, never on where the first difference is.
  bool equals(std::string_view candidate) const noexcept {
    if (candidate.size() != value_.size()) return false;
    return CRYPTO_memcmp(candidate.data(), value_.data(), value_.size()) == 0;
  }

private:
  void wipe() noexcept {
    if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
    value_.clear();
  }
  std::string value_;
};

}  // namespace tickgate::gateway

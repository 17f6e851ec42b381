#include "test/sim/certificate.hpp"

#include "test/sim/errc.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

namespace tickgate::sim {
namespace {

struct pkey_deleter {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct x509_deleter {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct ext_deleter {
  void operator()(X509_EXTENSION* p) const noexcept { X509_EXTENSION_free(p); }
};
struct bio_deleter {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};
struct bn_deleter {
  void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};

bool add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ext_deleter> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// Serialises with `write` into memory, then writes `path` via a temporary
// file created with `mode` and renamed over it.
template <class Write>
bool write_pem_file(const std::filesystem::path& path, mode_t mode, Write write) {
  std::unique_ptr<BIO, bio_deleter> bio(BIO_new(BIO_s_mem()));
  if (!bio || !write(bio.get())) return false;
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  if (size <= 0) return false;

  const std::string tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return false;
  std::size_t written = 0;
  const auto total = static_cast<std::size_t>(size);
  while (written < total) {
    const ssize_t n = ::write(fd, data + written, total - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  const bool ok = written == total && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

certificate_paths certificate_files(const std::filesystem::path& dir) {
  return {dir / "cert.pem", dir / "key.pem"};
}

boost::system::error_code generate_certificate(const certificate_paths& paths) {
  const auto generation_failed = make_error_code(errc::certificate_generation_failed);

  std::unique_ptr<EVP_PKEY, pkey_deleter> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return generation_failed;

  std::unique_ptr<X509, x509_deleter> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return generation_failed;

  // A random positive 127-bit serial (RFC 5280 §4.1.2.2: unique, <= 20 bytes).
  std::unique_ptr<BIGNUM, bn_deleter> serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return generation_failed;
  }
  constexpr long day = 24L * 3600;
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -day) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3650 * day) == nullptr ||
      X509_set_pubkey(cert.get(), key.get()) != 1) {
    return generation_failed;
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto add_name = [name](const char* field, const char* value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC,
                                      reinterpret_cast<const unsigned char*>(value), -1, -1,
                                      0) == 1;
  };
  if (!add_name("O", "tickgate-sim") || !add_name("CN", "tickgate-sim localhost") ||
      X509_set_issuer_name(cert.get(), name) != 1) {
    return generation_failed;
  }
  if (!add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") ||
      !add_extension(cert.get(), NID_ext_key_usage, "serverAuth") ||
      !add_extension(cert.get(), NID_subject_key_identifier, "hash") ||
      !add_extension(cert.get(), NID_authority_key_identifier, "keyid:always") ||
      !add_extension(cert.get(), NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost")) {
    return generation_failed;
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return generation_failed;

  const bool key_written = write_pem_file(paths.key, 0600, [&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
  const bool cert_written = key_written && write_pem_file(paths.cert, 0644, [&](BIO* bio) {
                              return PEM_write_bio_X509(bio, cert.get()) == 1;
                            });
  if (!cert_written) return make_error_code(errc::certificate_io_failed);
  return {};
}

boost::system::error_code ensure_certificate(const std::filesystem::path& dir, bool* generated) {
  if (generated != nullptr) *generated = false;
  std::error_code fs_ec;
  std::filesystem::create_directories(dir, fs_ec);
  if (fs_ec) return make_error_code(errc::certificate_io_failed);
  const auto paths = certificate_files(dir);
  if (std::filesystem::exists(paths.cert, fs_ec) && std::filesystem::exists(paths.key, fs_ec)) {
    return {};
  }
  if (auto ec = generate_certificate(paths)) return ec;
  if (generated != nullptr) *generated = true;
  return {};
}

}  // namespace tickgate::sim

#define BOOST_TEST_MODULE sim_certificate
#include <boost/test/unit_test.hpp>

#include "test/sim/certificate.hpp"
#include "test/sim/errc.hpp"
#include "test/support/process.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>

namespace tickgate::test {
namespace {

struct x509_deleter {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct store_deleter {
  void operator()(X509_STORE* p) const noexcept { X509_STORE_free(p); }
};
struct ctx_deleter {
  void operator()(X509_STORE_CTX* p) const noexcept { X509_STORE_CTX_free(p); }
};
struct pkey_deleter {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};

std::unique_ptr<X509, x509_deleter> load_cert(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  BOOST_REQUIRE(f != nullptr);
  std::unique_ptr<X509, x509_deleter> cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  BOOST_REQUIRE(cert != nullptr);
  return cert;
}

// Verifies `cert` as a TLS server certificate for `host` (or IP) with itself
// as the only trust anchor, the way the gateway does with TICKGATE_CA_FILE.
int verify(X509* cert, const char* host, const char* ip) {
  std::unique_ptr<X509_STORE, store_deleter> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), cert);
  std::unique_ptr<X509_STORE_CTX, ctx_deleter> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  if (host != nullptr) X509_VERIFY_PARAM_set1_host(param, host, 0);
  if (ip != nullptr) X509_VERIFY_PARAM_set1_ip_asc(param, ip);
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

BOOST_AUTO_TEST_CASE(generated_certificate_verifies_for_localhost_and_127_0_0_1) {
  temp_dir dir("tickgate-cert");
  bool generated = false;
  BOOST_REQUIRE(!sim::ensure_certificate(dir.path() / "tls", &generated));
  BOOST_TEST(generated);
  const auto files = sim::certificate_files(dir.path() / "tls");
  const auto cert = load_cert(files.cert);
  BOOST_TEST(verify(cert.get(), nullptr, "127.0.0.1") == X509_V_OK);
  BOOST_TEST(verify(cert.get(), "localhost", nullptr) == X509_V_OK);
  BOOST_TEST(verify(cert.get(), "example.com", nullptr) == X509_V_ERR_HOSTNAME_MISMATCH);
  BOOST_TEST(verify(cert.get(), nullptr, "10.0.0.1") == X509_V_ERR_IP_ADDRESS_MISMATCH);
  BOOST_TEST(X509_check_ca(cert.get()) == 1);

  // The key matches the certificate and is private to the owner.
  std::FILE* f = std::fopen(files.key.c_str(), "r");
  BOOST_REQUIRE(f != nullptr);
  std::unique_ptr<EVP_PKEY, pkey_deleter> key(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  BOOST_REQUIRE(key != nullptr);
  BOOST_TEST(X509_check_private_key(cert.get(), key.get()) == 1);
  const auto perms = std::filesystem::status(files.key).permissions();
  BOOST_TEST(((perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
              std::filesystem::perms::none));
  BOOST_TEST(!std::filesystem::exists(files.key.string() + ".tmp"));
}

BOOST_AUTO_TEST_CASE(existing_pair_is_kept_and_a_missing_half_regenerates) {
  temp_dir dir("tickgate-cert");
  BOOST_REQUIRE(!sim::ensure_certificate(dir.path()));
  const auto files = sim::certificate_files(dir.path());
  const std::string first = read_file(files.cert);
  bool generated = true;
  BOOST_REQUIRE(!sim::ensure_certificate(dir.path(), &generated));
  BOOST_TEST(!generated);
  BOOST_TEST(read_file(files.cert) == first);
  std::filesystem::remove(files.key);
  BOOST_REQUIRE(!sim::ensure_certificate(dir.path(), &generated));
  BOOST_TEST(generated);
  BOOST_TEST(read_file(files.cert) != first);  // fresh key, fresh serial
}

BOOST_AUTO_TEST_CASE(unwritable_directory_is_an_error) {
  temp_dir dir("tickgate-cert");
  const auto file = dir.path() / "a-file";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fclose(f);
  }
  const auto ec = sim::ensure_certificate(file / "tls");  // a directory under a file
  BOOST_TEST((ec == sim::errc::certificate_io_failed), ec.message());
}

}  // namespace
}  // namespace tickgate::test

// The simulator's TLS identity: DIR/cert.pem + DIR/key.pem, generated when
// absent. The certificate is self-signed and usable as its own CA
// (basicConstraints CA:TRUE, keyUsage digitalSignature + keyCertSign,
// extendedKeyUsage serverAuth) with subjectAltName IP:127.0.0.1 and
// DNS:localhost, so a client that verifies the peer and checks the host name
// (as the gateway does by default, §1.3) accepts it when given cert.pem as
// its CA file (TICKGATE_CA_FILE).
#pragma once

#include <boost/system/error_code.hpp>

#include <filesystem>

namespace tickgate::sim {

struct certificate_paths {
  std::filesystem::path cert;  // DIR/cert.pem
  std::filesystem::path key;   // DIR/key.pem (mode 0600)
};

certificate_paths certificate_files(const std::filesystem::path& dir);

// Generates a fresh P-256 key and certificate (valid from one day ago for ten
// years) into `paths`, replacing what is there. Each file is written to a
// temporary name and renamed, so a reader never sees half a file. Errors:
// errc::certificate_generation_failed, errc::certificate_io_failed.
boost::system::error_code generate_certificate(const certificate_paths& paths);

// Creates `dir` if needed; generates the pair when either file is missing,
// keeps an existing pair as it is. `generated` says which happened.
boost::system::error_code ensure_certificate(const std::filesystem::path& dir,
                                             bool* generated = nullptr);

}  // namespace tickgate::sim

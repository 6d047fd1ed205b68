// SPDX-License-Identifier: Apache-2.0
#pragma once

// Self-signed TLS certificates for `vigild init` (docs/design/005-net.md
// §Certificates). Clients pin the certificate file itself as their CA.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "vigil/core/result.h"

namespace vigil::net {

struct SelfSignedCertificateOptions {
  std::filesystem::path certificate_path;  // PEM, written 0644
  std::filesystem::path private_key_path;  // PEM (PKCS#8), written 0600
  // Extra DNS names or IP literals for the subjectAltName; localhost,
  // 127.0.0.1 and ::1 are always included. The first name (or "localhost")
  // is also the subject CN.
  std::vector<std::string> hostnames;
  std::chrono::days validity{825};
};

// Makes an ECDSA P-256 key and a self-signed X.509 v3 certificate for it
// (SHA-256 signature, random 128-bit serial, SAN as above, serverAuth), and
// writes both files, replacing existing ones. The key file is created with
// mode 0600 before any key byte is written.
// Errors: kInvalidArgument for an empty or malformed hostname, kInternal for
// an OpenSSL failure, and the FromErrno mapping for file errors.
Status CreateSelfSignedCertificate(const SelfSignedCertificateOptions& options);

}  // namespace vigil::net

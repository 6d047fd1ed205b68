// SPDX-License-Identifier: Apache-2.0
#include "vigil/net/certificate.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "vigil/core/os_error.h"

namespace vigil::net {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

Error OpenSslError(std::string_view what) {
  return Error{ErrorCode::kInternal, "certificate: " + std::string(what) + " failed"};
}

bool IsIpLiteral(const std::string& name) {
  ASN1_OCTET_STRING* ip = a2i_IPADDRESS(name.c_str());
  if (ip == nullptr) return false;
  ASN1_OCTET_STRING_free(ip);
  return true;
}

bool ValidHostname(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  if (IsIpLiteral(name)) return true;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '*';
    if (!ok) return false;
  }
  return true;
}

Status AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return Fail(OpenSslError("extension"));
  return OkStatus();
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// Writes `text` to `path` with `mode`; the mode is set before the data goes in.
Status WriteFile(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Fail(FromErrno(errno, "open " + path.string()));
  if (::fchmod(fd, mode) != 0) {
    int e = errno;
    ::close(fd);
    return Fail(FromErrno(e, "chmod " + path.string()));
  }
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return Fail(FromErrno(e, "write " + path.string()));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Fail(FromErrno(errno, "close " + path.string()));
  return OkStatus();
}

}  // namespace

Status CreateSelfSignedCertificate(const SelfSignedCertificateOptions& options) {
  if (options.certificate_path.empty() || options.private_key_path.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "certificate: both file paths are required");
  }
  std::vector<std::string> names;
  for (const auto& h : options.hostnames) {
    if (!ValidHostname(h)) {
      return Fail(ErrorCode::kInvalidArgument, "certificate: bad host name '" + h + "'");
    }
    names.push_back(h);
  }
  for (const char* fixed : {"localhost", "127.0.0.1", "::1"}) {
    if (std::find(names.begin(), names.end(), fixed) == names.end()) names.push_back(fixed);
  }
  std::string common_name = options.hostnames.empty() ? "localhost" : options.hostnames.front();

  Ptr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return Fail(OpenSslError("key generation"));

  Ptr<X509> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) return Fail(OpenSslError("X509_new"));
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) return Fail(OpenSslError("RAND_bytes"));
  serial_bytes[0] &= 0x7f;  // positive
  Ptr<BIGNUM> serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    return Fail(OpenSslError("serial"));
  }
  long validity_s = static_cast<long>(std::chrono::seconds(options.validity).count());
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), validity_s)) {
    return Fail(OpenSslError("validity"));
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("Vigil"), -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), subject) != 1 ||
      X509_set_pubkey(cert.get(), key.get()) != 1) {
    return Fail(OpenSslError("subject"));
  }
  std::string san;
  for (const auto& n : names) {
    if (!san.empty()) san += ',';
    san += (IsIpLiteral(n) ? "IP:" : "DNS:") + n;
  }
  // The certificate is its own trust anchor (clients pin it as their CA), so
  // it is a CA that may also serve TLS.
  for (auto [nid, value] : {std::pair<int, std::string>{NID_basic_constraints, "critical,CA:TRUE"},
                            {NID_key_usage, "critical,digitalSignature,keyCertSign"},
                            {NID_ext_key_usage, "serverAuth"},
                            {NID_subject_key_identifier, "hash"},
                            {NID_subject_alt_name, san}}) {
    if (auto s = AddExtension(cert.get(), nid, value); !s) return s;
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) return Fail(OpenSslError("signing"));

  Ptr<BIO> key_bio(BIO_new(BIO_s_mem()));
  Ptr<BIO> cert_bio(BIO_new(BIO_s_mem()));
  if (!key_bio || !cert_bio ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1 ||
      PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1) {
    return Fail(OpenSslError("PEM encoding"));
  }
  std::string key_pem = BioText(key_bio.get());
  if (auto s = WriteFile(options.private_key_path, key_pem, 0600); !s) return s;
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  return WriteFile(options.certificate_path, BioText(cert_bio.get()), 0644);
}

}  // namespace vigil::net

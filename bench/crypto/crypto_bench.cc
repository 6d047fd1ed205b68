// SPDX-License-Identifier: Apache-2.0
// bench/crypto: throughput of the clip streaming AEAD against raw OpenSSL EVP
// AES-256-GCM on the same buffers, segment by segment, in the same run.
//
// The reference does the minimum any segmented AES-256-GCM must do: key set
// once, then per segment a new 12-byte nonce, 49 bytes of AAD, the
// encryption and the tag. The ratio therefore shows what the streaming layer
// (buffering, nonce building, sink callback) costs on top of the cipher.
// Target (foundation issue): ratio >= 0.9.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <openssl/evp.h>

#include "vigil/core/bytes.h"
#include "vigil/core/check.h"
#include "vigil/crypto/password_kdf.h"
#include "vigil/crypto/secret.h"
#include "vigil/seal/key_envelope.h"
#include "vigil/seal/streaming_aead.h"

namespace {

using vigil::Bytes;
using vigil::ByteSpan;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kTotalBytes = std::size_t{256} << 20;  // per measurement
constexpr int kRepetitions = 5;                              // best of
constexpr std::size_t kTag = 16;
constexpr std::size_t kHeader = vigil::seal::kStreamHeaderBytes;

// Best-of-N wall time of `run`, in seconds.
double BestSeconds(const std::function<void()>& run) {
  double best = 1e9;
  for (int i = 0; i < kRepetitions; ++i) {
    const auto start = Clock::now();
    run();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

double MbPerSecond(double seconds) { return static_cast<double>(kTotalBytes) / seconds / 1e6; }

// Raw EVP AES-256-GCM over `plaintext` in segments of `segment` bytes.
void RawEncrypt(EVP_CIPHER_CTX* ctx, const Bytes& plaintext, std::size_t segment, Bytes& out) {
  std::uint8_t nonce[12] = {};
  const std::uint8_t aad[kHeader] = {};
  std::size_t out_pos = 0;
  for (std::size_t pos = 0, index = 0; pos < plaintext.size(); pos += segment, ++index) {
    const std::size_t n = std::min(segment, plaintext.size() - pos);
    std::memcpy(nonce + 7, &index, 4);
    int len = 0;
    VIGIL_CHECK(EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) == 1);
    VIGIL_CHECK(EVP_EncryptUpdate(ctx, nullptr, &len, aad, sizeof(aad)) == 1);
    VIGIL_CHECK(EVP_EncryptUpdate(ctx, out.data() + out_pos, &len, plaintext.data() + pos,
                                  static_cast<int>(n)) == 1);
    VIGIL_CHECK(EVP_EncryptFinal_ex(ctx, out.data() + out_pos + n, &len) == 1);
    VIGIL_CHECK(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, kTag, out.data() + out_pos + n) ==
                1);
    out_pos += n + kTag;
  }
}

// Raw EVP decryption of what RawEncrypt produced.
void RawDecrypt(EVP_CIPHER_CTX* ctx, const Bytes& ciphertext, std::size_t segment, Bytes& out) {
  std::uint8_t nonce[12] = {};
  const std::uint8_t aad[kHeader] = {};
  std::size_t out_pos = 0;
  for (std::size_t pos = 0, index = 0; pos < ciphertext.size(); pos += segment + kTag, ++index) {
    const std::size_t n = std::min(segment + kTag, ciphertext.size() - pos) - kTag;
    std::memcpy(nonce + 7, &index, 4);
    int len = 0;
    VIGIL_CHECK(EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) == 1);
    VIGIL_CHECK(EVP_DecryptUpdate(ctx, nullptr, &len, aad, sizeof(aad)) == 1);
    VIGIL_CHECK(EVP_DecryptUpdate(ctx, out.data() + out_pos, &len, ciphertext.data() + pos,
                                  static_cast<int>(n)) == 1);
    VIGIL_CHECK(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, kTag,
                                    const_cast<std::uint8_t*>(ciphertext.data() + pos + n)) == 1);
    VIGIL_CHECK(EVP_DecryptFinal_ex(ctx, out.data() + out_pos + n, &len) == 1)
        << "raw decryption failed";
    out_pos += n;
  }
}

struct Row {
  std::size_t segment;
  double raw_encrypt, vigil_encrypt, raw_decrypt, vigil_decrypt, copy_encrypt, copy_decrypt;
};

Row Measure(std::size_t segment, const Bytes& plaintext) {
  Row row{segment, 0, 0, 0, 0, 0, 0};
  const std::size_t segments = plaintext.size() / segment;
  const Bytes key = vigil::crypto::RandomBytes(32);

  // Reference: raw EVP.
  Bytes raw_ct(plaintext.size() + segments * kTag);
  Bytes raw_pt(plaintext.size());
  EVP_CIPHER_CTX* enc = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* dec = EVP_CIPHER_CTX_new();
  VIGIL_CHECK(EVP_EncryptInit_ex(enc, EVP_aes_256_gcm(), nullptr, key.data(), nullptr) == 1);
  VIGIL_CHECK(EVP_DecryptInit_ex(dec, EVP_aes_256_gcm(), nullptr, key.data(), nullptr) == 1);
  row.raw_encrypt = MbPerSecond(BestSeconds([&] { RawEncrypt(enc, plaintext, segment, raw_ct); }));
  row.raw_decrypt = MbPerSecond(BestSeconds([&] { RawDecrypt(dec, raw_ct, segment, raw_pt); }));
  VIGIL_CHECK(raw_pt == plaintext);
  EVP_CIPHER_CTX_free(enc);
  EVP_CIPHER_CTX_free(dec);

  // Vigil, the product API, two ways:
  //  - equal work: writes of exactly one segment and a sink that only reads
  //    the output where it lies, like the reference (each output byte is
  //    written once, by the cipher);
  //  - with copies: 1 MiB + 1 byte writes that straddle segments (input is
  //    assembled in the stream's buffer) and a sink that copies every output
  //    byte into one big buffer, as an in-memory consumer would.
  const auto clip_key = vigil::seal::ClipKey::Generate();
  const vigil::ByteSpan ad = vigil::AsBytes("clip-0001|camera-front-door");
  // The plaintext is a whole number of segments, so the stream ends with an
  // empty last segment (one extra tag).
  Bytes ct(kHeader + plaintext.size() + (segments + 1) * kTag);
  Bytes pt(plaintext.size());
  volatile std::uint8_t touched = 0;
  auto encrypt = [&](std::size_t write_bytes, bool copy_out) {
    std::size_t pos = 0;
    auto sealer = vigil::seal::StreamEncryptor::Create(
        clip_key, vigil::seal::ClipPart::kVideo, ad,
        [&](ByteSpan b) {
          if (copy_out) std::memcpy(ct.data() + pos, b.data(), b.size());
          touched = touched ^ b.back();
          pos += b.size();
          return vigil::OkStatus();
        },
        static_cast<std::uint32_t>(segment));
    VIGIL_CHECK(sealer.has_value());
    for (std::size_t off = 0; off < plaintext.size(); off += write_bytes) {
      VIGIL_CHECK((*sealer)->Write(
          ByteSpan(plaintext).subspan(off, std::min(write_bytes, plaintext.size() - off))));
    }
    VIGIL_CHECK((*sealer)->Finish());
    VIGIL_CHECK(pos == ct.size());
  };
  auto decrypt = [&](std::size_t write_bytes, bool copy_out) {
    std::size_t pos = 0;
    auto opener = vigil::seal::StreamDecryptor::Create(
        clip_key, vigil::seal::ClipPart::kVideo, ad, [&](ByteSpan b) {
          if (copy_out) std::memcpy(pt.data() + pos, b.data(), b.size());
          if (!b.empty()) touched = touched ^ b.back();
          pos += b.size();
          return vigil::OkStatus();
        });
    VIGIL_CHECK(opener.has_value());
    // The header first, then the body in writes of `write_bytes`.
    VIGIL_CHECK((*opener)->Write(ByteSpan(ct).first(kHeader)));
    for (std::size_t off = kHeader; off < ct.size(); off += write_bytes) {
      VIGIL_CHECK(
          (*opener)->Write(ByteSpan(ct).subspan(off, std::min(write_bytes, ct.size() - off))));
    }
    VIGIL_CHECK((*opener)->Finish());
    VIGIL_CHECK(pos == pt.size());
  };
  encrypt((1 << 20) + 1, true);  // fills `ct` for the decryption runs
  row.vigil_encrypt = MbPerSecond(BestSeconds([&] { encrypt(segment, false); }));
  row.vigil_decrypt = MbPerSecond(BestSeconds([&] { decrypt(segment + kTag, false); }));
  row.copy_encrypt = MbPerSecond(BestSeconds([&] { encrypt((1 << 20) + 1, true); }));
  row.copy_decrypt = MbPerSecond(BestSeconds([&] { decrypt((1 << 20) + 1, true); }));
  VIGIL_CHECK(pt == plaintext) << "vigil round trip failed";
  return row;
}

template <class F>
double PerSecond(int count, F&& f) {
  const double s = BestSeconds([&] {
    for (int i = 0; i < count; ++i) f();
  });
  return count / s;
}

}  // namespace

int main() {
  const Bytes plaintext = vigil::crypto::RandomBytes(kTotalBytes);
  std::printf(
      "bench/crypto: streaming AEAD vs raw OpenSSL EVP AES-256-GCM, same buffers, same run\n");
  std::printf("(%zu MiB per measurement, best of %d; MB = 10^6 bytes)\n\n", kTotalBytes >> 20,
              kRepetitions);
  std::printf(
      "| segment  | op      | raw EVP MB/s | vigil, equal work MB/s | ratio | vigil, with copies "
      "MB/s | ratio |\n");
  std::printf(
      "|----------|---------|-------------:|-----------------------:|------:|----------------------"
      "--:|------:|\n");
  for (std::size_t segment : {std::size_t{64} << 10, std::size_t{1} << 20}) {
    const Row r = Measure(segment, plaintext);
    const std::string name = segment == (64u << 10) ? "64 KiB" : "1 MiB";
    std::printf("| %-8s | encrypt | %12.0f | %22.0f | %5.2f | %23.0f | %5.2f |\n", name.c_str(),
                r.raw_encrypt, r.vigil_encrypt, r.vigil_encrypt / r.raw_encrypt, r.copy_encrypt,
                r.copy_encrypt / r.raw_encrypt);
    std::printf("| %-8s | decrypt | %12.0f | %22.0f | %5.2f | %23.0f | %5.2f |\n", name.c_str(),
                r.raw_decrypt, r.vigil_decrypt, r.vigil_decrypt / r.raw_decrypt, r.copy_decrypt,
                r.copy_decrypt / r.raw_decrypt);
  }

  // Per-clip fixed costs, for context.
  const auto household = vigil::seal::HouseholdPrivateKey::Generate();
  const vigil::seal::ClipBinding binding{"clip-0001", "camera-front-door", 1};
  const auto clip_key = vigil::seal::ClipKey::Generate();
  const Bytes envelope =
      vigil::seal::SealClipKey(clip_key, household.public_key(), binding).value();
  const double seals = PerSecond(2000, [&] {
    VIGIL_CHECK(vigil::seal::SealClipKey(clip_key, household.public_key(), binding).has_value());
  });
  const double opens = PerSecond(2000, [&] {
    VIGIL_CHECK(vigil::seal::OpenClipKey(envelope, household, binding).has_value());
  });
  const auto password = vigil::crypto::SecretBytes(vigil::AsBytes("correct horse battery staple"),
                                                   vigil::crypto::InsecureSecretAccess::Get());
  const Bytes salt(16, 7);
  const double argon_s =
      1.0 / PerSecond(1, [&] {
        VIGIL_CHECK(vigil::crypto::Argon2id(password, salt, vigil::crypto::kDefaultArgon2idCost, 32)
                        .has_value());
      });
  std::printf("\n| per-clip / per-login cost                 | value |\n");
  std::printf("|-------------------------------------------|------:|\n");
  std::printf("| HPKE clip-key envelope seal (per second)  | %5.0f |\n", seals);
  std::printf("| HPKE clip-key envelope open (per second)  | %5.0f |\n", opens);
  std::printf("| Argon2id t=3 m=64 MiB p=1 (ms, one core)  | %5.0f |\n", argon_s * 1000);
  return 0;
}

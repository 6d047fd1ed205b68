// SPDX-License-Identifier: Apache-2.0
#include "vigil/crypto/signing.h"

#include <string>

#include <gtest/gtest.h>
#include <sodium.h>

namespace vigil::crypto {
namespace {

// RFC 8032 §7.1, TEST 1.
constexpr char kRfcSeed[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr char kRfcPublic[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

SigningKey RfcKey() {
  Bytes seed = HexDecode(kRfcSeed).value();
  return SigningKey::FromSeed(SecretBytes(seed, InsecureSecretAccess::Get())).value();
}

TEST(SigningKeyTest, DerivesTheRfc8032PublicKey) {
  EXPECT_EQ(HexEncode(RfcKey().verify_key().bytes()), kRfcPublic);
}

TEST(SigningKeyTest, SignsTheLabelledMessage) {
  // The signature must be plain Ed25519 over Label || 0x00 || message, so any
  // Ed25519 implementation can check it: verify with libsodium directly.
  SigningKey key = RfcKey();
  Signature sig = key.Sign(SignaturePurpose::kHeartbeat, AsBytes("hello"));
  const std::string signed_bytes =
      std::string(Label(SignaturePurpose::kHeartbeat)) + '\0' + "hello";
  EXPECT_EQ(crypto_sign_ed25519_verify_detached(
                sig.data(), reinterpret_cast<const unsigned char*>(signed_bytes.data()),
                signed_bytes.size(), key.verify_key().bytes().data()),
            0);
}

TEST(SigningKeyTest, RejectsTamperedMessageOrSignature) {
  SigningKey key = SigningKey::Generate();
  Signature sig = key.Sign(SignaturePurpose::kClipManifest, AsBytes("manifest"));
  auto bad_msg = key.verify_key().Verify(SignaturePurpose::kClipManifest, AsBytes("manifesT"), sig);
  ASSERT_FALSE(bad_msg.has_value());
  EXPECT_EQ(bad_msg.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(bad_msg.error().message, "verification failed");
  sig[10] ^= 0x01;
  EXPECT_FALSE(key.verify_key().Verify(SignaturePurpose::kClipManifest, AsBytes("manifest"), sig));
  EXPECT_FALSE(key.verify_key().Verify(SignaturePurpose::kClipManifest, AsBytes("manifest"),
                                       ByteSpan(sig).first(63)));
}

TEST(SigningKeyTest, ASignatureForOnePurposeFailsForAnother) {
  SigningKey key = SigningKey::Generate();
  Signature sig = key.Sign(SignaturePurpose::kClipManifest, AsBytes("same bytes"));
  EXPECT_TRUE(key.verify_key().Verify(SignaturePurpose::kClipManifest, AsBytes("same bytes"), sig));
  EXPECT_FALSE(key.verify_key().Verify(SignaturePurpose::kHeartbeat, AsBytes("same bytes"), sig));
}

TEST(SigningKeyTest, AnotherKeyDoesNotVerify) {
  SigningKey a = SigningKey::Generate();
  SigningKey b = SigningKey::Generate();
  Signature sig = a.Sign(SignaturePurpose::kHeartbeat, AsBytes("x"));
  EXPECT_FALSE(b.verify_key().Verify(SignaturePurpose::kHeartbeat, AsBytes("x"), sig));
}

TEST(VerifyKeyTest, RejectsWrongLengths) {
  EXPECT_EQ(VerifyKey::FromBytes(Bytes(31)).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(SigningKey::FromSeed(SecretBytes::Random(31)).error().code,
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vigil::crypto

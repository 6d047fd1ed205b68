// SPDX-License-Identifier: Apache-2.0
#include "internal/hpke.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vigil::seal::internal {
namespace {

using crypto::InsecureSecretAccess;
using crypto::SecretBytes;

Bytes Hex(const nlohmann::json& v) { return HexDecode(v.get<std::string>()).value(); }
std::string RevealHex(const SecretBytes& s) {
  return HexEncode(s.Reveal(InsecureSecretAccess::Get()));
}

nlohmann::json LoadVectors() {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) +
                   "/tests/vectors/rfc9180-x25519-hkdfsha256-base-aes128gcm-chacha20poly1305.json");
  return nlohmann::json::parse(in);
}

class HpkeVectorTest : public ::testing::TestWithParam<int> {};

// Runs one RFC 9180 mode_base vector end to end: key derivation, Encap with the
// vector's ephemeral key, every sequence number in both directions, and every
// export.
TEST_P(HpkeVectorTest, ReproducesTheRfc9180Vector) {
  const nlohmann::json all = LoadVectors();
  const auto& v = all.at(static_cast<std::size_t>(GetParam()));
  ASSERT_EQ(v["mode"], 0);
  ASSERT_EQ(v["kem_id"], 0x20);
  ASSERT_EQ(v["kdf_id"], 1);
  const HpkeAead aead = v["aead_id"] == 1 ? HpkeAead::kAes128Gcm : HpkeAead::kChaCha20Poly1305;

  auto skE = HpkeDeriveKeyPair(Hex(v["ikmE"]));
  auto skR = HpkeDeriveKeyPair(Hex(v["ikmR"]));
  ASSERT_TRUE(skE.has_value() && skR.has_value());
  EXPECT_EQ(RevealHex(*skE), v["skEm"]);
  EXPECT_EQ(RevealHex(*skR), v["skRm"]);
  EXPECT_EQ(HexEncode(X25519PublicKey(*skR).value()), v["pkRm"]);

  const Bytes info = Hex(v["info"]);
  auto sender = HpkeSetupBaseSenderWithEphemeral(aead, Hex(v["pkRm"]), info, *skE);
  ASSERT_TRUE(sender.has_value());
  EXPECT_EQ(HexEncode(sender->enc), v["enc"]);
  auto receiver = HpkeSetupBaseReceiver(aead, sender->enc, *skR, info);
  ASSERT_TRUE(receiver.has_value());

  int checked = 0;
  for (const auto& e : v["encryptions"]) {
    auto ct = sender->context.Seal(Hex(e["aad"]), Hex(e["pt"]));
    ASSERT_TRUE(ct.has_value());
    ASSERT_EQ(HexEncode(*ct), e["ct"]) << "encryption " << checked;
    auto pt = receiver->Open(Hex(e["aad"]), *ct);
    ASSERT_TRUE(pt.has_value());
    ASSERT_EQ(HexEncode(*pt), e["pt"]);
    ++checked;
  }
  EXPECT_EQ(checked, 257);
  for (const auto& x : v["exports"]) {
    auto exported = receiver->Export(Hex(x["exporter_context"]), x["L"].get<std::size_t>());
    ASSERT_TRUE(exported.has_value());
    EXPECT_EQ(RevealHex(*exported), x["exported_value"]);
    auto exported_by_sender =
        sender->context.Export(Hex(x["exporter_context"]), x["L"].get<std::size_t>());
    EXPECT_TRUE(*exported == *exported_by_sender);
  }
}

INSTANTIATE_TEST_SUITE_P(Rfc9180, HpkeVectorTest, ::testing::Values(0, 1),
                         [](const auto& param_info) {
                           return param_info.param == 0 ? "Aes128Gcm" : "ChaCha20Poly1305";
                         });

TEST(HpkeTest, RoundTripsWithAFreshEphemeralKey) {
  SecretBytes skR = SecretBytes::Random(32);
  const Bytes pkR = X25519PublicKey(skR).value();
  auto sender = HpkeSetupBaseSender(HpkeAead::kAes128Gcm, pkR, AsBytes("info"));
  ASSERT_TRUE(sender.has_value());
  auto ct = sender->context.Seal(AsBytes("aad"), AsBytes("secret message"));
  auto receiver = HpkeSetupBaseReceiver(HpkeAead::kAes128Gcm, sender->enc, skR, AsBytes("info"));
  ASSERT_TRUE(receiver.has_value());
  auto pt = receiver->Open(AsBytes("aad"), *ct);
  ASSERT_TRUE(pt.has_value());
  EXPECT_EQ(ToString(*pt), "secret message");
}

TEST(HpkeTest, OpenFailsOnWrongInfoAadKeyOrTamperedCiphertext) {
  SecretBytes skR = SecretBytes::Random(32);
  const Bytes pkR = X25519PublicKey(skR).value();
  auto sender = HpkeSetupBaseSender(HpkeAead::kChaCha20Poly1305, pkR, AsBytes("info"));
  const Bytes ct = sender->context.Seal(AsBytes("aad"), AsBytes("m")).value();

  auto other_info =
      HpkeSetupBaseReceiver(HpkeAead::kChaCha20Poly1305, sender->enc, skR, AsBytes("inf0"));
  EXPECT_EQ(other_info->Open(AsBytes("aad"), ct).error().code, ErrorCode::kDataLoss);

  auto right =
      HpkeSetupBaseReceiver(HpkeAead::kChaCha20Poly1305, sender->enc, skR, AsBytes("info"));
  EXPECT_EQ(right->Open(AsBytes("aaD"), ct).error().code, ErrorCode::kDataLoss);

  auto wrong_key = HpkeSetupBaseReceiver(HpkeAead::kChaCha20Poly1305, sender->enc,
                                         SecretBytes::Random(32), AsBytes("info"));
  EXPECT_EQ(wrong_key->Open(AsBytes("aad"), ct).error().code, ErrorCode::kDataLoss);

  Bytes tampered = ct;
  tampered[0] ^= 0x80;
  auto fresh =
      HpkeSetupBaseReceiver(HpkeAead::kChaCha20Poly1305, sender->enc, skR, AsBytes("info"));
  EXPECT_EQ(fresh->Open(AsBytes("aad"), tampered).error().code, ErrorCode::kDataLoss);
}

TEST(HpkeTest, RejectsALowOrderEncapsulatedKey) {
  // The all-zero point gives an all-zero shared secret (RFC 9180 §7.1.4).
  const Bytes zero_point(32, 0);
  auto receiver =
      HpkeSetupBaseReceiver(HpkeAead::kAes128Gcm, zero_point, SecretBytes::Random(32), {});
  ASSERT_FALSE(receiver.has_value());
  EXPECT_EQ(receiver.error().code, ErrorCode::kDataLoss);
}

}  // namespace
}  // namespace vigil::seal::internal

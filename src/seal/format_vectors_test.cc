// SPDX-License-Identifier: Apache-2.0
#include "format_vectors.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "vigil/seal/key_envelope.h"
#include "vigil/seal/streaming_aead.h"

namespace vigil::seal {
namespace {

using crypto::InsecureSecretAccess;
using crypto::SecretBytes;

nlohmann::ordered_json Load(const std::string& name) {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/tests/vectors/" + name);
  return nlohmann::ordered_json::parse(in);
}

Bytes Hex(const nlohmann::ordered_json& v) { return HexDecode(v.get<std::string>()).value(); }

ClipPart PartOf(const nlohmann::ordered_json& v) {
  const std::string name = v.get<std::string>();
  return name == "video"       ? ClipPart::kVideo
         : name == "thumbnail" ? ClipPart::kThumbnail
                               : ClipPart::kMetadata;
}

Result<Bytes> DecryptAll(const ClipKey& key, ClipPart part, ByteSpan ad, ByteSpan ct) {
  Bytes out;
  VIGIL_TRY(dec, StreamDecryptor::Create(key, part, ad, [&out](ByteSpan b) {
              Append(out, b);
              return OkStatus();
            }));
  auto w = dec->Write(ct);
  if (!w) return Fail(w.error());
  auto f = dec->Finish();
  if (!f) return Fail(f.error());
  return out;
}

// The checked-in files are exactly what the code produces today: a change to
// a format cannot slip in without regenerating (and re-reviewing) the vectors.
TEST(FormatVectorsTest, CheckedInStreamingVectorsMatchTheCode) {
  auto made = MakeStreamingAeadVectors();
  ASSERT_TRUE(made.has_value());
  EXPECT_EQ(*made, Load("streaming-aead.json"));
}

TEST(FormatVectorsTest, CheckedInEnvelopeVectorsMatchTheCode) {
  auto made = MakeEnvelopeVectors();
  ASSERT_TRUE(made.has_value());
  EXPECT_EQ(*made, Load("hpke-envelope.json"));
}

TEST(FormatVectorsTest, StreamingVectorsDecryptAndNegativesFail) {
  const auto file = Load("streaming-aead.json");
  auto key = ClipKey::FromSecret(SecretBytes(Hex(file["clip_key"]), InsecureSecretAccess::Get()));
  ASSERT_TRUE(key.has_value());
  for (const auto& v : file["vectors"]) {
    auto pt = DecryptAll(*key, PartOf(v["part"]), Hex(v["associated_data"]), Hex(v["ciphertext"]));
    ASSERT_TRUE(pt.has_value()) << v["name"];
    EXPECT_EQ(HexEncode(*pt), v["plaintext"]) << v["name"];
  }
  int negatives = 0;
  for (const auto& n : file["negative"]) {
    auto pt = DecryptAll(*key, PartOf(n["part"]), Hex(n["associated_data"]), Hex(n["ciphertext"]));
    ASSERT_FALSE(pt.has_value()) << n["name"];
    EXPECT_EQ(pt.error().message, "decryption failed") << n["name"];
    ++negatives;
  }
  EXPECT_GE(negatives, 10);
}

TEST(FormatVectorsTest, EnvelopeVectorsOpenAndNegativesFail) {
  const auto file = Load("hpke-envelope.json");
  auto household = HouseholdPrivateKey::FromSecret(
      SecretBytes(Hex(file["recipient_private_key"]), InsecureSecretAccess::Get()));
  ASSERT_TRUE(household.has_value());
  auto binding = [](const nlohmann::ordered_json& v) {
    return ClipBinding{ToString(Hex(v["clip_id"])), ToString(Hex(v["camera_id"])),
                       std::stoull(v["household_epoch"].get<std::string>())};
  };
  for (const auto& v : file["vectors"]) {
    auto key = OpenClipKey(Hex(v["envelope"]), *household, binding(v));
    ASSERT_TRUE(key.has_value()) << v["name"];
    EXPECT_EQ(HexEncode(key->secret().Reveal(InsecureSecretAccess::Get())), file["clip_key"]);
  }
  for (const auto& n : file["negative"]) {
    auto key = OpenClipKey(Hex(n["envelope"]), *household, binding(n));
    ASSERT_FALSE(key.has_value()) << n["name"];
    EXPECT_EQ(key.error().message, "decryption failed") << n["name"];
  }
}

}  // namespace
}  // namespace vigil::seal

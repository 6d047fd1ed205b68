// SPDX-License-Identifier: Apache-2.0
#include "format_vectors.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "vigil/seal/account_keys.h"
#include "vigil/seal/alert.h"
#include "vigil/seal/camera_name.h"
#include "vigil/seal/clip_container.h"
#include "vigil/seal/clip_manifest.h"
#include "vigil/seal/clip_metadata.h"
#include "vigil/seal/household_envelope.h"
#include "vigil/seal/key_chain.h"
#include "vigil/seal/key_envelope.h"
#include "vigil/seal/keyring.h"
#include "vigil/seal/pairing.h"
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

TEST(FormatVectorsTest, CheckedInHouseholdKeyringAndPairingVectorsMatchTheCode) {
  auto household = MakeHouseholdEnvelopeVectors();
  ASSERT_TRUE(household.has_value());
  EXPECT_EQ(*household, Load("household-envelope.json"));
  auto keyring = MakeKeyringVectors();
  ASSERT_TRUE(keyring.has_value());
  EXPECT_EQ(*keyring, Load("keyring.json"));
  auto pairing = MakePairingVectors();
  ASSERT_TRUE(pairing.has_value());
  EXPECT_EQ(*pairing, Load("pairing.json"));
}

TEST(FormatVectorsTest, HouseholdEnvelopeVectorsOpenAndNegativesFail) {
  const auto file = Load("household-envelope.json");
  auto device = DevicePrivateKey::FromSecret(
      SecretBytes(Hex(file["recipient_private_key"]), InsecureSecretAccess::Get()));
  ASSERT_TRUE(device.has_value());
  auto binding = [](const nlohmann::ordered_json& v) {
    return HouseholdKeyBinding{ToString(Hex(v["household_id"])),
                               std::stoull(v["household_epoch"].get<std::string>()),
                               ToString(Hex(v["device_id"]))};
  };
  for (const auto& v : file["vectors"]) {
    auto key = OpenHouseholdKey(Hex(v["envelope"]), *device, binding(v));
    ASSERT_TRUE(key.has_value()) << v["name"];
    EXPECT_EQ(HexEncode(key->secret().Reveal(InsecureSecretAccess::Get())),
              file["household_private_key"]);
  }
  for (const auto& n : file["negative"]) {
    auto key = OpenHouseholdKey(Hex(n["envelope"]), *device, binding(n));
    ASSERT_FALSE(key.has_value()) << n["name"];
    EXPECT_EQ(key.error().message, "decryption failed") << n["name"];
  }
}

KeyEncryptionKey KekOf(const nlohmann::ordered_json& v) {
  return internal::KeyEncryptionKeyForTests(SecretBytes(Hex(v["kek"]), InsecureSecretAccess::Get()),
                                            v["kind"] == "account"
                                                ? KeyEncryptionKey::Kind::kAccount
                                                : KeyEncryptionKey::Kind::kRecovery)
      .value();
}

TEST(FormatVectorsTest, KeyringVectorsDeriveUnwrapAndNegativesFail) {
  const auto file = Load("keyring.json");
  const auto& a = file["account"];
  // The full derivation, Argon2id included, from the password and the texts.
  auto ask = AccountSecretKey::Decode(a["account_secret_key_text"].get<std::string>());
  ASSERT_TRUE(ask.has_value());
  EXPECT_EQ(HexEncode(ask->secret().Reveal(InsecureSecretAccess::Get())), a["account_secret_key"]);
  const crypto::Argon2idCost cost{a["argon2id_time_cost"].get<std::uint32_t>(),
                                  a["argon2id_memory_kib"].get<std::uint32_t>()};
  auto keys = DeriveAccountKeys(SecretBytes(Hex(a["password"]), InsecureSecretAccess::Get()), *ask,
                                Hex(a["account_salt"]), cost, ToString(Hex(a["email"])));
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(HexEncode(keys->auth_key.ProofBytes()), a["auth_key"]);
  EXPECT_EQ(HexEncode(keys->kek.secret().Reveal(InsecureSecretAccess::Get())), a["kek"]);
  auto recovery = RecoveryCode::Decode(a["recovery_code_text"].get<std::string>());
  ASSERT_TRUE(recovery.has_value());
  auto recovery_keys =
      DeriveRecoveryKeys(*recovery, Hex(a["recovery_salt"]), ToString(Hex(a["email"])));
  ASSERT_TRUE(recovery_keys.has_value());
  EXPECT_EQ(HexEncode(recovery_keys->kek.secret().Reveal(InsecureSecretAccess::Get())),
            a["recovery_kek"]);
  EXPECT_EQ(HexEncode(recovery_keys->auth_key.ProofBytes()), a["recovery_auth_key"]);
  for (const auto& text : file["invalid_texts"]) {
    EXPECT_FALSE(AccountSecretKey::Decode(text.get<std::string>()).has_value()) << text;
    EXPECT_FALSE(RecoveryCode::Decode(text.get<std::string>()).has_value()) << text;
  }
  for (const auto& v : file["vectors"]) {
    auto keyring = UnwrapKeyring(Hex(v["wrapped"]), KekOf(v), ToString(Hex(v["account_id"])));
    ASSERT_TRUE(keyring.has_value()) << v["name"];
    EXPECT_EQ(HexEncode(keyring->Serialize().Reveal(InsecureSecretAccess::Get())),
              file["keyring"]["serialized"]);
  }
  for (const auto& n : file["negative"]) {
    auto keyring = UnwrapKeyring(Hex(n["wrapped"]), KekOf(n), ToString(Hex(n["account_id"])));
    ASSERT_FALSE(keyring.has_value()) << n["name"];
    EXPECT_EQ(keyring.error().message, "decryption failed") << n["name"];
  }
}

TEST(FormatVectorsTest, PairingVectorsVerifyAndNegativesFail) {
  const auto file = Load("pairing.json");
  auto code = DecodePairingCode(file["code"].get<std::string>());
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(HexEncode(code->secret.secret().Reveal(InsecureSecretAccess::Get())), file["secret"]);
  const auto camera = crypto::VerifyKey::FromBytes(Hex(file["camera_public_key"])).value();
  const auto owner = crypto::VerifyKey::FromBytes(Hex(file["owner_public_key"])).value();
  const auto household = HouseholdPublicKey::FromBytes(Hex(file["household_public_key"])).value();
  auto sig = [](const nlohmann::ordered_json& v) {
    crypto::Signature s{};
    const Bytes b = Hex(v);
    std::copy(b.begin(), b.end(), s.begin());
    return s;
  };
  auto mac = [](const nlohmann::ordered_json& v) {
    PairingMac m{};
    const Bytes b = Hex(v);
    std::copy(b.begin(), b.end(), m.begin());
    return m;
  };
  EXPECT_TRUE(VerifyCameraOffer(*code, {Hex(file["pairing_id"]), camera, mac(file["offer_mac"])})
                  .has_value());
  const PairingClaim claim{owner, household,
                           std::stoull(file["household_epoch"].get<std::string>()),
                           sig(file["claim_signature"]), mac(file["claim_mac"])};
  EXPECT_TRUE(VerifyPairingClaim(code->secret, camera, claim).has_value());
  for (const auto& bad : file["invalid_codes"]) {
    EXPECT_FALSE(DecodePairingCode(bad.get<std::string>()).has_value()) << bad;
  }
  for (const auto& n : file["negative_offers"]) {
    const CameraOffer offer{Hex(n["pairing_id"]),
                            crypto::VerifyKey::FromBytes(Hex(n["camera_public_key"])).value(),
                            mac(n["mac"])};
    auto r = VerifyCameraOffer(*code, offer);
    ASSERT_FALSE(r.has_value()) << n["name"];
    EXPECT_EQ(r.error().message, "verification failed");
  }
  for (const auto& n : file["negative_claims"]) {
    const PairingClaim c{crypto::VerifyKey::FromBytes(Hex(n["owner_public_key"])).value(),
                         HouseholdPublicKey::FromBytes(Hex(n["household_public_key"])).value(),
                         std::stoull(n["household_epoch"].get<std::string>()),
                         sig(n["owner_signature"]), mac(n["mac"])};
    auto r = VerifyPairingClaim(code->secret, camera, c);
    ASSERT_FALSE(r.has_value()) << n["name"];
    EXPECT_EQ(r.error().message, "verification failed");
  }
}

TEST(FormatVectorsTest, CheckedInKeyChainVectorsMatchTheCodeAndVerify) {
  auto made = MakeKeyChainVectors();
  ASSERT_TRUE(made.has_value()) << made.error().ToString();
  const auto file = Load("key-chain.json");
  EXPECT_EQ(*made, file);
  auto version_of = [](const nlohmann::ordered_json& v) {
    SignedKeyChainVersion out;
    out.payload = Hex(v["payload"]);
    const Bytes sig = Hex(v["signature"]);
    std::copy(sig.begin(), sig.end(), out.signature.begin());
    return out;
  };
  std::vector<SignedKeyChainVersion> chain;
  for (const auto& v : file["versions"]) chain.push_back(version_of(v));
  const std::string account = file["account_id"].get<std::string>();
  auto verified = VerifyKeyChain(account, chain, {});
  ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
  EXPECT_EQ(HexEncode(verified->pin.hash), file["versions"][2]["hash"]);
  int negatives = 0;
  for (const auto& n : file["negative"]) {
    std::vector<SignedKeyChainVersion> bad;
    for (const auto& v : n["chain"]) bad.push_back(version_of(v));
    KeyChainPin pin{n["pin_version"].get<std::uint64_t>(), {}};
    const Bytes hash = Hex(n["pin_hash"]);
    std::copy(hash.begin(), hash.end(), pin.hash.begin());
    auto r = VerifyKeyChain(account, bad, pin);
    ASSERT_FALSE(r.has_value()) << n["name"];
    EXPECT_EQ(r.error().code, ErrorCode::kDataLoss) << n["name"];
    ++negatives;
  }
  EXPECT_GE(negatives, 10);
}

TEST(FormatVectorsTest, CheckedInCameraNameVectorsMatchTheCodeAndOpen) {
  auto made = MakeCameraNameVectors();
  ASSERT_TRUE(made.has_value()) << made.error().ToString();
  const auto file = Load("camera-name.json");
  EXPECT_EQ(*made, file);
  auto key = HouseholdPrivateKey::FromSecret(
      SecretBytes(Hex(file["recipient_private_key"]), InsecureSecretAccess::Get()));
  ASSERT_TRUE(key.has_value());
  auto binding = [](const nlohmann::ordered_json& v) {
    const Bytes hh = Hex(v["household_id"]);
    const Bytes cam = Hex(v["camera_id"]);
    return CameraNameBinding{std::string(hh.begin(), hh.end()),
                             std::string(cam.begin(), cam.end())};
  };
  for (const auto& v : file["vectors"]) {
    auto name = OpenCameraName(Hex(v["sealed"]), *key, binding(v));
    ASSERT_TRUE(name.has_value()) << v["name"];
    EXPECT_EQ(HexEncode(AsBytes(*name)), v["camera_name"]);
  }
  for (const auto& n : file["negative"]) {
    auto r = OpenCameraName(Hex(n["sealed"]), *key, binding(n));
    ASSERT_FALSE(r.has_value()) << n["name"];
    EXPECT_EQ(r.error().message, "decryption failed");
  }
}

// Opens every part of a vector blob as `v` says; the first error wins.
Status OpenClipVector(ByteSpan blob, const nlohmann::ordered_json& v,
                      const crypto::VerifyKey& camera, const HouseholdPrivateKey& household,
                      Bytes* video_out) {
  const Bytes clip_id = Hex(v["clip_id"]);
  const Bytes camera_id = Hex(v["camera_id"]);
  VIGIL_TRY(reader, ClipReader::FromBlob(blob, camera, ToString(clip_id), ToString(camera_id)));
  const ClipLayout& l = reader.layout();
  VIGIL_TRY(key, reader.OpenKey(Hex(v["envelope"]), household));
  VIGIL_TRY(thumb, reader.OpenThumbnail(key, blob.subspan(l.thumbnail_offset, l.thumbnail_size)));
  VIGIL_TRY(meta, reader.OpenMetadata(key, blob.subspan(l.metadata_offset, l.metadata_size)));
  if (thumb != Hex(v["thumbnail"]) || meta != Hex(v["metadata"])) {
    return Fail(ErrorCode::kInternal, "part mismatch");
  }
  Bytes video;
  auto s = reader.DecryptVideo(key, blob.subspan(l.video_offset, l.video_size), [&](ByteSpan b) {
    Append(video, b);
    return OkStatus();
  });
  if (!s) return s;
  if (video_out) *video_out = std::move(video);
  return OkStatus();
}

TEST(FormatVectorsTest, CheckedInClipVectorsMatchTheCodeAndOpen) {
  auto made = MakeClipVectors();
  ASSERT_TRUE(made.has_value()) << made.error().ToString();
  const auto file = Load("clip.json");
  EXPECT_EQ(*made, file);
  auto camera = crypto::VerifyKey::FromBytes(Hex(file["camera_public_key"]));
  ASSERT_TRUE(camera.has_value());
  auto household = HouseholdPrivateKey::FromSecret(
      SecretBytes(Hex(file["household_private_key"]), InsecureSecretAccess::Get()));
  ASSERT_TRUE(household.has_value());
  std::vector<VerifiedManifest> chain;
  for (const auto& v : file["vectors"]) {
    Bytes video;
    auto s = OpenClipVector(Hex(v["blob"]), v, *camera, *household, &video);
    ASSERT_TRUE(s.has_value()) << v["name"] << s.error().ToString();
    EXPECT_EQ(video, Hex(v["video"]));
    auto reader = ClipReader::FromBlob(Hex(v["blob"]), *camera, ToString(Hex(v["clip_id"])),
                                       ToString(Hex(v["camera_id"])));
    ASSERT_TRUE(reader.has_value());
    EXPECT_EQ(HexEncode(reader->manifest().hash), v["manifest_hash"]);
    chain.push_back(reader->manifest());
  }
  EXPECT_TRUE(CheckManifestChain(chain, std::nullopt).empty());
  const auto& hb = file["heartbeat"];
  auto heartbeat = VerifyHeartbeat(Hex(hb["signed"]), *camera, ToString(Hex(hb["camera_id"])));
  ASSERT_TRUE(heartbeat.has_value());
  EXPECT_EQ(HexEncode(heartbeat->last.manifest_hash), hb["last_manifest_hash"]);
  int negatives = 0;
  for (const auto& n : file["negative"]) {
    auto s = OpenClipVector(Hex(n["blob"]), file["vectors"][0], *camera, *household, nullptr);
    ASSERT_FALSE(s.has_value()) << n["name"];
    EXPECT_EQ(s.error().code, ErrorCode::kDataLoss) << n["name"];
    ++negatives;
  }
  EXPECT_GE(negatives, 10);
  for (const auto& v : file["vectors"]) {
    auto doc = DecodeClipMetadata(Hex(v["metadata"]));
    ASSERT_TRUE(doc.has_value());
    EXPECT_EQ(doc->motion_score, v["metadata_document"]["motion_score"]);
    EXPECT_EQ(doc->detections.size(), v["metadata_document"]["detections"].size());
  }
  for (const auto& n : file["negative_metadata"]) {
    EXPECT_FALSE(DecodeClipMetadata(Hex(n["metadata"])).has_value()) << n["name"];
  }
}

TEST(FormatVectorsTest, CheckedInAlertVectorsMatchTheCodeAndOpen) {
  auto made = MakeAlertVectors();
  ASSERT_TRUE(made.has_value()) << made.error().ToString();
  const auto file = Load("alert.json");
  EXPECT_EQ(*made, file);
  auto camera = crypto::VerifyKey::FromBytes(Hex(file["camera_public_key"]));
  auto household = HouseholdPrivateKey::FromSecret(
      SecretBytes(Hex(file["household_private_key"]), InsecureSecretAccess::Get()));
  ASSERT_TRUE(camera.has_value() && household.has_value());
  for (const auto& v : file["vectors"]) {
    auto opened =
        OpenAlert(Hex(v["sealed"]), ToString(Hex(v["alert_id"])), ToString(Hex(v["camera_id"])),
                  v["household_epoch"].get<std::uint64_t>(), *camera, *household);
    ASSERT_TRUE(opened.has_value()) << v["name"];
    EXPECT_EQ(static_cast<int>(opened->kind), v["kind"].get<int>());
    EXPECT_EQ(opened->clip_id, v["clip_id"].get<std::string>());
    EXPECT_EQ(opened->labels, v["labels"].get<std::vector<std::string>>());
    EXPECT_EQ(opened->sequence, v["sequence"].get<std::uint64_t>());
  }
  for (const auto& n : file["negative"]) {
    auto r =
        OpenAlert(Hex(n["sealed"]), ToString(Hex(n["alert_id"])), ToString(Hex(n["camera_id"])),
                  n["household_epoch"].get<std::uint64_t>(), *camera, *household);
    ASSERT_FALSE(r.has_value()) << n["name"];
    EXPECT_EQ(r.error().message, n["error"].get<std::string>()) << n["name"];
  }
  for (const auto& n : file["negative_plaintext"]) {
    EXPECT_FALSE(internal::DecodeAlertContent(Hex(n["plaintext"])).has_value()) << n["name"];
  }
}

}  // namespace
}  // namespace vigil::seal

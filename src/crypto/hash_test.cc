// SPDX-License-Identifier: Apache-2.0
#include "vigil/crypto/hash.h"

#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::crypto {
namespace {

Bytes Hex(std::string_view hex) { return HexDecode(hex).value(); }

SecretBytes Secret(ByteSpan bytes) { return SecretBytes(bytes, InsecureSecretAccess::Get()); }

std::string RevealHex(const SecretBytes& s) {
  return HexEncode(s.Reveal(InsecureSecretAccess::Get()));
}

TEST(Sha256Test, MatchesFips180Vector) {
  EXPECT_EQ(HexEncode(Sha256(AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, IncrementalEqualsOneShot) {
  Sha256Hasher h;
  h.Update(AsBytes("a"));
  h.Update(AsBytes("bc"));
  EXPECT_EQ(h.Finish(), Sha256(AsBytes("abc")));
}

TEST(HmacSha256Test, MatchesRfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256(Secret(AsBytes("Jefe")), AsBytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HkdfTest, MatchesRfc5869Case1) {
  const Bytes ikm(22, 0x0b);
  const Bytes salt = Hex("000102030405060708090a0b0c");
  const Bytes info = Hex("f0f1f2f3f4f5f6f7f8f9");
  SecretBytes prk = HkdfExtract(salt, ikm);
  EXPECT_EQ(RevealHex(prk), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  auto okm = HkdfExpand(prk, info, 42);
  ASSERT_TRUE(okm.has_value());
  EXPECT_EQ(RevealHex(*okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(HkdfTest, MatchesRfc5869Case3WithEmptySaltAndInfo) {
  const Bytes ikm(22, 0x0b);
  SecretBytes prk = HkdfExtract({}, ikm);
  EXPECT_EQ(RevealHex(prk), "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
  auto okm = HkdfExpand(prk, {}, 42);
  ASSERT_TRUE(okm.has_value());
  EXPECT_EQ(RevealHex(*okm),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfTest, RejectsOutOfRangeLengths) {
  SecretBytes prk = HkdfExtract({}, AsBytes("x"));
  EXPECT_EQ(HkdfExpand(prk, {}, 0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(HkdfExpand(prk, {}, 255 * 32 + 1).error().code, ErrorCode::kInvalidArgument);
}

TEST(DeriveKeyTest, IsHkdfWithTheLabelledInfo) {
  SecretBytes ikm = SecretBytes::Random(32);
  const Bytes salt = Hex("00112233");
  const Bytes context = {0xaa, 0xbb};
  auto derived = DeriveKey(ikm, salt, KeyPurpose::kClipVideo, context, 32);
  ASSERT_TRUE(derived.has_value());
  Bytes info(Label(KeyPurpose::kClipVideo).begin(), Label(KeyPurpose::kClipVideo).end());
  info.push_back(0);
  info.insert(info.end(), context.begin(), context.end());
  auto expected = HkdfExpand(HkdfExtract(salt, ikm.Reveal(InsecureSecretAccess::Get())), info, 32);
  EXPECT_TRUE(*derived == *expected);
}

TEST(DeriveKeyTest, DifferentPurposesGiveIndependentKeys) {
  SecretBytes ikm = SecretBytes::Random(32);
  auto video = DeriveKey(ikm, {}, KeyPurpose::kClipVideo, {}, 32);
  auto thumb = DeriveKey(ikm, {}, KeyPurpose::kClipThumbnail, {}, 32);
  auto meta = DeriveKey(ikm, {}, KeyPurpose::kClipMetadata, {}, 32);
  EXPECT_FALSE(*video == *thumb);
  EXPECT_FALSE(*video == *meta);
  EXPECT_FALSE(*thumb == *meta);
}

TEST(LabelTest, EveryLabelIsVersionedAndUnique) {
  const std::vector<std::string_view> all = {
      Label(KeyPurpose::kClipVideo),          Label(KeyPurpose::kClipThumbnail),
      Label(KeyPurpose::kClipMetadata),       Label(KeyPurpose::kAccountAuth),
      Label(KeyPurpose::kAccountKek),         Label(KeyPurpose::kRecoveryKek),
      Label(KeyPurpose::kKeyringWrap),        Label(KeyPurpose::kPairingId),
      Label(KeyPurpose::kPairingMac),         Label(KeyPurpose::kTotpSeedKey),
      Label(EnvelopePurpose::kClipKey),       Label(EnvelopePurpose::kHouseholdKey),
      Label(SignaturePurpose::kClipManifest), Label(SignaturePurpose::kHeartbeat),
      Label(SignaturePurpose::kKeyChain),     Label(SignaturePurpose::kPairingClaim),
      Label(SignaturePurpose::kRoster),       Label(EnvelopePurpose::kCameraName),
      Label(KeyPurpose::kRecoveryAuth),       Label(EnvelopePurpose::kAlert),
      Label(SignaturePurpose::kAlert)};
  const std::set<std::string_view> labels(all.begin(), all.end());
  EXPECT_EQ(labels.size(), all.size());
  EXPECT_EQ(labels.size(), 21u);
  for (auto l : labels) {
    EXPECT_EQ(l.rfind("vigil/v1/", 0), 0u) << l;
    EXPECT_EQ(l.find('\0'), std::string_view::npos);
  }
}

TEST(LabelTest, TheRegistryDocumentListsEveryLabel) {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/docs/formats/labels.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (auto l : {Label(KeyPurpose::kAccountAuth), Label(KeyPurpose::kAccountKek),
                 Label(KeyPurpose::kRecoveryKek), Label(KeyPurpose::kRecoveryAuth),
                 Label(KeyPurpose::kKeyringWrap), Label(KeyPurpose::kPairingId),
                 Label(KeyPurpose::kPairingMac), Label(KeyPurpose::kTotpSeedKey),
                 Label(EnvelopePurpose::kHouseholdKey), Label(SignaturePurpose::kKeyChain),
                 Label(SignaturePurpose::kPairingClaim), Label(SignaturePurpose::kRoster),
                 Label(KeyPurpose::kClipVideo), Label(EnvelopePurpose::kCameraName),
                 Label(EnvelopePurpose::kAlert), Label(SignaturePurpose::kAlert)}) {
    // Appended piecewise: g++ 12 at -O3 warns (-Wrestrict, a false positive)
    // on "`" + std::string(l).
    std::string needle = "`";
    needle.append(l).append("`");
    EXPECT_NE(doc.find(needle), std::string::npos) << l;
  }
}

}  // namespace
}  // namespace vigil::crypto

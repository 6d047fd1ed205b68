// SPDX-License-Identifier: Apache-2.0
#include "vigil/client/clip_verify.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/crypto/hash.h"
#include "vigil/crypto/secret.h"
#include "vigil/seal/pairing.h"

namespace vigil::client {
namespace {

constexpr std::uint32_t kSegment = 256;  // small, so a clip has many segments

Bytes Pattern(std::size_t size, std::uint8_t seed) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(i * 131 + seed);
  return out;
}

// A camera with real keys sealing real clips (seal::SealClip), a household
// key that opens them.
struct Camera {
  seal::ClipKey key = seal::ClipKey::Generate();
  crypto::SigningKey signing = crypto::SigningKey::Generate();
  seal::HouseholdPrivateKey household = seal::HouseholdPrivateKey::Generate();
  std::vector<Bytes> fragments = {Pattern(700, 1), Pattern(256, 2), Pattern(1500, 3)};
  Bytes thumbnail = Pattern(300, 4);
  seal::ClipMetadata metadata{6500, {{"person", 8700, 1000, 2000, 3000, 4000}}, {"driveway"}};
  Bytes envelope;

  seal::SealedClip Seal(const std::string& clip_id, std::uint64_t sequence = 1,
                        crypto::Sha256Digest previous = {}) {
    auto env = seal::SealClipKey(key, household.public_key(), {clip_id, "cam-1", 7});
    EXPECT_TRUE(env.has_value());
    envelope = *env;
    auto md = seal::EncodeClipMetadata(metadata);
    EXPECT_TRUE(md.has_value());
    auto sealed = seal::SealClip(
        key, signing, seal::ClipStart{{clip_id, "cam-1", 7}, sequence, previous, 1'700'000'040},
        fragments, seal::ClipEnd{12'500, thumbnail, *md, {envelope}}, kSegment);
    EXPECT_TRUE(sealed.has_value()) << sealed.error().ToString();
    return std::move(*sealed);
  }

  Bytes Video() const {
    Bytes all;
    for (const auto& f : fragments) Append(all, f);
    return all;
  }
};

// An in-memory blob that records every ranged read.
struct MemoryBlob {
  Bytes blob;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> reads;
  BlobReader Reader() {
    return [this](std::uint64_t offset, std::uint64_t size) -> Result<Bytes> {
      reads.emplace_back(offset, size);
      if (offset + size > blob.size()) return Fail(ErrorCode::kDataLoss, "truncated");
      return Bytes(blob.begin() + static_cast<std::ptrdiff_t>(offset),
                   blob.begin() + static_cast<std::ptrdiff_t>(offset + size));
    };
  }
};

seal::VerifiedManifest Point(std::uint64_t sequence, std::uint8_t hash, std::uint8_t previous) {
  seal::VerifiedManifest v;
  v.manifest.sequence = sequence;
  v.hash.fill(hash);
  v.manifest.previous_manifest.fill(previous);
  return v;
}

TEST(ChainReportTest, DescribesEveryProblemInOneLine) {
  using P = seal::ChainProblem;
  EXPECT_EQ(DescribeChainFinding("porch", {P::kGap, 3, 7}),
            "camera \"porch\": clips 4..6 are missing (sequence gap after 3)");
  EXPECT_EQ(DescribeChainFinding("porch", {P::kGap, 3, 5}),
            "camera \"porch\": clip 4 is missing (sequence gap after 3)");
  EXPECT_EQ(DescribeChainFinding("porch", {P::kReorder, 7, 5}),
            "camera \"porch\": clip 5 is listed after clip 7 (clips reordered)");
  EXPECT_EQ(DescribeChainFinding("porch", {P::kBroken, 4, 5}),
            "camera \"porch\": clip 5 does not chain to clip 4 (fork: two different histories)");
  EXPECT_EQ(DescribeChainFinding("porch", {P::kRollback, 9, 6}),
            "camera \"porch\": the newest clip listed is 6 but clip 9 was verified before "
            "(rollback: newer clips are hidden)");
}

TEST(ChainReportTest, ReportsGapsForksAndRollbackAndKeepsTheNewestPoint) {
  // 1 -> 2 -> (3, 4 missing) -> 5
  std::vector<seal::VerifiedManifest> list = {Point(1, 1, 0), Point(2, 2, 1), Point(5, 5, 4)};
  auto report = CheckCameraChain("porch", list, std::nullopt, false);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(report.warnings[0], "camera \"porch\": clips 3..4 are missing (sequence gap after 2)");
  ASSERT_TRUE(report.newest);
  EXPECT_EQ(report.newest->sequence, 5u);

  // The server's order does not matter; the signed sequence does.
  std::vector<seal::VerifiedManifest> shuffled = {Point(2, 2, 1), Point(3, 3, 2), Point(1, 1, 0)};
  EXPECT_TRUE(CheckCameraChain("porch", shuffled, std::nullopt, false).warnings.empty());
  // Two clips with one sequence number: a fork.
  std::vector<seal::VerifiedManifest> twice = {Point(1, 1, 0), Point(2, 2, 1), Point(2, 7, 1)};
  report = CheckCameraChain("porch", twice, std::nullopt, false);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(
      report.warnings[0],
      "camera \"porch\": two different clips claim sequence 2 (fork: two different histories)");

  // A fork: clip 2 does not name clip 1.
  std::vector<seal::VerifiedManifest> forked = {Point(1, 1, 0), Point(2, 2, 9)};
  report = CheckCameraChain("porch", forked, std::nullopt, false);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("fork"), std::string::npos);

  // An older listing than this device saw: rollback, and the pin stays.
  seal::ChainPoint known{8, {}};
  known.manifest_hash.fill(8);
  std::vector<seal::VerifiedManifest> old = {Point(1, 1, 0), Point(2, 2, 1)};
  report = CheckCameraChain("porch", old, known, false);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("rollback"), std::string::npos);
  EXPECT_EQ(report.newest, known);

  // A --since listing starts after the pin by design: no gap reported...
  std::vector<seal::VerifiedManifest> later = {Point(12, 12, 11), Point(13, 13, 12)};
  EXPECT_TRUE(CheckCameraChain("porch", later, known, true).warnings.empty());
  // ...but a full listing that skips 9..11 after the pin is a gap.
  report = CheckCameraChain("porch", later, known, false);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(report.warnings[0], "camera \"porch\": clips 9..11 are missing (sequence gap after 8)");
}

TEST(ChainReportTest, HeartbeatsMoveTheKnownPointForwardOnly) {
  seal::ChainPoint known{4, {}};
  seal::Heartbeat older{"cam-1", 100, {2, {}}};
  seal::Heartbeat newer{"cam-1", 200, {6, {}}};
  std::vector<seal::Heartbeat> beats = {older, newer};
  auto folded = FoldHeartbeats(known, beats);
  ASSERT_TRUE(folded);
  EXPECT_EQ(folded->sequence, 6u);
  std::vector<seal::Heartbeat> only_old = {older};
  EXPECT_EQ(FoldHeartbeats(known, only_old)->sequence, 4u);
}

TEST(EventLabelsTest, DetectionsOrMotion) {
  seal::ClipMetadata md;
  EXPECT_EQ(EventLabels(md), std::vector<std::string>{"motion"});
  md.detections = {{"person", 1, 0, 0, 1, 1}, {"car", 1, 0, 0, 1, 1}, {"person", 1, 0, 0, 1, 1}};
  EXPECT_EQ(EventLabels(md), (std::vector<std::string>{"person", "car"}));
}

TEST(VerifyClipTest, DecryptsWholeVideoAndMetadataThroughRangedReads) {
  Camera cam;
  MemoryBlob mem{cam.Seal("clip-1").blob, {}};
  Bytes tail;
  auto clip =
      VerifyClip(mem.Reader(), mem.blob.size(), cam.signing.verify_key(), "clip-1", "cam-1", &tail);
  ASSERT_TRUE(clip.has_value()) << clip.error().ToString();
  EXPECT_EQ(mem.reads.size(), 1u);  // a small clip: one tail read holds trailer and manifest
  auto key = OpenVerifiedKey(*clip, cam.envelope, cam.household);
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  auto metadata = ReadClipMetadata(*clip, *key, mem.Reader(), &tail);
  ASSERT_TRUE(metadata.has_value()) << metadata.error().ToString();
  EXPECT_EQ(*metadata, cam.metadata);
  auto thumbnail = ReadThumbnail(*clip, *key, mem.Reader());
  ASSERT_TRUE(thumbnail.has_value());
  EXPECT_EQ(*thumbnail, cam.thumbnail);
  Bytes video;
  // Small chunks: many ranged reads, each of whole segments.
  ASSERT_TRUE(DecryptVideoTo(
      *clip, *key, mem.Reader(),
      [&](ByteSpan b) {
        Append(video, b);
        return OkStatus();
      },
      std::uint64_t{3} * kSegment));
  EXPECT_EQ(video, cam.Video());
}

TEST(VerifyClipTest, ASeekReadsAndVerifiesOnlyItsSegments) {
  Camera cam;
  MemoryBlob mem{cam.Seal("clip-1").blob, {}};
  auto clip =
      VerifyClip(mem.Reader(), mem.blob.size(), cam.signing.verify_key(), "clip-1", "cam-1");
  ASSERT_TRUE(clip.has_value());
  auto key = OpenVerifiedKey(*clip, cam.envelope, cam.household);
  ASSERT_TRUE(key.has_value());
  const Bytes video = cam.Video();
  mem.reads.clear();
  // Plaintext [600, 900) lies in segments 2..3.
  auto part = ReadVideoRange(*clip, *key, mem.Reader(), 600, 300);
  ASSERT_TRUE(part.has_value()) << part.error().ToString();
  EXPECT_EQ(*part, Bytes(video.begin() + 600, video.begin() + 900));
  ASSERT_EQ(mem.reads.size(), 1u);
  const std::uint64_t stride = kSegment + seal::kStreamTagBytes;
  EXPECT_EQ(mem.reads[0].first, seal::kClipPrologueBytes + seal::kStreamHeaderBytes + 2 * stride);
  EXPECT_EQ(mem.reads[0].second, 2 * stride);

  // A flipped byte in segment 7 does not stop a seek into segment 2...
  const std::uint64_t seg7 = seal::kClipPrologueBytes + seal::kStreamHeaderBytes + 7 * stride;
  mem.blob[seg7 + 5] ^= 1;
  EXPECT_TRUE(ReadVideoRange(*clip, *key, mem.Reader(), 600, 300).has_value());
  // ...but reading it names the segment.
  auto bad = ReadVideoRange(*clip, *key, mem.Reader(), std::uint64_t{7} * kSegment, 10);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(bad.error().message.find("clip clip-1 failed verification: video segment 7"),
            std::string::npos)
      << bad.error().message;
}

TEST(VerifyClipTest, NamesWhatFailed) {
  Camera cam;
  const Bytes one = cam.Seal("clip-1").blob;
  const Bytes two = cam.Seal("clip-2", 2).blob;
  auto message = [&](const Bytes& blob, const crypto::VerifyKey& key) {
    MemoryBlob mem{blob, {}};
    auto clip = VerifyClip(mem.Reader(), blob.size(), key, "clip-1", "cam-1");
    EXPECT_FALSE(clip.has_value());
    return clip ? std::string() : clip.error().message;
  };
  const auto camera_key = cam.signing.verify_key();
  EXPECT_NE(message(two, camera_key).find("wrong clip"), std::string::npos);
  EXPECT_NE(message(one, crypto::SigningKey::Generate().verify_key()).find("signature"),
            std::string::npos);
  Bytes truncated(one.begin(), one.end() - 100);
  EXPECT_NE(message(truncated, camera_key).find("trailer"), std::string::npos);
  Bytes flipped = one;
  flipped[flipped.size() - 40] ^= 1;  // inside the signature
  EXPECT_NE(message(flipped, camera_key).find("signature"), std::string::npos);

  // The thumbnail of another clip: its hash is not the signed one.
  MemoryBlob mem{one, {}};
  auto clip = VerifyClip(mem.Reader(), one.size(), camera_key, "clip-1", "cam-1");
  ASSERT_TRUE(clip.has_value());
  auto key = OpenVerifiedKey(*clip, cam.envelope, cam.household);  // clip-2's envelope now
  ASSERT_FALSE(key.has_value());
  EXPECT_NE(key.error().message.find("envelope"), std::string::npos);
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vigil-bundle-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

void FlipByte(const std::string& path, std::size_t at) {
  std::string s = ReadFile(path);
  s[at] = static_cast<char>(s[at] ^ 0x01);
  WriteFile(path, s);
}

TEST(WriteFileVerifiedTest, LeavesNoFileWhenProductionFails) {
  TempDir dir;
  const std::string path = dir.path() + "/clip.mp4";
  auto failed = WriteFileVerified(path, [](const seal::StreamSink& sink) -> Status {
    if (auto s = sink(AsBytes("first segment")); !s) return s;
    return Fail(ErrorCode::kDataLoss, "segment 2 failed");
  });
  EXPECT_FALSE(failed);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
  ASSERT_TRUE(
      WriteFileVerified(path, [](const seal::StreamSink& sink) { return sink(AsBytes("ok")); }));
  EXPECT_EQ(ReadFile(path), "ok");
}

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sealed_ = cam_.Seal("clip-1").blob;
    WriteFile(dir_.path() + "/clip.vgcl", ToString(sealed_));
    const BundleFacts facts{"clip-1", "cam-1", "porch", cam_.signing.verify_key(),
                            "pinned at pairing (test)"};
    auto written = WriteEvidenceBundle(dir_.path(), facts, cam_.key);
    ASSERT_TRUE(written) << written.error().ToString();
  }

  std::string File(const char* name) const { return dir_.path() + "/" + name; }

  // The verify error, which must name `file`.
  void ExpectFails(const char* file) {
    auto verified = VerifyEvidenceBundle(dir_.path());
    ASSERT_FALSE(verified.has_value()) << "tampered " << file << " was accepted";
    EXPECT_EQ(verified.error().code, ErrorCode::kDataLoss);
    EXPECT_NE(verified.error().message.find(std::string(": ") + file + ":"), std::string::npos)
        << verified.error().message;
  }

  Camera cam_;
  Bytes sealed_;
  TempDir dir_;
};

TEST_F(BundleTest, HoldsTheDecryptedClipAndVerifies) {
  EXPECT_EQ(ReadFile(File("clip.mp4")), ToString(cam_.Video()));
  EXPECT_EQ(ReadFile(File("thumbnail.jpg")), ToString(cam_.thumbnail));
  EXPECT_EQ(ReadFile(File("clip.vgcl")), ToString(sealed_));
  EXPECT_NE(ReadFile(File("metadata.json")).find("\"person\""), std::string::npos);
  EXPECT_NE(ReadFile(File("key.txt")).find("clip_key: "), std::string::npos);
  EXPECT_NE(ReadFile(File("README.txt")).find("vigil clip verify"), std::string::npos);
  auto verified = VerifyEvidenceBundle(dir_.path());
  ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
  EXPECT_EQ(verified->size(), 6u);
  for (const auto& line : *verified) EXPECT_EQ(line.rfind("OK ", 0), 0u) << line;
}

TEST_F(BundleTest, ATamperedMp4IsNamed) {
  FlipByte(File("clip.mp4"), 1000);
  ExpectFails("clip.mp4");
}

TEST_F(BundleTest, ATruncatedMp4IsNamed) {
  const std::string mp4 = ReadFile(File("clip.mp4"));
  WriteFile(File("clip.mp4"), mp4.substr(0, mp4.size() - 1));
  ExpectFails("clip.mp4");
}

TEST_F(BundleTest, ATamperedBlobSegmentIsNamed) {
  FlipByte(File("clip.vgcl"), seal::kClipPrologueBytes + seal::kStreamHeaderBytes + 300);
  ExpectFails("clip.vgcl");
  auto verified = VerifyEvidenceBundle(dir_.path());
  EXPECT_NE(verified.error().message.find("video segment 1"), std::string::npos)
      << verified.error().message;
}

TEST_F(BundleTest, ATamperedManifestIsNamed) {
  FlipByte(File("manifest.bin"), 30);
  ExpectFails("manifest.bin");
}

TEST_F(BundleTest, AnotherCameraKeyIsNamed) {
  const std::string text = ReadFile(File("camera-key.txt"));
  const std::string other = Base64UrlEncode(crypto::SigningKey::Generate().verify_key().bytes());
  const auto at = text.find("camera_key: ") + 12;
  WriteFile(File("camera-key.txt"), text.substr(0, at) + other + text.substr(at + other.size()));
  ExpectFails("manifest.bin");
}

TEST_F(BundleTest, EditedLabelsAndThumbnailAreNamed) {
  std::string md = ReadFile(File("metadata.json"));
  md.replace(md.find("\"person\""), 8, "\"animal\"");
  WriteFile(File("metadata.json"), md);
  ExpectFails("metadata.json");
}

TEST_F(BundleTest, AnEditedThumbnailIsNamed) {
  FlipByte(File("thumbnail.jpg"), 3);
  ExpectFails("thumbnail.jpg");
}

TEST_F(BundleTest, AWrongKeyIsNotAccepted) {
  const seal::ClipKey other = seal::ClipKey::Generate();
  WriteFile(File("key.txt"),
            "clip_key: " +
                Base64UrlEncode(other.secret().Reveal(crypto::InsecureSecretAccess::Get())) + "\n");
  ExpectFails("clip.vgcl");
}

TEST_F(BundleTest, ExportOfATamperedBlobLeavesNoFiles) {
  TempDir other;
  Bytes blob = sealed_;
  blob[seal::kClipPrologueBytes + seal::kStreamHeaderBytes + 5] ^= 1;
  WriteFile(other.path() + "/clip.vgcl", ToString(blob));
  const BundleFacts facts{"clip-1", "cam-1", "porch", cam_.signing.verify_key(), "test"};
  auto written = WriteEvidenceBundle(other.path(), facts, cam_.key);
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("video segment 0"), std::string::npos)
      << written.error().message;
  EXPECT_FALSE(std::filesystem::exists(other.path() + "/clip.mp4"));
  EXPECT_FALSE(std::filesystem::exists(other.path() + "/key.txt"));
}

TEST(CameraClaimTest, TheOwnersClaimVerifiesOnlyForItsCameraKey) {
  const auto secret = seal::PairingSecret::Generate();
  const crypto::SigningKey account = crypto::SigningKey::Generate();
  const seal::HouseholdPrivateKey household = seal::HouseholdPrivateKey::Generate();
  const crypto::SigningKey camera = crypto::SigningKey::Generate();
  const seal::PairingClaim made =
      seal::MakePairingClaim(secret, account, household.public_key(), 3, camera.verify_key());
  const StoredCameraClaim stored{seal::PairingId(secret), made.owner_key, made.household_key, 3,
                                 made.owner_signature};
  EXPECT_TRUE(VerifyCameraClaim(stored, camera.verify_key(), account.verify_key(),
                                household.public_key(), 3));
  // Another camera's key (the server swapping keys) is refused.
  auto swapped = VerifyCameraClaim(stored, crypto::SigningKey::Generate().verify_key(),
                                   account.verify_key(), household.public_key(), 3);
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error().message.rfind("camera key not verified", 0), 0u);
  // A claim by a key that is not the account's.
  EXPECT_FALSE(VerifyCameraClaim(stored, camera.verify_key(),
                                 crypto::SigningKey::Generate().verify_key(),
                                 household.public_key(), 3));
  // Another household key or epoch.
  EXPECT_FALSE(VerifyCameraClaim(stored, camera.verify_key(), account.verify_key(),
                                 seal::HouseholdPrivateKey::Generate().public_key(), 3));
  EXPECT_FALSE(VerifyCameraClaim(stored, camera.verify_key(), account.verify_key(),
                                 household.public_key(), 4));
  // Another pairing id (the signature covers it).
  StoredCameraClaim moved{Bytes(32, 7), made.owner_key, made.household_key, 3,
                          made.owner_signature};
  EXPECT_FALSE(VerifyCameraClaim(moved, camera.verify_key(), account.verify_key(),
                                 household.public_key(), 3));
}

}  // namespace
}  // namespace vigil::client

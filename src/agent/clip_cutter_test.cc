// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/clip_cutter.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "vigil/seal/clip_container.h"
#include "vigil/seal/clip_metadata.h"

namespace vigil::agent {
namespace {

constexpr std::int64_t kSecond = 1000000;

// The cutter does not parse MP4: any bytes stand in for the init segment and
// the fragments, so the test can tell exactly which fragments a clip holds.
Bytes Init() { return Bytes(300, 'I'); }
media::Fragment Fragment(std::uint64_t i) {
  media::Fragment f;
  f.index = i;
  f.start_us = static_cast<std::int64_t>(i) * kSecond;
  f.duration_us = kSecond;
  f.bytes = Bytes(1000 + i, static_cast<std::uint8_t>('a' + i));
  return f;
}

detect::Event Event(std::uint64_t number, std::int64_t start_us, std::int64_t pre_roll_us) {
  detect::Event e;
  e.number = number;
  e.start_us = start_us;
  e.last_motion_us = start_us;
  e.clip_start_us = std::max<std::int64_t>(0, start_us - pre_roll_us);
  return e;
}

class ClipCutterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (std::filesystem::temp_directory_path() /
             ("vigil-cutter-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    auto state = CameraState::Create(root_ + "/camera", "http://127.0.0.1:1", "");
    ASSERT_TRUE(state.has_value());
    owner_ = std::make_unique<crypto::SigningKey>(crypto::SigningKey::Generate());
    ASSERT_TRUE(state
                    ->SetPairing({"cam_0123456789", "hh_0123456789", "cred",
                                  household_.public_key(), 1, owner_->verify_key(), "Porch"})
                    .has_value());
    state_ = std::make_unique<CameraState>(std::move(*state));
    spool_ = Spool::Open(root_ + "/camera/spool", {}).value();
    ClipCutterOptions options;
    options.pre_roll = std::chrono::seconds(2);
    options.now_unix_s = [] { return std::int64_t{1796000000}; };
    options.on_committed = [this](const SpooledClip& c, const detect::Event&) {
      committed_.push_back(c);
    };
    cutter_ = ClipCutter::Create(*state_, *spool_, options).value();
    ASSERT_TRUE(cutter_->SetInitSegment(Init()).has_value());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void Feed(std::uint64_t from, std::uint64_t to) {
    for (auto i = from; i < to; ++i) ASSERT_TRUE(cutter_->AddFragment(Fragment(i)).has_value());
  }

  ClipExtras Extras() {
    ClipExtras extras;
    extras.thumbnail_jpeg = Bytes{0xff, 0xd8, 0xff, 0xd9};
    seal::ClipMetadata metadata;
    metadata.motion_score = 4200;
    extras.metadata = seal::EncodeClipMetadata(metadata).value();
    return extras;
  }

  // Opens a spooled clip as the owner would and returns its video.
  Bytes OpenVideo(const SpooledClip& clip, seal::VerifiedManifest* manifest_out = nullptr) {
    const Bytes blob = spool_->Read(clip.clip_id, 0, clip.size_bytes).value();
    EXPECT_EQ(crypto::Sha256(blob), clip.sha256);
    auto reader = seal::ClipReader::FromBlob(blob, state_->signing_key().verify_key(), clip.clip_id,
                                             "cam_0123456789");
    EXPECT_TRUE(reader.has_value()) << reader.error().ToString();
    auto key = reader->OpenKey(clip.envelope, household_);
    EXPECT_TRUE(key.has_value()) << key.error().ToString();
    Bytes video;
    const ByteSpan sealed(blob.data() + reader->layout().video_offset, reader->layout().video_size);
    EXPECT_TRUE(reader
                    ->DecryptVideo(*key, sealed,
                                   [&](ByteSpan b) {
                                     video.insert(video.end(), b.begin(), b.end());
                                     return OkStatus();
                                   })
                    .has_value());
    if (manifest_out != nullptr) *manifest_out = reader->manifest();
    return video;
  }

  static Bytes Expected(std::uint64_t first, std::uint64_t last) {
    Bytes out = Init();
    for (auto i = first; i <= last; ++i) {
      const Bytes b = Fragment(i).bytes;
      out.insert(out.end(), b.begin(), b.end());
    }
    return out;
  }

  seal::HouseholdPrivateKey household_ = seal::HouseholdPrivateKey::Generate();
  std::unique_ptr<crypto::SigningKey> owner_;
  std::string root_;
  std::unique_ptr<CameraState> state_;
  std::unique_ptr<Spool> spool_;
  std::unique_ptr<ClipCutter> cutter_;
  std::vector<SpooledClip> committed_;
};

TEST_F(ClipCutterTest, AClipHoldsThePreRollTheEventAndThePostRollFragments) {
  Feed(0, 6);                                   // media 0..6 s
  auto event = Event(1, 5200000, 2 * kSecond);  // clip from 3.2 s
  ASSERT_TRUE(cutter_->EventStarted(event).has_value());
  Feed(6, 8);
  event.clip_end_us = 9 * kSecond;
  ASSERT_TRUE(cutter_->EventEnded(event, Extras()).has_value());
  EXPECT_TRUE(committed_.empty());  // fragment 8 (8..9 s) is still to come
  Feed(8, 9);
  ASSERT_EQ(committed_.size(), 1u);
  Feed(9, 12);
  ASSERT_EQ(committed_.size(), 1u);
  const SpooledClip& clip = committed_[0];
  EXPECT_EQ(clip.sequence, 1u);
  EXPECT_EQ(clip.duration_s, 6u);                // fragments 3..8
  EXPECT_EQ(clip.start_unix_s, 1796000000 - 2);  // 3.2 s lay 2.8 s behind the newest media
  seal::VerifiedManifest manifest;
  EXPECT_EQ(OpenVideo(clip, &manifest), Expected(3, 8));
  EXPECT_EQ(manifest.manifest.sequence, 1u);
  EXPECT_EQ(manifest.manifest.duration_ms, 6000u);
  EXPECT_EQ(manifest.manifest.previous_manifest, crypto::Sha256Digest{});
  EXPECT_EQ(spool_->chain_head().sequence, 1u);
  // Stored padded to 64 KiB: vigild learns the size to that much only.
  EXPECT_EQ(clip.size_bytes % seal::kClipPaddingUnit, 0u);
}

TEST_F(ClipCutterTest, ClipsChainInOrderEvenWhenTheNextEventStartsDuringThePostRoll) {
  Feed(0, 4);
  auto first = Event(1, 3 * kSecond, 2 * kSecond);  // clip 1 s ..
  ASSERT_TRUE(cutter_->EventStarted(first).has_value());
  Feed(4, 6);
  first.clip_end_us = 7 * kSecond;
  ASSERT_TRUE(cutter_->EventEnded(first, Extras()).has_value());
  // The next event begins before fragment 6 (which ends the first clip) came.
  auto second = Event(2, 6500000, 2 * kSecond);  // clip from 4.5 s
  ASSERT_TRUE(cutter_->EventStarted(second).has_value());
  Feed(6, 9);
  ASSERT_EQ(committed_.size(), 1u);
  second.clip_end_us = 9 * kSecond;
  ASSERT_TRUE(cutter_->EventEnded(second, Extras()).has_value());
  ASSERT_EQ(committed_.size(), 2u);
  seal::VerifiedManifest m1, m2;
  EXPECT_EQ(OpenVideo(committed_[0], &m1), Expected(1, 6));
  EXPECT_EQ(OpenVideo(committed_[1], &m2), Expected(4, 8));  // overlapping pre-roll
  EXPECT_EQ(m2.manifest.sequence, 2u);
  EXPECT_EQ(m2.manifest.previous_manifest, m1.hash);
  const std::vector<seal::VerifiedManifest> chain = {m1, m2};
  EXPECT_TRUE(seal::CheckManifestChain(chain, std::nullopt).empty());
}

TEST_F(ClipCutterTest, TheEndOfTheStreamFinishesWhatIsOpenAndAnEmptyEventMakesNoClip) {
  Feed(0, 3);
  auto event = Event(1, 2 * kSecond, 2 * kSecond);
  ASSERT_TRUE(cutter_->EventStarted(event).has_value());
  Feed(3, 5);
  ASSERT_TRUE(cutter_->Flush().has_value());
  ASSERT_EQ(committed_.size(), 1u);
  EXPECT_EQ(OpenVideo(committed_[0]), Expected(0, 4));
  // A fresh source (a reconnect): its init segment, and an event past the
  // stream's end yields nothing, not an empty clip.
  ASSERT_TRUE(cutter_->SetInitSegment(Init()).has_value());
  auto late = Event(2, 100 * kSecond, 2 * kSecond);
  ASSERT_TRUE(cutter_->EventStarted(late).has_value());
  ASSERT_TRUE(cutter_->Flush().has_value());
  EXPECT_EQ(committed_.size(), 1u);
  EXPECT_EQ(spool_->chain_head().sequence, 1u);
  EXPECT_EQ(spool_->List().size(), 1u);
}

TEST_F(ClipCutterTest, OnlyCiphertextReachesTheSpool) {
  Feed(0, 2);
  auto event = Event(1, 1 * kSecond, 1 * kSecond);
  ASSERT_TRUE(cutter_->EventStarted(event).has_value());
  event.clip_end_us = 3 * kSecond;
  Feed(2, 4);
  ASSERT_TRUE(cutter_->EventEnded(event, Extras()).has_value());
  ASSERT_EQ(committed_.size(), 1u);
  const Bytes blob = spool_->Read(committed_[0].clip_id, 0, committed_[0].size_bytes).value();
  // No run of the plaintext fragment bytes appears in the spooled blob.
  const Bytes needle(64, 'b');
  EXPECT_EQ(std::search(blob.begin(), blob.end(), needle.begin(), needle.end()), blob.end());
  const Bytes init_needle(64, 'I');
  EXPECT_EQ(std::search(blob.begin(), blob.end(), init_needle.begin(), init_needle.end()),
            blob.end());
}

}  // namespace
}  // namespace vigil::agent

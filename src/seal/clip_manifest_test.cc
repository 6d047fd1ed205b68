// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/clip_manifest.h"

#include <vector>

#include <gtest/gtest.h>

namespace vigil::seal {
namespace {

ClipManifest Sample(std::uint64_t sequence, const crypto::Sha256Digest& previous) {
  ClipManifest m;
  m.clip_id = "clip-" + std::to_string(sequence);
  m.camera_id = "cam-1";
  m.household_epoch = 3;
  m.sequence = sequence;
  m.previous_manifest = previous;
  m.start_time_unix_s = 1'700'000'000 + sequence * 60;
  m.duration_ms = 5000;
  m.video_stream_header = {0x56, 0x47, 0x53, 0x41, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00};
  m.video_stream_header.resize(kStreamHeaderBytes, 0xab);
  // Two segments of 256 bytes: one full (272) and a last of 100 + 16.
  m.video_size_bytes = kStreamHeaderBytes + 272 + 116;
  m.video_segments = {crypto::Sha256(AsBytes("s0")), crypto::Sha256(AsBytes("s1"))};
  m.thumbnail = {65, crypto::Sha256(AsBytes("t"))};
  m.metadata = {66, crypto::Sha256(AsBytes("m"))};
  m.envelopes = {crypto::Sha256(AsBytes("e"))};
  return m;
}

// A verified chain of `count` manifests starting at sequence 1.
std::vector<VerifiedManifest> Chain(const crypto::SigningKey& key, std::uint64_t count) {
  std::vector<VerifiedManifest> out;
  crypto::Sha256Digest previous{};
  for (std::uint64_t s = 1; s <= count; ++s) {
    auto m = Sample(s, previous);
    auto signed_bytes = SignManifest(m, key);
    EXPECT_TRUE(signed_bytes.has_value());
    auto v = VerifyManifest(*signed_bytes, key.verify_key(), m.clip_id, "cam-1");
    EXPECT_TRUE(v.has_value());
    previous = v->hash;
    out.push_back(std::move(*v));
  }
  return out;
}

TEST(ClipManifestTest, SignsAndVerifies) {
  auto key = crypto::SigningKey::Generate();
  auto m = Sample(1, {});
  auto signed_bytes = SignManifest(m, key);
  ASSERT_TRUE(signed_bytes.has_value());
  auto v = VerifyManifest(*signed_bytes, key.verify_key(), "clip-1", "cam-1");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->manifest, m);
  auto body = EncodeManifestBody(m);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(v->hash, crypto::Sha256(*body));
}

TEST(ClipManifestTest, FailsOnAnyChangeOrOtherIds) {
  auto key = crypto::SigningKey::Generate();
  auto signed_bytes = SignManifest(Sample(1, {}), key);
  ASSERT_TRUE(signed_bytes.has_value());
  for (std::size_t i = 0; i < signed_bytes->size(); ++i) {
    Bytes bad = *signed_bytes;
    bad[i] ^= 0x01;
    auto r = VerifyManifest(bad, key.verify_key(), "clip-1", "cam-1");
    ASSERT_FALSE(r.has_value()) << i;
    EXPECT_EQ(r.error().message, "verification failed");
  }
  EXPECT_FALSE(VerifyManifest(*signed_bytes, key.verify_key(), "clip-2", "cam-1").has_value());
  EXPECT_FALSE(VerifyManifest(*signed_bytes, key.verify_key(), "clip-1", "cam-2").has_value());
  EXPECT_FALSE(
      VerifyManifest(*signed_bytes, crypto::SigningKey::Generate().verify_key(), "clip-1", "cam-1")
          .has_value());
}

TEST(ClipManifestTest, RefusesAnInconsistentVideoDescription) {
  auto m = Sample(1, {});
  m.video_segments.pop_back();  // size says two segments
  EXPECT_EQ(EncodeManifestBody(m).error().code, ErrorCode::kInvalidArgument);
  m = Sample(1, {});
  m.sequence = 0;
  EXPECT_FALSE(EncodeManifestBody(m).has_value());
}

TEST(ClipManifestTest, AHeartbeatIsNotAManifest) {
  auto key = crypto::SigningKey::Generate();
  Heartbeat h{"cam-1", 1'700'000'123, ChainPoint{4, crypto::Sha256(AsBytes("m4"))}};
  auto signed_bytes = SignHeartbeat(h, key);
  ASSERT_TRUE(signed_bytes.has_value());
  auto v = VerifyHeartbeat(*signed_bytes, key.verify_key(), "cam-1");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, h);
  EXPECT_FALSE(VerifyHeartbeat(*signed_bytes, key.verify_key(), "cam-2").has_value());
  EXPECT_FALSE(VerifyManifest(*signed_bytes, key.verify_key(), "clip-1", "cam-1").has_value());
  Bytes bad = *signed_bytes;
  bad[10] ^= 1;
  EXPECT_FALSE(VerifyHeartbeat(bad, key.verify_key(), "cam-1").has_value());
}

TEST(ClipManifestTest, AContiguousChainHasNoFindings) {
  auto key = crypto::SigningKey::Generate();
  auto chain = Chain(key, 5);
  EXPECT_TRUE(CheckManifestChain(chain, std::nullopt).empty());
  EXPECT_TRUE(CheckManifestChain(chain, ChainPoint{3, chain[2].hash}).empty());
  // A listing that starts after the known point continues it.
  EXPECT_TRUE(
      CheckManifestChain(std::span(chain).subspan(3), ChainPoint{3, chain[2].hash}).empty());
}

TEST(ClipManifestTest, ReportsAGap) {
  auto key = crypto::SigningKey::Generate();
  auto chain = Chain(key, 5);
  chain.erase(chain.begin() + 2);  // sequence 3 withheld
  auto findings = CheckManifestChain(chain, std::nullopt);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].problem, ChainProblem::kGap);
  EXPECT_EQ(findings[0].before_sequence, 2u);
  EXPECT_EQ(findings[0].after_sequence, 4u);
  // Withheld between what the client knew and the listing.
  findings = CheckManifestChain(std::span(chain).subspan(2), ChainPoint{1, chain[0].hash});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].problem, ChainProblem::kGap);
  EXPECT_EQ(findings[0].before_sequence, 1u);
}

TEST(ClipManifestTest, ReportsReordering) {
  auto key = crypto::SigningKey::Generate();
  auto chain = Chain(key, 4);
  std::swap(chain[1], chain[2]);
  auto findings = CheckManifestChain(chain, std::nullopt);
  ASSERT_FALSE(findings.empty());
  bool reorder = false;
  for (const auto& f : findings) reorder |= f.problem == ChainProblem::kReorder;
  EXPECT_TRUE(reorder);
}

TEST(ClipManifestTest, ReportsRollbackAndFork) {
  auto key = crypto::SigningKey::Generate();
  auto chain = Chain(key, 5);
  // The server serves an older list than the client already saw.
  auto old = std::span(chain).first(3);
  auto findings = CheckManifestChain(old, ChainPoint{5, chain[4].hash});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].problem, ChainProblem::kRollback);
  EXPECT_EQ(findings[0].before_sequence, 5u);
  EXPECT_EQ(findings[0].after_sequence, 3u);
  // A different manifest 5 than the one a heartbeat named.
  findings = CheckManifestChain(chain, ChainPoint{5, crypto::Sha256(AsBytes("other"))});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].problem, ChainProblem::kBroken);
  // A manifest 3 that does not name manifest 2.
  auto m = Sample(3, crypto::Sha256(AsBytes("not 2")));
  auto forged = VerifyManifest(*SignManifest(m, key), key.verify_key(), m.clip_id, "cam-1");
  ASSERT_TRUE(forged.has_value());
  chain[2] = *forged;
  findings = CheckManifestChain(chain, std::nullopt);
  ASSERT_FALSE(findings.empty());
  EXPECT_EQ(findings[0].problem, ChainProblem::kBroken);
  EXPECT_EQ(findings[0].after_sequence, 3u);
}

}  // namespace
}  // namespace vigil::seal

// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/clip_container.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/crypto/secret.h"

namespace vigil::seal {
namespace {

constexpr std::uint32_t kSegment = 256;  // small, so a clip has many segments

Bytes Pattern(std::size_t size, std::uint8_t seed) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(i * 131 + seed);
  return out;
}

struct Fixture {
  ClipKey key = ClipKey::Generate();
  crypto::SigningKey camera = crypto::SigningKey::Generate();
  HouseholdPrivateKey household = HouseholdPrivateKey::Generate();
  std::vector<Bytes> fragments = {Pattern(700, 1), Pattern(256, 2), Pattern(1000, 3)};
  Bytes thumbnail = Pattern(300, 4);
  Bytes metadata = AsBytesCopy(R"({"labels":["person"],"motion":0.4})");
  Bytes envelope;

  static Bytes AsBytesCopy(std::string_view s) { return Bytes(s.begin(), s.end()); }

  ClipStart Start(std::string clip_id = "clip-1", std::uint64_t sequence = 1) const {
    return ClipStart{ClipBinding{std::move(clip_id), "cam-1", 7}, sequence, {}, 1'700'000'000};
  }

  SealedClip Seal(const std::string& clip_id = "clip-1") {
    auto env = SealClipKey(key, household.public_key(), ClipBinding{clip_id, "cam-1", 7});
    EXPECT_TRUE(env.has_value());
    envelope = *env;
    auto sealed = SealClip(key, camera, Start(clip_id), fragments,
                           ClipEnd{12'500, thumbnail, metadata, {envelope}}, kSegment);
    EXPECT_TRUE(sealed.has_value()) << sealed.error().ToString();
    return std::move(*sealed);
  }

  Bytes Video() const {
    Bytes all;
    for (const auto& f : fragments) Append(all, f);
    return all;
  }
};

// Opens every part of `blob` as clip-1 of cam-1; returns the first error.
// With `known_key`, skips the (slow) envelope open: for the bit-flip sweep.
Status OpenAll(Fixture& f, ByteSpan blob, const ClipKey* known_key = nullptr) {
  VIGIL_TRY(reader, ClipReader::FromBlob(blob, f.camera.verify_key(), "clip-1", "cam-1"));
  const ClipLayout& l = reader.layout();
  Result<ClipKey> opened = known_key ? ClipKey::FromSecret(known_key->secret().Clone())
                                     : reader.OpenKey(f.envelope, f.household);
  if (!opened) return Fail(opened.error());
  const ClipKey& key = *opened;
  VIGIL_TRY(thumb, reader.OpenThumbnail(key, blob.subspan(l.thumbnail_offset, l.thumbnail_size)));
  VIGIL_TRY(meta, reader.OpenMetadata(key, blob.subspan(l.metadata_offset, l.metadata_size)));
  Bytes video;
  auto s = reader.DecryptVideo(key, blob.subspan(l.video_offset, l.video_size), [&](ByteSpan b) {
    Append(video, b);
    return OkStatus();
  });
  if (!s) return s;
  if (thumb != f.thumbnail || meta != f.metadata || video != f.Video()) {
    return Fail(ErrorCode::kInternal, "round trip mismatch");
  }
  return OkStatus();
}

TEST(ClipContainerTest, RoundTripsEveryPart) {
  Fixture f;
  auto sealed = f.Seal();
  EXPECT_EQ(sealed.info.size_bytes, sealed.blob.size());
  auto s = OpenAll(f, sealed.blob);
  EXPECT_TRUE(s.has_value()) << s.error().ToString();
}

TEST(ClipContainerTest, ManifestHashIsWhatTheReaderComputes) {
  Fixture f;
  auto sealed = f.Seal();
  auto reader = ClipReader::FromBlob(sealed.blob, f.camera.verify_key(), "clip-1", "cam-1");
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ(reader->manifest().hash, sealed.info.manifest_hash);
  EXPECT_EQ(reader->manifest().manifest.duration_ms, 12'500u);
  EXPECT_EQ(reader->manifest().manifest.household_epoch, 7u);
}

TEST(ClipContainerTest, StreamingWriterMatchesTheInMemoryOne) {
  Fixture f;
  Bytes blob;
  std::size_t calls = 0;
  auto writer = ClipWriter::Create(
      f.key, f.camera, f.Start(),
      [&](ByteSpan b) {
        ++calls;
        Append(blob, b);
        return OkStatus();
      },
      kSegment);
  ASSERT_TRUE(writer.has_value());
  for (const auto& frag : f.fragments) ASSERT_TRUE((*writer)->AppendVideo(frag));
  // Video is out before Finish: bounded memory.
  EXPECT_GT(blob.size(), f.Video().size() / 2);
  auto info = (*writer)->Finish(ClipEnd{1000, f.thumbnail, f.metadata, {}});
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->size_bytes, blob.size());
  EXPECT_FALSE((*writer)->AppendVideo(f.fragments[0]));
  EXPECT_GT(calls, 5u);
}

TEST(ClipContainerTest, EveryFlippedBitIsCaught) {
  Fixture f;
  auto sealed = f.Seal();
  // Every byte of the blob, one bit each (the blob is a few KiB).
  for (std::size_t i = 0; i < sealed.blob.size(); ++i) {
    Bytes bad = sealed.blob;
    bad[i] ^= static_cast<std::uint8_t>(1u << (i % 8));
    auto s = OpenAll(f, bad, &f.key);
    ASSERT_FALSE(s.has_value()) << "byte " << i;
    EXPECT_EQ(s.error().code, ErrorCode::kDataLoss) << "byte " << i;
    EXPECT_EQ(s.error().message, "verification failed") << "byte " << i;
  }
}

// clip.md §Padding: stored blobs end in zeros up to the next 64 KiB.
TEST(ClipContainerTest, PaddingToSixtyFourKibIsStrippedAndNothingElse) {
  EXPECT_EQ(PaddedClipSize(1), kClipPaddingUnit);
  EXPECT_EQ(PaddedClipSize(kClipPaddingUnit), kClipPaddingUnit);
  EXPECT_EQ(PaddedClipSize(kClipPaddingUnit + 1), 2 * kClipPaddingUnit);
  Fixture f;
  auto sealed = f.Seal();
  Bytes padded = sealed.blob;
  padded.resize(PaddedClipSize(padded.size()), 0);
  auto s = OpenAll(f, padded);
  EXPECT_TRUE(s.has_value()) << s.error().ToString();
  const std::size_t tail =
      std::min<std::size_t>(padded.size(), kClipPaddingUnit + kClipTrailerBytes);
  auto size = ClipContainerSize(ByteSpan(padded).last(tail), padded.size());
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(*size, sealed.blob.size());
  // A whole unit of zeros is not padding; nor is a non-zero byte after the trailer.
  Bytes too_long = sealed.blob;
  too_long.resize(sealed.blob.size() + kClipPaddingUnit, 0);
  EXPECT_FALSE(OpenAll(f, too_long).has_value());
  Bytes junk = padded;
  junk[sealed.blob.size() + 10] = 1;
  EXPECT_FALSE(OpenAll(f, junk).has_value());
  EXPECT_FALSE(ClipContainerSize(Bytes(100, 0), 100).has_value());
}

TEST(ClipContainerTest, TruncationIsCaught) {
  Fixture f;
  auto sealed = f.Seal();
  for (std::size_t cut : {std::size_t{1}, std::size_t{32}, std::size_t{100}, sealed.blob.size() / 2,
                          sealed.blob.size() - 1}) {
    ByteSpan shorter = ByteSpan(sealed.blob).first(sealed.blob.size() - cut);
    auto s = OpenAll(f, shorter);
    ASSERT_FALSE(s.has_value()) << cut;
    EXPECT_EQ(s.error().message, "verification failed");
  }
}

TEST(ClipContainerTest, DroppedLastFragmentIsCaught) {
  // The server cuts the last video segment and rewrites the trailer to match.
  Fixture f;
  auto sealed = f.Seal();
  auto reader = ClipReader::FromBlob(sealed.blob, f.camera.verify_key(), "clip-1", "cam-1");
  ASSERT_TRUE(reader.has_value());
  const ClipLayout l = reader->layout();
  const std::uint64_t last = l.video_size - ((l.video_size - kStreamHeaderBytes) % (kSegment + 16));
  Bytes bad(sealed.blob.begin(),
            sealed.blob.begin() + static_cast<std::ptrdiff_t>(l.video_offset + last));
  const std::uint64_t dropped = l.video_size - last;
  Append(bad, ByteSpan(sealed.blob)
                  .subspan(l.thumbnail_offset,
                           sealed.blob.size() - l.thumbnail_offset - kClipTrailerBytes));
  AppendU64(bad, l.video_size - dropped);
  AppendU64(bad, l.thumbnail_size);
  AppendU64(bad, l.metadata_size);
  AppendU32(bad, static_cast<std::uint32_t>(l.manifest_size));
  Append(bad, AsBytes("VGCL"));
  auto s = OpenAll(f, bad);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message, "verification failed");
}

TEST(ClipContainerTest, PartsSwappedBetweenClipsAreCaught) {
  Fixture f;
  auto one = f.Seal("clip-1");
  const Bytes envelope_one = f.envelope;
  auto two = f.Seal("clip-2");
  // A whole blob served under another clip's id.
  EXPECT_FALSE(
      ClipReader::FromBlob(two.blob, f.camera.verify_key(), "clip-1", "cam-1").has_value());
  // clip-1's thumbnail spliced into clip-2 at the same place (same sizes).
  auto r1 = ClipReader::FromBlob(one.blob, f.camera.verify_key(), "clip-1", "cam-1");
  auto r2 = ClipReader::FromBlob(two.blob, f.camera.verify_key(), "clip-2", "cam-1");
  ASSERT_TRUE(r1.has_value() && r2.has_value());
  const ClipLayout& l1 = r1->layout();
  auto key = r2->OpenKey(f.envelope, f.household);
  ASSERT_TRUE(key.has_value());
  auto thumb =
      r2->OpenThumbnail(*key, ByteSpan(one.blob).subspan(l1.thumbnail_offset, l1.thumbnail_size));
  ASSERT_FALSE(thumb.has_value());
  EXPECT_EQ(thumb.error().message, "verification failed");
  // clip-1's envelope presented for clip-2.
  auto other = r2->OpenKey(envelope_one, f.household);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().message, "verification failed");
}

TEST(ClipContainerTest, WrongKeyOrCameraKeyFails) {
  Fixture f;
  auto sealed = f.Seal();
  auto stranger = crypto::SigningKey::Generate();
  auto r = ClipReader::FromBlob(sealed.blob, stranger.verify_key(), "clip-1", "cam-1");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "verification failed");
  auto reader = ClipReader::FromBlob(sealed.blob, f.camera.verify_key(), "clip-1", "cam-1");
  ASSERT_TRUE(reader.has_value());
  const ClipLayout& l = reader->layout();
  auto wrong = ClipKey::Generate();
  auto thumb = reader->OpenThumbnail(
      wrong, ByteSpan(sealed.blob).subspan(l.thumbnail_offset, l.thumbnail_size));
  ASSERT_FALSE(thumb.has_value());
  EXPECT_EQ(thumb.error().message, "decryption failed");
  auto video =
      reader->DecryptVideo(wrong, ByteSpan(sealed.blob).subspan(l.video_offset, l.video_size),
                           [](ByteSpan) { return OkStatus(); });
  ASSERT_FALSE(video.has_value());
  EXPECT_EQ(video.error().message, "decryption failed");
}

TEST(ClipContainerTest, ARangeDecryptsOnlyItsSegments) {
  Fixture f;
  auto sealed = f.Seal();
  auto reader = ClipReader::FromBlob(sealed.blob, f.camera.verify_key(), "clip-1", "cam-1");
  ASSERT_TRUE(reader.has_value());
  auto key = reader->OpenKey(f.envelope, f.household);
  ASSERT_TRUE(key.has_value());
  const Bytes video = f.Video();
  ASSERT_EQ(reader->video_plaintext_size(), video.size());
  for (auto [offset, size] : {std::pair<std::uint64_t, std::uint64_t>{0, 1},
                              {300, 500},
                              {255, 2},
                              {1900, 56},
                              {0, 1956}}) {
    auto range = reader->VideoRangeFor(offset, size);
    ASSERT_TRUE(range.has_value()) << offset;
    auto plain = reader->DecryptVideoRange(
        *key, *range, ByteSpan(sealed.blob).subspan(range->blob_offset, range->size_bytes));
    ASSERT_TRUE(plain.has_value()) << offset;
    const std::uint64_t start = range->first_segment * kSegment;
    ASSERT_LE(start, offset);
    ASSERT_GE(start + plain->size(), offset + size);
    EXPECT_TRUE(std::equal(plain->begin(), plain->end(),
                           video.begin() + static_cast<std::ptrdiff_t>(start)));
    // A flipped bit inside the range is caught by the signed segment hash.
    Bytes bad(
        sealed.blob.begin() + static_cast<std::ptrdiff_t>(range->blob_offset),
        sealed.blob.begin() + static_cast<std::ptrdiff_t>(range->blob_offset + range->size_bytes));
    bad[bad.size() / 2] ^= 0x10;
    auto tampered = reader->DecryptVideoRange(*key, *range, bad);
    ASSERT_FALSE(tampered.has_value());
    EXPECT_EQ(tampered.error().message, "verification failed");
  }
  EXPECT_FALSE(reader->VideoRangeFor(video.size(), 1).has_value());
}

TEST(ClipContainerTest, RefusesBadArguments) {
  Fixture f;
  auto bad_seq = ClipWriter::Create(f.key, f.camera, f.Start("clip-1", 0),
                                    [](ByteSpan) { return OkStatus(); });
  EXPECT_EQ(bad_seq.error().code, ErrorCode::kInvalidArgument);
  auto bad_id =
      ClipWriter::Create(f.key, f.camera, f.Start(""), [](ByteSpan) { return OkStatus(); });
  EXPECT_EQ(bad_id.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vigil::seal

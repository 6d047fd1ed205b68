// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/streaming_aead.h"

#include <string>

#include <gtest/gtest.h>

#include "vigil/crypto/secret.h"

namespace vigil::seal {
namespace {

constexpr std::size_t kSegment = 256;  // small, so tests cover many segments

StreamSink AppendTo(Bytes& out) {
  return [&out](ByteSpan bytes) {
    Append(out, bytes);
    return OkStatus();
  };
}

Bytes Pattern(std::size_t size) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return out;
}

// Encrypts `plaintext`, feeding it in pieces of `chunk` bytes.
Bytes Encrypt(const ClipKey& key, ByteSpan plaintext, std::size_t chunk = 1000,
              ClipPart part = ClipPart::kVideo, std::string_view ad = "clip-1|cam-1") {
  Bytes out;
  auto enc = StreamEncryptor::Create(key, part, AsBytes(ad), AppendTo(out), kSegment);
  EXPECT_TRUE(enc.has_value());
  for (std::size_t pos = 0; pos < plaintext.size(); pos += chunk) {
    EXPECT_TRUE((*enc)->Write(plaintext.subspan(pos, std::min(chunk, plaintext.size() - pos))));
  }
  EXPECT_TRUE((*enc)->Finish());
  return out;
}

// Decrypts front to back; returns the plaintext or the first error.
Result<Bytes> Decrypt(const ClipKey& key, ByteSpan ciphertext, std::size_t chunk = 777,
                      ClipPart part = ClipPart::kVideo, std::string_view ad = "clip-1|cam-1") {
  Bytes out;
  VIGIL_TRY(dec, StreamDecryptor::Create(key, part, AsBytes(ad), AppendTo(out)));
  for (std::size_t pos = 0; pos < ciphertext.size(); pos += chunk) {
    auto s = dec->Write(ciphertext.subspan(pos, std::min(chunk, ciphertext.size() - pos)));
    if (!s) return Fail(s.error());
  }
  auto s = dec->Finish();
  if (!s) return Fail(s.error());
  return out;
}

void ExpectGenericFailure(const Result<Bytes>& r) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(r.error().message, "decryption failed");
}

std::size_t FullSegment() { return kSegment + kStreamTagBytes; }

TEST(StreamingAeadTest, RoundTripsEverySizeAroundSegmentBoundaries) {
  ClipKey key = ClipKey::Generate();
  for (std::size_t size : {0u, 1u, 255u, 256u, 257u, 511u, 512u, 513u, 5000u}) {
    const Bytes plaintext = Pattern(size);
    for (std::size_t chunk : {1u, 256u, 1000u}) {
      const Bytes ct = Encrypt(key, plaintext, chunk);
      // Every segment but the last is full; the last holds size mod 256
      // bytes (0 .. 255), so there are floor(size / 256) + 1 segments.
      const std::size_t segments = size / kSegment + 1;
      EXPECT_EQ(ct.size(), kStreamHeaderBytes + size + segments * kStreamTagBytes) << size;
      auto pt = Decrypt(key, ct, chunk == 1 ? 3 : chunk);
      ASSERT_TRUE(pt.has_value()) << size << " " << chunk;
      EXPECT_EQ(*pt, plaintext);
    }
  }
}

TEST(StreamingAeadTest, EncryptingTwiceGivesDifferentCiphertexts) {
  ClipKey key = ClipKey::Generate();
  const Bytes plaintext = Pattern(1000);
  EXPECT_NE(Encrypt(key, plaintext), Encrypt(key, plaintext));
}

TEST(StreamingAeadTest, AFlippedBitAnywhereFails) {
  ClipKey key = ClipKey::Generate();
  const Bytes ct = Encrypt(key, Pattern(3 * kSegment + 10));
  for (std::size_t i = 0; i < ct.size(); ++i) {
    Bytes tampered = ct;
    tampered[i] ^= static_cast<std::uint8_t>(1u << (i % 8));
    ExpectGenericFailure(Decrypt(key, tampered));
  }
}

TEST(StreamingAeadTest, TruncationFailsAtEveryLength) {
  ClipKey key = ClipKey::Generate();
  const Bytes ct = Encrypt(key, Pattern(3 * kSegment + 10));
  for (std::size_t len = 0; len < ct.size(); ++len) {
    ExpectGenericFailure(Decrypt(key, ByteSpan(ct).first(len)));
  }
}

TEST(StreamingAeadTest, DroppingTheLastSegmentFailsEvenAtABoundary) {
  ClipKey key = ClipKey::Generate();
  // 3 full segments and an empty last one. Dropping the last segment leaves
  // a stream that ends on a segment boundary; dropping more leaves a prefix
  // whose final segment lacks the last flag.
  const Bytes ct = Encrypt(key, Pattern(3 * kSegment));
  ASSERT_EQ(ct.size(), kStreamHeaderBytes + 3 * FullSegment() + kStreamTagBytes);
  ExpectGenericFailure(Decrypt(key, ByteSpan(ct).first(kStreamHeaderBytes + 3 * FullSegment())));
  ExpectGenericFailure(Decrypt(key, ByteSpan(ct).first(kStreamHeaderBytes + FullSegment() + 100)));
}

TEST(StreamingAeadTest, ExtensionFails) {
  ClipKey key = ClipKey::Generate();
  const Bytes ct = Encrypt(key, Pattern(2 * kSegment + 5));
  Bytes extended = ct;
  extended.push_back(0);
  ExpectGenericFailure(Decrypt(key, extended));
  // Appending a whole copy of a segment also fails.
  Bytes doubled = ct;
  doubled.insert(doubled.end(), ct.begin() + kStreamHeaderBytes,
                 ct.begin() + static_cast<std::ptrdiff_t>(kStreamHeaderBytes + FullSegment()));
  ExpectGenericFailure(Decrypt(key, doubled));
}

TEST(StreamingAeadTest, ReorderingSegmentsFails) {
  ClipKey key = ClipKey::Generate();
  const Bytes ct = Encrypt(key, Pattern(3 * kSegment + 10));
  Bytes swapped = ct;
  const auto a = swapped.begin() + kStreamHeaderBytes;
  const auto b = a + static_cast<std::ptrdiff_t>(FullSegment());
  std::swap_ranges(a, b, b);
  ExpectGenericFailure(Decrypt(key, swapped));
}

TEST(StreamingAeadTest, SwappingSegmentsBetweenTwoStreamsFails) {
  ClipKey key = ClipKey::Generate();
  const Bytes one = Encrypt(key, Pattern(3 * kSegment + 10));
  const Bytes two = Encrypt(key, Pattern(3 * kSegment + 10));
  Bytes mixed = one;
  std::copy_n(two.begin() + kStreamHeaderBytes, FullSegment(), mixed.begin() + kStreamHeaderBytes);
  ExpectGenericFailure(Decrypt(key, mixed));
  // Swapping headers fails too.
  Bytes other_header = one;
  std::copy_n(two.begin(), kStreamHeaderBytes, other_header.begin());
  ExpectGenericFailure(Decrypt(key, other_header));
}

TEST(StreamingAeadTest, WrongKeyPartOrAssociatedDataFails) {
  ClipKey key = ClipKey::Generate();
  const Bytes ct = Encrypt(key, Pattern(600));
  ExpectGenericFailure(Decrypt(ClipKey::Generate(), ct));
  ExpectGenericFailure(Decrypt(key, ct, 777, ClipPart::kThumbnail));
  ExpectGenericFailure(Decrypt(key, ct, 777, ClipPart::kVideo, "clip-2|cam-1"));
}

TEST(StreamingAeadTest, ThePartIsBoundByTheKeyNotOnlyTheHeaderByte) {
  // Re-label a thumbnail stream as video: the header byte then matches, but
  // the subkey (HKDF label) and the per-segment AAD do not.
  ClipKey key = ClipKey::Generate();
  Bytes ct = Encrypt(key, Pattern(600), 1000, ClipPart::kThumbnail);
  ct[5] = static_cast<std::uint8_t>(ClipPart::kVideo);
  ExpectGenericFailure(Decrypt(key, ct));
}

TEST(StreamingAeadTest, DecryptorRefusesUseAfterFailure) {
  ClipKey key = ClipKey::Generate();
  Bytes ct = Encrypt(key, Pattern(600));
  ct[kStreamHeaderBytes] ^= 1;
  Bytes out;
  auto dec = StreamDecryptor::Create(key, ClipPart::kVideo, AsBytes("clip-1|cam-1"), AppendTo(out));
  EXPECT_FALSE((*dec)->Write(ct));
  EXPECT_FALSE((*dec)->Write(ct));
  EXPECT_FALSE((*dec)->Finish());
  EXPECT_TRUE(out.empty());
}

TEST(StreamingAeadTest, EncryptorRejectsBadSegmentSizesAndUseAfterFinish) {
  ClipKey key = ClipKey::Generate();
  Bytes out;
  EXPECT_EQ(StreamEncryptor::Create(key, ClipPart::kVideo, {}, AppendTo(out), 255).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(StreamEncryptor::Create(key, ClipPart::kVideo, {}, AppendTo(out), kMaxSegmentBytes + 1)
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  auto enc = StreamEncryptor::Create(key, ClipPart::kVideo, {}, AppendTo(out), kSegment);
  ASSERT_TRUE((*enc)->Finish());
  EXPECT_EQ((*enc)->Write(AsBytes("x")).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ((*enc)->Finish().error().code, ErrorCode::kFailedPrecondition);
}

TEST(StreamingAeadTest, ASinkErrorStopsTheStream) {
  ClipKey key = ClipKey::Generate();
  auto enc = StreamEncryptor::Create(
      key, ClipPart::kVideo, {},
      [](ByteSpan) -> Status { return Fail(ErrorCode::kResourceExhausted, "disk full"); },
      kSegment);
  auto s = (*enc)->Write(Pattern(1000));
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kResourceExhausted);
  EXPECT_FALSE((*enc)->Finish());
}

TEST(SeekableStreamDecryptorTest, DecryptsAnySegmentAlone) {
  ClipKey key = ClipKey::Generate();
  const Bytes plaintext = Pattern(5 * kSegment + 77);
  const Bytes ct = Encrypt(key, plaintext);
  auto reader = SeekableStreamDecryptor::Create(key, ClipPart::kVideo, AsBytes("clip-1|cam-1"),
                                                ByteSpan(ct).first(kStreamHeaderBytes), ct.size());
  ASSERT_TRUE(reader.has_value());
  auto& r = **reader;
  EXPECT_EQ(r.segment_count(), 6u);
  EXPECT_EQ(r.SegmentSize(5), 77 + kStreamTagBytes);
  EXPECT_EQ(r.plaintext_size(), plaintext.size());
  EXPECT_EQ(r.SegmentForPlaintextOffset(3 * kSegment + 5), 3u);
  for (std::uint64_t i : {4u, 0u, 5u, 2u}) {
    auto seg = r.DecryptSegment(i, ByteSpan(ct).subspan(r.SegmentOffset(i), r.SegmentSize(i)));
    ASSERT_TRUE(seg.has_value()) << i;
    const Bytes expected(plaintext.begin() + static_cast<std::ptrdiff_t>(i * kSegment),
                         plaintext.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(
                                                 (i + 1) * kSegment, plaintext.size())));
    EXPECT_EQ(*seg, expected);
  }
  EXPECT_EQ(r.DecryptSegment(6, {}).error().code, ErrorCode::kOutOfRange);
}

TEST(SeekableStreamDecryptorTest, DetectsTruncationThroughTheLastFlag) {
  ClipKey key = ClipKey::Generate();
  const Bytes ct = Encrypt(key, Pattern(5 * kSegment + 77));
  // Cut the stream inside segment 2: its remaining bytes are then read as the
  // last segment, which fails; segments before the cut still verify (seeking
  // verifies only what it reads).
  const std::size_t cut = kStreamHeaderBytes + 2 * FullSegment() + 100;
  auto reader = SeekableStreamDecryptor::Create(key, ClipPart::kVideo, AsBytes("clip-1|cam-1"),
                                                ByteSpan(ct).first(kStreamHeaderBytes), cut);
  ASSERT_TRUE(reader.has_value());
  ASSERT_EQ((*reader)->segment_count(), 3u);
  auto seg = (*reader)->DecryptSegment(
      2, ByteSpan(ct).subspan((*reader)->SegmentOffset(2), (*reader)->SegmentSize(2)));
  ExpectGenericFailure(seg);
  EXPECT_TRUE((*reader)->DecryptSegment(
      0, ByteSpan(ct).subspan((*reader)->SegmentOffset(0), (*reader)->SegmentSize(0))));
}

TEST(SeekableStreamDecryptorTest, RejectsImpossibleSizesAndMovedSegments) {
  ClipKey key = ClipKey::Generate();
  const Bytes ct = Encrypt(key, Pattern(3 * kSegment + 77));
  const ByteSpan header = ByteSpan(ct).first(kStreamHeaderBytes);
  // A last segment shorter than a tag, or a full-size last segment, cannot exist.
  for (std::size_t size : {kStreamHeaderBytes + FullSegment() + 5,
                           kStreamHeaderBytes + 2 * FullSegment(), kStreamHeaderBytes + 15}) {
    auto bad = SeekableStreamDecryptor::Create(key, ClipPart::kVideo, AsBytes("clip-1|cam-1"),
                                               header, size);
    ExpectGenericFailure(bad.has_value() ? Result<Bytes>(Bytes{}) : Fail(bad.error()));
  }
  auto reader = SeekableStreamDecryptor::Create(key, ClipPart::kVideo, AsBytes("clip-1|cam-1"),
                                                header, ct.size());
  // Segment 1's bytes presented as segment 0.
  ExpectGenericFailure((*reader)->DecryptSegment(
      0, ByteSpan(ct).subspan((*reader)->SegmentOffset(1), (*reader)->SegmentSize(1))));
}

}  // namespace
}  // namespace vigil::seal

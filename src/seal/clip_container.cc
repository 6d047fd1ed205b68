// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/clip_container.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "internal/clip_internal.h"
#include "internal/decryption_failed.h"
#include "internal/streaming_aead_internal.h"
#include "vigil/core/check.h"
#include "vigil/crypto/secret.h"

namespace vigil::seal {
namespace {

// "VGCL": Vigil clip container.
constexpr std::array<std::uint8_t, 4> kMagic = {0x56, 0x47, 0x43, 0x4c};
constexpr std::uint8_t kVersion = 0x01;

Error VerificationFailed() { return Error{ErrorCode::kDataLoss, "verification failed"}; }

Bytes Prologue() {
  Bytes out(kMagic.begin(), kMagic.end());
  out.push_back(kVersion);
  out.resize(kClipPrologueBytes, 0);
  return out;
}

bool ValidBinding(const ClipBinding& b) {
  return !b.clip_id.empty() && b.clip_id.size() <= kMaxClipIdBytes && !b.camera_id.empty() &&
         b.camera_id.size() <= kMaxClipIdBytes;
}

// Encrypts a whole small part in memory (thumbnail, metadata).
Result<Bytes> SealPart(const ClipKey& key, ClipPart part, ByteSpan ad, ByteSpan plaintext,
                       const internal::StreamNonceMaterial* nonces) {
  Bytes out;
  StreamSink sink = [&out](ByteSpan b) {
    Append(out, b);
    return OkStatus();
  };
  Result<std::unique_ptr<StreamEncryptor>> enc =
      nonces ? internal::CreateStreamEncryptorForVectors(key, part, ad, sink, kDefaultSegmentBytes,
                                                         nonces->salt, nonces->nonce_prefix)
             : StreamEncryptor::Create(key, part, ad, sink);
  if (!enc) return Fail(enc.error());
  auto w = (*enc)->Write(plaintext);
  if (!w) return Fail(w.error());
  auto f = (*enc)->Finish();
  if (!f) return Fail(f.error());
  return out;
}

class ClipWriterImpl final : public ClipWriter {
 public:
  ClipWriterImpl(const ClipKey& key, const crypto::SigningKey& camera_key, ClipStart start,
                 Bytes associated_data, StreamSink sink,
                 std::optional<std::array<internal::StreamNonceMaterial, 3>> nonces)
      : key_(key),
        camera_key_(camera_key),
        start_(std::move(start)),
        associated_data_(std::move(associated_data)),
        sink_(std::move(sink)),
        nonces_(std::move(nonces)) {}

  // Called once by the factory: writes the prologue and opens the video stream.
  Status Start(std::uint32_t segment_bytes) {
    auto status = Emit(Prologue());
    if (!status) return status;
    // The video encryptor hands over its header first, then one segment per
    // call: hash each segment for the manifest as it passes through.
    StreamSink video_sink = [this](ByteSpan bytes) {
      if (video_header_.empty()) {
        VIGIL_CHECK(bytes.size() == kStreamHeaderBytes) << "stream header comes first";
        video_header_.assign(bytes.begin(), bytes.end());
      } else {
        if (segment_hashes_.size() >= kMaxClipVideoSegments) {
          return Status(Fail(ErrorCode::kResourceExhausted, "clip has too many video segments"));
        }
        segment_hashes_.push_back(crypto::Sha256(bytes));
      }
      video_size_ += bytes.size();
      return Emit(bytes);
    };
    auto enc = nonces_ ? internal::CreateStreamEncryptorForVectors(
                             key_, ClipPart::kVideo, associated_data_, video_sink, segment_bytes,
                             (*nonces_)[0].salt, (*nonces_)[0].nonce_prefix)
                       : StreamEncryptor::Create(key_, ClipPart::kVideo, associated_data_,
                                                 video_sink, segment_bytes);
    if (!enc) return Fail(enc.error());
    video_ = std::move(*enc);
    return OkStatus();
  }

  Status AppendVideo(ByteSpan bytes) override {
    if (done_) return Fail(ErrorCode::kFailedPrecondition, "clip is finished");
    auto status = video_->Write(bytes);
    if (!status) done_ = true;
    return status;
  }

  Result<SealedClipInfo> Finish(const ClipEnd& end) override {
    if (done_) return Fail(ErrorCode::kFailedPrecondition, "clip is finished");
    done_ = true;
    if (end.envelopes.size() > kMaxClipEnvelopes) {
      return Fail(ErrorCode::kInvalidArgument, "too many envelopes");
    }
    auto status = video_->Finish();
    if (!status) return Fail(status.error());
    if (segment_hashes_.size() > kMaxClipVideoSegments) {
      return Fail(ErrorCode::kResourceExhausted, "clip has too many video segments");
    }
    VIGIL_TRY(thumbnail, SealPart(key_, ClipPart::kThumbnail, associated_data_, end.thumbnail,
                                  nonces_ ? &(*nonces_)[1] : nullptr));
    VIGIL_TRY(metadata, SealPart(key_, ClipPart::kMetadata, associated_data_, end.metadata,
                                 nonces_ ? &(*nonces_)[2] : nullptr));

    ClipManifest m;
    m.clip_id = start_.binding.clip_id;
    m.camera_id = start_.binding.camera_id;
    m.household_epoch = start_.binding.household_epoch;
    m.sequence = start_.sequence;
    m.previous_manifest = start_.previous_manifest;
    m.start_time_unix_s = start_.start_time_unix_s;
    m.duration_ms = end.duration_ms;
    m.video_stream_header = video_header_;
    m.video_size_bytes = video_size_;
    m.video_segments = std::move(segment_hashes_);
    m.thumbnail = {thumbnail.size(), crypto::Sha256(thumbnail)};
    m.metadata = {metadata.size(), crypto::Sha256(metadata)};
    for (const auto& e : end.envelopes) m.envelopes.push_back(crypto::Sha256(e));
    VIGIL_TRY(manifest, SignManifest(m, camera_key_));

    Bytes trailer;
    AppendU64(trailer, video_size_);
    AppendU64(trailer, thumbnail.size());
    AppendU64(trailer, metadata.size());
    AppendU32(trailer, static_cast<std::uint32_t>(manifest.size()));
    Append(trailer, kMagic);

    for (ByteSpan part :
         {ByteSpan(thumbnail), ByteSpan(metadata), ByteSpan(manifest), ByteSpan(trailer)}) {
      auto s = Emit(part);
      if (!s) return Fail(s.error());
    }
    const ByteSpan body = ByteSpan(manifest).first(manifest.size() - crypto::kSignatureBytes);
    return SealedClipInfo{written_, start_.sequence, ManifestHash(body)};
  }

 private:
  Status Emit(ByteSpan bytes) {
    written_ += bytes.size();
    return sink_(bytes);
  }

  const ClipKey& key_;
  const crypto::SigningKey& camera_key_;
  ClipStart start_;
  Bytes associated_data_;
  StreamSink sink_;
  std::optional<std::array<internal::StreamNonceMaterial, 3>> nonces_;
  std::unique_ptr<StreamEncryptor> video_;
  Bytes video_header_;
  std::uint64_t video_size_ = 0;
  std::vector<crypto::Sha256Digest> segment_hashes_;
  std::uint64_t written_ = 0;
  bool done_ = false;
};

Result<std::unique_ptr<ClipWriter>> CreateWriter(
    const ClipKey& key, const crypto::SigningKey& camera_key, const ClipStart& start,
    StreamSink sink, std::uint32_t segment_bytes,
    std::optional<std::array<internal::StreamNonceMaterial, 3>> nonces) {
  if (!ValidBinding(start.binding))
    return Fail(ErrorCode::kInvalidArgument, "bad clip or camera id");
  if (start.sequence == 0) return Fail(ErrorCode::kInvalidArgument, "sequence numbers start at 1");
  if (!sink) return Fail(ErrorCode::kInvalidArgument, "no sink");
  VIGIL_TRY(ad, ClipAssociatedData(start.binding));
  auto writer = std::make_unique<ClipWriterImpl>(key, camera_key, start, std::move(ad),
                                                 std::move(sink), std::move(nonces));
  auto status = writer->Start(segment_bytes);
  if (!status) return Fail(status.error());
  return std::unique_ptr<ClipWriter>(std::move(writer));
}

std::uint32_t SegmentBytesOf(const ClipManifest& m) {
  return LoadU32(ByteSpan(m.video_stream_header).subspan(6));
}

}  // namespace

namespace internal {

Result<std::unique_ptr<ClipWriter>> CreateClipWriterForVectors(
    const ClipKey& key, const crypto::SigningKey& camera_key, const ClipStart& start,
    StreamSink sink, std::uint32_t segment_bytes, std::array<StreamNonceMaterial, 3> nonces) {
  return CreateWriter(key, camera_key, start, std::move(sink), segment_bytes, std::move(nonces));
}

}  // namespace internal

Result<Bytes> ClipAssociatedData(const ClipBinding& binding) {
  if (!ValidBinding(binding)) return Fail(ErrorCode::kInvalidArgument, "bad clip or camera id");
  Bytes ad;
  AppendU16(ad, static_cast<std::uint16_t>(binding.clip_id.size()));
  Append(ad, AsBytes(binding.clip_id));
  AppendU16(ad, static_cast<std::uint16_t>(binding.camera_id.size()));
  Append(ad, AsBytes(binding.camera_id));
  AppendU64(ad, binding.household_epoch);
  return ad;
}

Result<std::unique_ptr<ClipWriter>> ClipWriter::Create(const ClipKey& key,
                                                       const crypto::SigningKey& camera_key,
                                                       const ClipStart& start, StreamSink sink,
                                                       std::uint32_t segment_bytes) {
  return CreateWriter(key, camera_key, start, std::move(sink), segment_bytes, std::nullopt);
}

Result<SealedClip> SealClip(const ClipKey& key, const crypto::SigningKey& camera_key,
                            const ClipStart& start, std::span<const Bytes> fragments,
                            const ClipEnd& end, std::uint32_t segment_bytes) {
  SealedClip out;
  VIGIL_TRY(writer, ClipWriter::Create(
                        key, camera_key, start,
                        [&out](ByteSpan b) {
                          Append(out.blob, b);
                          return OkStatus();
                        },
                        segment_bytes));
  for (const auto& f : fragments) {
    auto s = writer->AppendVideo(f);
    if (!s) return Fail(s.error());
  }
  VIGIL_TRY(info, writer->Finish(end));
  out.info = info;
  return out;
}

Result<ClipLayout> ParseClipTrailer(ByteSpan trailer, std::uint64_t blob_size) {
  if (trailer.size() != kClipTrailerBytes || blob_size < kClipPrologueBytes + kClipTrailerBytes ||
      !std::equal(kMagic.begin(), kMagic.end(), trailer.begin() + 28)) {
    return Fail(VerificationFailed());
  }
  ClipLayout l;
  l.blob_size = blob_size;
  l.video_size = LoadU64(trailer);
  l.thumbnail_size = LoadU64(trailer.subspan(8));
  l.metadata_size = LoadU64(trailer.subspan(16));
  l.manifest_size = LoadU32(trailer.subspan(24));
  // Each size is bounded by the blob, so the sum below cannot overflow.
  const std::uint64_t room = blob_size - kClipPrologueBytes - kClipTrailerBytes;
  if (l.video_size > room || l.thumbnail_size > room || l.metadata_size > room ||
      l.manifest_size > room ||
      l.video_size + l.thumbnail_size + l.metadata_size + l.manifest_size != room) {
    return Fail(VerificationFailed());
  }
  l.video_offset = kClipPrologueBytes;
  l.thumbnail_offset = l.video_offset + l.video_size;
  l.metadata_offset = l.thumbnail_offset + l.thumbnail_size;
  l.manifest_offset = l.metadata_offset + l.metadata_size;
  return l;
}

std::uint64_t PaddedClipSize(std::uint64_t container_size) {
  return (container_size + kClipPaddingUnit - 1) / kClipPaddingUnit * kClipPaddingUnit;
}

Result<std::uint64_t> ClipContainerSize(ByteSpan tail, std::uint64_t blob_size) {
  if (tail.size() > blob_size) return Fail(VerificationFailed());
  std::uint64_t zeros = 0;
  for (auto it = tail.rbegin(); it != tail.rend() && *it == 0; ++it) ++zeros;
  // The trailer's magic ends in a non-zero byte, so the padding is exactly
  // the trailing zeros, and it is shorter than one unit.
  if (zeros >= kClipPaddingUnit || zeros == tail.size()) return Fail(VerificationFailed());
  return blob_size - zeros;
}

Result<ClipReader> ClipReader::Create(ClipLayout layout, VerifiedManifest manifest) {
  const ClipManifest& m = manifest.manifest;
  if (m.video_size_bytes != layout.video_size || m.thumbnail.size_bytes != layout.thumbnail_size ||
      m.metadata.size_bytes != layout.metadata_size) {
    return Fail(VerificationFailed());
  }
  return ClipReader(layout, std::move(manifest));
}

Result<ClipReader> ClipReader::FromBlob(ByteSpan blob, const crypto::VerifyKey& camera_key,
                                        std::string_view clip_id, std::string_view camera_id) {
  const std::uint64_t tail =
      std::min<std::uint64_t>(blob.size(), kClipPaddingUnit + kClipTrailerBytes);
  VIGIL_TRY(container_size, ClipContainerSize(blob.last(tail), blob.size()));
  blob = blob.first(container_size);
  if (blob.size() < kClipPrologueBytes + kClipTrailerBytes) return Fail(VerificationFailed());
  const Bytes prologue = Prologue();
  if (!std::equal(prologue.begin(), prologue.end(), blob.begin()))
    return Fail(VerificationFailed());
  VIGIL_TRY(layout, ParseClipTrailer(blob.last(kClipTrailerBytes), blob.size()));
  VIGIL_TRY(manifest, VerifyManifest(blob.subspan(layout.manifest_offset, layout.manifest_size),
                                     camera_key, clip_id, camera_id));
  return Create(layout, std::move(manifest));
}

ClipBinding ClipReader::binding() const {
  const ClipManifest& m = manifest_.manifest;
  return ClipBinding{m.clip_id, m.camera_id, m.household_epoch};
}

Result<ClipKey> ClipReader::OpenKey(ByteSpan envelope, const HouseholdPrivateKey& household) const {
  const auto digest = crypto::Sha256(envelope);
  const auto& listed = manifest_.manifest.envelopes;
  if (std::find(listed.begin(), listed.end(), digest) == listed.end()) {
    return Fail(VerificationFailed());
  }
  return OpenClipKey(envelope, household, binding());
}

namespace {

Result<Bytes> OpenPart(const ClipKey& key, ClipPart part, const ClipBinding& binding,
                       const SealedPartDigest& digest, ByteSpan sealed) {
  if (sealed.size() != digest.size_bytes || crypto::Sha256(sealed) != digest.sha256) {
    return Fail(VerificationFailed());
  }
  VIGIL_TRY(ad, ClipAssociatedData(binding));
  Bytes out;
  VIGIL_TRY(dec, StreamDecryptor::Create(key, part, ad, [&out](ByteSpan b) {
              Append(out, b);
              return OkStatus();
            }));
  auto w = dec->Write(sealed);
  if (w) w = dec->Finish();
  if (!w) {
    crypto::Wipe(out);
    return Fail(w.error());
  }
  return out;
}

}  // namespace

Result<Bytes> ClipReader::OpenThumbnail(const ClipKey& key, ByteSpan sealed) const {
  return OpenPart(key, ClipPart::kThumbnail, binding(), manifest_.manifest.thumbnail, sealed);
}

Result<Bytes> ClipReader::OpenMetadata(const ClipKey& key, ByteSpan sealed) const {
  return OpenPart(key, ClipPart::kMetadata, binding(), manifest_.manifest.metadata, sealed);
}

std::uint64_t ClipReader::video_plaintext_size() const {
  const ClipManifest& m = manifest_.manifest;
  return m.video_size_bytes - kStreamHeaderBytes - m.video_segments.size() * kStreamTagBytes;
}

Result<VideoRange> ClipReader::VideoRangeFor(std::uint64_t plaintext_offset,
                                             std::uint64_t size) const {
  const ClipManifest& m = manifest_.manifest;
  const std::uint64_t total = video_plaintext_size();
  if (size == 0 || plaintext_offset >= total || size > total - plaintext_offset) {
    return Fail(ErrorCode::kOutOfRange, "range is outside the video");
  }
  const std::uint64_t s = SegmentBytesOf(m);
  const std::uint64_t full = s + kStreamTagBytes;
  const std::uint64_t n = m.video_segments.size();
  VideoRange r;
  r.first_segment = plaintext_offset / s;
  const std::uint64_t last = std::min((plaintext_offset + size - 1) / s, n - 1);
  r.segment_count = last - r.first_segment + 1;
  r.blob_offset = layout_.video_offset + kStreamHeaderBytes + r.first_segment * full;
  r.size_bytes = last + 1 == n ? layout_.video_offset + layout_.video_size - r.blob_offset
                               : r.segment_count * full;
  return r;
}

Result<Bytes> ClipReader::DecryptVideoRange(const ClipKey& key, const VideoRange& range,
                                            ByteSpan bytes) const {
  const ClipManifest& m = manifest_.manifest;
  const std::uint64_t n = m.video_segments.size();
  if (range.segment_count == 0 || range.first_segment >= n ||
      range.segment_count > n - range.first_segment) {
    return Fail(ErrorCode::kOutOfRange, "no such segments");
  }
  VIGIL_TRY(ad, ClipAssociatedData(binding()));
  VIGIL_TRY(dec, SeekableStreamDecryptor::Create(key, ClipPart::kVideo, ad, m.video_stream_header,
                                                 m.video_size_bytes));
  Bytes out;
  std::uint64_t pos = 0;
  for (std::uint64_t i = range.first_segment; i < range.first_segment + range.segment_count; ++i) {
    const std::uint64_t seg_size = dec->SegmentSize(i);
    if (bytes.size() - pos < seg_size) {
      crypto::Wipe(out);
      return Fail(VerificationFailed());
    }
    const ByteSpan segment = bytes.subspan(pos, seg_size);
    pos += seg_size;
    // The signed hash first: a tampered segment is "verification failed",
    // and only a wrong key reaches the AEAD's "decryption failed".
    if (crypto::Sha256(segment) != m.video_segments[i]) {
      crypto::Wipe(out);
      return Fail(VerificationFailed());
    }
    auto plain = dec->DecryptSegment(i, segment);
    if (!plain) {
      crypto::Wipe(out);
      return Fail(plain.error());
    }
    Append(out, *plain);
    crypto::Wipe(*plain);
  }
  if (pos != bytes.size()) {
    crypto::Wipe(out);
    return Fail(VerificationFailed());
  }
  return out;
}

Status ClipReader::DecryptVideo(const ClipKey& key, ByteSpan sealed_video,
                                const StreamSink& sink) const {
  const ClipManifest& m = manifest_.manifest;
  if (sealed_video.size() != m.video_size_bytes ||
      !std::equal(m.video_stream_header.begin(), m.video_stream_header.end(),
                  sealed_video.begin())) {
    return Fail(VerificationFailed());
  }
  const VideoRange all{0, m.video_segments.size(), 0, 0};
  // One segment at a time keeps memory at one segment.
  VIGIL_TRY(ad, ClipAssociatedData(binding()));
  VIGIL_TRY(dec, SeekableStreamDecryptor::Create(key, ClipPart::kVideo, ad, m.video_stream_header,
                                                 m.video_size_bytes));
  for (std::uint64_t i = 0; i < all.segment_count; ++i) {
    const ByteSpan segment = sealed_video.subspan(dec->SegmentOffset(i), dec->SegmentSize(i));
    if (crypto::Sha256(segment) != m.video_segments[i]) return Fail(VerificationFailed());
    VIGIL_TRY(plain, dec->DecryptSegment(i, segment));
    auto s = sink(plain);
    crypto::Wipe(plain);
    if (!s) return s;
  }
  return OkStatus();
}

}  // namespace vigil::seal

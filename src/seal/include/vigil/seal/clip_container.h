// SPDX-License-Identifier: Apache-2.0
#pragma once

// The sealed clip container (`VGCL` version 1): the one opaque blob vigild
// stores per clip. Layout (docs/formats/clip.md):
//
//   prologue (8) || video VGSA stream || thumbnail VGSA stream ||
//   metadata VGSA stream || signed manifest || trailer (32)
//
// The video goes first so a camera can stream it out fragment by fragment
// with bounded memory; the manifest (which needs every segment hash) and a
// fixed-size trailer with the part lengths go last, so a reader with ranged
// downloads fetches the last 32 bytes, then the manifest, then only the
// segments it plays. Every part's stream is bound (AEAD associated data) to
// the clip id, camera id and household epoch, and the signed manifest covers
// the hash of every byte of it.
//
// Readers fail with kDataLoss "verification failed" on any tampering
// (flipped bit, truncation, dropped fragment, parts swapped between clips) and
// kDataLoss "decryption failed" when the clip key is not this clip's.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/signing.h"
#include "vigil/seal/clip_manifest.h"
#include "vigil/seal/key_envelope.h"
#include "vigil/seal/keys.h"
#include "vigil/seal/streaming_aead.h"

namespace vigil::seal {

inline constexpr std::size_t kClipPrologueBytes = 8;
inline constexpr std::size_t kClipTrailerBytes = 32;
// A stored blob is the container followed by zero bytes up to the next
// multiple of this (docs/formats/clip.md §Padding), so the server learns a
// clip's size to 64 KiB only: the sizes of the thumbnail and metadata (what
// was seen) disappear in it.
inline constexpr std::uint64_t kClipPaddingUnit = std::uint64_t{64} * 1024;

// What the camera knows when a clip starts.
struct ClipStart {
  ClipBinding binding;  // clip id, camera id, household epoch
  std::uint64_t sequence = 0;
  crypto::Sha256Digest previous_manifest{};
  std::uint64_t start_time_unix_s = 0;
};

// What the camera adds when the clip ends.
struct ClipEnd {
  std::uint32_t duration_ms = 0;
  Bytes thumbnail;  // JPEG
  Bytes metadata;   // the event metadata document
  std::vector<Bytes>
      envelopes;  // key envelopes of this clip (SealClipKey), hashed into the manifest
};

// What a finished clip is, for the uploader and the next clip of the camera.
struct SealedClipInfo {
  std::uint64_t size_bytes = 0;
  std::uint64_t sequence = 0;
  crypto::Sha256Digest manifest_hash{};
};

// The associated data of every stream of a clip:
//   u16be len || clip_id || u16be len || camera_id || u64be epoch.
Result<Bytes> ClipAssociatedData(const ClipBinding& binding);

// Seals one clip front to back. Blob bytes go to `sink` in order as they are
// produced; memory is one video segment plus 32 bytes per segment hash.
// Thread-compatible; one instance per clip.
class ClipWriter {
 public:
  // `key` and `camera_key` must outlive the writer. kInvalidArgument on bad
  // ids, a zero sequence or a segment size out of range.
  static Result<std::unique_ptr<ClipWriter>> Create(
      const ClipKey& key, const crypto::SigningKey& camera_key, const ClipStart& start,
      StreamSink sink, std::uint32_t segment_bytes = kDefaultSegmentBytes);
  virtual ~ClipWriter() = default;

  // Appends video bytes (typically one fMP4 fragment).
  virtual Status AppendVideo(ByteSpan bytes) = 0;
  // Seals thumbnail and metadata, signs the manifest and writes the trailer.
  // Further calls fail with kFailedPrecondition.
  virtual Result<SealedClipInfo> Finish(const ClipEnd& end) = 0;
};

// Convenience: seals a whole clip in memory.
struct SealedClip {
  Bytes blob;
  SealedClipInfo info;
};
Result<SealedClip> SealClip(const ClipKey& key, const crypto::SigningKey& camera_key,
                            const ClipStart& start, std::span<const Bytes> fragments,
                            const ClipEnd& end, std::uint32_t segment_bytes = kDefaultSegmentBytes);

// Byte offsets of a clip's parts in its blob, from the trailer.
struct ClipLayout {
  std::uint64_t blob_size = 0;
  std::uint64_t video_offset = 0, video_size = 0;
  std::uint64_t thumbnail_offset = 0, thumbnail_size = 0;
  std::uint64_t metadata_offset = 0, metadata_size = 0;
  std::uint64_t manifest_offset = 0, manifest_size = 0;
};

// Reads the trailer (the last kClipTrailerBytes of a container of
// `blob_size` bytes, padding removed).
Result<ClipLayout> ParseClipTrailer(ByteSpan trailer, std::uint64_t blob_size);

// The stored size of a container of `container_size` bytes: the next
// multiple of kClipPaddingUnit (the camera appends that many zero bytes).
std::uint64_t PaddedClipSize(std::uint64_t container_size);

// The container's size in a stored blob of `blob_size` bytes whose last
// bytes are `tail` (at least min(blob_size, kClipPaddingUnit +
// kClipTrailerBytes) of them): the blob less its trailing zero bytes, which
// stop at the trailer's magic. kDataLoss "verification failed" when the
// padding is kClipPaddingUnit or longer, or nothing but zeros.
Result<std::uint64_t> ClipContainerSize(ByteSpan tail, std::uint64_t blob_size);

// A byte range of the blob holding whole video segments [first, first+count).
struct VideoRange {
  std::uint64_t first_segment = 0;
  std::uint64_t segment_count = 0;
  std::uint64_t blob_offset = 0;
  std::uint64_t size_bytes = 0;
};

// Opens a clip whose manifest has been verified. Thread-compatible.
class ClipReader {
 public:
  // Checks the layout against the verified manifest. kDataLoss "verification
  // failed" when they disagree.
  static Result<ClipReader> Create(ClipLayout layout, VerifiedManifest manifest);

  // Parses and verifies a whole stored blob (padding allowed): trailer,
  // manifest signature against the pinned `camera_key`, ids, and the prologue.
  static Result<ClipReader> FromBlob(ByteSpan blob, const crypto::VerifyKey& camera_key,
                                     std::string_view clip_id, std::string_view camera_id);

  const ClipLayout& layout() const { return layout_; }
  const VerifiedManifest& manifest() const { return manifest_; }
  ClipBinding binding() const;

  // Opens `envelope` with the household key after checking that the manifest
  // lists its hash (the camera's own envelopes; a key re-sealed later for
  // sharing is not in the manifest and is opened with OpenClipKey directly,
  // trusting whoever signed that grant).
  Result<ClipKey> OpenKey(ByteSpan envelope, const HouseholdPrivateKey& household) const;

  // Whole-part openers; each takes exactly that part's bytes of the blob.
  Result<Bytes> OpenThumbnail(const ClipKey& key, ByteSpan sealed) const;
  Result<Bytes> OpenMetadata(const ClipKey& key, ByteSpan sealed) const;
  // Verifies every segment against the manifest and decrypts the whole video.
  Status DecryptVideo(const ClipKey& key, ByteSpan sealed_video, const StreamSink& sink) const;

  // The blob range of the whole segments that hold plaintext bytes
  // [plaintext_offset, plaintext_offset + size). kOutOfRange past the end.
  Result<VideoRange> VideoRangeFor(std::uint64_t plaintext_offset, std::uint64_t size) const;
  // Verifies and decrypts the segments of `range` from exactly its blob bytes.
  Result<Bytes> DecryptVideoRange(const ClipKey& key, const VideoRange& range,
                                  ByteSpan bytes) const;

  std::uint64_t video_plaintext_size() const;

 private:
  ClipReader(ClipLayout layout, VerifiedManifest manifest)
      : layout_(layout), manifest_(std::move(manifest)) {}
  ClipLayout layout_;
  VerifiedManifest manifest_;
};

}  // namespace vigil::seal

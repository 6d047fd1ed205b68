// SPDX-License-Identifier: Apache-2.0
#pragma once

// The seekable segmented streaming AEAD for clips: AES-256-GCM under a
// per-stream HKDF subkey, with nonce = prefix || segment counter ||
// last-segment flag (the construction of Tink's AES-GCM-HKDF streaming AEAD and
// of Hoang–Reyhanitabar–Rogaway–Vizár's nOAE STREAM). Byte layout:
// docs/formats/streaming-aead.md.
//
// Security: confidentiality and integrity of the whole stream under a random
// ClipKey; truncation, extension, reordering, swapping segments between
// streams, a flipped bit anywhere and a wrong key each fail with kDataLoss
// "decryption failed". Memory is bounded by one segment in every direction.
//
// Streaming decryption hands out each segment's plaintext once that segment is
// authenticated, but the stream as a whole is complete only when Finish()
// succeeds: a caller must not treat output as the entire clip before then.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/seal/keys.h"

namespace vigil::seal {

// Which part of a clip a stream carries. Each part has its own HKDF label, so
// a video stream can never be decrypted as a thumbnail or the reverse.
enum class ClipPart : std::uint8_t { kVideo = 1, kThumbnail = 2, kMetadata = 3 };

inline constexpr std::size_t kStreamHeaderBytes = 49;
inline constexpr std::size_t kStreamTagBytes = 16;
inline constexpr std::uint32_t kMinSegmentBytes = 256;
inline constexpr std::uint32_t kMaxSegmentBytes = 4 * 1024 * 1024;
inline constexpr std::uint32_t kDefaultSegmentBytes = 64 * 1024;

// Receives each piece of output as it is produced (ciphertext from the
// encryptor, authenticated plaintext from the decryptor). The span is valid
// only during the call. Returning an error aborts the stream.
using StreamSink = std::function<Status(ByteSpan bytes)>;

// Encrypts one stream. Thread-compatible; one instance per stream.
class StreamEncryptor {
 public:
  // `associated_data` is authenticated but not encrypted (e.g. clip and camera
  // ids); the decryptor must present the same bytes. `segment_bytes` is the
  // plaintext size of every segment but the last (which holds the remaining
  // 0 .. segment_bytes - 1), in [kMinSegmentBytes, kMaxSegmentBytes];
  // otherwise kInvalidArgument.
  static Result<std::unique_ptr<StreamEncryptor>> Create(
      const ClipKey& key, ClipPart part, ByteSpan associated_data, StreamSink sink,
      std::uint32_t segment_bytes = kDefaultSegmentBytes);
  virtual ~StreamEncryptor() = default;

  // Encrypts `plaintext`; each segment is handed to the sink as soon as it is
  // full (the header first), so memory stays at one segment. Fails with kFailedPrecondition after
  // Finish or an earlier error, kResourceExhausted past 2^32 segments.
  virtual Status Write(ByteSpan plaintext) = 0;
  // Seals the last segment. The stream is complete only after this succeeds.
  virtual Status Finish() = 0;
};

// Decrypts one stream front to back. Thread-compatible.
class StreamDecryptor {
 public:
  static Result<std::unique_ptr<StreamDecryptor>> Create(const ClipKey& key, ClipPart part,
                                                         ByteSpan associated_data, StreamSink sink);
  virtual ~StreamDecryptor() = default;

  // Consumes ciphertext in pieces of any size; authenticated plaintext goes to
  // the sink segment by segment. Any failure is final.
  virtual Status Write(ByteSpan ciphertext) = 0;
  // Checks that the stream ended with its last segment (no truncation).
  virtual Status Finish() = 0;
};

// Random access to the segments of a stored stream whose total size is known
// (a blob, a ranged HTTP download). Thread-compatible.
class SeekableStreamDecryptor {
 public:
  // `header` is the first kStreamHeaderBytes of the stream; `ciphertext_size`
  // the size of the whole stream. Fails with kDataLoss "decryption failed" on a
  // malformed header or an impossible size.
  static Result<std::unique_ptr<SeekableStreamDecryptor>> Create(const ClipKey& key, ClipPart part,
                                                                 ByteSpan associated_data,
                                                                 ByteSpan header,
                                                                 std::uint64_t ciphertext_size);
  virtual ~SeekableStreamDecryptor() = default;

  virtual std::uint32_t segment_bytes() const = 0;
  virtual std::uint64_t segment_count() const = 0;
  virtual std::uint64_t plaintext_size() const = 0;
  // Byte range [offset, offset + size) of segment `index` in the stream.
  // Precondition: index < segment_count().
  virtual std::uint64_t SegmentOffset(std::uint64_t index) const = 0;
  virtual std::uint64_t SegmentSize(std::uint64_t index) const = 0;
  // The segment holding plaintext byte `plaintext_offset`.
  virtual std::uint64_t SegmentForPlaintextOffset(std::uint64_t plaintext_offset) const = 0;

  // Authenticates and decrypts segment `index` from exactly its ciphertext
  // bytes. Fails with kOutOfRange for an index past the end, kDataLoss for
  // anything that does not authenticate.
  virtual Result<Bytes> DecryptSegment(std::uint64_t index, ByteSpan segment) = 0;
};

}  // namespace vigil::seal

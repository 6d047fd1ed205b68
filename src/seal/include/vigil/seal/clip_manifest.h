// SPDX-License-Identifier: Apache-2.0
#pragma once

// The camera-signed clip manifest, the signed heartbeat and the per-camera
// manifest chain check. A manifest states what one clip is (ids, sequence
// number, previous manifest hash, times, the video stream header and the hash
// of every video segment, the hashes of the sealed thumbnail, metadata and key
// envelopes, the household epoch) and is signed with the camera's Ed25519 key
// under SignaturePurpose::kClipManifest. Byte layout: docs/formats/clip.md.
//
// Every verification failure is kDataLoss "verification failed".

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/signing.h"
#include "vigil/seal/streaming_aead.h"

namespace vigil::seal {

// Bounds a decoder enforces (docs/formats/clip.md §Limits).
inline constexpr std::size_t kMaxClipIdBytes = 255;
inline constexpr std::uint32_t kMaxClipVideoSegments = 1u << 20;
inline constexpr std::size_t kMaxClipEnvelopes = 16;

// Where a sealed part (one VGSA stream) is described in the manifest: its
// length in bytes and the SHA-256 of all of its bytes.
struct SealedPartDigest {
  std::uint64_t size_bytes = 0;
  crypto::Sha256Digest sha256{};
  bool operator==(const SealedPartDigest&) const = default;
};

// The content of a manifest (what the camera signs).
struct ClipManifest {
  std::string clip_id;    // 1..255 bytes
  std::string camera_id;  // 1..255 bytes
  std::uint64_t household_epoch = 0;
  std::uint64_t sequence = 0;                // per camera, 1 for the first clip
  crypto::Sha256Digest previous_manifest{};  // ManifestHash of sequence - 1; zeros for the first
  std::uint64_t start_time_unix_s = 0;
  std::uint32_t duration_ms = 0;
  Bytes video_stream_header;                         // the 49-byte VGSA header of the video
  std::uint64_t video_size_bytes = 0;                // the whole video stream, header included
  std::vector<crypto::Sha256Digest> video_segments;  // SHA-256 of each segment's ciphertext
  SealedPartDigest thumbnail;
  SealedPartDigest metadata;
  std::vector<crypto::Sha256Digest> envelopes;  // SHA-256 of each key envelope the camera made

  bool operator==(const ClipManifest&) const = default;
};

// The canonical bytes of `manifest` (the signed message). Fails with
// kInvalidArgument if a field is out of the bounds above.
Result<Bytes> EncodeManifestBody(const ClipManifest& manifest);

// SHA-256 of the encoded body: what the next manifest names as its previous.
crypto::Sha256Digest ManifestHash(ByteSpan manifest_body);

// Encodes and signs: body || 64-byte signature.
Result<Bytes> SignManifest(const ClipManifest& manifest, const crypto::SigningKey& camera_key);

// A manifest whose signature and ids have been checked, with its hash.
struct VerifiedManifest {
  ClipManifest manifest;
  crypto::Sha256Digest hash{};
};

// Parses `signed_manifest` (body || signature), checks the signature against
// the pinned `camera_key` and that the ids are `clip_id` and `camera_id`.
// Any failure is kDataLoss "verification failed".
Result<VerifiedManifest> VerifyManifest(ByteSpan signed_manifest,
                                        const crypto::VerifyKey& camera_key,
                                        std::string_view clip_id, std::string_view camera_id);

// A point of a camera's chain: a sequence number and that manifest's hash.
// Sequence 0 with a zero hash is "before the first clip".
struct ChainPoint {
  std::uint64_t sequence = 0;
  crypto::Sha256Digest manifest_hash{};
  bool operator==(const ChainPoint&) const = default;
};

// A camera's signed statement "I am alive at `time_unix_s` and my last clip is
// `last`". Lets an owner tell "no events" from "camera silenced".
struct Heartbeat {
  std::string camera_id;  // 1..255 bytes
  std::uint64_t time_unix_s = 0;
  ChainPoint last;
  bool operator==(const Heartbeat&) const = default;
};

// body || 64-byte signature (SignaturePurpose::kHeartbeat). kInvalidArgument on
// a bad camera id.
Result<Bytes> SignHeartbeat(const Heartbeat& heartbeat, const crypto::SigningKey& camera_key);
// kDataLoss "verification failed" on a bad signature, layout or camera id.
Result<Heartbeat> VerifyHeartbeat(ByteSpan signed_heartbeat, const crypto::VerifyKey& camera_key,
                                  std::string_view camera_id);

// What is wrong between two neighbours of a manifest list.
enum class ChainProblem : std::uint8_t {
  kGap,       // sequence numbers skip (also from `known` to the first listed): clips are missing
  kReorder,   // a sequence number is not above the previous one in the list
  kBroken,    // consecutive sequence numbers, but `after` does not name `before`'s hash (fork)
  kRollback,  // the newest manifest is older than a chain point already known
};

struct ChainFinding {
  ChainProblem problem = ChainProblem::kGap;
  std::uint64_t before_sequence = 0;  // the earlier point (the known head for kRollback)
  std::uint64_t after_sequence = 0;   // the later point in list order
};

// Checks one camera's verified manifests, in the order the server listed them
// (oldest first). `known` is the newest point the client already trusts (from
// an earlier listing or a heartbeat), if any. An empty result means the list is
// one contiguous, correctly linked chain continuing from `known` (or from the
// start, sequence 1 with a zero previous hash, when `known` is unset and the
// list begins at 1).
std::vector<ChainFinding> CheckManifestChain(std::span<const VerifiedManifest> manifests,
                                             const std::optional<ChainPoint>& known);

}  // namespace vigil::seal

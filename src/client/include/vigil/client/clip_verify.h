// SPDX-License-Identifier: Apache-2.0
#pragma once

// The owner's side of a sealed clip (docs/design/006-agent.md §Owner): reading
// a VGCL blob through ranged reads, checking it against a trusted camera key,
// decrypting it with bounded memory, reporting a camera's manifest chain and
// the evidence bundle (docs/formats/evidence-bundle.md). Pure functions over a
// BlobReader, so the same code serves ranged downloads, local files and tests.
//
// Verification failures are kDataLoss with a message that names the clip and
// what failed: "clip evt_x failed verification: video segment 3 of 40 does not
// match the signed manifest".

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/signing.h"
#include "vigil/seal/clip_container.h"
#include "vigil/seal/clip_manifest.h"
#include "vigil/seal/clip_metadata.h"
#include "vigil/seal/keys.h"

namespace vigil::client {

// Returns exactly `size` bytes of one clip's blob at `offset` (a ranged
// download, a file). Fewer bytes is an error of the reader.
using BlobReader = std::function<Result<Bytes>(std::uint64_t offset, std::uint64_t size)>;

// A BlobReader over a local file (the evidence bundle's clip.vgcl).
BlobReader FileBlobReader(std::string path);

// Plaintext bytes per ranged read when streaming a video: 4 MiB, rounded to
// whole segments by VideoRangeFor.
inline constexpr std::uint64_t kVideoChunkBytes = std::uint64_t{4} << 20;

// A clip whose trailer, layout and signed manifest were checked against the
// trusted camera key and the expected ids.
struct VerifiedClip {
  std::string clip_id;
  seal::ClipReader reader;
  Bytes signed_manifest;  // body || signature, as stored
};

// Reads the tail of the blob (trailer, manifest, and the metadata when it is
// in the same tail read), verifies the manifest signature and ids.
// `tail_hint` receives the bytes from metadata start to the end when they
// were read anyway (saves a request in the event list).
Result<VerifiedClip> VerifyClip(const BlobReader& read, std::uint64_t blob_size,
                                const crypto::VerifyKey& camera_key, std::string_view clip_id,
                                std::string_view camera_id, Bytes* tail_hint = nullptr);

// Opens the clip key from the camera's envelope (its hash must be in the
// manifest).
Result<seal::ClipKey> OpenVerifiedKey(const VerifiedClip& clip, ByteSpan envelope,
                                      const seal::HouseholdPrivateKey& household);

// The decrypted metadata document; `tail` may hold the bytes VerifyClip read.
Result<seal::ClipMetadata> ReadClipMetadata(const VerifiedClip& clip, const seal::ClipKey& key,
                                            const BlobReader& read, const Bytes* tail = nullptr);
Result<Bytes> ReadThumbnail(const VerifiedClip& clip, const seal::ClipKey& key,
                            const BlobReader& read);

// Streams the whole video, checking every segment against the manifest before
// its plaintext reaches `sink`; reads kVideoChunkBytes at a time.
Status DecryptVideoTo(const VerifiedClip& clip, const seal::ClipKey& key, const BlobReader& read,
                      const seal::StreamSink& sink, std::uint64_t chunk_bytes = kVideoChunkBytes);

// Plaintext video bytes [offset, offset + size): reads and verifies only the
// segments that hold them (a seek).
Result<Bytes> ReadVideoRange(const VerifiedClip& clip, const seal::ClipKey& key,
                             const BlobReader& read, std::uint64_t offset, std::uint64_t size);

// Writes `path` only if `produce` succeeds: bytes go to path.part, which is
// fsynced and renamed; on any failure the .part file is removed and `path` is
// left untouched.
Status WriteFileVerified(const std::string& path,
                         const std::function<Status(const seal::StreamSink&)>& produce);

// Labels of an event: detection labels, deduplicated in order; "motion" when
// the camera detected nothing but motion.
std::vector<std::string> EventLabels(const seal::ClipMetadata& metadata);

// ---- the manifest chain of one camera ----

// One person-readable line for a chain finding, e.g.
//   camera "porch": clips 4..6 are missing (sequence gap after 3)
std::string DescribeChainFinding(std::string_view camera_name, const seal::ChainFinding& finding);

struct ChainReport {
  std::vector<std::string> warnings;       // DescribeChainFinding lines
  std::optional<seal::ChainPoint> newest;  // the point to keep (never moves backwards)
};

// Checks one camera's verified manifests against `known`, in the order of
// their signed sequence numbers (the server's listing order is neither the
// camera's nor signed; two manifests with one sequence number are a fork). With
// `partial` (a --since filter or a truncated listing) the clips before the
// first listed are not expected, so a gap from `known` to the listing is not
// reported; a rollback still is.
ChainReport CheckCameraChain(std::string_view camera_name,
                             std::span<const seal::VerifiedManifest> manifests,
                             const std::optional<seal::ChainPoint>& known, bool partial);

// The seam for signed heartbeats (the server does not relay them yet): folds
// heartbeats already verified against the camera key into the known point,
// so a listing older than the camera's own latest statement is a rollback.
std::optional<seal::ChainPoint> FoldHeartbeats(const std::optional<seal::ChainPoint>& known,
                                               std::span<const seal::Heartbeat> verified);

// ---- pairing claims: trusting a camera key on another device ----

// What vigild keeps of an owner's pairing claim (docs/design/006-agent.md §Owner).
struct StoredCameraClaim {
  Bytes pairing_id;
  crypto::VerifyKey owner_key;
  seal::HouseholdPublicKey household_key;
  std::uint64_t household_epoch = 0;
  crypto::Signature owner_signature{};
};

// Checks that `claim` is the account key's signature over `camera_key` for
// this household key and epoch. kDataLoss "camera key not verified: …".
// The signed message does not name the camera id (see the design note).
Status VerifyCameraClaim(const StoredCameraClaim& claim, const crypto::VerifyKey& camera_key,
                         const crypto::VerifyKey& account_key,
                         const seal::HouseholdPublicKey& household_key,
                         std::uint64_t household_epoch);

// ---- evidence bundle (docs/formats/evidence-bundle.md) ----

struct BundleFacts {
  std::string clip_id;
  std::string camera_id;
  std::string camera_name;
  crypto::VerifyKey camera_key;
  std::string camera_key_trust;  // how this device trusted the key, one line
};

// Writes the bundle into `dir` (created; must not exist or be empty) from the
// blob already saved as dir/clip.vgcl: verifies it, decrypts it with `key`,
// writes clip.mp4, thumbnail.jpg, manifest.bin, metadata.json,
// camera-key.txt, key.txt and README.txt. On failure the files it wrote are
// removed.
Status WriteEvidenceBundle(const std::string& dir, const BundleFacts& facts,
                           const seal::ClipKey& key);

// Checks a bundle offline; returns one "OK …" line per check, or kDataLoss
// naming the file and what is wrong.
Result<std::vector<std::string>> VerifyEvidenceBundle(const std::string& dir);

}  // namespace vigil::client

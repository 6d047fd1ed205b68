// SPDX-License-Identifier: Apache-2.0
// Verifying, decrypting and reporting sealed clips on the owner's device
// (docs/design/006-agent.md §Owner), and the evidence bundle
// (docs/formats/evidence-bundle.md).
#include "vigil/client/clip_verify.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>

#include "vigil/client/profile.h"
#include "vigil/core/files.h"
#include "vigil/core/os_error.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/secret.h"
#include "vigil/seal/pairing.h"
#include "vigil/wire/json.h"

namespace vigil::client {
namespace {

using crypto::InsecureSecretAccess;

// The tail read of an event listing: trailer, manifest and (usually) the
// metadata in one request.
// One tail read holds the padding (< 64 KiB), the trailer, the manifest and
// usually the metadata.
constexpr std::uint64_t kTailReadBytes = 128 << 10;
constexpr std::uint64_t kMaxManifestBytes = std::uint64_t{40} << 20;

Error Bad(std::string_view clip_id, std::string_view what) {
  return Error{ErrorCode::kDataLoss,
               "clip " + std::string(clip_id) + " failed verification: " + std::string(what)};
}

// A reader's kDataLoss (short read) is the blob's fault; anything else (the
// network, a missing file) stays what it was.
Error ReadError(std::string_view clip_id, const Error& e) {
  if (e.code == ErrorCode::kDataLoss) return Bad(clip_id, e.message);
  return e;
}

Bytes Slice(const Bytes& bytes, std::uint64_t from, std::uint64_t size) {
  return Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(from),
               bytes.begin() + static_cast<std::ptrdiff_t>(from + size));
}

// The clip id and camera id a manifest body names, read without trusting it,
// only to say "wrong clip" instead of "bad signature".
std::optional<std::pair<std::string, std::string>> ManifestIds(ByteSpan manifest) {
  if (manifest.size() < 9 || ToString(manifest.first(4)) != "VGCM") return std::nullopt;
  std::size_t at = 5;
  std::string ids[2];
  for (std::string& id : ids) {
    if (manifest.size() < at + 2) return std::nullopt;
    const std::size_t len = LoadU16(manifest.subspan(at, 2));
    at += 2;
    if (manifest.size() < at + len) return std::nullopt;
    id = ToString(manifest.subspan(at, len));
    at += len;
  }
  return std::make_pair(ids[0], ids[1]);
}

bool IsDecryptionFailure(const Error& e) {
  return e.message.find("decryption failed") != std::string::npos;
}

// What the bundle's files are called (docs/formats/evidence-bundle.md).
constexpr const char* kBundleFiles[] = {"clip.mp4",     "thumbnail.jpg", "clip.vgcl",
                                        "manifest.bin", "metadata.json", "camera-key.txt",
                                        "key.txt",      "README.txt"};

Result<std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes = 64 << 20) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, path + " is missing");
  std::string text(std::istreambuf_iterator<char>(in), {});
  if (text.size() > max_bytes) return Fail(ErrorCode::kDataLoss, path + " is too large");
  return text;
}

// "key: value" lines of the bundle's text files.
std::map<std::string, std::string> KeyValues(const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(at, end - at);
    if (const auto colon = line.find(": "); colon != std::string::npos && line[0] != '#') {
      out.emplace(line.substr(0, colon), line.substr(colon + 2));
    }
    at = end + 1;
  }
  return out;
}

std::string Fixed(std::uint16_t v) {  // 1/10000 fixed point as a decimal number
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%04u", v / 10000u, v % 10000u);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// metadata.json: the manifest's facts and the decrypted metadata. The camera
// name is the owner's, not the camera's; verify does not compare it.
wire::Json MetadataJson(const seal::ClipManifest& m, const crypto::Sha256Digest& manifest_hash,
                        const seal::ClipMetadata& md, const std::string& camera_name) {
  wire::Json detections = wire::Json::array();
  for (const auto& d : md.detections) {
    detections.push_back({{"label", d.label},
                          {"score", Fixed(d.score)},
                          {"box", {Fixed(d.x), Fixed(d.y), Fixed(d.width), Fixed(d.height)}}});
  }
  return {{"format", "vigil-evidence-metadata/v1"},
          {"clip_id", m.clip_id},
          {"camera_id", m.camera_id},
          {"camera", camera_name},
          {"household_epoch", m.household_epoch},
          {"sequence", m.sequence},
          {"previous_manifest_hash", HexEncode(m.previous_manifest)},
          {"manifest_hash", HexEncode(manifest_hash)},
          {"start", wire::FormatTime(static_cast<std::int64_t>(m.start_time_unix_s))},
          {"start_unix_s", m.start_time_unix_s},
          {"duration_ms", m.duration_ms},
          {"video_segments", m.video_segments.size()},
          {"labels", EventLabels(md)},
          {"motion_score", Fixed(md.motion_score)},
          {"detections", detections},
          {"zones", md.zones}};
}

constexpr char kReadme[] = R"(Vigil evidence bundle
=====================
This folder is one camera clip as the camera sealed and signed it, with what is
needed to check it offline. Format: docs/formats/evidence-bundle.md.

WARNING: key.txt is the clip's content key. Whoever has this folder can watch
the clip; share it only with people who may see it.

Files
  clip.mp4        the video, decrypted (fragmented MP4)
  thumbnail.jpg   the thumbnail, decrypted
  clip.vgcl       the sealed clip exactly as the server stored it (docs/formats/clip.md)
  manifest.bin    the camera-signed manifest (also inside clip.vgcl)
  camera-key.txt  the camera's Ed25519 public key and how the owner trusted it
  metadata.json   the clip's facts and decrypted labels, zones and scores
  key.txt         the clip key (base64url, 32 bytes)

How to verify
  1. With vigil:  vigil clip verify THIS_FOLDER   (no server, no account needed)
  2. By hand (docs/formats/clip.md), e.g. with tests/formats/vigil_clip_formats.py:
     a. camera_key = base64url-decode(camera_key in camera-key.txt)
     b. verify_manifest(manifest.bin, camera_key, clip_id, camera_id) using the
        ids in metadata.json: Ed25519 over "vigil/v1/clip-manifest" 0x00 body.
     c. the manifest inside clip.vgcl (trailer -> manifest range) equals manifest.bin;
        verify_clip(clip.vgcl, camera_key, clip_id, camera_id) checks the layout.
     d. key = base64url-decode(clip_key in key.txt); decrypt_video, the thumbnail and
        metadata parts of clip.vgcl with it: every segment's SHA-256 must equal the
        signed manifest's, and the plaintexts must equal clip.mp4, thumbnail.jpg and
        the labels/zones/scores in metadata.json.
  What this proves: the video is byte for byte what the camera holding that key
  recorded and signed, with the start time, duration and sequence number it
  signed. Whether the key is really that camera's rests on camera-key.txt's trust line.
)";

void RemoveBundleFiles(const std::string& dir) {
  for (const char* name : kBundleFiles) ::unlink((dir + "/" + name).c_str());
}

}  // namespace

BlobReader FileBlobReader(std::string path) {
  return [path = std::move(path)](std::uint64_t offset, std::uint64_t size) -> Result<Bytes> {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Fail(FromErrno(errno, "open " + path));
    Bytes out(size);
    std::uint64_t done = 0;
    while (done < size) {
      const ssize_t n =
          ::pread(fd, out.data() + done, size - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
    if (done != size) {
      return Fail(ErrorCode::kDataLoss, path + " is truncated (" + std::to_string(done) + " of " +
                                            std::to_string(size) + " bytes at offset " +
                                            std::to_string(offset) + ")");
    }
    return out;
  };
}

Result<VerifiedClip> VerifyClip(const BlobReader& read, std::uint64_t blob_size,
                                const crypto::VerifyKey& camera_key, std::string_view clip_id,
                                std::string_view camera_id, Bytes* tail_hint) {
  if (blob_size < seal::kClipPrologueBytes + seal::kClipTrailerBytes) {
    return Fail(
        Bad(clip_id, "truncated: the blob is only " + std::to_string(blob_size) + " bytes"));
  }
  const std::uint64_t tail_size = std::min(blob_size, kTailReadBytes);
  const std::uint64_t tail_start = blob_size - tail_size;
  auto tail = read(tail_start, tail_size);
  if (!tail) return Fail(ReadError(clip_id, tail.error()));
  // The stored blob is the container and its zero padding (clip.md §Padding).
  const std::uint64_t pad_window =
      std::min<std::uint64_t>(tail_size, seal::kClipPaddingUnit + seal::kClipTrailerBytes);
  auto container_size = seal::ClipContainerSize(ByteSpan(*tail).last(pad_window), blob_size);
  if (!container_size || *container_size < tail_start + seal::kClipTrailerBytes) {
    return Fail(Bad(clip_id, "the padding after the trailer is malformed (truncated or altered)"));
  }
  const std::uint64_t container_end = *container_size - tail_start;  // within *tail
  auto layout = seal::ParseClipTrailer(
      ByteSpan(*tail).subspan(container_end - seal::kClipTrailerBytes, seal::kClipTrailerBytes),
      *container_size);
  if (!layout) {
    return Fail(Bad(clip_id,
                    "the trailer is malformed or its part lengths do not add up to the blob "
                    "size (truncated or altered)"));
  }
  if (layout->manifest_size > kMaxManifestBytes) {
    return Fail(Bad(clip_id, "the manifest is implausibly large"));
  }
  Bytes manifest;
  if (layout->manifest_offset >= tail_start) {
    manifest = Slice(*tail, layout->manifest_offset - tail_start, layout->manifest_size);
  } else {
    auto bytes = read(layout->manifest_offset, layout->manifest_size);
    if (!bytes) return Fail(ReadError(clip_id, bytes.error()));
    manifest = std::move(*bytes);
  }
  auto verified = seal::VerifyManifest(manifest, camera_key, clip_id, camera_id);
  if (!verified) {
    const auto ids = ManifestIds(manifest);
    if (ids && ids->first != clip_id) {
      return Fail(Bad(clip_id, "wrong clip: the blob's manifest is clip " + ids->first + "'s"));
    }
    if (ids && ids->second != camera_id) {
      return Fail(Bad(
          clip_id, "the manifest names camera " + ids->second + ", not " + std::string(camera_id)));
    }
    return Fail(Bad(clip_id, "the manifest signature does not verify with the trusted camera key"));
  }
  auto reader = seal::ClipReader::Create(*layout, *verified);
  if (!reader) {
    return Fail(Bad(clip_id, "the blob's layout disagrees with the signed manifest"));
  }
  if (tail_hint != nullptr) {
    tail_hint->clear();
    if (layout->metadata_offset >= tail_start) {
      *tail_hint = Slice(*tail, layout->metadata_offset - tail_start,
                         *container_size - layout->metadata_offset);
    }
  }
  return VerifiedClip{std::string(clip_id), std::move(*reader), std::move(manifest)};
}

Result<seal::ClipKey> OpenVerifiedKey(const VerifiedClip& clip, ByteSpan envelope,
                                      const seal::HouseholdPrivateKey& household) {
  auto key = clip.reader.OpenKey(envelope, household);
  if (!key) {
    if (IsDecryptionFailure(key.error())) {
      return Fail(Bad(clip.clip_id,
                      "the key envelope does not open with this household's key (another "
                      "household epoch, or another clip's envelope)"));
    }
    return Fail(Bad(clip.clip_id, "the key envelope is not one the camera signed"));
  }
  return key;
}

Result<seal::ClipMetadata> ReadClipMetadata(const VerifiedClip& clip, const seal::ClipKey& key,
                                            const BlobReader& read, const Bytes* tail) {
  const seal::ClipLayout& l = clip.reader.layout();
  Bytes sealed;
  if (tail != nullptr && tail->size() >= l.metadata_size &&
      tail->size() == l.blob_size - l.metadata_offset) {
    sealed = Slice(*tail, 0, l.metadata_size);
  } else {
    auto bytes = read(l.metadata_offset, l.metadata_size);
    if (!bytes) return Fail(ReadError(clip.clip_id, bytes.error()));
    sealed = std::move(*bytes);
  }
  auto plain = clip.reader.OpenMetadata(key, sealed);
  if (!plain) {
    return Fail(Bad(clip.clip_id, IsDecryptionFailure(plain.error())
                                      ? "the metadata does not decrypt with the clip key"
                                      : "the metadata part does not match the signed manifest"));
  }
  auto doc = seal::DecodeClipMetadata(*plain);
  if (!doc) return Fail(Bad(clip.clip_id, "the metadata document is malformed"));
  return doc;
}

Result<Bytes> ReadThumbnail(const VerifiedClip& clip, const seal::ClipKey& key,
                            const BlobReader& read) {
  const seal::ClipLayout& l = clip.reader.layout();
  auto sealed = read(l.thumbnail_offset, l.thumbnail_size);
  if (!sealed) return Fail(ReadError(clip.clip_id, sealed.error()));
  auto plain = clip.reader.OpenThumbnail(key, *sealed);
  if (!plain) {
    return Fail(Bad(clip.clip_id, IsDecryptionFailure(plain.error())
                                      ? "the thumbnail does not decrypt with the clip key"
                                      : "the thumbnail part does not match the signed manifest"));
  }
  return plain;
}

namespace {

// Says which segment of a failed range is at fault.
Error SegmentError(const VerifiedClip& clip, const seal::VideoRange& range, ByteSpan bytes,
                   const Error& e) {
  const auto& segments = clip.reader.manifest().manifest.video_segments;
  const std::uint64_t n = segments.size();
  std::uint64_t stride = bytes.size();
  if (n > 1) {
    if (auto first = clip.reader.VideoRangeFor(0, 1)) stride = first->size_bytes;
  }
  std::uint64_t at = 0;
  for (std::uint64_t i = range.first_segment; i < range.first_segment + range.segment_count; ++i) {
    const std::uint64_t size =
        i + 1 == n ? bytes.size() - at : std::min<std::uint64_t>(stride, bytes.size() - at);
    if (crypto::Sha256(bytes.subspan(at, size)) != segments[i]) {
      return Bad(clip.clip_id, "video segment " + std::to_string(i) + " (of 0.." +
                                   std::to_string(n - 1) + ") does not match the signed manifest");
    }
    at += size;
  }
  if (IsDecryptionFailure(e)) {
    return Bad(clip.clip_id, "video segments " + std::to_string(range.first_segment) + ".." +
                                 std::to_string(range.first_segment + range.segment_count - 1) +
                                 " do not decrypt with the clip key");
  }
  return Bad(clip.clip_id, "the video part does not match the signed manifest");
}

}  // namespace

Result<Bytes> ReadVideoRange(const VerifiedClip& clip, const seal::ClipKey& key,
                             const BlobReader& read, std::uint64_t offset, std::uint64_t size) {
  VIGIL_TRY(range, clip.reader.VideoRangeFor(offset, size));
  auto bytes = read(range.blob_offset, range.size_bytes);
  if (!bytes) return Fail(ReadError(clip.clip_id, bytes.error()));
  auto plain = clip.reader.DecryptVideoRange(key, range, *bytes);
  if (!plain) return Fail(SegmentError(clip, range, *bytes, plain.error()));
  // Plaintext offset of the first segment: every segment but the last holds S bytes.
  VIGIL_TRY(first, clip.reader.VideoRangeFor(0, 1));
  const std::uint64_t s = clip.reader.manifest().manifest.video_segments.size() > 1
                              ? first.size_bytes - seal::kStreamTagBytes
                              : clip.reader.video_plaintext_size();
  const std::uint64_t begin = offset - range.first_segment * s;
  Bytes out(plain->begin() + static_cast<std::ptrdiff_t>(begin),
            plain->begin() + static_cast<std::ptrdiff_t>(begin + size));
  crypto::Wipe(*plain);
  return out;
}

Status DecryptVideoTo(const VerifiedClip& clip, const seal::ClipKey& key, const BlobReader& read,
                      const seal::StreamSink& sink, std::uint64_t chunk_bytes) {
  const std::uint64_t total = clip.reader.video_plaintext_size();
  std::uint64_t offset = 0;
  while (offset < total) {
    VIGIL_TRY(range, clip.reader.VideoRangeFor(offset, std::min(chunk_bytes, total - offset)));
    auto bytes = read(range.blob_offset, range.size_bytes);
    if (!bytes) return Fail(ReadError(clip.clip_id, bytes.error()));
    auto plain = clip.reader.DecryptVideoRange(key, range, *bytes);
    if (!plain) return Fail(SegmentError(clip, range, *bytes, plain.error()));
    // Whole segments: the next read starts right after the last one.
    offset += plain->size();
    if (auto s = sink(*plain); !s) return s;
    if (plain->empty()) break;
  }
  return OkStatus();
}

Status WriteFileVerified(const std::string& path,
                         const std::function<Status(const seal::StreamSink&)>& produce) {
  const std::string part = path + ".part";
  const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Fail(FromErrno(errno, "create " + part));
  auto fail = [&](Error e) -> Status {
    ::close(fd);
    ::unlink(part.c_str());
    return Fail(std::move(e));
  };
  const seal::StreamSink sink = [&](ByteSpan bytes) -> Status {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Fail(FromErrno(errno, "write " + part));
      done += static_cast<std::size_t>(n);
    }
    return OkStatus();
  };
  if (auto s = produce(sink); !s) return fail(s.error());
  if (::fsync(fd) != 0) return fail(FromErrno(errno, "fsync " + part));
  if (::close(fd) != 0) {
    ::unlink(part.c_str());
    return Fail(FromErrno(errno, "close " + part));
  }
  if (::rename(part.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(part.c_str());
    return Fail(FromErrno(e, "rename " + part));
  }
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return OkStatus();
}

std::vector<std::string> EventLabels(const seal::ClipMetadata& metadata) {
  std::vector<std::string> labels;
  for (const auto& d : metadata.detections) {
    if (std::find(labels.begin(), labels.end(), d.label) == labels.end()) {
      labels.push_back(d.label);
    }
  }
  if (labels.empty()) labels.emplace_back("motion");
  return labels;
}

std::string DescribeChainFinding(std::string_view camera_name, const seal::ChainFinding& f) {
  const std::string cam = "camera \"" + std::string(camera_name) + "\": ";
  const auto n = [](std::uint64_t v) { return std::to_string(v); };
  switch (f.problem) {
    case seal::ChainProblem::kGap: {
      const std::uint64_t first = f.before_sequence + 1;
      const std::uint64_t last = f.after_sequence - 1;
      const std::string which = first == last ? "clip " + n(first) + " is"
                                              : "clips " + n(first) + ".." + n(last) + " are";
      return cam + which + " missing (sequence gap after " + n(f.before_sequence) + ")";
    }
    case seal::ChainProblem::kReorder:
      if (f.after_sequence == f.before_sequence) {
        return cam + "two different clips claim sequence " + n(f.after_sequence) +
               " (fork: two different histories)";
      }
      return cam + "clip " + n(f.after_sequence) + " is listed after clip " + n(f.before_sequence) +
             " (clips reordered)";
    case seal::ChainProblem::kBroken:
      if (f.before_sequence == 0) {
        return cam +
               "clip 1 names a predecessor (the chain does not start at this camera's "
               "first clip)";
      }
      return cam + "clip " + n(f.after_sequence) + " does not chain to clip " +
             n(f.before_sequence) + " (fork: two different histories)";
    case seal::ChainProblem::kRollback:
      if (f.after_sequence == 0) {
        return cam + "no clip is listed but clip " + n(f.before_sequence) +
               " was verified before (rollback: its clips are hidden)";
      }
      return cam + "the newest clip listed is " + n(f.after_sequence) + " but clip " +
             n(f.before_sequence) + " was verified before (rollback: newer clips are hidden)";
  }
  return cam + "chain problem";
}

ChainReport CheckCameraChain(std::string_view camera_name,
                             std::span<const seal::VerifiedManifest> manifests,
                             const std::optional<seal::ChainPoint>& known, bool partial) {
  ChainReport report;
  report.newest = known;
  // vigild orders by receipt time (seconds, ties by clip id), which is not
  // the camera's order and is not signed: the signed sequence numbers are.
  std::vector<seal::VerifiedManifest> oldest_first(manifests.begin(), manifests.end());
  std::stable_sort(oldest_first.begin(), oldest_first.end(),
                   [](const seal::VerifiedManifest& a, const seal::VerifiedManifest& b) {
                     return a.manifest.sequence < b.manifest.sequence;
                   });
  auto findings = seal::CheckManifestChain(oldest_first, known);
  for (const auto& f : findings) {
    // A filtered listing starts where the filter does, not after `known`.
    if (partial && f.problem == seal::ChainProblem::kGap && known &&
        f.before_sequence == known->sequence && !oldest_first.empty() &&
        f.after_sequence == oldest_first.front().manifest.sequence) {
      continue;
    }
    report.warnings.push_back(DescribeChainFinding(camera_name, f));
  }
  for (const auto& v : oldest_first) {
    if (!report.newest || v.manifest.sequence > report.newest->sequence) {
      report.newest = seal::ChainPoint{v.manifest.sequence, v.hash};
    }
  }
  return report;
}

std::optional<seal::ChainPoint> FoldHeartbeats(const std::optional<seal::ChainPoint>& known,
                                               std::span<const seal::Heartbeat> verified) {
  std::optional<seal::ChainPoint> out = known;
  for (const auto& h : verified) {
    if (h.last.sequence == 0) continue;
    if (!out || h.last.sequence > out->sequence) out = h.last;
  }
  return out;
}

Status VerifyCameraClaim(const StoredCameraClaim& claim, const crypto::VerifyKey& camera_key,
                         const crypto::VerifyKey& account_key,
                         const seal::HouseholdPublicKey& household_key,
                         std::uint64_t household_epoch) {
  const auto bad = [](std::string_view why) {
    return Fail(ErrorCode::kDataLoss, "camera key not verified: " + std::string(why));
  };
  if (!(claim.owner_key == account_key)) {
    return bad("the pairing claim is signed by a key that is not this account's");
  }
  if (!(claim.household_key.bytes().size() == household_key.bytes().size() &&
        std::equal(claim.household_key.bytes().begin(), claim.household_key.bytes().end(),
                   household_key.bytes().begin())) ||
      claim.household_epoch != household_epoch) {
    return bad("the pairing claim names another household key");
  }
  const Bytes message = seal::internal::PairingClaimSignedMessage(
      claim.pairing_id, claim.owner_key, claim.household_key, claim.household_epoch, camera_key);
  if (!account_key.Verify(crypto::SignaturePurpose::kPairingClaim, message,
                          claim.owner_signature)) {
    return bad("the owner's pairing signature does not cover this camera key");
  }
  return OkStatus();
}

Status WriteEvidenceBundle(const std::string& dir, const BundleFacts& facts,
                           const seal::ClipKey& key) {
  const std::string blob_path = dir + "/clip.vgcl";
  struct stat st {};
  if (::stat(blob_path.c_str(), &st) != 0) return Fail(FromErrno(errno, "stat " + blob_path));
  const BlobReader read = FileBlobReader(blob_path);
  auto written = [&]() -> Status {
    VIGIL_TRY(clip, VerifyClip(read, static_cast<std::uint64_t>(st.st_size), facts.camera_key,
                               facts.clip_id, facts.camera_id));
    VIGIL_TRY(metadata, ReadClipMetadata(clip, key, read));
    VIGIL_TRY(thumbnail, ReadThumbnail(clip, key, read));
    if (auto s = WriteFileVerified(
            dir + "/clip.mp4",
            [&](const seal::StreamSink& sink) { return DecryptVideoTo(clip, key, read, sink); });
        !s) {
      return s;
    }
    if (auto s = WriteFileVerified(dir + "/thumbnail.jpg",
                                   [&](const seal::StreamSink& sink) { return sink(thumbnail); });
        !s) {
      return s;
    }
    const auto& m = clip.reader.manifest();
    const std::string key_b64 = Base64UrlEncode(key.secret().Reveal(InsecureSecretAccess::Get()));
    const std::string files[][2] = {
        {"manifest.bin", ToString(clip.signed_manifest)},
        {"metadata.json",
         MetadataJson(m.manifest, m.hash, metadata, facts.camera_name).dump(1) + "\n"},
        {"camera-key.txt",
         "# The camera's Ed25519 public key (base64url) and how the owner "
         "trusted it.\ncamera_id: " +
             facts.camera_id + "\ncamera_key: " + Base64UrlEncode(facts.camera_key.bytes()) +
             "\ntrust: " + facts.camera_key_trust + "\n"},
        {"key.txt",
         "# The clip's content key (base64url). Sharing this bundle shares the "
         "clip.\nclip_id: " +
             facts.clip_id + "\nclip_key: " + key_b64 + "\n"},
        {"README.txt", kReadme}};
    for (const auto& [name, contents] : files) {
      std::string path = dir;
      path.append("/").append(name);
      if (auto s = WriteFileAtomically(path, contents, 0600, false); !s) return s;
    }
    return OkStatus();
  }();
  if (!written) RemoveBundleFiles(dir);
  return written;
}

Result<std::vector<std::string>> VerifyEvidenceBundle(const std::string& dir) {
  std::vector<std::string> ok;
  const auto bad = [&](std::string_view file, std::string what) {
    // "clip X failed verification: " is implied by the file name here.
    if (const auto at = what.find(" failed verification: "); at != std::string::npos) {
      what = what.substr(at + 22);
    }
    return Fail(ErrorCode::kDataLoss, "evidence bundle " + dir + " failed verification: " +
                                          std::string(file) + ": " + what);
  };
  // 1. The camera key and the ids.
  auto key_text = ReadSmallFile(dir + "/camera-key.txt", 64 << 10);
  if (!key_text) return bad("camera-key.txt", "missing");
  const auto key_fields = KeyValues(*key_text);
  const auto field = [](const std::map<std::string, std::string>& m, const char* k) {
    auto it = m.find(k);
    return it == m.end() ? std::string() : it->second;
  };
  auto key_bytes = Base64UrlDecode(field(key_fields, "camera_key"));
  if (!key_bytes || key_bytes->size() != 32) return bad("camera-key.txt", "no camera_key line");
  VIGIL_TRY(camera_key, crypto::VerifyKey::FromBytes(*key_bytes));
  auto meta_text = ReadSmallFile(dir + "/metadata.json", 1 << 20);
  if (!meta_text) return bad("metadata.json", "missing");
  auto meta_json = wire::ParseObject(*meta_text);
  if (!meta_json) return bad("metadata.json", "not a JSON object");
  auto clip_id = wire::RequireString(*meta_json, "clip_id", 1, seal::kMaxClipIdBytes);
  auto camera_id = wire::RequireString(*meta_json, "camera_id", 1, seal::kMaxClipIdBytes);
  if (!clip_id || !camera_id) return bad("metadata.json", "no clip_id or camera_id");
  if (field(key_fields, "camera_id") != *camera_id) {
    return bad("camera-key.txt", "it is for camera " + field(key_fields, "camera_id") +
                                     ", the clip is camera " + *camera_id + "'s");
  }
  ok.push_back("OK camera-key.txt: camera " + *camera_id + ", Ed25519 key " +
               Base64UrlEncode(camera_key.bytes()) + " (" + field(key_fields, "trust") + ")");

  // 2. The signed manifest.
  auto manifest = ReadSmallFile(dir + "/manifest.bin");
  if (!manifest) return bad("manifest.bin", "missing");
  auto verified = seal::VerifyManifest(AsBytes(*manifest), camera_key, *clip_id, *camera_id);
  if (!verified) {
    return bad("manifest.bin",
               "the signature does not verify with camera-key.txt's key for clip " + *clip_id);
  }
  ok.push_back("OK manifest.bin: signed by the camera key; clip " + *clip_id + ", sequence " +
               std::to_string(verified->manifest.sequence) + ", start " +
               wire::FormatTime(static_cast<std::int64_t>(verified->manifest.start_time_unix_s)) +
               ", " + std::to_string(verified->manifest.duration_ms) + " ms, " +
               std::to_string(verified->manifest.video_segments.size()) + " video segments");

  // 3. The sealed blob carries that manifest.
  const std::string blob_path = dir + "/clip.vgcl";
  struct stat st {};
  if (::stat(blob_path.c_str(), &st) != 0) return bad("clip.vgcl", "missing");
  const BlobReader read = FileBlobReader(blob_path);
  auto clip =
      VerifyClip(read, static_cast<std::uint64_t>(st.st_size), camera_key, *clip_id, *camera_id);
  if (!clip) return bad("clip.vgcl", clip.error().message);
  if (ToString(clip->signed_manifest) != *manifest) {
    return bad("clip.vgcl", "its manifest differs from manifest.bin");
  }
  ok.push_back("OK clip.vgcl: " + std::to_string(st.st_size) +
               " bytes, layout matches the signed manifest");

  // 4. The clip key opens every part; the plaintexts are the bundle's files.
  auto kt = ReadSmallFile(dir + "/key.txt", 64 << 10);
  if (!kt) return bad("key.txt", "missing");
  auto raw_key = Base64UrlDecode(field(KeyValues(*kt), "clip_key"));
  if (!raw_key || raw_key->size() != 32) return bad("key.txt", "no clip_key line of 32 bytes");
  crypto::SecretBytes secret(*raw_key, InsecureSecretAccess::Get());
  crypto::Wipe(*raw_key);
  VIGIL_TRY(key, seal::ClipKey::FromSecret(std::move(secret)));

  auto metadata = ReadClipMetadata(*clip, key, read);
  if (!metadata) return bad("clip.vgcl", metadata.error().message);
  const std::string name = meta_json->value("camera", std::string());
  if (MetadataJson(verified->manifest, verified->hash, *metadata, name) != *meta_json) {
    return bad("metadata.json", "it differs from the clip's signed and decrypted metadata");
  }
  ok.push_back("OK metadata.json: equals the decrypted metadata (labels: " + [&] {
    std::string s;
    for (const auto& l : EventLabels(*metadata)) s += (s.empty() ? "" : ",") + l;
    return s;
  }() + ")");

  auto thumbnail = ReadThumbnail(*clip, key, read);
  if (!thumbnail) return bad("clip.vgcl", thumbnail.error().message);
  auto thumb_file = ReadSmallFile(dir + "/thumbnail.jpg");
  if (!thumb_file) return bad("thumbnail.jpg", "missing");
  if (ToString(*thumbnail) != *thumb_file) {
    return bad("thumbnail.jpg", "it differs from the decryption of clip.vgcl");
  }
  ok.push_back("OK thumbnail.jpg: equals the decrypted thumbnail (" +
               std::to_string(thumbnail->size()) + " bytes)");

  std::ifstream mp4(dir + "/clip.mp4", std::ios::binary);
  if (!mp4) return bad("clip.mp4", "missing");
  std::uint64_t compared = 0;
  std::optional<std::uint64_t> differs;
  auto streamed = DecryptVideoTo(*clip, key, read, [&](ByteSpan plain) -> Status {
    std::string got(plain.size(), '\0');
    mp4.read(got.data(), static_cast<std::streamsize>(got.size()));
    const auto n = static_cast<std::size_t>(mp4.gcount());
    for (std::size_t i = 0; i < plain.size() && !differs; ++i) {
      if (i >= n || static_cast<std::uint8_t>(got[i]) != plain[i]) differs = compared + i;
    }
    compared += plain.size();
    if (differs) return Fail(ErrorCode::kDataLoss, "differs");
    return OkStatus();
  });
  if (differs) {
    return bad("clip.mp4",
               "it differs from the decryption of clip.vgcl at byte " + std::to_string(*differs));
  }
  if (!streamed) return bad("clip.vgcl", streamed.error().message);
  if (mp4.peek() != std::char_traits<char>::eof()) {
    return bad("clip.mp4", "it is longer than the decryption of clip.vgcl");
  }
  ok.push_back("OK clip.mp4: " + std::to_string(compared) +
               " bytes, equal to the decryption of clip.vgcl; every segment matches the signed "
               "manifest");
  return ok;
}

}  // namespace vigil::client

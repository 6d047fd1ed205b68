// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/clip_manifest.h"

#include <algorithm>
#include <array>
#include <utility>

#include "vigil/crypto/key_purpose.h"

namespace vigil::seal {
namespace {

// "VGCM": Vigil clip manifest; "VGHB": Vigil heartbeat.
constexpr std::array<std::uint8_t, 4> kManifestMagic = {0x56, 0x47, 0x43, 0x4d};
constexpr std::array<std::uint8_t, 4> kHeartbeatMagic = {0x56, 0x47, 0x48, 0x42};
constexpr std::uint8_t kVersion = 0x01;
constexpr std::array<std::uint8_t, 4> kStreamMagic = {0x56, 0x47, 0x53, 0x41};

Error VerificationFailed() { return Error{ErrorCode::kDataLoss, "verification failed"}; }

bool ValidId(std::string_view id) { return !id.empty() && id.size() <= kMaxClipIdBytes; }

void AppendId(Bytes& out, std::string_view id) {
  AppendU16(out, static_cast<std::uint16_t>(id.size()));
  Append(out, AsBytes(id));
}

void AppendDigest(Bytes& out, const crypto::Sha256Digest& d) { Append(out, d); }

// Reads the fields of a body front to back; any overrun latches `ok = false`.
class Cursor {
 public:
  explicit Cursor(ByteSpan in) : in_(in) {}
  ByteSpan Take(std::size_t n) {
    if (!ok || in_.size() - pos_ < n) {
      ok = false;
      return {};
    }
    auto out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  std::uint8_t U8() {
    auto b = Take(1);
    return ok ? b[0] : 0;
  }
  std::uint16_t U16() {
    auto b = Take(2);
    return ok ? LoadU16(b) : 0;
  }
  std::uint32_t U32() {
    auto b = Take(4);
    return ok ? LoadU32(b) : 0;
  }
  std::uint64_t U64() {
    auto b = Take(8);
    return ok ? LoadU64(b) : 0;
  }
  crypto::Sha256Digest Digest() {
    crypto::Sha256Digest d{};
    auto b = Take(d.size());
    if (ok) std::copy(b.begin(), b.end(), d.begin());
    return d;
  }
  std::string Id() {
    const std::uint16_t n = U16();
    auto b = Take(n);
    if (ok && (n == 0 || n > kMaxClipIdBytes)) ok = false;
    return ok ? std::string(b.begin(), b.end()) : std::string();
  }
  bool AtEnd() const { return ok && pos_ == in_.size(); }

  bool ok = true;

 private:
  ByteSpan in_;
  std::size_t pos_ = 0;
};

// The number of segments a VGSA stream of `stream_bytes` with segment size
// `segment_bytes` has (streaming-aead.md §Decoding step 3), or 0 if no stream
// has that size.
std::uint64_t SegmentCount(std::uint64_t stream_bytes, std::uint32_t segment_bytes) {
  if (stream_bytes < kStreamHeaderBytes) return 0;
  const std::uint64_t body = stream_bytes - kStreamHeaderBytes;
  const std::uint64_t full = std::uint64_t{segment_bytes} + kStreamTagBytes;
  if (body % full < kStreamTagBytes) return 0;
  return body / full + 1;
}

// The header must be a version-1 video stream header with a valid segment
// size, and the size and segment count must describe one possible stream.
bool VideoConsistent(const ClipManifest& m) {
  const Bytes& h = m.video_stream_header;
  if (h.size() != kStreamHeaderBytes ||
      !std::equal(kStreamMagic.begin(), kStreamMagic.end(), h.begin()) || h[4] != 0x01 ||
      h[5] != static_cast<std::uint8_t>(ClipPart::kVideo)) {
    return false;
  }
  const std::uint32_t segment_bytes = LoadU32(ByteSpan(h).subspan(6));
  if (segment_bytes < kMinSegmentBytes || segment_bytes > kMaxSegmentBytes) return false;
  return SegmentCount(m.video_size_bytes, segment_bytes) == m.video_segments.size();
}

bool Encodable(const ClipManifest& m) {
  return ValidId(m.clip_id) && ValidId(m.camera_id) && m.sequence != 0 &&
         m.video_segments.size() <= kMaxClipVideoSegments &&
         m.envelopes.size() <= kMaxClipEnvelopes && VideoConsistent(m);
}

Result<ClipManifest> ParseManifestBody(ByteSpan body) {
  Cursor c(body);
  auto magic = c.Take(kManifestMagic.size());
  if (!c.ok || !std::equal(kManifestMagic.begin(), kManifestMagic.end(), magic.begin()) ||
      c.U8() != kVersion) {
    return Fail(VerificationFailed());
  }
  ClipManifest m;
  m.clip_id = c.Id();
  m.camera_id = c.Id();
  m.household_epoch = c.U64();
  m.sequence = c.U64();
  m.previous_manifest = c.Digest();
  m.start_time_unix_s = c.U64();
  m.duration_ms = c.U32();
  auto header = c.Take(kStreamHeaderBytes);
  m.video_stream_header.assign(header.begin(), header.end());
  m.video_size_bytes = c.U64();
  const std::uint32_t segments = c.U32();
  if (!c.ok || segments > kMaxClipVideoSegments) return Fail(VerificationFailed());
  m.video_segments.reserve(segments);
  for (std::uint32_t i = 0; i < segments && c.ok; ++i) m.video_segments.push_back(c.Digest());
  m.thumbnail.size_bytes = c.U64();
  m.thumbnail.sha256 = c.Digest();
  m.metadata.size_bytes = c.U64();
  m.metadata.sha256 = c.Digest();
  const std::uint8_t envelopes = c.U8();
  if (!c.ok || envelopes > kMaxClipEnvelopes) return Fail(VerificationFailed());
  for (std::uint8_t i = 0; i < envelopes && c.ok; ++i) m.envelopes.push_back(c.Digest());
  if (!c.AtEnd() || !Encodable(m)) return Fail(VerificationFailed());
  return m;
}

Bytes EncodeHeartbeatBody(const Heartbeat& h) {
  Bytes out(kHeartbeatMagic.begin(), kHeartbeatMagic.end());
  out.push_back(kVersion);
  AppendId(out, h.camera_id);
  AppendU64(out, h.time_unix_s);
  AppendU64(out, h.last.sequence);
  AppendDigest(out, h.last.manifest_hash);
  return out;
}

}  // namespace

Result<Bytes> EncodeManifestBody(const ClipManifest& m) {
  if (!Encodable(m)) return Fail(ErrorCode::kInvalidArgument, "manifest field out of bounds");
  Bytes out(kManifestMagic.begin(), kManifestMagic.end());
  out.push_back(kVersion);
  AppendId(out, m.clip_id);
  AppendId(out, m.camera_id);
  AppendU64(out, m.household_epoch);
  AppendU64(out, m.sequence);
  AppendDigest(out, m.previous_manifest);
  AppendU64(out, m.start_time_unix_s);
  AppendU32(out, m.duration_ms);
  Append(out, m.video_stream_header);
  AppendU64(out, m.video_size_bytes);
  AppendU32(out, static_cast<std::uint32_t>(m.video_segments.size()));
  for (const auto& d : m.video_segments) AppendDigest(out, d);
  AppendU64(out, m.thumbnail.size_bytes);
  AppendDigest(out, m.thumbnail.sha256);
  AppendU64(out, m.metadata.size_bytes);
  AppendDigest(out, m.metadata.sha256);
  out.push_back(static_cast<std::uint8_t>(m.envelopes.size()));
  for (const auto& d : m.envelopes) AppendDigest(out, d);
  return out;
}

crypto::Sha256Digest ManifestHash(ByteSpan manifest_body) { return crypto::Sha256(manifest_body); }

Result<Bytes> SignManifest(const ClipManifest& manifest, const crypto::SigningKey& camera_key) {
  VIGIL_TRY(body, EncodeManifestBody(manifest));
  const auto signature = camera_key.Sign(crypto::SignaturePurpose::kClipManifest, body);
  Append(body, signature);
  return body;
}

Result<VerifiedManifest> VerifyManifest(ByteSpan signed_manifest,
                                        const crypto::VerifyKey& camera_key,
                                        std::string_view clip_id, std::string_view camera_id) {
  if (signed_manifest.size() < crypto::kSignatureBytes) return Fail(VerificationFailed());
  const ByteSpan body = signed_manifest.first(signed_manifest.size() - crypto::kSignatureBytes);
  const ByteSpan signature = signed_manifest.last(crypto::kSignatureBytes);
  if (!camera_key.Verify(crypto::SignaturePurpose::kClipManifest, body, signature)) {
    return Fail(VerificationFailed());
  }
  VIGIL_TRY(manifest, ParseManifestBody(body));
  if (manifest.clip_id != clip_id || manifest.camera_id != camera_id) {
    return Fail(VerificationFailed());
  }
  return VerifiedManifest{std::move(manifest), ManifestHash(body)};
}

Result<Bytes> SignHeartbeat(const Heartbeat& heartbeat, const crypto::SigningKey& camera_key) {
  if (!ValidId(heartbeat.camera_id)) return Fail(ErrorCode::kInvalidArgument, "bad camera id");
  Bytes body = EncodeHeartbeatBody(heartbeat);
  const auto signature = camera_key.Sign(crypto::SignaturePurpose::kHeartbeat, body);
  Append(body, signature);
  return body;
}

Result<Heartbeat> VerifyHeartbeat(ByteSpan signed_heartbeat, const crypto::VerifyKey& camera_key,
                                  std::string_view camera_id) {
  if (signed_heartbeat.size() < crypto::kSignatureBytes) return Fail(VerificationFailed());
  const ByteSpan body = signed_heartbeat.first(signed_heartbeat.size() - crypto::kSignatureBytes);
  if (!camera_key.Verify(crypto::SignaturePurpose::kHeartbeat, body,
                         signed_heartbeat.last(crypto::kSignatureBytes))) {
    return Fail(VerificationFailed());
  }
  Cursor c(body);
  auto magic = c.Take(kHeartbeatMagic.size());
  if (!c.ok || !std::equal(kHeartbeatMagic.begin(), kHeartbeatMagic.end(), magic.begin()) ||
      c.U8() != kVersion) {
    return Fail(VerificationFailed());
  }
  Heartbeat h;
  h.camera_id = c.Id();
  h.time_unix_s = c.U64();
  h.last.sequence = c.U64();
  h.last.manifest_hash = c.Digest();
  if (!c.AtEnd() || h.camera_id != camera_id) return Fail(VerificationFailed());
  return h;
}

std::vector<ChainFinding> CheckManifestChain(std::span<const VerifiedManifest> manifests,
                                             const std::optional<ChainPoint>& known) {
  std::vector<ChainFinding> findings;
  const crypto::Sha256Digest zero{};
  for (std::size_t i = 0; i < manifests.size(); ++i) {
    const ClipManifest& m = manifests[i].manifest;
    if (i == 0) {
      // The first clip a camera ever makes names no predecessor.
      if (m.sequence == 1 && m.previous_manifest != zero) {
        findings.push_back({ChainProblem::kBroken, 0, 1});
      }
      continue;
    }
    const ClipManifest& prev = manifests[i - 1].manifest;
    if (m.sequence <= prev.sequence) {
      findings.push_back({ChainProblem::kReorder, prev.sequence, m.sequence});
    } else if (m.sequence > prev.sequence + 1) {
      findings.push_back({ChainProblem::kGap, prev.sequence, m.sequence});
    } else if (m.previous_manifest != manifests[i - 1].hash) {
      findings.push_back({ChainProblem::kBroken, prev.sequence, m.sequence});
    }
  }
  if (known.has_value() && known->sequence != 0) {
    std::uint64_t newest = 0;
    for (const auto& v : manifests) {
      newest = std::max(newest, v.manifest.sequence);
      // A listing that contains the known point or its successor must agree with it.
      const bool differs_at_known =
          v.manifest.sequence == known->sequence && v.hash != known->manifest_hash;
      const bool unlinked_after_known = v.manifest.sequence == known->sequence + 1 &&
                                        v.manifest.previous_manifest != known->manifest_hash;
      if (differs_at_known || unlinked_after_known) {
        findings.push_back({ChainProblem::kBroken, known->sequence, v.manifest.sequence});
      }
    }
    if (newest < known->sequence) {
      findings.push_back({ChainProblem::kRollback, known->sequence, newest});
    } else if (!manifests.empty() && manifests[0].manifest.sequence > known->sequence + 1) {
      // Clips between the known point and the listing were withheld.
      findings.push_back({ChainProblem::kGap, known->sequence, manifests[0].manifest.sequence});
    }
  }
  return findings;
}

}  // namespace vigil::seal

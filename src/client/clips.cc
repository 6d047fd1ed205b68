// SPDX-License-Identifier: Apache-2.0
// The owner's view of stored clips: the event list, ciphertext download
// (whole or a byte range), deletion, and the verified paths: events with
// decrypted labels and chain checks, verified clip download, the evidence
// bundle (docs/design/006-agent.md §Owner).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <map>
#include <string>

#include "vigil/client/clip_verify.h"
#include "vigil/client/owner_client.h"
#include "vigil/core/os_error.h"

namespace vigil::client {
namespace {

// Percent-encodes a query value (RFC 3986 unreserved characters stay).
std::string QueryEscape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0f]);
    }
  }
  return out;
}

}  // namespace

Result<std::vector<EventInfo>> OwnerClient::ListEvents(const EventFilter& filter) {
  if (auto ok = RequireLogin(); !ok) return Fail(ok.error());
  std::string target = "/v1/events?limit=1000";
  if (filter.camera_id) target += "&camera=" + QueryEscape(*filter.camera_id);
  if (filter.since) target += "&since=" + QueryEscape(*filter.since);
  VIGIL_TRY(body, Call("GET", target, nullptr, true));
  VIGIL_TRY(events, wire::RequireArray(body, "events", 1000));
  std::vector<EventInfo> out;
  for (const auto& e : events) {
    EventInfo info;
    VIGIL_TRY(id, wire::RequireString(e, "id"));
    VIGIL_TRY(camera_id, wire::RequireString(e, "camera_id"));
    VIGIL_TRY(start, wire::RequireString(e, "start"));
    VIGIL_TRY(duration_s, wire::RequireUint(e, "duration_s"));
    VIGIL_TRY(size_bytes, wire::RequireUint(e, "size_bytes"));
    VIGIL_TRY(sequence, wire::RequireUint(e, "sequence"));
    VIGIL_TRY(received, wire::RequireString(e, "received"));
    out.push_back({id, camera_id, start, duration_s, size_bytes, sequence, received});
  }
  return out;
}

Result<std::string> OwnerClient::DownloadClipCiphertext(const std::string& clip_id,
                                                        std::optional<ByteRange> range) {
  if (auto ok = RequireLogin(); !ok) return Fail(ok.error());
  net::Headers headers;
  headers.Set("Authorization", "Bearer " + profile_.session_token);
  if (range) {
    headers.Set("Range",
                "bytes=" + std::to_string(range->first) + "-" + std::to_string(range->last));
  }
  VIGIL_TRY(response, http_->Request("GET", "/v1/clips/" + clip_id + "/data", headers, ""));
  if (response.status >= 400) {
    return Fail(wire::ErrorFromBody(static_cast<int>(response.status), response.body));
  }
  if (range && response.status != 206) {
    return Fail(ErrorCode::kDataLoss, "the server ignored the byte range");
  }
  return std::move(response.body);
}

namespace {

Result<std::optional<seal::ChainPoint>> PinnedPoint(const Profile& profile,
                                                    const std::string& camera_id) {
  auto it = profile.chain_points.find(camera_id);
  if (it == profile.chain_points.end()) return std::optional<seal::ChainPoint>{};
  auto hash = Base64UrlDecode(it->second.manifest_hash);
  if (!hash || hash->size() != 32) {
    return Fail(ErrorCode::kDataLoss, "the profile's chain point for " + camera_id + " is corrupt");
  }
  seal::ChainPoint point{it->second.sequence, {}};
  std::copy(hash->begin(), hash->end(), point.manifest_hash.begin());
  return std::optional<seal::ChainPoint>{point};
}

}  // namespace

struct OwnerClient::OpenedClip {
  TrustedCamera camera;
  EventInfo event;
  VerifiedClip clip;
  seal::ClipKey key;
  BlobReader read;
};

Result<OwnerClient::OpenedClip> OwnerClient::OpenClip(const std::string& clip_id) {
  VIGIL_TRY(household, OpenHousehold());
  VIGIL_TRY(chain, VerifiedKeyChain());
  VIGIL_TRY(record, Call("GET", "/v1/clips/" + QueryEscape(clip_id), nullptr, true));
  VIGIL_TRY(camera_id, wire::RequireString(record, "camera_id", 1, 255));
  VIGIL_TRY(size, wire::RequireUint(record, "size_bytes"));
  VIGIL_TRY(sequence, wire::RequireUint(record, "sequence"));
  VIGIL_TRY(envelope, wire::RequireBytes(record, "envelope", 1, 8 << 10));
  EventInfo event{clip_id,
                  camera_id,
                  record.value("start", std::string()),
                  record.value("duration_s", std::uint64_t{0}),
                  size,
                  sequence,
                  record.value("received", std::string())};
  VIGIL_TRY(cameras, TrustedCameras(household, chain));
  auto cam = std::find_if(cameras.begin(), cameras.end(),
                          [&](const TrustedCamera& t) { return t.info.id == camera_id; });
  if (cam == cameras.end()) {
    return Fail(ErrorCode::kDataLoss, "clip " + clip_id + " failed verification: camera " +
                                          camera_id + " is not one of this household's cameras");
  }
  if (!cam->key) {
    return Fail(ErrorCode::kDataLoss, "clip " + clip_id + " failed verification: " + cam->problem);
  }
  BlobReader read = [this, clip_id](std::uint64_t offset, std::uint64_t n) -> Result<Bytes> {
    VIGIL_TRY(body, DownloadClipCiphertext(clip_id, ByteRange{offset, offset + n - 1}));
    if (body.size() != n) {
      return Fail(ErrorCode::kDataLoss,
                  "truncated: the server sent " + std::to_string(body.size()) + " of " +
                      std::to_string(n) + " bytes at offset " + std::to_string(offset));
    }
    return Bytes(body.begin(), body.end());
  };
  VIGIL_TRY(clip, VerifyClip(read, size, *cam->key, clip_id, camera_id));
  const auto& m = clip.reader.manifest();
  const auto bad = [&](const std::string& what) {
    return Error{ErrorCode::kDataLoss, "clip " + clip_id + " failed verification: " + what};
  };
  // The server's bookkeeping must agree with what the camera signed.
  if (m.manifest.sequence != sequence) {
    return Fail(bad("the server lists it as sequence " + std::to_string(sequence) +
                    " but the camera signed sequence " + std::to_string(m.manifest.sequence)));
  }
  VIGIL_TRY(known, PinnedPoint(profile_, camera_id));
  if (known && known->sequence == m.manifest.sequence && known->manifest_hash != m.hash) {
    return Fail(bad("fork: this device verified another clip " + std::to_string(sequence) +
                    " of this camera before"));
  }
  if (known && known->sequence + 1 == m.manifest.sequence &&
      m.manifest.previous_manifest != known->manifest_hash) {
    return Fail(bad("fork: it does not chain to clip " + std::to_string(known->sequence) +
                    " this device verified before"));
  }
  VIGIL_TRY(key, OpenVerifiedKey(clip, envelope, household.key));
  return OpenedClip{std::move(*cam), std::move(event), std::move(clip), std::move(key),
                    std::move(read)};
}

Result<EventListing> OwnerClient::ListVerifiedEvents(const EventFilter& filter) {
  VIGIL_TRY(household, OpenHousehold());
  VIGIL_TRY(chain, VerifiedKeyChain());
  VIGIL_TRY(cameras, TrustedCameras(household, chain));
  // --camera takes a name (opened here) or an id.
  EventFilter by_name = filter;
  for (const auto& c : cameras) {
    if (filter.camera_id && c.info.name_ok && c.info.name == *filter.camera_id) {
      by_name.camera_id = c.info.id;
    }
  }
  VIGIL_TRY(events, ListEvents(by_name));
  std::map<std::string, const TrustedCamera*> by_id;
  for (const auto& c : cameras) by_id[c.info.id] = &c;

  EventListing listing;
  std::map<std::string, std::vector<seal::VerifiedManifest>> manifests;  // server order
  for (const EventInfo& e : events) {
    VerifiedEvent v;
    v.event = e;
    auto cam = by_id.find(e.camera_id);
    v.camera_name = cam == by_id.end() ? e.camera_id : cam->second->info.name;
    auto checked = [&]() -> Status {
      if (cam == by_id.end()) {
        return Fail(ErrorCode::kDataLoss, "clip " + e.id + " failed verification: camera " +
                                              e.camera_id +
                                              " is not one of this household's cameras");
      }
      // One line per camera, not per clip: the CLI folds equal problems.
      if (!cam->second->key) {
        return Fail(ErrorCode::kDataLoss,
                    "camera \"" + v.camera_name + "\": " + cam->second->problem);
      }
      VIGIL_TRY(record, Call("GET", "/v1/clips/" + QueryEscape(e.id), nullptr, true));
      VIGIL_TRY(envelope, wire::RequireBytes(record, "envelope", 1, 8 << 10));
      const BlobReader read = [&](std::uint64_t offset, std::uint64_t n) -> Result<Bytes> {
        VIGIL_TRY(body, DownloadClipCiphertext(e.id, ByteRange{offset, offset + n - 1}));
        if (body.size() != n) return Fail(ErrorCode::kDataLoss, "truncated");
        return Bytes(body.begin(), body.end());
      };
      Bytes tail;
      VIGIL_TRY(clip, VerifyClip(read, e.size_bytes, *cam->second->key, e.id, e.camera_id, &tail));
      const auto& m = clip.reader.manifest().manifest;
      if (m.sequence != e.sequence) {
        return Fail(ErrorCode::kDataLoss,
                    "clip " + e.id + " failed verification: the server lists it as sequence " +
                        std::to_string(e.sequence) + " but the camera signed " +
                        std::to_string(m.sequence));
      }
      VIGIL_TRY(key, OpenVerifiedKey(clip, envelope, household.key));
      VIGIL_TRY(metadata, ReadClipMetadata(clip, key, read, &tail));
      v.start_unix_s = m.start_time_unix_s;
      v.duration_ms = m.duration_ms;
      v.labels = EventLabels(metadata);
      v.zones = metadata.zones;
      v.motion_score = metadata.motion_score;
      manifests[e.camera_id].push_back(clip.reader.manifest());
      return OkStatus();
    }();
    if (!checked) {
      // Network and session errors end the listing; a bad clip is one line.
      const ErrorCode code = checked.error().code;
      if (code != ErrorCode::kDataLoss && code != ErrorCode::kNotFound) {
        return Fail(checked.error());
      }
      v.problem = code == ErrorCode::kNotFound
                      ? "clip " + e.id + " disappeared while it was being listed"
                      : checked.error().message;
    } else {
      v.verified = true;
    }
    listing.events.push_back(std::move(v));
  }

  // The chain per camera (CheckCameraChain orders by signed sequence).
  const bool partial = filter.since.has_value() || events.size() >= 1000;
  bool moved = false;
  for (const auto& c : cameras) {
    if (!c.heartbeat_problem.empty()) listing.warnings.push_back(c.heartbeat_problem);
  }
  for (auto& [camera_id, list] : manifests) {
    VIGIL_TRY(pinned, PinnedPoint(profile_, camera_id));
    const auto cam = by_id.find(camera_id);
    std::vector<seal::Heartbeat> beats;
    if (cam->second->heartbeat) beats.push_back(*cam->second->heartbeat);
    const auto known = FoldHeartbeats(pinned, beats);
    ChainReport report = CheckCameraChain(cam->second->info.name, list, known, partial);
    // A rollback against the camera's own statement reads differently: the
    // clip it names may still be on its way up.
    const bool from_heartbeat = known && known != pinned;
    for (auto& w : report.warnings) {
      if (from_heartbeat && w.find("(rollback:") != std::string::npos) {
        std::uint64_t newest = 0;
        for (const auto& m : list) newest = std::max(newest, m.manifest.sequence);
        w = "camera \"" + cam->second->info.name + "\": its signed heartbeat of " +
            wire::FormatTime(static_cast<std::int64_t>(cam->second->heartbeat->time_unix_s)) +
            " names clip " + std::to_string(known->sequence) + ", but the newest clip listed is " +
            std::to_string(newest) + " (rollback, or clips not uploaded yet)";
      }
      listing.warnings.push_back(w);
    }
    if (report.newest && report.newest != known) {
      profile_.chain_points[camera_id] = {report.newest->sequence,
                                          Base64UrlEncode(report.newest->manifest_hash)};
      moved = true;
    }
  }
  // A pinned camera that lists nothing at all although it had clips.
  if (!filter.since) {
    for (const auto& [camera_id, pin] : profile_.chain_points) {
      if (manifests.count(camera_id) != 0 || by_id.count(camera_id) == 0) continue;
      if (by_name.camera_id && *by_name.camera_id != camera_id) continue;
      listing.warnings.push_back(DescribeChainFinding(
          by_id[camera_id]->info.name, {seal::ChainProblem::kRollback, pin.sequence, 0}));
    }
  }
  if (moved) {
    if (auto saved = SaveProfile(profile_); !saved) return Fail(saved.error());
  }
  return listing;
}

Result<ClipDownload> OwnerClient::GetClip(const std::string& clip_id, const std::string& mp4_path,
                                          const std::optional<std::string>& thumbnail_path) {
  VIGIL_TRY(opened, OpenClip(clip_id));
  ClipDownload out;
  out.camera_name = opened.camera.info.name;
  out.sequence = opened.clip.reader.manifest().manifest.sequence;
  // Thumbnail first (small, in memory): a failure leaves neither file.
  std::optional<Bytes> thumbnail;
  if (thumbnail_path) {
    VIGIL_TRY(t, ReadThumbnail(opened.clip, opened.key, opened.read));
    thumbnail = std::move(t);
  }
  VIGIL_TRY(metadata, ReadClipMetadata(opened.clip, opened.key, opened.read));
  out.labels = EventLabels(metadata);
  if (auto s = WriteFileVerified(mp4_path,
                                 [&](const seal::StreamSink& sink) {
                                   return DecryptVideoTo(opened.clip, opened.key, opened.read,
                                                         [&](ByteSpan b) -> Status {
                                                           out.video_bytes += b.size();
                                                           return sink(b);
                                                         });
                                 });
      !s) {
    return Fail(s.error());
  }
  if (thumbnail) {
    out.thumbnail_bytes = thumbnail->size();
    if (auto s = WriteFileVerified(*thumbnail_path,
                                   [&](const seal::StreamSink& sink) { return sink(*thumbnail); });
        !s) {
      return Fail(s.error());
    }
  }
  return out;
}

Result<ClipDownload> OwnerClient::ExportClip(const std::string& clip_id, const std::string& dir) {
  VIGIL_TRY(opened, OpenClip(clip_id));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Fail(FromErrno(errno, "mkdir " + dir));
  }
  struct stat st {};
  if (::stat((dir + "/clip.vgcl").c_str(), &st) == 0) {
    return Fail(ErrorCode::kAlreadyExists, dir + " already holds a bundle; choose a new folder");
  }
  // The blob exactly as stored, in ranges; the bundle is then made (and
  // checked) from this local copy.
  const std::uint64_t size = opened.event.size_bytes;
  if (auto s = WriteFileVerified(dir + "/clip.vgcl",
                                 [&](const seal::StreamSink& sink) -> Status {
                                   for (std::uint64_t at = 0; at < size;) {
                                     const std::uint64_t n = std::min(kVideoChunkBytes, size - at);
                                     VIGIL_TRY(bytes, opened.read(at, n));
                                     if (auto w = sink(bytes); !w) return w;
                                     at += n;
                                   }
                                   return OkStatus();
                                 });
      !s) {
    return Fail(s.error());
  }
  const BundleFacts facts{clip_id, opened.event.camera_id, opened.camera.info.name,
                          *opened.camera.key, opened.camera.trust};
  if (auto s = WriteEvidenceBundle(dir, facts, opened.key); !s) {
    ::unlink((dir + "/clip.vgcl").c_str());
    return Fail(s.error());
  }
  ClipDownload out;
  out.camera_name = opened.camera.info.name;
  out.sequence = opened.clip.reader.manifest().manifest.sequence;
  return out;
}

Status OwnerClient::DeleteClip(const std::string& clip_id) {
  if (auto ok = RequireLogin(); !ok) return Fail(ok.error());
  VIGIL_TRY(body, Call("DELETE", "/v1/clips/" + clip_id, nullptr, true));
  (void)body;
  return OkStatus();
}

}  // namespace vigil::client

// SPDX-License-Identifier: Apache-2.0
// Clips: upload by the camera, events, ranged download, deletion, retention
// (docs/design/002-vigild.md §Clips; the write order is 003 §Procedures).
// Everything here is ciphertext and the metadata brief §4 allows.
#include <algorithm>
#include <charconv>
#include <string>

#include "internal/api_impl.h"
#include "vigil/crypto/hash.h"
#include "vigil/wire/json.h"

namespace vigil::server {
namespace {

using internal::JsonOk;
using internal::NotFoundError;
using internal::RequireId;
using wire::Json;

constexpr std::uint64_t kMaxClipBytes = std::uint64_t{4} << 30;  // 4 GiB
constexpr std::uint64_t kMaxClipDurationS = std::uint64_t{24} * 3600;
constexpr std::size_t kMaxEnvelopeBytes = 8 << 10;
// A whole-clip GET answers up to this many bytes; larger clips take ranges.
constexpr std::uint64_t kMaxDownloadBytes = std::uint64_t{64} << 20;
// An upload not finished within this long is deleted by the sweeper.
constexpr std::int64_t kStaleUploadSeconds = std::int64_t{7} * 24 * 3600;

Json ClipSummary(const store::ClipRecord& clip) {
  Json out = {{"id", clip.clip_id},
              {"camera_id", clip.camera_id},
              {"start", wire::FormatTime(clip.start_unix_min * 60)},
              {"duration_s", clip.duration_s},
              {"size_bytes", clip.size_bytes},
              {"sequence", clip.sequence}};
  out["received"] = clip.received_unix_s ? Json(wire::FormatTime(*clip.received_unix_s)) : Json();
  return out;
}

Result<std::uint64_t> ParseUint(std::string_view text) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, value);
  if (text.empty() || parsed.ec != std::errc() || parsed.ptr != end) {
    return Fail(ErrorCode::kInvalidArgument, "not a number: '" + std::string(text) + "'");
  }
  return value;
}

// "bytes START-END/TOTAL" of an upload chunk.
struct ContentRange {
  std::uint64_t start = 0;
  std::uint64_t end = 0;  // inclusive
  std::uint64_t total = 0;
};

Result<ContentRange> ParseContentRange(std::optional<std::string_view> header) {
  const Error bad{ErrorCode::kInvalidArgument,
                  "Content-Range: expected 'bytes START-END/TOTAL' for each chunk"};
  if (!header || !header->starts_with("bytes ")) return Fail(bad);
  std::string_view rest = header->substr(6);
  const auto dash = rest.find('-');
  const auto slash = rest.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) {
    return Fail(bad);
  }
  auto start = ParseUint(rest.substr(0, dash));
  auto end = ParseUint(rest.substr(dash + 1, slash - dash - 1));
  auto total = ParseUint(rest.substr(slash + 1));
  if (!start || !end || !total || *end < *start || *end >= *total) return Fail(bad);
  return ContentRange{*start, *end, *total};
}

// One range of a download ("bytes=A-B", "bytes=A-", "bytes=-N"); nullopt
// when the header is absent.
struct ByteRange {
  std::uint64_t start = 0;
  std::uint64_t end = 0;  // inclusive
};

Result<std::optional<ByteRange>> ParseRange(std::optional<std::string_view> header,
                                            std::uint64_t size) {
  if (!header) return std::optional<ByteRange>{};
  const Error bad{ErrorCode::kInvalidArgument, "Range: expected one 'bytes=A-B' range"};
  if (!header->starts_with("bytes=")) return Fail(bad);
  const std::string_view spec = header->substr(6);
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) return Fail(bad);
  const std::string_view first = spec.substr(0, dash);
  const std::string_view last = spec.substr(dash + 1);
  const Error unsatisfiable{ErrorCode::kOutOfRange, "Range: outside the clip"};
  if (first.empty()) {  // the last N bytes
    auto n = ParseUint(last);
    if (!n) return Fail(bad);
    if (*n == 0 || size == 0) return Fail(unsatisfiable);
    const std::uint64_t take = std::min(*n, size);
    return std::optional<ByteRange>{ByteRange{size - take, size - 1}};
  }
  auto start = ParseUint(first);
  if (!start) return Fail(bad);
  if (*start >= size) return Fail(unsatisfiable);
  std::uint64_t end = size - 1;
  if (!last.empty()) {
    auto parsed = ParseUint(last);
    if (!parsed || *parsed < *start) return Fail(bad);
    end = std::min(*parsed, size - 1);
  }
  return std::optional<ByteRange>{ByteRange{*start, end}};
}

Json UploadState(std::uint64_t offset, bool committed) {
  return {{"offset", offset}, {"committed", committed}};
}

}  // namespace

Result<store::ClipRecord> Api::Impl::OwnedClip(const Call& call) {
  VIGIL_TRY(household, OwnerHousehold(*call.owner));
  auto clip = services.metadata.GetClip(call.route.param);
  if (!clip) {
    if (clip.error().code == ErrorCode::kNotFound) return Fail(NotFoundError("clip"));
    return Fail(clip.error());
  }
  // Another household's clip reads exactly like a missing one.
  if (clip->household_id != household.household_id || !clip->committed()) {
    return Fail(NotFoundError("clip"));
  }
  return clip;
}

Api::Impl::Reply Api::Impl::DeclareClip(const Call& call) {
  const store::CameraRecord& camera = call.camera->camera;
  VIGIL_TRY(clip_id, RequireId(call.body, "clip_id"));
  VIGIL_TRY(start_text, wire::RequireString(call.body, "start", 20, 32));
  VIGIL_TRY(start, wire::ParseTime(start_text));
  // The server learns the start to the minute only (brief §4).
  if (start % 60 != 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "field 'start': minute resolution (seconds must be 00)");
  }
  VIGIL_TRY(duration_s, wire::RequireUint(call.body, "duration_s", 0, kMaxClipDurationS));
  VIGIL_TRY(size_bytes, wire::RequireUint(call.body, "size_bytes", 1, kMaxClipBytes));
  VIGIL_TRY(sha256, wire::RequireBytes(call.body, "sha256", store::kHashBytes, store::kHashBytes));
  VIGIL_TRY(sequence, wire::RequireUint(call.body, "sequence", 0, INT64_MAX));
  VIGIL_TRY(envelope, wire::RequireBytes(call.body, "envelope", 1, kMaxEnvelopeBytes));
  store::ClipRecord record{clip_id,
                           camera.household_id,
                           camera.camera_id,
                           start / 60,
                           static_cast<std::int64_t>(duration_s),
                           static_cast<std::int64_t>(size_bytes),
                           sha256,
                           static_cast<std::int64_t>(sequence),
                           envelope,
                           services.clock.NowUnixSeconds(),
                           std::nullopt};
  auto declared = services.metadata.DeclareClip(record);
  if (!declared) {
    const Error& e = declared.error();
    if (e.code == ErrorCode::kAlreadyExists) {
      return Fail(ErrorCode::kAlreadyExists, "clip id already declared with other content");
    }
    if (e.code == ErrorCode::kResourceExhausted) {
      return net::JsonError(507, "resource_exhausted", "household storage quota: " + e.message);
    }
    return Fail(e);
  }
  if (declared->committed()) {
    return JsonOk(UploadState(static_cast<std::uint64_t>(declared->size_bytes), true));
  }
  VIGIL_TRY(offset, services.blobs.UploadOffset(clip_id));
  // Every byte arrived but the commit did not (a crash, or a lost reply):
  // finish it now rather than ask for a chunk of nothing.
  if (offset == size_bytes) return FinishUpload(*declared, call);
  return JsonOk(UploadState(offset, false));
}

Api::Impl::Reply Api::Impl::UploadClipData(const Call& call) {
  const store::CameraRecord& camera = call.camera->camera;
  auto clip = services.metadata.GetClip(call.route.param);
  if (!clip || clip->camera_id != camera.camera_id) {
    if (!clip && clip.error().code != ErrorCode::kNotFound) return Fail(clip.error());
    return Fail(ErrorCode::kNotFound, "no such clip: declare it first (POST /v1/clips)");
  }
  const auto size = static_cast<std::uint64_t>(clip->size_bytes);
  if (clip->committed())
    return JsonOk(UploadState(size, true));  // a retry after the reply was lost
  VIGIL_TRY(range, ParseContentRange(call.request.headers.Get("Content-Range")));
  if (range.total != size) {
    return Fail(ErrorCode::kInvalidArgument, "Content-Range total " + std::to_string(range.total) +
                                                 " differs from the declared size " +
                                                 std::to_string(size));
  }
  if (call.request.body.size() != range.end - range.start + 1) {
    return Fail(ErrorCode::kInvalidArgument, "the chunk's length differs from its Content-Range");
  }
  // Durable before the reply (003 §Procedures, "Upload a chunk").
  auto appended = services.blobs.Append(clip->clip_id, range.start, AsBytes(call.request.body));
  if (!appended) {
    if (appended.error().code == ErrorCode::kFailedPrecondition) {
      VIGIL_TRY(offset, services.blobs.UploadOffset(clip->clip_id));
      return Fail(ErrorCode::kFailedPrecondition,
                  "the upload is at offset " + std::to_string(offset) + ": resume there");
    }
    return Fail(appended.error());
  }
  if (*appended < size) return JsonOk(UploadState(*appended, false));
  return FinishUpload(*clip, call);
}

// The last byte is in: blob durable under its final name, then the row, then
// the reply (003 §Procedures, "Commit a clip").
Api::Impl::Reply Api::Impl::FinishUpload(const store::ClipRecord& clip, const Call& call) {
  const auto size = static_cast<std::uint64_t>(clip.size_bytes);
  crypto::Sha256Digest digest{};
  std::copy(clip.sha256.begin(), clip.sha256.end(), digest.begin());
  auto committed = services.blobs.Commit(clip.clip_id, size, digest);
  if (!committed) {
    if (committed.error().code == ErrorCode::kDataLoss) {
      return Fail(ErrorCode::kInvalidArgument,
                  "the uploaded bytes do not match the declared size and SHA-256; the upload was "
                  "discarded: start again at offset 0");
    }
    return Fail(committed.error());
  }
  auto marked = services.metadata.MarkClipCommitted(
      clip.clip_id, AuditBy(call.camera->camera.camera_id, call.peer.address));
  if (!marked) return Fail(marked.error());
  return JsonOk(UploadState(size, true));
}

Api::Impl::Reply Api::Impl::ListEvents(const Call& call) {
  VIGIL_TRY(household, OwnerHousehold(*call.owner));
  VIGIL_TRY(query, internal::ParseQuery(call.route.query));
  store::ClipFilter filter;
  if (auto it = query.find("camera"); it != query.end()) {
    auto camera = services.metadata.GetCamera(it->second);
    if (!camera || camera->household_id != household.household_id) {
      return Fail(NotFoundError("camera"));
    }
    filter.camera_id = it->second;
  }
  if (auto it = query.find("since"); it != query.end()) {
    VIGIL_TRY(since, wire::ParseTime(it->second));
    filter.since_unix_s = since;
  }
  if (auto it = query.find("limit"); it != query.end()) {
    VIGIL_TRY(limit, ParseUint(it->second));
    if (limit == 0 || limit > store::kMaxListRows) {
      return Fail(ErrorCode::kInvalidArgument, "limit: 1.." + std::to_string(store::kMaxListRows));
    }
    filter.limit = limit;
  }
  VIGIL_TRY(clips, services.metadata.ListClips(household.household_id, filter));
  Json events = Json::array();
  for (const auto& clip : clips) events.push_back(ClipSummary(clip));
  return JsonOk({{"events", events}});
}

Api::Impl::Reply Api::Impl::GetClip(const Call& call) {
  VIGIL_TRY(clip, OwnedClip(call));
  Json out = ClipSummary(clip);
  out["sha256"] = wire::BytesField(clip.sha256);
  out["envelope"] = wire::BytesField(clip.envelope);
  return JsonOk(out);
}

Api::Impl::Reply Api::Impl::DownloadClip(const Call& call) {
  VIGIL_TRY(clip, OwnedClip(call));
  const auto size = static_cast<std::uint64_t>(clip.size_bytes);
  auto range = ParseRange(call.request.headers.Get("Range"), size);
  if (!range) {
    if (range.error().code == ErrorCode::kOutOfRange) {
      auto response = net::JsonError(416, "out_of_range", range.error().message);
      response.headers.Set("Content-Range", "bytes */" + std::to_string(size));
      return response;
    }
    return Fail(range.error());
  }
  const ByteRange want = range->value_or(ByteRange{0, size - 1});
  const std::uint64_t length = want.end - want.start + 1;
  if (length > kMaxDownloadBytes) {
    return Fail(ErrorCode::kOutOfRange, "the clip is larger than 64 MiB: request it in ranges");
  }
  net::HttpResponse response;
  response.status = range->has_value() ? 206 : 200;
  response.body.reserve(length);
  for (std::uint64_t at = want.start; at <= want.end;) {
    const std::size_t chunk = static_cast<std::size_t>(
        std::min<std::uint64_t>(want.end - at + 1, store::kMaxBlobReadBytes));
    VIGIL_TRY(bytes, services.blobs.Read(clip.clip_id, at, chunk));
    if (bytes.empty()) return Fail(ErrorCode::kDataLoss, "clip blob shorter than its record");
    response.body.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    at += bytes.size();
  }
  response.headers.Set("Content-Type", "application/octet-stream");
  response.headers.Set("Accept-Ranges", "bytes");
  if (range->has_value()) {
    response.headers.Set("Content-Range", "bytes " + std::to_string(want.start) + "-" +
                                              std::to_string(want.end) + "/" +
                                              std::to_string(size));
  }
  return response;
}

Api::Impl::Reply Api::Impl::DeleteClip(const Call& call) {
  VIGIL_TRY(clip, OwnedClip(call));
  auto deleted = services.metadata.DeleteClip(
      clip.clip_id, AuditBy(call.owner->session.account_id, call.peer.address));
  if (!deleted) return Fail(deleted.error());
  // The row is gone first, so a crash here leaves an orphan blob that startup removes.
  auto blob = services.blobs.Delete(clip.clip_id);
  if (!blob) return Fail(blob.error());
  return JsonOk({{"deleted", true}});
}

Result<SweepReport> Api::Impl::Sweep() {
  SweepReport report;
  const std::int64_t now = services.clock.NowUnixSeconds();
  const store::Audit audit = AuditBy("retention-sweeper");
  VIGIL_TRY(expired, services.metadata.ListExpiredClips(now, store::kMaxListRows));
  for (const auto& clip : expired) {
    auto deleted = services.metadata.DeleteClip(clip.clip_id, audit);
    if (!deleted && deleted.error().code != ErrorCode::kNotFound) return Fail(deleted.error());
    if (auto blob = services.blobs.Delete(clip.clip_id); !blob) return Fail(blob.error());
    ++report.expired_clips;
  }
  VIGIL_TRY(stale,
            services.metadata.ListStaleUploads(now - kStaleUploadSeconds, store::kMaxListRows));
  for (const auto& clip : stale) {
    auto deleted = services.metadata.DeleteClip(clip.clip_id, AuditBy("upload-sweeper"));
    if (!deleted && deleted.error().code != ErrorCode::kNotFound) return Fail(deleted.error());
    if (auto blob = services.blobs.Delete(clip.clip_id); !blob) return Fail(blob.error());
    ++report.stale_uploads;
  }
  VIGIL_TRY(offers, services.metadata.DeleteExpiredPairingOffers(now));
  report.expired_pairing_offers = offers;
  VIGIL_TRY(alerts, SweepAlerts());
  report.expired_alerts = alerts;
  return report;
}

}  // namespace vigil::server

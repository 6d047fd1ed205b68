// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/uploader.h"

#include <algorithm>
#include <random>
#include <thread>

#include "vigil/net/http_client.h"
#include "vigil/wire/json.h"

namespace vigil::agent {
namespace {
constexpr std::size_t kMinChunkBytes = std::size_t{256} << 10;
}  // namespace

bool IsTransient(const Error& error) {
  switch (error.code) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
    case ErrorCode::kResourceExhausted:
    case ErrorCode::kInternal:
    case ErrorCode::kAborted:
    case ErrorCode::kFailedPrecondition:  // an offset that moved: declare again
      return true;
    default: return false;
  }
}

struct Uploader::Impl {
  Impl(const CameraState& camera, Spool& clips, UploaderOptions opts,
       std::unique_ptr<net::HttpClient> client, std::string bearer)
      : state(camera),
        spool(clips),
        options(std::move(opts)),
        http(std::move(client)),
        authorization(std::move(bearer)) {}

  const CameraState& state;
  Spool& spool;
  UploaderOptions options;
  std::unique_ptr<net::HttpClient> http;
  std::string authorization;

  mutable std::mutex mu;
  std::condition_variable_any wake;
  bool pending = false;  // Notify since the last look at the spool
  bool finishing = false;
  std::set<std::string> refused;  // refused for good in this run; kept in the spool
  std::uint64_t uploaded = 0;
  // Halved after each failed attempt, so a link that drops every few hundred
  // kilobytes still moves clips forward; back to the full size on success.
  std::size_t chunk_bytes = 0;

  void Log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  Result<wire::Json> Call(std::string_view method, const std::string& target,
                          const std::string& content_type, std::string body,
                          const std::string& content_range = {}) {
    net::Headers headers;
    headers.Set("Authorization", authorization);
    headers.Set("Content-Type", content_type);
    if (!content_range.empty()) headers.Set("Content-Range", content_range);
    VIGIL_TRY(response, http->Request(method, target, headers, std::move(body)));
    if (response.status >= 500) {
      const Error e = wire::ErrorFromBody(static_cast<int>(response.status), response.body);
      // 507 (quota) is for later; other 5xx are the server's trouble.
      return Fail(response.status == 507 ? ErrorCode::kResourceExhausted : ErrorCode::kInternal,
                  e.message);
    }
    if (response.status >= 400) {
      return Fail(wire::ErrorFromBody(static_cast<int>(response.status), response.body));
    }
    return wire::ParseObject(response.body);
  }

  Status Upload(const SpooledClip& clip) {
    // vigild learns the start to the minute only (brief §4).
    const std::int64_t minute = clip.start_unix_s - clip.start_unix_s % 60;
    const wire::Json declaration = {{"clip_id", clip.clip_id},
                                    {"start", wire::FormatTime(minute)},
                                    {"duration_s", clip.duration_s},
                                    {"size_bytes", clip.size_bytes},
                                    {"sha256", wire::BytesField(clip.sha256)},
                                    {"sequence", clip.sequence},
                                    {"envelope", wire::BytesField(clip.envelope)}};
    VIGIL_TRY(answer, Call("POST", "/v1/clips", "application/json", wire::Dump(declaration)));
    VIGIL_TRY(offset, wire::RequireUint(answer, "offset", 0, clip.size_bytes));
    VIGIL_TRY(committed, wire::RequireBool(answer, "committed"));
    while (!committed) {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(chunk_bytes, clip.size_bytes - offset));
      VIGIL_TRY(chunk, spool.Read(clip.clip_id, offset, n));
      if (chunk.size() != n) {
        return Fail(ErrorCode::kDataLoss,
                    "spooled clip " + clip.clip_id + " is shorter than declared");
      }
      const std::string range = "bytes " + std::to_string(offset) + "-" +
                                std::to_string(offset + n - 1) + "/" +
                                std::to_string(clip.size_bytes);
      VIGIL_TRY(next, Call("PUT", "/v1/clips/" + clip.clip_id + "/data", "application/octet-stream",
                           std::string(reinterpret_cast<const char*>(chunk.data()), chunk.size()),
                           range));
      VIGIL_TRY(next_offset, wire::RequireUint(next, "offset", 0, clip.size_bytes));
      VIGIL_TRY(next_committed, wire::RequireBool(next, "committed"));
      if (!next_committed && next_offset <= offset) {
        return Fail(ErrorCode::kInternal, "vigild did not advance the upload offset");
      }
      offset = next_offset;
      committed = next_committed;
    }
    return spool.Remove(clip.clip_id);
  }
};

Uploader::Uploader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Uploader::~Uploader() = default;

Result<std::unique_ptr<Uploader>> Uploader::Create(const CameraState& state, Spool& spool,
                                                   UploaderOptions options) {
  VIGIL_TRY(pairing, state.RequirePairing());
  net::ClientOptions http_options;
  http_options.ca_pem_path = state.ca_path();
  http_options.request_timeout = std::chrono::seconds(60);
  VIGIL_TRY(http, net::HttpClient::Create(state.server_url(), http_options));
  auto impl = std::make_unique<Impl>(state, spool, std::move(options), std::move(http),
                                     "Bearer " + pairing->credential);
  return std::unique_ptr<Uploader>(new Uploader(std::move(impl)));
}

Status Uploader::UploadOne(const SpooledClip& clip) {
  if (impl_->chunk_bytes == 0) impl_->chunk_bytes = impl_->options.chunk_bytes;
  auto uploaded = impl_->Upload(clip);
  if (!uploaded) {
    impl_->http->Close();  // a fresh connection for the next attempt
    impl_->chunk_bytes = std::max(kMinChunkBytes, impl_->chunk_bytes / 2);
    return uploaded;
  }
  impl_->chunk_bytes = impl_->options.chunk_bytes;
  std::lock_guard lock(impl_->mu);
  ++impl_->uploaded;
  return OkStatus();
}

std::uint64_t Uploader::uploaded_clips() const {
  std::lock_guard lock(impl_->mu);
  return impl_->uploaded;
}

void Uploader::Notify() {
  std::lock_guard lock(impl_->mu);
  impl_->pending = true;
  impl_->wake.notify_all();
}

void Uploader::Finish() {
  std::lock_guard lock(impl_->mu);
  impl_->finishing = true;
  impl_->wake.notify_all();
}

void Uploader::Run(const std::stop_token& stop) {
  Impl& d = *impl_;
  std::minstd_rand jitter(std::random_device{}());
  auto backoff = d.options.min_backoff;
  while (!stop.stop_requested()) {
    {
      std::lock_guard lock(d.mu);
      d.pending = false;
    }
    bool failed = false;
    for (const SpooledClip& clip : d.spool.List()) {
      if (stop.stop_requested()) return;
      {
        std::lock_guard lock(d.mu);
        if (d.refused.contains(clip.clip_id)) continue;
      }
      auto uploaded = UploadOne(clip);
      if (uploaded) {
        d.Log("uploaded clip " + clip.clip_id + " (sequence " + std::to_string(clip.sequence) +
              ", " + std::to_string(clip.size_bytes) + " bytes)");
        backoff = d.options.min_backoff;
        continue;
      }
      if (!IsTransient(uploaded.error())) {
        d.Log("vigild refused clip " + clip.clip_id + ": " + uploaded.error().message +
              "; it stays in the spool and is retried at the next start");
        std::lock_guard lock(d.mu);
        d.refused.insert(clip.clip_id);
        continue;
      }
      d.Log("upload of clip " + clip.clip_id + " failed (" + uploaded.error().message +
            "); retrying in " + std::to_string(backoff.count()) + " ms");
      failed = true;
      break;
    }
    const std::vector<SpooledClip> left = d.spool.List();
    std::unique_lock lock(d.mu);
    if (!failed) {
      const bool empty = std::all_of(left.begin(), left.end(), [&](const SpooledClip& c) {
        return d.refused.contains(c.clip_id);
      });
      if (d.finishing && empty && !d.pending) return;
      if (empty) {
        d.wake.wait_for(lock, stop, std::chrono::seconds(1),
                        [&] { return d.pending || d.finishing; });
      }
      continue;
    }
    // Back off (jittered, doubling) unless stopped; new clips do not cut the
    // wait short, the server is what we are waiting for.
    const auto wait = backoff / 2 + std::chrono::milliseconds(jitter() % (backoff.count() / 2 + 1));
    d.wake.wait_for(lock, stop, wait, [] { return false; });
    backoff = std::min(backoff * 2, d.options.max_backoff);
  }
}

}  // namespace vigil::agent

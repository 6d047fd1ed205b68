// SPDX-License-Identifier: Apache-2.0
// The owner's view of stored clips: the event list, ciphertext download
// (whole or a byte range) and deletion. Decryption and manifest checks come
// with the agent's clip format (docs/design/002-vigild.md §Clips).
#include <cctype>
#include <string>

#include "vigil/client/owner_client.h"

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

Status OwnerClient::DeleteClip(const std::string& clip_id) {
  if (auto ok = RequireLogin(); !ok) return Fail(ok.error());
  VIGIL_TRY(body, Call("DELETE", "/v1/clips/" + clip_id, nullptr, true));
  (void)body;
  return OkStatus();
}

}  // namespace vigil::client

// SPDX-License-Identifier: Apache-2.0
// Alerts and heartbeats (docs/design/002-vigild.md §Alerts and heartbeats).
// Both are opaque here: an alert is sealed to the household key and signed by
// the camera (docs/formats/alert.md), a heartbeat is camera-signed. vigild
// stores them with its receipt time, relays alerts to the household's open
// owner WebSockets at once and keeps them 7 days for devices that were
// offline. It cannot read or check either (it does not link vigil_seal).
#include <charconv>
#include <string>

#include "internal/api_impl.h"
#include "vigil/net/http_server.h"
#include "vigil/wire/json.h"

namespace vigil::server {
namespace {

using internal::JsonOk;
using internal::RequireId;
using wire::Json;

// A sealed alert is 541 bytes today; the bound leaves room for a v2.
constexpr std::size_t kMinAlertBytes = 64;
constexpr std::size_t kMaxAlertBytes = 4096;
// A signed heartbeat is 119 bytes plus the camera id.
constexpr std::size_t kMinHeartbeatBytes = 64;
constexpr std::size_t kMaxHeartbeatBytes = 1024;
constexpr std::int64_t kAlertRetentionSeconds = std::int64_t{7} * 24 * 3600;

Json AlertJson(const store::AlertRecord& alert) {
  return {{"alert_id", alert.alert_id},
          {"camera_id", alert.camera_id},
          {"received", wire::FormatTime(alert.received_unix_s)},
          {"alert", wire::BytesField(alert.alert)}};
}

Result<std::size_t> ParseLimit(std::string_view text) {
  std::size_t value = 0;
  const auto* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, value);
  if (text.empty() || parsed.ec != std::errc() || parsed.ptr != end || value == 0 ||
      value > store::kMaxListRows) {
    return Fail(ErrorCode::kInvalidArgument,
                "limit: a number from 1 to " + std::to_string(store::kMaxListRows));
  }
  return value;
}

}  // namespace

std::size_t Api::Impl::PushToHousehold(const store::HouseholdRecord& household,
                                       std::string_view text) {
  if (services.hub == nullptr) return 0;
  // Owner sockets are keyed by session id (so revoking a session closes
  // them); the household's sockets are its owner's sessions' sockets.
  auto sessions = services.metadata.ListSessions(household.owner_account_id);
  if (!sessions) return 0;
  std::size_t sent = 0;
  for (const store::SessionRecord& s : *sessions) {
    sent += services.hub->Send(store::SessionId(s.session_hash), text);
  }
  return sent;
}

// POST /v1/alerts {alert_id, alert} by a camera.
Api::Impl::Reply Api::Impl::PostAlert(const Call& call) {
  const store::CameraRecord& camera = call.camera->camera;
  VIGIL_TRY(alert_id, RequireId(call.body, "alert_id"));
  VIGIL_TRY(sealed, wire::RequireBytes(call.body, "alert", kMinAlertBytes, kMaxAlertBytes));
  VIGIL_TRY(household, services.metadata.GetHousehold(camera.household_id));
  const store::AlertRecord alert{alert_id, camera.household_id, camera.camera_id, std::move(sealed),
                                 services.clock.NowUnixSeconds()};
  auto put = services.metadata.PutAlert(alert);
  if (!put) {
    if (put.error().code == ErrorCode::kAlreadyExists) {
      return Fail(ErrorCode::kAlreadyExists,
                  "alert_id '" + alert_id + "' is taken by another alert: use a new id");
    }
    return Fail(put.error());
  }
  // Only the first arrival is relayed; a retry after a lost reply is not news.
  if (put->created) {
    Json message = AlertJson(put->stored);
    message["type"] = "alert";
    PushToHousehold(household, wire::Dump(message));
  }
  return JsonOk(AlertJson(put->stored), put->created ? 201 : 200);
}

// GET /v1/alerts?since=RFC3339&limit=N by an owner: oldest first.
Api::Impl::Reply Api::Impl::ListAlerts(const Call& call) {
  VIGIL_TRY(query, internal::ParseQuery(call.route.query));
  std::optional<std::int64_t> since;
  std::size_t limit = store::kMaxListRows;
  for (const auto& [key, value] : query) {
    if (key == "since") {
      auto parsed = wire::ParseTime(value);
      if (!parsed) {
        return Fail(ErrorCode::kInvalidArgument,
                    "since: expected an RFC 3339 UTC time like 2026-11-30T15:20:01Z");
      }
      since = *parsed;
    } else if (key == "limit") {
      VIGIL_TRY(n, ParseLimit(value));
      limit = n;
    } else {
      return Fail(ErrorCode::kInvalidArgument, "unknown query parameter '" + key + "'");
    }
  }
  Json list = Json::array();
  auto household = OwnerHousehold(*call.owner);
  if (!household && household.error().code != ErrorCode::kNotFound) {
    return Fail(household.error());
  }
  if (household) {
    VIGIL_TRY(alerts, services.metadata.ListAlerts(household->household_id, since, limit));
    for (const store::AlertRecord& alert : alerts) list.push_back(AlertJson(alert));
  }
  return JsonOk({{"alerts", std::move(list)}});
}

// POST /v1/heartbeats {heartbeat} by a camera: kept as the camera's latest.
Api::Impl::Reply Api::Impl::PostHeartbeat(const Call& call) {
  const store::CameraRecord& camera = call.camera->camera;
  VIGIL_TRY(heartbeat,
            wire::RequireBytes(call.body, "heartbeat", kMinHeartbeatBytes, kMaxHeartbeatBytes));
  const std::int64_t now = services.clock.NowUnixSeconds();
  auto put = services.metadata.PutHeartbeat({camera.camera_id, std::move(heartbeat), now});
  if (!put) return Fail(put.error());
  return JsonOk({{"received", wire::FormatTime(now)}}, 201);
}

Result<std::map<std::string, store::HeartbeatRecord>> Api::Impl::Heartbeats(
    std::string_view household_id) {
  VIGIL_TRY(list, services.metadata.ListHeartbeats(household_id));
  std::map<std::string, store::HeartbeatRecord> out;
  for (store::HeartbeatRecord& h : list) {
    std::string id = h.camera_id;
    out.emplace(std::move(id), std::move(h));
  }
  return out;
}

Result<std::int64_t> Api::Impl::SweepAlerts() {
  return services.metadata.DeleteAlertsReceivedBefore(services.clock.NowUnixSeconds() -
                                                      kAlertRetentionSeconds);
}

}  // namespace vigil::server

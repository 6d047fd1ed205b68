// SPDX-License-Identifier: Apache-2.0
// `vigil events watch` (alerts.h): alerts since the cursor, then live ones
// from the owner WebSocket, each checked against the camera key this device
// trusts and opened with the household key; heartbeats checked every few
// seconds so a silenced camera is reported (brief §4, promise P7).
#include "vigil/client/alerts.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "vigil/client/owner_client.h"
#include "vigil/core/files.h"
#include "vigil/net/http_client.h"
#include "vigil/seal/clip_manifest.h"

namespace vigil::client {
namespace {

// Next to profile.json: which alerts this profile has already shown.
constexpr char kCursorFile[] = "/alerts-cursor.json";
constexpr std::size_t kPageSize = 1000;
constexpr std::chrono::milliseconds kReadSlice{500};  // how often `stop` is looked at
constexpr std::chrono::seconds kReconnectAfter{2};

std::int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The newest receipt time shown, and the alert ids shown with exactly that
// time (GET /v1/alerts?since= is inclusive and has whole seconds).
struct Cursor {
  std::optional<std::int64_t> since;
  std::set<std::string> seen_at_since;

  bool Seen(const std::string& id, std::int64_t received) const {
    return since && (received < *since || (received == *since && seen_at_since.count(id) > 0));
  }
  void Advance(const std::string& id, std::int64_t received) {
    if (!since || received > *since) {
      since = received;
      seen_at_since = {id};
    } else if (received == *since) {
      seen_at_since.insert(id);
    }
  }
};

Result<Cursor> LoadCursor(const Profile& profile) {
  const std::string path = profile.dir + kCursorFile;
  std::ifstream in(path);
  if (!in) return Cursor{};
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = wire::ParseObject(text.str());
  const Error corrupt{ErrorCode::kDataLoss, "the alert cursor " + path +
                                                " is corrupt: delete it to see every kept alert"};
  if (!parsed) return Fail(corrupt);
  Cursor cursor;
  if (parsed->contains("since") && !(*parsed)["since"].is_null()) {
    auto since_text = wire::RequireString(*parsed, "since", 1, 64);
    auto since = since_text ? wire::ParseTime(*since_text) : Result<std::int64_t>(Fail(corrupt));
    if (!since) return Fail(corrupt);
    cursor.since = *since;
  }
  if (parsed->contains("seen") && (*parsed)["seen"].is_array()) {
    for (const auto& id : (*parsed)["seen"]) {
      if (id.is_string()) cursor.seen_at_since.insert(id.get<std::string>());
    }
  }
  return cursor;
}

Status SaveCursor(const Profile& profile, const Cursor& cursor) {
  wire::Json out = wire::Json::object();
  out["since"] = cursor.since ? wire::Json(wire::FormatTime(*cursor.since)) : wire::Json(nullptr);
  out["seen"] = wire::Json::array();
  for (const auto& id : cursor.seen_at_since) out["seen"].push_back(id);
  return WriteFileAtomically(profile.dir + kCursorFile, wire::Dump(out) + "\n", 0600, false);
}

std::string KindKey(seal::AlertKind kind) {
  return kind == seal::AlertKind::kEventStarted ? "event_started" : "clip_complete";
}

std::string Labels(const std::vector<std::string>& labels) {
  if (labels.empty()) return "motion";
  std::string out;
  for (const auto& l : labels) out += (out.empty() ? "" : ", ") + l;
  return out;
}

}  // namespace

std::string FormatAlertNotice(const AlertNotice& n) {
  using T = AlertNotice::Type;
  const std::string& who = n.camera_name;
  switch (n.type) {
    case T::kAlert: {
      if (!n.verified) {
        return wire::FormatTime(n.received_unix_s) + " " + who + "  unverified alert " +
               n.alert_id + " (not shown): " + n.problem;
      }
      const auto& c = n.content;
      std::string clip = "(clip " + c.clip_id;
      if (c.sequence != 0) clip += ", #" + std::to_string(c.sequence);
      return wire::FormatTime(static_cast<std::int64_t>(c.event_time_unix_s)) + " " + who + "  " +
             std::string(seal::AlertKindName(c.kind)) + "  " + Labels(c.labels) + "  " + clip + ")";
    }
    case T::kCameraSilent:
      return wire::FormatTime(n.now_unix_s) + " " + who + "  camera silent " +
             (n.last_heartbeat_unix_s ? "since " + wire::FormatTime(*n.last_heartbeat_unix_s)
                                      : std::string("(no heartbeat received)"));
    case T::kCameraBack:
      return wire::FormatTime(n.now_unix_s) + " " + who + "  camera heard from again (heartbeat " +
             wire::FormatTime(n.last_heartbeat_unix_s.value_or(0)) + ")";
    case T::kHeartbeatInvalid:
      return wire::FormatTime(n.now_unix_s) + " " + who +
             "  heartbeat failed verification: " + n.problem;
  }
  return {};
}

wire::Json AlertNoticeJson(const AlertNotice& n) {
  using T = AlertNotice::Type;
  wire::Json out = wire::Json::object();
  auto since = [&] {
    return n.last_heartbeat_unix_s ? wire::Json(wire::FormatTime(*n.last_heartbeat_unix_s))
                                   : wire::Json(nullptr);
  };
  switch (n.type) {
    case T::kAlert:
      out["type"] = "alert";
      out["alert_id"] = n.alert_id;
      out["camera_id"] = n.camera_id;
      out["camera"] = n.camera_name;
      out["received"] = wire::FormatTime(n.received_unix_s);
      out["verified"] = n.verified;
      if (!n.verified) {
        out["problem"] = n.problem;
        break;
      }
      out["kind"] = KindKey(n.content.kind);
      out["time"] = wire::FormatTime(static_cast<std::int64_t>(n.content.event_time_unix_s));
      out["clip_id"] = n.content.clip_id;
      out["sequence"] = n.content.sequence;
      out["labels"] = n.content.labels;
      out["motion_score"] = n.content.motion_score;
      break;
    case T::kCameraSilent:
      out["type"] = "camera_silent";
      out["camera_id"] = n.camera_id;
      out["camera"] = n.camera_name;
      out["since"] = since();
      out["time"] = wire::FormatTime(n.now_unix_s);
      break;
    case T::kCameraBack:
      out["type"] = "camera_back";
      out["camera_id"] = n.camera_id;
      out["camera"] = n.camera_name;
      out["heartbeat"] = since();
      out["time"] = wire::FormatTime(n.now_unix_s);
      break;
    case T::kHeartbeatInvalid:
      out["type"] = "heartbeat_invalid";
      out["camera_id"] = n.camera_id;
      out["camera"] = n.camera_name;
      out["problem"] = n.problem;
      out["time"] = wire::FormatTime(n.now_unix_s);
      break;
  }
  return out;
}

class OwnerClient::AlertWatcher {
 public:
  AlertWatcher(OwnerClient& client, const AlertWatchOptions& options,
               const std::function<void(const AlertNotice&)>& emit)
      : c_(client), options_(options), emit_(emit) {}

  Status Start() {
    VIGIL_TRY(household, c_.OpenHousehold());
    household_.emplace(std::move(household));
    VIGIL_TRY(chain, c_.VerifiedKeyChain());
    chain_.emplace(std::move(chain));
    VIGIL_TRY(cursor, LoadCursor(c_.profile_));
    cursor_ = std::move(cursor);
    return RefreshCameras();
  }

  Status Run(const std::atomic<bool>& stop) {
    if (options_.once) {
      if (auto s = CatchUp(); !s) return s;
      return CheckHeartbeats();
    }
    while (!stop.load()) {
      net::ClientOptions ws_options;
      ws_options.ca_pem_path = c_.profile_.ca_path;
      // Connect before catching up, so nothing posted in between is missed
      // (an alert seen both ways is shown once).
      auto ws = net::WebSocketClient::Connect(c_.profile_.server_url, "/v1/ws",
                                              c_.profile_.session_token, ws_options);
      if (!ws) {
        if (ws.error().code == ErrorCode::kUnauthenticated ||
            ws.error().code == ErrorCode::kPermissionDenied) {
          return Fail(ErrorCode::kUnauthenticated,
                      "session expired or revoked: log in again (vigil login)");
        }
        std::this_thread::sleep_for(kReconnectAfter);
        continue;
      }
      if (auto s = CatchUp(); !s) return s;
      if (auto s = CheckHeartbeats(); !s) return s;
      auto next_check = std::chrono::steady_clock::now() + options_.heartbeat_check_every;
      while (!stop.load()) {
        auto message = (*ws)->Read(kReadSlice);
        if (message && !message->has_value()) break;  // closed by the server
        if (!message && message.error().code != ErrorCode::kDeadlineExceeded) break;
        if (message) {
          auto parsed = wire::ParseObject(**message);
          if (parsed && parsed->value("type", std::string()) == "alert") {
            if (auto s = Handle(*parsed); !s) return s;
          }
        }
        if (std::chrono::steady_clock::now() >= next_check) {
          if (auto s = CheckHeartbeats(); !s) return s;
          next_check = std::chrono::steady_clock::now() + options_.heartbeat_check_every;
        }
      }
      (void)(*ws)->Close();
      if (!stop.load()) std::this_thread::sleep_for(kReconnectAfter);
    }
    return OkStatus();
  }

 private:
  struct Camera {
    std::string name;
    std::optional<crypto::VerifyKey> key;
    std::string problem;  // why `key` is not trusted
    std::int64_t created_unix_s = 0;
  };

  Status RefreshCameras() {
    VIGIL_TRY(cameras, c_.TrustedCameras(*household_, *chain_));
    cameras_.clear();
    for (const TrustedCamera& t : cameras) {
      Camera cam{t.info.name_ok ? t.info.name : t.info.id, t.key, t.problem, 0};
      if (auto created = wire::ParseTime(t.info.created)) cam.created_unix_s = *created;
      cameras_[t.info.id] = std::move(cam);
    }
    return OkStatus();
  }

  const Camera* FindCamera(const std::string& id) {
    auto it = cameras_.find(id);
    if (it == cameras_.end()) {
      // Paired since the watch started (or not ours): look once more.
      if (!RefreshCameras()) return nullptr;
      it = cameras_.find(id);
    }
    return it == cameras_.end() ? nullptr : &it->second;
  }

  // Everything the server kept since the cursor, oldest first, page by page.
  Status CatchUp() {
    for (;;) {
      std::string target = "/v1/alerts?limit=" + std::to_string(kPageSize);
      if (cursor_.since) target += "&since=" + wire::FormatTime(*cursor_.since);
      VIGIL_TRY(response, c_.Call("GET", target, nullptr, true));
      VIGIL_TRY(alerts, wire::RequireArray(response, "alerts", kPageSize));
      std::size_t fresh = 0;
      for (const wire::Json& a : alerts) {
        if (!a.is_object()) return Fail(ErrorCode::kDataLoss, "malformed alert list");
        const std::size_t before = handled_.size();
        if (auto s = Handle(a); !s) return s;
        fresh += handled_.size() - before;
      }
      // A full page that taught nothing new would repeat forever.
      if (alerts.size() < kPageSize || fresh == 0) return OkStatus();
    }
  }

  // One alert from the list or the socket: verified, opened, reported once.
  Status Handle(const wire::Json& a) {
    VIGIL_TRY(alert_id, wire::RequireString(a, "alert_id", 1, 64));
    VIGIL_TRY(camera_id, wire::RequireString(a, "camera_id", 1, 64));
    VIGIL_TRY(received_text, wire::RequireString(a, "received", 1, 64));
    VIGIL_TRY(received, wire::ParseTime(received_text));
    if (handled_.count(alert_id) > 0 || cursor_.Seen(alert_id, received)) return OkStatus();
    handled_.insert(alert_id);
    AlertNotice n;
    n.type = AlertNotice::Type::kAlert;
    n.alert_id = alert_id;
    n.camera_id = camera_id;
    n.camera_name = camera_id;
    n.received_unix_s = received;
    n.now_unix_s = NowUnix();
    auto sealed = wire::RequireBytes(a, "alert", 1, 8192);
    const Camera* camera = FindCamera(camera_id);
    if (camera != nullptr) n.camera_name = camera->name;
    if (!sealed) {
      n.problem = "malformed alert: " + sealed.error().message;
    } else if (camera == nullptr) {
      n.problem = "the alert names a camera that is not in this household";
    } else if (!camera->key) {
      n.problem = camera->problem.empty() ? "camera key not verified" : camera->problem;
    } else {
      const auto epoch = static_cast<std::uint64_t>(household_->epoch);
      auto opened =
          seal::OpenAlert(*sealed, alert_id, camera_id, epoch, *camera->key, household_->key);
      if (opened) {
        n.verified = true;
        n.content = std::move(*opened);
      } else {
        n.problem = opened.error().message;
        auto named = seal::AlertHouseholdEpoch(*sealed);
        if (named && *named != epoch) {
          n.problem += " (sealed to household key epoch " + std::to_string(*named) +
                       "; this device holds epoch " + std::to_string(epoch) + ")";
        }
      }
    }
    emit_(n);
    cursor_.Advance(alert_id, received);
    return SaveCursor(c_.profile_, cursor_);
  }

  // Reads every camera's newest heartbeat; reports silence once per spell.
  Status CheckHeartbeats() {
    auto response = c_.Call("GET", "/v1/cameras", nullptr, true);
    if (!response) {
      // A network hiccup is retried at the next check; a lost session is not.
      if (response.error().code == ErrorCode::kUnauthenticated) return Fail(response.error());
      return OkStatus();
    }
    VIGIL_TRY(list, wire::RequireArray(*response, "cameras", 100000));
    const std::int64_t now = NowUnix();
    for (const wire::Json& item : list) {
      if (!item.is_object()) continue;
      const std::string id = item.value("id", std::string());
      const Camera* camera = FindCamera(id);
      if (camera == nullptr || !camera->key) continue;  // nothing to verify against
      if (item.contains("heartbeat") && item["heartbeat"].is_string()) {
        auto bytes = wire::RequireBytes(item, "heartbeat", 1, 4096);
        auto beat = bytes ? seal::VerifyHeartbeat(*bytes, *camera->key, id)
                          : Result<seal::Heartbeat>(Fail(bytes.error()));
        if (beat) {
          auto& last = last_beat_[id];
          last = std::max(last.value_or(0), static_cast<std::int64_t>(beat->time_unix_s));
          bad_beat_.erase(id);
        } else if (bad_beat_.insert(id).second) {
          AlertNotice n;
          n.type = AlertNotice::Type::kHeartbeatInvalid;
          n.camera_id = id;
          n.camera_name = camera->name;
          n.now_unix_s = now;
          n.problem = beat.error().message;
          emit_(n);
        }
      }
      const auto last = last_beat_.count(id) ? std::optional(last_beat_[id].value_or(0))
                                             : std::optional<std::int64_t>();
      // Never heard from: silent once it has been paired longer than the limit.
      const std::int64_t reference = last.value_or(camera->created_unix_s);
      const bool quiet = now - reference > options_.silent_after_s;
      AlertNotice n;
      n.camera_id = id;
      n.camera_name = camera->name;
      n.now_unix_s = now;
      n.last_heartbeat_unix_s = last;
      if (quiet && silent_.insert(id).second) {
        n.type = AlertNotice::Type::kCameraSilent;
        emit_(n);
      } else if (!quiet && silent_.erase(id) > 0) {
        n.type = AlertNotice::Type::kCameraBack;
        emit_(n);
      }
    }
    return OkStatus();
  }

  OwnerClient& c_;
  const AlertWatchOptions& options_;
  const std::function<void(const AlertNotice&)>& emit_;
  std::optional<HouseholdAccess> household_;
  std::optional<seal::VerifiedKeyChain> chain_;
  std::map<std::string, Camera> cameras_;
  Cursor cursor_;
  std::set<std::string> handled_;                                 // alert ids shown by this run
  std::map<std::string, std::optional<std::int64_t>> last_beat_;  // newest verified heartbeat
  std::set<std::string> silent_;                                  // cameras reported silent
  std::set<std::string> bad_beat_;                                // invalid heartbeat reported
};

Status OwnerClient::WatchAlerts(const AlertWatchOptions& options,
                                const std::function<void(const AlertNotice&)>& emit,
                                const std::atomic<bool>& stop) {
  if (auto ok = RequireLogin(); !ok) return Fail(ok.error());
  AlertWatcher watcher(*this, options, emit);
  if (auto s = watcher.Start(); !s) return s;
  return watcher.Run(stop);
}

}  // namespace vigil::client

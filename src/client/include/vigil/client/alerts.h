// SPDX-License-Identifier: Apache-2.0
#pragma once

// `vigil events watch`: the live alert feed, verified and decrypted on this
// device (docs/formats/alert.md), and cameras whose signed heartbeats stop.
// OwnerClient::WatchAlerts runs it; this header holds what it reports and how
// the command prints it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "vigil/seal/alert.h"
#include "vigil/wire/json.h"

namespace vigil::client {

struct AlertWatchOptions {
  // A camera whose newest verified heartbeat is older than this is reported
  // silent (the agent sends one every 60 s).
  std::int64_t silent_after_s = 180;
  // How often GET /v1/cameras is read for heartbeats.
  std::chrono::milliseconds heartbeat_check_every{10'000};
  // Report what is pending (alerts since the cursor, silent cameras) and return.
  bool once = false;
};

// One thing the watch reports.
struct AlertNotice {
  enum class Type : std::uint8_t {
    kAlert,            // an alert; `verified` says whether it opened
    kCameraSilent,     // no fresh verified heartbeat for silent_after_s
    kCameraBack,       // a silent camera sent a fresh verified heartbeat
    kHeartbeatInvalid  // the newest heartbeat the server holds does not verify
  };
  Type type = Type::kAlert;
  std::string camera_id;
  std::string camera_name;  // decrypted; the id when the name does not open
  std::int64_t now_unix_s = 0;
  // kAlert:
  std::string alert_id;
  std::int64_t received_unix_s = 0;  // server receipt time
  bool verified = false;
  std::string problem;         // when !verified (or kHeartbeatInvalid): what failed
  seal::AlertContent content;  // when verified
  // kCameraSilent / kCameraBack: the signed time of the newest verified
  // heartbeat, if any was ever seen.
  std::optional<std::int64_t> last_heartbeat_unix_s;
};

// "2026-11-30T15:20:01Z porch  event started  motion  (clip evt_...)" and
// the other kinds, one line without a newline.
std::string FormatAlertNotice(const AlertNotice& notice);
// One JSON object: {"type":"alert", "alert_id", "camera_id", "camera", ...}.
wire::Json AlertNoticeJson(const AlertNotice& notice);

}  // namespace vigil::client

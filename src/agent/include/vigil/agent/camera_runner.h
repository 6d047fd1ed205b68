// SPDX-License-Identifier: Apache-2.0
#pragma once

// One camera, end to end (docs/design/006-agent.md): source → motion →
// events → sealed clips in the spool → vigild. A network source that drops
// is reopened with backoff; a file ends the run (unless it loops) once every
// closed clip is uploaded or, when vigild stays unreachable, left safely in
// the spool for the next run.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>

#include "vigil/agent/camera_state.h"
#include "vigil/core/result.h"
#include "vigil/detect/event_tracker.h"
#include "vigil/detect/motion.h"
#include "vigil/detect/object_tracker.h"
#include "vigil/detect/objects.h"
#include "vigil/media/ingest.h"

namespace vigil::agent {

// Object detection during motion (docs/design/007-detection.md §Pipeline).
struct ObjectOptions {
  bool enabled = false;           // off: every motion event alerts, labelled "motion"
  std::string model = "nanodet";  // as `vigil-agent detect --model`
  double rate = 2.0;              // detector runs per second while something moves
  int detect_width = 640;         // the detector's copy of the frame
  // Run on the moving region (with a margin) rather than the whole frame
  // when it is small: the same cost, finer detail for distant objects.
  bool crop_to_motion = true;
  detect::DetectorOptions detector;
  detect::ObjectRules rules;  // rules.zones: the camera's motion zones
};

struct CameraOptions {
  media::SourceOptions source;
  detect::MotionOptions motion;
  detect::EventOptions events;
  ObjectOptions objects;
  std::uint64_t spool_bytes = std::uint64_t{4} << 30;
  // At the end of a file: how long to keep trying to upload what is spooled
  // before leaving it for the next run.
  std::chrono::milliseconds drain_timeout{std::chrono::minutes(10)};
  // The longest wait between two upload attempts while vigild is away.
  std::chrono::milliseconds upload_retry_max{60000};
  std::chrono::milliseconds heartbeat_interval{60000};
  std::chrono::milliseconds min_reconnect{500};
  std::chrono::milliseconds max_reconnect{30000};
  std::function<void(const std::string&)> log;  // one line per call
};

// What a run did.
struct CameraRunStats {
  std::uint64_t fragments = 0;
  std::uint64_t analysis_frames = 0;
  std::uint64_t events = 0;
  std::uint64_t clips_sealed = 0;
  std::uint64_t clips_uploaded = 0;
  std::uint64_t clips_left_in_spool = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t alerts_sent = 0;
  std::uint64_t detector_runs = 0;
  double media_seconds = 0;
};

// Runs the camera whose identity is in `state` (paired) until `stop`, or
// until a file source ends. Errors: a source that cannot be opened at all
// (kNotFound, kInvalidArgument), a spool that cannot be written.
Result<CameraRunStats> RunCamera(const CameraState& state, const CameraOptions& options,
                                 const std::stop_token& stop);

}  // namespace vigil::agent

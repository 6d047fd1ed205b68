// SPDX-License-Identifier: Apache-2.0
#pragma once

// Cuts event clips out of the recording and seals them into the spool
// (docs/design/006-agent.md §Clips, spool and upload).
//
// The recording arrives as fMP4 fragments, one per GOP. The cutter keeps the
// last pre-roll's worth of fragments in memory (plaintext stays in RAM; the
// disk only ever sees ciphertext). When the event tracker starts an event,
// a clip opens with a fresh clip key: the init segment, the ring's fragments
// that overlap [clip_start, ...), then every new fragment, each sealed by
// seal::ClipWriter straight into the spool. When the event has ended and the
// fragments past its clip end have arrived, the clip is finished: thumbnail
// and metadata sealed, the manifest signed with the next sequence number of
// the camera's chain, and the spool commits it.
//
// One clip is written at a time, so sequence numbers follow clip order and
// each manifest names its predecessor; an event that starts while the last
// clip still waits for its post-roll fragments waits in line (its fragments
// stay in the ring). Thread-compatible: one camera thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "vigil/agent/camera_state.h"
#include "vigil/agent/spool.h"
#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/detect/event_tracker.h"
#include "vigil/media/ingest.h"

namespace vigil::agent {

struct ClipCutterOptions {
  std::chrono::milliseconds pre_roll{5000};  // as the event tracker's
  // Wall-clock seconds (UTC), for clip start times.
  std::function<std::int64_t()> now_unix_s;
  std::function<void(const std::string&)> log;
  // Called after a clip was committed to the spool, with its event.
  std::function<void(const SpooledClip&, const detect::Event&)> on_committed;
};

// What the camera adds to a clip when its event ends.
struct ClipExtras {
  Bytes thumbnail_jpeg;
  Bytes metadata;                                        // a VGMD document (seal/clip_metadata.h)
  std::uint8_t priority = SpooledClip::kPriorityMotion;  // in the spool
};

class ClipCutter {
 public:
  // `state` (paired) and `spool` must outlive the cutter.
  static Result<std::unique_ptr<ClipCutter>> Create(const CameraState& state, Spool& spool,
                                                    ClipCutterOptions options);
  ~ClipCutter();

  // The init segment of the fragments that follow (at each (re)open of the
  // source). Clips still open are finished first with what they have.
  Status SetInitSegment(Bytes init_segment);
  Status AddFragment(media::Fragment fragment);
  // Returns the id the event's clip will have (for the start alert).
  Result<std::string> EventStarted(const detect::Event& event);
  // `event.clip_end_us` is final here.
  Status EventEnded(const detect::Event& event, ClipExtras extras);
  // End of the stream: finishes every clip with the fragments it has.
  Status Flush();

  std::uint64_t clips_committed() const;

 private:
  struct Impl;
  explicit ClipCutter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::agent

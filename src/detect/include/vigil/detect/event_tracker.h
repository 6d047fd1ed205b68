// SPDX-License-Identifier: Apache-2.0
#pragma once

// The event state machine (docs/design/006-agent.md §Events): turns per-frame
// motion into events with pre-roll, post-roll, a minimum and a maximum length.
// Pure logic over media time, no clocks, so it is tested frame by frame.
//
//   idle --(motion on `trigger_frames` consecutive analysis frames)--> active
//   active --(no motion for `post_roll`)--> ended
//   active --(longer than `max_length`)--> ended, and a continuation starts
//
// An event's clip covers [start - pre_roll, end + post_roll], and is at least
// `min_length` long (the end is pushed out when needed).
//
// Exactly (times are media pts):
//  - idle: a run of `trigger_frames` consecutive moving frames starts an
//    event on the run's last frame; start_us is the run's first frame.
//  - active: the event ends on the first frame at or after
//    E = max(last_motion + post_roll, clip_start + min_length), so motion
//    before E (also during the min_length extension) continues it; its
//    clip_end_us is E, not that frame's pts.
//  - a clip never exceeds max_length: on the first frame at or after
//    C = clip_start + max_length with E > C, the event ends with clip_end = C
//    and a continuation starts at C (start_us = clip_start_us = C, no
//    pre-roll, no trigger), so the clips are contiguous.
//  - peak and zones include the trigger run's frames.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vigil/core/result.h"
#include "vigil/detect/motion.h"

namespace vigil::detect {

struct EventOptions {
  std::chrono::milliseconds pre_roll{5000};
  std::chrono::milliseconds post_roll{5000};
  std::chrono::milliseconds min_length{5000};
  std::chrono::milliseconds max_length{120000};
  int trigger_frames = 2;
};

// What the tracker knows of an event.
struct Event {
  std::uint64_t number = 0;         // 1, 2, ... per tracker
  std::int64_t start_us = 0;        // first moving frame
  std::int64_t last_motion_us = 0;  // last moving frame so far
  std::int64_t clip_start_us = 0;   // start - pre_roll (not before 0)
  std::int64_t clip_end_us = 0;  // set when ended: max(last + post_roll, clip_start + min_length)
  double peak_score = 0;
  Box peak_box;                    // where motion was largest
  std::int64_t peak_us = 0;        // when (the thumbnail frame)
  std::vector<std::string> zones;  // union, sorted
  bool continuation = false;       // started because the previous one hit max_length
};

struct EventUpdate {
  std::optional<Event> started;  // an event began on this frame
  std::optional<Event> ended;    // an event ended (clip_end_us is final)
};

class EventTracker {
 public:
  // kInvalidArgument on negative durations, max_length <= 0,
  // max_length < min_length or trigger_frames < 1.
  static Result<EventTracker> Create(const EventOptions& options);

  EventUpdate Update(const MotionResult& motion, std::int64_t pts_us);
  // The stream ended at `end_us`: ends an active event with
  // clip_end = min(E, end_us) (never before clip_start). Also drops a
  // trigger run in progress. nullopt when idle.
  std::optional<Event> Finish(std::int64_t end_us);

  const std::optional<Event>& active() const { return active_; }

 private:
  explicit EventTracker(EventOptions options) : options_(options) {}
  EventOptions options_;
  std::optional<Event> active_;
  int consecutive_ = 0;  // moving frames in the current trigger run
  Event pending_;        // the trigger run so far (start, peak, zones)
  std::uint64_t next_number_ = 1;
};

}  // namespace vigil::detect

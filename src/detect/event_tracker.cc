// SPDX-License-Identifier: Apache-2.0
#include "vigil/detect/event_tracker.h"

#include <algorithm>
#include <utility>

namespace vigil::detect {
namespace {

std::int64_t Us(std::chrono::milliseconds d) { return std::int64_t{d.count()} * 1000; }

// Folds one moving frame into an event's peak and zones. The first frame
// always sets the peak, so even a zero score leaves a thumbnail time.
void Absorb(Event& event, const MotionResult& motion, std::int64_t pts_us, bool first) {
  if (first || motion.score > event.peak_score) {
    event.peak_score = motion.score;
    event.peak_box = motion.box;
    event.peak_us = pts_us;
  }
  for (const std::string& zone : motion.zones) {
    auto at = std::lower_bound(event.zones.begin(), event.zones.end(), zone);
    if (at == event.zones.end() || *at != zone) event.zones.insert(at, zone);
  }
}

}  // namespace

Result<EventTracker> EventTracker::Create(const EventOptions& options) {
  if (options.pre_roll.count() < 0 || options.post_roll.count() < 0 ||
      options.min_length.count() < 0 || options.max_length.count() < 0) {
    return Fail(ErrorCode::kInvalidArgument, "event durations must not be negative");
  }
  if (options.max_length.count() == 0) {
    return Fail(ErrorCode::kInvalidArgument, "event max_length must be positive");
  }
  if (options.max_length < options.min_length) {
    return Fail(ErrorCode::kInvalidArgument, "event max_length is shorter than min_length");
  }
  if (options.trigger_frames < 1) {
    return Fail(ErrorCode::kInvalidArgument, "event trigger_frames must be at least 1");
  }
  return EventTracker(options);
}

EventUpdate EventTracker::Update(const MotionResult& motion, std::int64_t pts_us) {
  EventUpdate update;
  if (!active_) {
    if (!motion.motion) {
      consecutive_ = 0;
      return update;
    }
    if (consecutive_ == 0) {
      pending_ = Event{};
      pending_.start_us = pts_us;
    }
    Absorb(pending_, motion, pts_us, consecutive_ == 0);
    ++consecutive_;
    pending_.last_motion_us = pts_us;
    if (consecutive_ < options_.trigger_frames) return update;
    consecutive_ = 0;
    Event event = std::move(pending_);
    pending_ = Event{};
    event.number = next_number_++;
    event.clip_start_us = std::max<std::int64_t>(0, event.start_us - Us(options_.pre_roll));
    active_ = event;
    update.started = std::move(event);
    return update;
  }

  Event& event = *active_;
  if (motion.motion) {
    event.last_motion_us = pts_us;
    Absorb(event, motion, pts_us, false);
  }
  const std::int64_t end = std::max(event.last_motion_us + Us(options_.post_roll),
                                    event.clip_start_us + Us(options_.min_length));
  const std::int64_t cap = event.clip_start_us + Us(options_.max_length);
  if (end > cap && pts_us >= cap) {
    // Still going at max_length: cut here and carry on in a contiguous clip.
    Event next;
    next.number = next_number_++;
    next.start_us = cap;
    next.clip_start_us = cap;
    next.last_motion_us = event.last_motion_us;
    next.peak_us = cap;
    next.continuation = true;
    if (motion.motion) Absorb(next, motion, pts_us, true);
    event.clip_end_us = cap;
    update.ended = std::move(event);
    active_ = next;
    update.started = std::move(next);
    return update;
  }
  if (pts_us >= end) {
    event.clip_end_us = end;
    update.ended = std::move(event);
    active_.reset();
  }
  return update;
}

std::optional<Event> EventTracker::Finish(std::int64_t end_us) {
  consecutive_ = 0;
  pending_ = Event{};
  if (!active_) return std::nullopt;
  Event event = std::move(*active_);
  active_.reset();
  const std::int64_t end = std::max(event.last_motion_us + Us(options_.post_roll),
                                    event.clip_start_us + Us(options_.min_length));
  event.clip_end_us = std::max(event.clip_start_us, std::min(end, end_us));
  return event;
}

}  // namespace vigil::detect

// SPDX-License-Identifier: Apache-2.0
#pragma once

// Objects across frames, and the owner's rules for which of them alert
// (docs/design/007-detection.md §Tracking and rules).
//
// Detections are grouped into the three kinds the product talks about:
// person, vehicle (COCO car, truck, bus, motorcycle, bicycle, ...) and
// animal (COCO dog, cat, horse, bird, ...); other classes are ignored. A
// track follows one object by box overlap (or, for fast objects, by centre
// distance) and keeps its best score and best box. A track alerts once, the
// first time it passes every rule: its kind alerts, its score and area are
// large enough, the bottom centre of its box (where it stands) is in a zone
// where its kind counts, and, unless stationary objects may alert, it has
// moved since it was first seen (a parked car never alerts).
//
// Thread-compatible; one tracker per camera, reset at each event.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vigil/core/result.h"
#include "vigil/detect/motion.h"
#include "vigil/detect/objects.h"

namespace vigil::detect {

// "person", "vehicle", "animal", or nothing for a class Vigil ignores. A
// label that is already a kind maps to itself; labels of non-COCO models
// that are none of these map to themselves too (so rules can name them).
std::optional<std::string> ObjectKind(std::string_view label);

struct ObjectRules {
  // Kinds (or a custom model's labels) that alert.
  std::vector<std::string> alert = {"person", "vehicle", "animal"};
  float min_score = 0.5F;    // a detection counts from this score
  double min_area = 0.0005;  // box area as a share of the frame
  // Kind -> zones (names of the camera's zones) where it counts. A kind
  // without an entry counts anywhere in the frame.
  std::map<std::string, std::vector<std::string>> zones_for;
  // The camera's zones, to judge `zones_for` (names must be found here).
  std::vector<Zone> zones;
  // false: only objects that moved since first seen alert.
  bool stationary_alerts = false;
  // How far a track must move to be "moving": its box overlaps its anchor
  // (its largest box so far) by less than IoU 0.3, and its centre travelled
  // this share of the larger box diagonal.
  double min_travel = 0.5;
};

// A detection in frame fractions (0..1), as the tracker sees it.
struct FrameDetection {
  std::string label;  // the detector's label ("truck")
  float score = 0;
  Box box;
};

struct TrackedObject {
  int id = 0;
  std::string kind;  // "person", "vehicle", "animal", ...
  float best_score = 0;
  Box best_box;  // the box of the best score
  std::int64_t best_us = 0;
  Box last_box;
  Box anchor_box;  // the largest box so far: where it "is" when it stands still
  std::int64_t first_us = 0, last_us = 0;
  int hits = 0;
  bool moved = false;
  bool alerted = false;
  std::vector<std::string> zones;  // zones it stood in when it alerted
};

struct ObjectUpdate {
  std::vector<int> alerting;  // ids of tracks that alert for the first time now
  std::vector<int> matched;   // ids of tracks seen in this frame
};

class ObjectTracker {
 public:
  // kInvalidArgument when a rule names a zone the camera does not have, a
  // score or area is out of range, or an alerting label is empty.
  static Result<ObjectTracker> Create(ObjectRules rules);

  // One frame's detections at `pts_us` (non-decreasing).
  ObjectUpdate Update(std::span<const FrameDetection> detections, std::int64_t pts_us);

  // Every track of the current event, in order of first appearance.
  const std::vector<TrackedObject>& tracks() const { return tracks_; }
  const TrackedObject* Find(int id) const;
  // Kinds of the tracks that alerted, in order of first alert, no repeats.
  std::vector<std::string> AlertedKinds() const;
  // Forget every track (a new event).
  void Reset();
  // Forget the tracks last seen before `pts_us`.
  void ForgetBefore(std::int64_t pts_us);

 private:
  explicit ObjectTracker(ObjectRules rules) : rules_(std::move(rules)) {}
  bool Alerts(TrackedObject& track, const FrameDetection& detection) const;

  ObjectRules rules_;
  std::vector<TrackedObject> tracks_;
  int next_id_ = 1;
};

}  // namespace vigil::detect

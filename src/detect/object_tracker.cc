// SPDX-License-Identifier: Apache-2.0
#include "vigil/detect/object_tracker.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace vigil::detect {

std::optional<std::string> ObjectKind(std::string_view label) {
  static constexpr std::array<std::string_view, 8> kVehicles = {
      "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat"};
  static constexpr std::array<std::string_view, 10> kAnimals = {
      "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe"};
  if (label == "person" || label == "vehicle" || label == "animal") return std::string(label);
  if (std::find(kVehicles.begin(), kVehicles.end(), label) != kVehicles.end()) return "vehicle";
  if (std::find(kAnimals.begin(), kAnimals.end(), label) != kAnimals.end()) return "animal";
  // Other COCO classes (a bench, a kite, a chair) are not what a camera
  // watches for; labels of other models stand for themselves.
  const auto coco = CocoLabels();
  if (std::find(coco.begin(), coco.end(), label) != coco.end()) return std::nullopt;
  if (label.empty()) return std::nullopt;
  return std::string(label);
}

namespace {

// Even-odd rule; points on an edge may fall either way.
bool Inside(const std::vector<Point>& polygon, double x, double y) {
  bool inside = false;
  for (std::size_t i = 0, j = polygon.size() - 1; i < polygon.size(); j = i++) {
    const Point& a = polygon[i];
    const Point& b = polygon[j];
    if ((a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

double Overlap(const Box& a, const Box& b) {
  return IoU(PixelBox{a.x, a.y, a.width, a.height}, PixelBox{b.x, b.y, b.width, b.height});
}

double CentreDistance(const Box& a, const Box& b) {
  return std::hypot((a.x + a.width / 2) - (b.x + b.width / 2),
                    (a.y + a.height / 2) - (b.y + b.height / 2));
}

double Diagonal(const Box& b) { return std::hypot(b.width, b.height); }

// A track not seen for this long is over; a new detection starts a new one.
constexpr std::int64_t kTrackTimeoutUs = 3'000'000;
constexpr double kMatchIoU = 0.2;
constexpr double kSameObjectIoU = 0.6;
constexpr double kLeftItsPlaceIoU = 0.3;
constexpr double kMoreCompleteView = 1.4;

}  // namespace

Result<ObjectTracker> ObjectTracker::Create(ObjectRules rules) {
  if (!(rules.min_score >= 0 && rules.min_score <= 1)) {
    return Fail(ErrorCode::kInvalidArgument, "objects: min_score must be within 0..1");
  }
  if (!(rules.min_area >= 0 && rules.min_area <= 1)) {
    return Fail(ErrorCode::kInvalidArgument, "objects: min_area must be within 0..1");
  }
  if (!(rules.min_travel > 0))
    return Fail(ErrorCode::kInvalidArgument, "objects: min_travel must be > 0");
  for (const auto& label : rules.alert) {
    if (label.empty())
      return Fail(ErrorCode::kInvalidArgument, "objects: an alerting label is empty");
  }
  for (const auto& [kind, names] : rules.zones_for) {
    for (const auto& name : names) {
      const bool known = std::any_of(rules.zones.begin(), rules.zones.end(),
                                     [&](const Zone& z) { return z.name == name; });
      if (!known) {
        std::string message = "objects: zones for ";
        message += kind;
        message += " names '";
        message += name;
        message += "', which is not one of the camera's zones";
        return Fail(ErrorCode::kInvalidArgument, std::move(message));
      }
    }
  }
  return ObjectTracker(std::move(rules));
}

const TrackedObject* ObjectTracker::Find(int id) const {
  for (const auto& t : tracks_) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

std::vector<std::string> ObjectTracker::AlertedKinds() const {
  std::vector<const TrackedObject*> alerted;
  for (const auto& t : tracks_) {
    if (t.alerted) alerted.push_back(&t);
  }
  std::vector<std::string> kinds;
  for (const auto* t : alerted) {
    if (std::find(kinds.begin(), kinds.end(), t->kind) == kinds.end()) kinds.push_back(t->kind);
  }
  return kinds;
}

void ObjectTracker::Reset() {
  tracks_.clear();
  next_id_ = 1;
}

void ObjectTracker::ForgetBefore(std::int64_t pts_us) {
  std::erase_if(tracks_, [&](const TrackedObject& t) { return t.last_us < pts_us; });
}

bool ObjectTracker::Alerts(TrackedObject& track, const FrameDetection& d) const {
  if (std::find(rules_.alert.begin(), rules_.alert.end(), track.kind) == rules_.alert.end())
    return false;
  if (d.score < rules_.min_score) return false;
  if (d.box.width * d.box.height < rules_.min_area) return false;
  if (!rules_.stationary_alerts && !track.moved) return false;
  // Where it stands: the bottom centre of its box.
  const double foot_x = d.box.x + d.box.width / 2, foot_y = d.box.y + d.box.height;
  std::vector<std::string> standing_in;
  for (const auto& zone : rules_.zones) {
    if (Inside(zone.polygon, foot_x, foot_y)) standing_in.push_back(zone.name);
  }
  if (const auto it = rules_.zones_for.find(track.kind); it != rules_.zones_for.end()) {
    const bool counts =
        std::any_of(it->second.begin(), it->second.end(), [&](const std::string& name) {
          return std::find(standing_in.begin(), standing_in.end(), name) != standing_in.end();
        });
    if (!counts) return false;
  }
  track.zones = std::move(standing_in);
  return true;
}

ObjectUpdate ObjectTracker::Update(std::span<const FrameDetection> detections,
                                   std::int64_t pts_us) {
  ObjectUpdate update;
  // Candidates: the detections of a kind Vigil watches.
  struct Candidate {
    const FrameDetection* detection;
    std::string kind;
  };
  std::vector<Candidate> candidates;
  for (const auto& d : detections) {
    if (auto kind = ObjectKind(d.label)) candidates.push_back({&d, std::move(*kind)});
  }
  // The detector's NMS is per class, so one van may come as both "car" and
  // "truck": within a kind, keep the best of boxes that overlap that much.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) {
                     return a.detection->score > b.detection->score;
                   });
  std::vector<Candidate> distinct;
  for (auto& c : candidates) {
    const bool duplicate = std::any_of(distinct.begin(), distinct.end(), [&](const Candidate& k) {
      return k.kind == c.kind && Overlap(k.detection->box, c.detection->box) > kSameObjectIoU;
    });
    if (!duplicate) distinct.push_back(std::move(c));
  }
  candidates = std::move(distinct);
  // Greedy matching, best pairs first: overlap, or for an object that moved
  // further than its own size between two looks, a close centre.
  struct Pair {
    double quality;
    std::size_t track, candidate;
  };
  std::vector<Pair> pairs;
  for (std::size_t t = 0; t < tracks_.size(); ++t) {
    const TrackedObject& track = tracks_[t];
    if (pts_us - track.last_us > kTrackTimeoutUs) continue;
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      if (candidates[c].kind != track.kind) continue;
      const Box& box = candidates[c].detection->box;
      const double iou = Overlap(track.last_box, box);
      if (iou >= kMatchIoU) {
        pairs.push_back({1.0 + iou, t, c});
      } else {
        const double reach = std::max(Diagonal(track.last_box), Diagonal(box));
        const double distance = CentreDistance(track.last_box, box);
        if (distance < reach) pairs.push_back({1.0 - distance / reach, t, c});
      }
    }
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const Pair& a, const Pair& b) { return a.quality > b.quality; });
  std::vector<bool> track_used(tracks_.size(), false), candidate_used(candidates.size(), false);
  std::vector<std::pair<std::size_t, std::size_t>> matches;
  for (const auto& p : pairs) {
    if (track_used[p.track] || candidate_used[p.candidate]) continue;
    track_used[p.track] = candidate_used[p.candidate] = true;
    matches.emplace_back(p.track, p.candidate);
  }
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    if (candidate_used[c]) continue;
    TrackedObject track;
    track.id = next_id_++;
    track.kind = candidates[c].kind;
    track.anchor_box = candidates[c].detection->box;
    track.first_us = pts_us;
    tracks_.push_back(std::move(track));
    matches.emplace_back(tracks_.size() - 1, c);
  }
  for (const auto& [t, c] : matches) {
    TrackedObject& track = tracks_[t];
    const FrameDetection& d = *candidates[c].detection;
    ++track.hits;
    track.last_box = d.box;
    track.last_us = pts_us;
    if (d.score > track.best_score) {
      track.best_score = d.score;
      track.best_box = d.box;
      track.best_us = pts_us;
    }
    // Moving: the box left its anchor, the most complete view so far: they
    // hardly overlap and the centre travelled a good part of the box's size.
    // A parked van that people walk past changes its box as they hide part
    // of it, but every box of it overlaps its full view. The anchor moves
    // to a clearly larger box only, not to every box a little larger.
    const double area = d.box.width * d.box.height;
    if (area > kMoreCompleteView * track.anchor_box.width * track.anchor_box.height) {
      track.anchor_box = d.box;
    } else {
      const double travel = CentreDistance(track.anchor_box, d.box) /
                            std::max({Diagonal(d.box), Diagonal(track.anchor_box), 1e-9});
      if (Overlap(track.anchor_box, d.box) < kLeftItsPlaceIoU && travel >= rules_.min_travel)
        track.moved = true;
    }
    update.matched.push_back(track.id);
    if (!track.alerted && Alerts(track, d)) {
      track.alerted = true;
      update.alerting.push_back(track.id);
    }
  }
  return update;
}

}  // namespace vigil::detect

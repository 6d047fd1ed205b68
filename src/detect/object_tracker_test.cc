// SPDX-License-Identifier: Apache-2.0
// ObjectTracker: tracks follow objects, and each rule can stop an alert.
#include "vigil/detect/object_tracker.h"

#include <gtest/gtest.h>

#include <vector>

namespace vigil::detect {
namespace {

constexpr std::int64_t kHalfSecond = 500'000;

FrameDetection At(const std::string& label, float score, double x, double y, double w = 0.1,
                  double h = 0.2) {
  return FrameDetection{label, score, Box{x, y, w, h}};
}

ObjectTracker Make(ObjectRules rules = {}) {
  auto t = ObjectTracker::Create(std::move(rules));
  EXPECT_TRUE(t.has_value()) << t.error().ToString();
  return std::move(*t);
}

// Feeds one object of `label` walking right by `step` per half second.
std::vector<int> Walk(ObjectTracker& tracker, const std::string& label, double y, int frames,
                      double step, double x0 = 0.1, float score = 0.8F) {
  std::vector<int> alerted;
  for (int i = 0; i < frames; ++i) {
    const std::vector<FrameDetection> frame = {At(label, score, x0 + step * i, y)};
    auto update = tracker.Update(frame, i * kHalfSecond);
    alerted.insert(alerted.end(), update.alerting.begin(), update.alerting.end());
  }
  return alerted;
}

TEST(ObjectKind, GroupsCocoClassesIntoPersonVehicleAnimal) {
  EXPECT_EQ(ObjectKind("person"), "person");
  EXPECT_EQ(ObjectKind("truck"), "vehicle");
  EXPECT_EQ(ObjectKind("car"), "vehicle");
  EXPECT_EQ(ObjectKind("bicycle"), "vehicle");
  EXPECT_EQ(ObjectKind("dog"), "animal");
  EXPECT_EQ(ObjectKind("horse"), "animal");
  EXPECT_EQ(ObjectKind("bench"), std::nullopt);
  EXPECT_EQ(ObjectKind("kite"), std::nullopt);
  EXPECT_EQ(ObjectKind("package"), "package");  // a custom model's label
}

TEST(ObjectTracker, AWalkingPersonAlertsOnceWhenItHasMoved) {
  ObjectTracker tracker = Make();
  const auto alerted = Walk(tracker, "person", 0.5, 8, 0.02);
  ASSERT_EQ(alerted.size(), 1U);
  ASSERT_EQ(tracker.tracks().size(), 1U);
  const TrackedObject& t = tracker.tracks()[0];
  EXPECT_EQ(t.kind, "person");
  EXPECT_EQ(t.hits, 8);
  EXPECT_TRUE(t.moved);
  // Not at the first sight: it had to move 0.35 of its diagonal (0.224) first.
  EXPECT_GT(tracker.Find(alerted[0])->hits, 1);
  EXPECT_EQ(tracker.AlertedKinds(), std::vector<std::string>{"person"});
}

TEST(ObjectTracker, AParkedCarNeverAlertsUnlessStationaryObjectsMay) {
  ObjectTracker tracker = Make();
  EXPECT_TRUE(Walk(tracker, "car", 0.6, 20, 0.001).empty());  // jitter only
  EXPECT_FALSE(tracker.tracks()[0].moved);
  ObjectRules rules;
  rules.stationary_alerts = true;
  ObjectTracker lenient = Make(rules);
  EXPECT_EQ(Walk(lenient, "car", 0.6, 3, 0.001).size(), 1U);
}

TEST(ObjectTracker, CarAndTruckBoxesOnOneVehicleAreOneTrack) {
  ObjectTracker tracker = Make();
  for (int i = 0; i < 6; ++i) {
    const std::vector<FrameDetection> frame = {At("car", 0.7F, 0.1 + 0.05 * i, 0.5, 0.3, 0.2),
                                               At("truck", 0.6F, 0.105 + 0.05 * i, 0.5, 0.3, 0.2)};
    tracker.Update(frame, i * kHalfSecond);
  }
  ASSERT_EQ(tracker.tracks().size(), 1U);
  EXPECT_FLOAT_EQ(tracker.tracks()[0].best_score, 0.7F);
}

TEST(ObjectTracker, TwoPeopleAreTwoTracksAndAFastOneIsFollowedByItsCentre) {
  ObjectTracker tracker = Make();
  for (int i = 0; i < 5; ++i) {
    // One walks slowly; the other jumps 0.12 per look (no overlap with its
    // last box, but within its own diagonal).
    const std::vector<FrameDetection> frame = {At("person", 0.8F, 0.1 + 0.01 * i, 0.1),
                                               At("person", 0.8F, 0.2 + 0.12 * i, 0.6)};
    tracker.Update(frame, i * kHalfSecond);
  }
  ASSERT_EQ(tracker.tracks().size(), 2U);
  EXPECT_EQ(tracker.tracks()[0].hits, 5);
  EXPECT_EQ(tracker.tracks()[1].hits, 5);
}

TEST(ObjectTracker, EachRuleCanStopAnAlert) {
  {
    ObjectRules rules;
    rules.alert = {"person"};
    ObjectTracker t = Make(rules);
    EXPECT_TRUE(Walk(t, "car", 0.5, 8, 0.05).empty()) << "vehicles do not alert";
  }
  {
    ObjectTracker t = Make();
    EXPECT_TRUE(Walk(t, "person", 0.5, 8, 0.02, 0.1, 0.45F).empty()) << "score below 0.5";
  }
  {
    ObjectRules rules;
    rules.min_area = 0.05;  // the boxes are 0.1 x 0.2 = 0.02
    ObjectTracker t = Make(rules);
    EXPECT_TRUE(Walk(t, "person", 0.5, 8, 0.02).empty()) << "too small";
  }
  {
    ObjectTracker t = Make();
    EXPECT_TRUE(Walk(t, "kite", 0.5, 8, 0.05).empty()) << "not a kind Vigil watches";
  }
}

TEST(ObjectTracker, ZonesAreJudgedWhereTheObjectStands) {
  ObjectRules rules;
  // The street: the lower half. The porch: top-left corner.
  rules.zones = {Zone{"street", {{0, 0.5}, {1, 0.5}, {1, 1}, {0, 1}}},
                 Zone{"porch", {{0, 0}, {0.3, 0}, {0.3, 0.3}, {0, 0.3}}}};
  rules.zones_for = {{"vehicle", {"street"}}, {"person", {"porch"}}};
  {
    ObjectTracker t = Make(rules);
    // A car whose box bottom (y 0.55 + 0.2) is on the street: alerts, in zone "street".
    auto alerted = Walk(t, "car", 0.55, 8, 0.05);
    ASSERT_EQ(alerted.size(), 1U);
    EXPECT_EQ(t.Find(alerted[0])->zones, std::vector<std::string>{"street"});
  }
  {
    ObjectTracker t = Make(rules);
    // A car up in the top rows (bottom at y 0.3): not on the street.
    EXPECT_TRUE(Walk(t, "car", 0.1, 8, 0.05).empty());
  }
  {
    ObjectTracker t = Make(rules);
    // A person walking along the street: people count only on the porch.
    EXPECT_TRUE(Walk(t, "person", 0.6, 8, 0.05).empty());
  }
  rules.zones_for = {{"person", {"driveway"}}};
  auto bad = ObjectTracker::Create(rules);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("driveway"), std::string::npos);
}

TEST(ObjectTracker, ALostTrackEndsAndResetForgetsEverything) {
  ObjectTracker tracker = Make();
  tracker.Update(std::vector<FrameDetection>{At("person", 0.8F, 0.1, 0.1)}, 0);
  tracker.Update(std::vector<FrameDetection>{At("person", 0.8F, 0.1, 0.1)},
                 10'000'000);  // 10 s later
  EXPECT_EQ(tracker.tracks().size(), 2U);
  tracker.Reset();
  EXPECT_TRUE(tracker.tracks().empty());
}

}  // namespace
}  // namespace vigil::detect

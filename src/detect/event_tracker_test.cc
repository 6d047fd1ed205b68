// SPDX-License-Identifier: Apache-2.0
#include "vigil/detect/event_tracker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

namespace vigil::detect {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;

MotionResult Moving(double score = 0.1, std::vector<std::string> zones = {}) {
  MotionResult m;
  m.motion = true;
  m.score = score;
  m.box = {0.1, 0.2, score, 0.3};
  m.zones = std::move(zones);
  return m;
}
MotionResult Still() { return {}; }

EventOptions Options(int pre, int post, int min, int max, int trigger) {
  return EventOptions{milliseconds(pre), milliseconds(post), milliseconds(min), milliseconds(max),
                      trigger};
}

EventTracker Make(const EventOptions& options) {
  auto tracker = EventTracker::Create(options);
  EXPECT_TRUE(tracker.has_value());
  return std::move(*tracker);
}

TEST(EventTrackerTest, RejectsBadOptions) {
  EXPECT_TRUE(EventTracker::Create(EventOptions{}).has_value());
  for (const EventOptions& bad :
       {Options(-1, 0, 0, 10, 1), Options(0, -1, 0, 10, 1), Options(0, 0, -1, 10, 1),
        Options(0, 0, 0, -1, 1), Options(0, 0, 0, 0, 1), Options(0, 0, 5000, 4999, 1),
        Options(0, 0, 0, 10, 0), Options(0, 0, 0, 10, -3)}) {
    auto tracker = EventTracker::Create(bad);
    ASSERT_FALSE(tracker.has_value());
    EXPECT_EQ(tracker.error().code, ErrorCode::kInvalidArgument);
  }
  // max_length == min_length is allowed.
  EXPECT_TRUE(EventTracker::Create(Options(0, 0, 5000, 5000, 1)).has_value());
}

TEST(EventTrackerTest, StartsOnExactlyTriggerFramesInARow) {
  EventTracker t = Make(Options(1000, 1000, 0, 60000, 3));
  EXPECT_FALSE(t.Update(Moving(), 0).started);
  EXPECT_FALSE(t.Update(Moving(), 200'000).started);
  EXPECT_FALSE(t.Update(Still(), 400'000).started);  // the run is broken
  EXPECT_FALSE(t.Update(Moving(), 600'000).started);
  EXPECT_FALSE(t.Update(Moving(), 800'000).started);
  EXPECT_FALSE(t.active().has_value());
  EventUpdate u = t.Update(Moving(), 1'000'000);  // third in a row
  ASSERT_TRUE(u.started);
  EXPECT_FALSE(u.ended);
  EXPECT_EQ(u.started->number, 1u);
  EXPECT_EQ(u.started->start_us, 600'000);  // the run's first frame
  EXPECT_EQ(u.started->last_motion_us, 1'000'000);
  EXPECT_EQ(u.started->clip_start_us, 0);  // 600 ms - 1 s, not before 0
  EXPECT_FALSE(u.started->continuation);
  ASSERT_TRUE(t.active());
  EXPECT_EQ(t.active()->number, 1u);
}

TEST(EventTrackerTest, PreRollBeforeStart) {
  EventTracker t = Make(Options(1000, 1000, 0, 60000, 2));
  t.Update(Moving(), 5'000'000);
  EventUpdate u = t.Update(Moving(), 5'200'000);
  ASSERT_TRUE(u.started);
  EXPECT_EQ(u.started->start_us, 5'000'000);
  EXPECT_EQ(u.started->clip_start_us, 4'000'000);
}

TEST(EventTrackerTest, EndsWhenPostRollExpires) {
  EventTracker t = Make(Options(1000, 1000, 0, 60000, 1));
  ASSERT_TRUE(t.Update(Moving(), 5'000'000).started);
  EXPECT_FALSE(t.Update(Moving(), 5'200'000).ended);
  for (std::int64_t pts = 5'400'000; pts < 6'200'000; pts += 200'000) {
    EXPECT_FALSE(t.Update(Still(), pts).ended) << pts;
  }
  EventUpdate u = t.Update(Still(), 6'200'000);  // last motion + 1 s
  ASSERT_TRUE(u.ended);
  EXPECT_FALSE(u.started);
  EXPECT_EQ(u.ended->last_motion_us, 5'200'000);
  EXPECT_EQ(u.ended->clip_start_us, 4'000'000);
  EXPECT_EQ(u.ended->clip_end_us, 6'200'000);
  EXPECT_FALSE(t.active());
}

TEST(EventTrackerTest, ClipEndIsTheExpiryNotTheFrame) {
  EventTracker t = Make(Options(1000, 1100, 0, 60000, 1));
  t.Update(Moving(), 5'000'000);
  EXPECT_FALSE(t.Update(Still(), 6'000'000).ended);
  EXPECT_FALSE(t.Update(Still(), 6'000'001 + 99'998).ended);  // 6.099999 s
  EventUpdate u = t.Update(Still(), 6'400'000);
  ASSERT_TRUE(u.ended);
  EXPECT_EQ(u.ended->clip_end_us, 6'100'000);
}

TEST(EventTrackerTest, MotionDuringPostRollContinues) {
  EventTracker t = Make(Options(1000, 1000, 0, 60000, 1));
  t.Update(Moving(), 5'000'000);
  EXPECT_FALSE(t.Update(Still(), 5'800'000).ended);
  EventUpdate u = t.Update(Moving(), 5'800'001);
  EXPECT_FALSE(u.ended);
  EXPECT_FALSE(u.started);  // the same event, no second trigger
  EXPECT_FALSE(t.Update(Still(), 6'800'000).ended);
  u = t.Update(Still(), 6'800'001);
  ASSERT_TRUE(u.ended);
  EXPECT_EQ(u.ended->number, 1u);
  EXPECT_EQ(u.ended->clip_end_us, 6'800'001);
}

TEST(EventTrackerTest, MinLengthPushesTheEndOut) {
  EventTracker t = Make(Options(1000, 1000, 5000, 60000, 1));
  t.Update(Moving(), 5'000'000);  // clip from 4 s, at least to 9 s
  for (std::int64_t pts = 5'200'000; pts < 9'000'000; pts += 200'000) {
    EXPECT_FALSE(t.Update(Still(), pts).ended) << pts;
  }
  EventUpdate u = t.Update(Still(), 9'000'000);
  ASSERT_TRUE(u.ended);
  EXPECT_EQ(u.ended->clip_start_us, 4'000'000);
  EXPECT_EQ(u.ended->clip_end_us, 9'000'000);
  EXPECT_EQ(u.ended->last_motion_us, 5'000'000);
}

TEST(EventTrackerTest, MotionInTheMinLengthExtensionContinues) {
  EventTracker t = Make(Options(1000, 1000, 5000, 60000, 1));
  t.Update(Moving(), 5'000'000);
  EXPECT_FALSE(t.Update(Still(), 8'000'000).ended);
  EXPECT_FALSE(t.Update(Moving(), 8'400'000).ended);  // inside [4 s, 9 s)
  EXPECT_FALSE(t.Update(Still(), 9'200'000).ended);
  EventUpdate u = t.Update(Still(), 9'400'000);
  ASSERT_TRUE(u.ended);
  EXPECT_EQ(u.ended->number, 1u);
  EXPECT_EQ(u.ended->clip_end_us, 9'400'000);  // max(8.4 + 1, 4 + 5)
}

TEST(EventTrackerTest, MinLengthFromAClampedClipStart) {
  EventTracker t = Make(Options(1000, 1000, 5000, 60000, 1));
  t.Update(Moving(), 200'000);  // clip_start clamps to 0
  EXPECT_FALSE(t.Update(Still(), 4'800'000).ended);
  EventUpdate u = t.Update(Still(), 5'000'000);
  ASSERT_TRUE(u.ended);
  EXPECT_EQ(u.ended->clip_start_us, 0);
  EXPECT_EQ(u.ended->clip_end_us, 5'000'000);
}

TEST(EventTrackerTest, MaxLengthCutsAndContinues) {
  EventTracker t = Make(Options(1000, 1000, 0, 4000, 1));
  std::vector<Event> ended, started;
  auto feed = [&](bool moving, std::int64_t pts) {
    EventUpdate u = t.Update(
        moving ? Moving(0.01 * std::floor(static_cast<double>(pts) / 200'000.0)) : Still(), pts);
    if (u.ended) ended.push_back(*u.ended);
    if (u.started) started.push_back(*u.started);
  };
  std::int64_t pts = 2'000'000;
  for (; pts <= 9'600'000; pts += 200'000) feed(true, pts);  // clip_start 1 s; cuts at 5 s and 9 s
  for (; pts <= 10'600'000; pts += 200'000) feed(false, pts);
  ASSERT_EQ(started.size(), 3u);
  ASSERT_EQ(ended.size(), 3u);
  EXPECT_EQ(ended[0].number, 1u);
  EXPECT_EQ(ended[0].clip_start_us, 1'000'000);
  EXPECT_EQ(ended[0].clip_end_us, 5'000'000);
  EXPECT_FALSE(ended[0].continuation);
  EXPECT_EQ(started[1].number, 2u);
  EXPECT_TRUE(started[1].continuation);
  EXPECT_EQ(started[1].start_us, 5'000'000);
  EXPECT_EQ(started[1].clip_start_us, 5'000'000);
  EXPECT_EQ(started[1].peak_us, 5'000'000);  // the cut frame moved
  EXPECT_EQ(ended[1].clip_start_us, 5'000'000);
  EXPECT_EQ(ended[1].clip_end_us, 9'000'000);
  EXPECT_EQ(ended[2].number, 3u);
  EXPECT_TRUE(ended[2].continuation);
  EXPECT_EQ(ended[2].clip_start_us, 9'000'000);
  EXPECT_EQ(ended[2].last_motion_us, 9'600'000);
  EXPECT_EQ(ended[2].clip_end_us, 10'600'000);
  for (const Event& e : ended) EXPECT_LE(e.clip_end_us - e.clip_start_us, 4'000'000);
}

TEST(EventTrackerTest, PostRollPastMaxLengthBecomesAContinuation) {
  EventTracker t = Make(Options(1000, 1000, 0, 4000, 1));
  for (std::int64_t pts = 2'000'000; pts <= 4'600'000; pts += 200'000) t.Update(Moving(), pts);
  EXPECT_FALSE(t.Update(Still(), 4'800'000).ended);
  EventUpdate u = t.Update(Still(), 5'000'000);  // cap 5 s < last motion + 1 s = 5.6 s
  ASSERT_TRUE(u.ended);
  ASSERT_TRUE(u.started);
  EXPECT_EQ(u.ended->clip_end_us, 5'000'000);
  EXPECT_TRUE(u.started->continuation);
  EXPECT_EQ(u.started->clip_start_us, 5'000'000);
  EXPECT_EQ(u.started->peak_score, 0);
  EXPECT_FALSE(t.Update(Still(), 5'400'000).ended);
  u = t.Update(Still(), 5'600'000);
  ASSERT_TRUE(u.ended);
  EXPECT_EQ(u.ended->number, 2u);
  EXPECT_EQ(u.ended->clip_end_us, 5'600'000);
}

TEST(EventTrackerTest, FinishEndsTheActiveEventAtTheStreamEnd) {
  EventTracker t = Make(Options(1000, 1000, 0, 60000, 1));
  EXPECT_FALSE(t.Finish(1'000'000));  // idle
  t.Update(Moving(), 5'000'000);
  t.Update(Moving(), 5'200'000);
  auto e = t.Finish(5'400'000);  // before the post-roll would end it
  ASSERT_TRUE(e);
  EXPECT_EQ(e->number, 1u);
  EXPECT_EQ(e->clip_start_us, 4'000'000);
  EXPECT_EQ(e->clip_end_us, 5'400'000);
  EXPECT_FALSE(t.active());
  EXPECT_FALSE(t.Finish(6'000'000));

  // A stream end later than the post-roll keeps the post-roll end.
  t.Update(Moving(), 7'000'000);
  e = t.Finish(20'000'000);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->number, 2u);
  EXPECT_EQ(e->clip_end_us, 8'000'000);
}

TEST(EventTrackerTest, FinishDropsATriggerRun) {
  EventTracker t = Make(Options(1000, 1000, 0, 60000, 2));
  t.Update(Moving(), 1'000'000);
  EXPECT_FALSE(t.Finish(1'100'000));
  // The run does not carry over into what follows.
  EXPECT_FALSE(t.Update(Moving(), 2'000'000).started);
  EXPECT_TRUE(t.Update(Moving(), 2'200'000).started);
}

TEST(EventTrackerTest, PeakAndZonesIncludeTheTriggerRun) {
  EventTracker t = Make(Options(0, 1000, 0, 60000, 2));
  t.Update(Moving(0.3, {"yard"}), 1'000'000);
  t.Update(Moving(0.2, {"drive"}), 1'200'000);
  t.Update(Moving(0.25, {"yard", "porch"}), 1'400'000);
  auto e = t.Finish(1'600'000);
  ASSERT_TRUE(e);
  EXPECT_DOUBLE_EQ(e->peak_score, 0.3);
  EXPECT_EQ(e->peak_us, 1'000'000);
  EXPECT_DOUBLE_EQ(e->peak_box.width, 0.3);
  EXPECT_THAT(e->zones, ElementsAre("drive", "porch", "yard"));

  t.Update(Moving(0.1), 3'000'000);
  t.Update(Moving(0.2), 3'200'000);
  t.Update(Moving(0.6, {"gate"}), 3'400'000);
  t.Update(Moving(0.6), 3'600'000);  // a tie keeps the first
  e = t.Finish(4'000'000);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->number, 2u);
  EXPECT_DOUBLE_EQ(e->peak_score, 0.6);
  EXPECT_EQ(e->peak_us, 3'400'000);
  EXPECT_THAT(e->zones, ElementsAre("gate"));
}

TEST(EventTrackerTest, ANewEventNeedsANewTrigger) {
  EventTracker t = Make(Options(1000, 1000, 0, 60000, 2));
  t.Update(Moving(), 1'000'000);
  t.Update(Moving(), 1'200'000);
  ASSERT_TRUE(t.Update(Still(), 2'200'000).ended);
  EXPECT_FALSE(t.Update(Moving(), 2'400'000).started);
  EventUpdate u = t.Update(Moving(), 2'600'000);
  ASSERT_TRUE(u.started);
  EXPECT_EQ(u.started->number, 2u);
  EXPECT_EQ(u.started->start_us, 2'400'000);
  EXPECT_EQ(u.started->clip_start_us, 1'400'000);
}

}  // namespace
}  // namespace vigil::detect

// SPDX-License-Identifier: Apache-2.0
// Real video through MotionDetector + EventTracker with the defaults. Frames
// come from the ffmpeg CLI at test time (fps=5, 320x240 luma), as the agent's
// analysis copy would.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "vigil/detect/event_tracker.h"
#include "vigil/detect/motion.h"

namespace vigil::detect {
namespace {

double Seconds(std::int64_t us) { return static_cast<double>(us) / 1e6; }

constexpr int kWidth = 320, kHeight = 240;
constexpr std::int64_t kFrameUs = 200000;  // 5 fps
const std::string kDataDir = "/usr/share/doc/opencv-doc/examples/data/";

struct Interval {
  double start_s, end_s;
};

// Decodes `path` (optionally only its first `seconds`) to 5 fps 320x240 gray.
std::vector<std::vector<std::uint8_t>> Decode(const std::string& path, double seconds = 0) {
  std::vector<std::vector<std::uint8_t>> frames;
  if (!std::filesystem::exists(path)) {
    ADD_FAILURE() << "missing " << path
                  << ": install the Debian package opencv-doc (apt-get install opencv-doc)";
    return frames;
  }
  std::string cmd = "ffmpeg -nostdin -v error -i '" + path + "'";
  if (seconds > 0) cmd += " -t " + std::to_string(seconds);
  cmd += " -vf fps=5,scale=" + std::to_string(kWidth) + ":" + std::to_string(kHeight) +
         " -pix_fmt gray -f rawvideo -";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run ffmpeg (Debian package ffmpeg)";
    return frames;
  }
  std::vector<std::uint8_t> frame(static_cast<std::size_t>(kWidth) * kHeight);
  while (std::fread(frame.data(), 1, frame.size(), pipe) == frame.size()) frames.push_back(frame);
  const int rc = ::pclose(pipe);
  EXPECT_EQ(rc, 0) << "ffmpeg failed on " << path << " (is the Debian package ffmpeg installed?)";
  return frames;
}

struct Outcome {
  std::vector<Event> events;
  int moving_frames = 0;
  double end_s = 0;
  double us_per_frame = 0;
};

Outcome Detect(const std::vector<std::vector<std::uint8_t>>& frames, bool verbose) {
  Outcome run;
  MotionOptions options;
  // For exploring margins by hand; the assertions are for the default.
  if (const char* s = std::getenv("VIGIL_DETECT_SENSITIVITY")) options.sensitivity = std::atoi(s);
  auto detector = MotionDetector::Create(options);
  auto tracker = EventTracker::Create(EventOptions{});
  EXPECT_TRUE(detector.has_value() && tracker.has_value());
  if (!detector || !tracker) return run;
  std::int64_t pts = 0;
  double busy_us = 0;
  for (const auto& f : frames) {
    const std::clock_t t0 = std::clock();  // CPU time: the cores are shared
    const MotionResult m = detector->Process(LumaView{kWidth, kHeight, kWidth, f}, pts);
    busy_us += 1e6 * static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC;
    run.moving_frames += m.motion ? 1 : 0;
    if (verbose && m.motion) {
      std::printf("  %6.1fs score %.4f box %.2f,%.2f %.2fx%.2f\n", Seconds(pts), m.score, m.box.x,
                  m.box.y, m.box.width, m.box.height);
    }
    EventUpdate u = tracker->Update(m, pts);
    if (u.ended) run.events.push_back(std::move(*u.ended));
    pts += kFrameUs;
  }
  if (auto last = tracker->Finish(pts)) run.events.push_back(std::move(*last));
  run.end_s = Seconds(pts);
  run.us_per_frame = frames.empty() ? 0 : busy_us / static_cast<double>(frames.size());
  return run;
}

bool Verbose() { return std::getenv("VIGIL_DETECT_VERBOSE") != nullptr; }

void Print(const char* name, const Outcome& run) {
  double covered = 0;
  for (const Event& e : run.events) covered += Seconds(e.clip_end_us - e.clip_start_us);
  std::printf(
      "%s: %.1f s, %d moving frames, %zu events, clips %.1f s (%.0f%% of the video), %.0f us "
      "CPU/frame\n",
      name, run.end_s, run.moving_frames, run.events.size(), covered,
      run.end_s > 0 ? 100 * covered / run.end_s : 0.0, run.us_per_frame);
  for (const Event& e : run.events) {
    std::printf("  event %llu%s: start %.1f s, clip [%.1f, %.1f] s, peak %.3f at %.1f s\n",
                static_cast<unsigned long long>(e.number), e.continuation ? " (cont.)" : "",
                Seconds(e.start_us), Seconds(e.clip_start_us), Seconds(e.clip_end_us), e.peak_score,
                Seconds(e.peak_us));
  }
}

// tree.avi: a tree swaying in the wind for 23 s, then a hand comes in front
// of the lens (from 23.0 s to the end). The tree alone must raise nothing.
TEST(DetectVideoTest, SwayingTreeRaisesNoEvent) {
  const auto frames = Decode(kDataDir + "tree.avi", 22.6);
  ASSERT_GE(frames.size(), 100u);
  const Outcome run = Detect(frames, Verbose());
  Print("tree.avi (tree only, 0-22.6 s)", run);
  EXPECT_EQ(run.events.size(), 0u);
  EXPECT_EQ(run.moving_frames, 0);
}

// The whole clip: whatever fires must be the hand, not the tree.
TEST(DetectVideoTest, WholeTreeClipOnlyTheHand) {
  const auto frames = Decode(kDataDir + "tree.avi");
  ASSERT_GE(frames.size(), 140u);
  const Outcome run = Detect(frames, Verbose());
  Print("tree.avi (whole, hand from 23.0 s)", run);
  for (const Event& e : run.events) EXPECT_GE(e.start_us, 23'000'000) << "event " << e.number;
}

// vtest.avi: a fixed camera over a path with people walking. The event clips
// must cover the labelled person-moving seconds.
TEST(DetectVideoTest, PeopleWalkingAreCovered) {
  const std::string labels_path =
      std::string(VIGIL_SOURCE_DIR) + "/tests/data/vtest-person-intervals.json";
  std::ifstream in(labels_path);
  ASSERT_TRUE(in) << "missing " << labels_path;
  const nlohmann::json labels = nlohmann::json::parse(in);
  std::vector<Interval> truth;
  for (const auto& i : labels.at("intervals")) {
    truth.push_back({i.at("start_s").get<double>(), i.at("end_s").get<double>()});
  }
  ASSERT_FALSE(truth.empty());

  const auto frames = Decode(kDataDir + "vtest.avi");
  ASSERT_GE(frames.size(), 390u);
  const Outcome run = Detect(frames, Verbose());
  Print("vtest.avi", run);
  ASSERT_FALSE(run.events.empty());

  // Labelled seconds inside some clip, measured on a 10 ms grid.
  double labelled = 0, covered = 0;
  for (const Interval& t : truth) {
    for (double s = t.start_s; s < t.end_s; s += 0.01) {
      labelled += 0.01;
      for (const Event& e : run.events) {
        if (s >= Seconds(e.clip_start_us) && s < Seconds(e.clip_end_us)) {
          covered += 0.01;
          break;
        }
      }
    }
  }
  std::printf("vtest.avi: labelled person-moving %.1f s, covered by clips %.1f s (%.1f%%)\n",
              labelled, covered, 100 * covered / labelled);
  EXPECT_GE(covered, 0.95 * labelled);
  // Someone walks all through this clip: nearly every analysis frame after
  // the 2 s of learning should move.
  const double after_learning = static_cast<double>(frames.size()) - 10;
  std::printf("vtest.avi: %d of %.0f frames after learning moving\n", run.moving_frames,
              after_learning);
  EXPECT_GE(run.moving_frames, 0.9 * after_learning);
  for (const Event& e : run.events) {
    EXPECT_GE(e.clip_start_us, 0);
    EXPECT_LE(e.clip_end_us - e.clip_start_us, 120'000'000);
    EXPECT_GT(e.peak_score, 0);
  }
}

}  // namespace
}  // namespace vigil::detect

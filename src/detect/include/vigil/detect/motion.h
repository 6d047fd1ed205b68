// SPDX-License-Identifier: Apache-2.0
#pragma once

// Motion detection on the analysis copy (docs/design/006-agent.md §Motion):
// a per-pixel background model on the luma plane that follows slow lighting
// change, ignores sensor noise and foliage that sways in place, and reports
// how much of the watched area moves, in which zones, and where.
//
// Geometry is in fractions of the frame (0..1), so a camera's zones survive a
// resolution change. Thread-compatible; one detector per camera.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "vigil/core/result.h"

namespace vigil::detect {

struct Point {
  double x = 0, y = 0;  // 0..1, origin top left
};

// A named polygon (at least 3 points). Zones say where motion counts and
// name the event's zones; masks say where it never counts (a road, a tree).
struct Zone {
  std::string name;
  std::vector<Point> polygon;
};

struct MotionOptions {
  // 1 (only large, clear movement) .. 10 (the slightest movement). Sets the
  // per-pixel contrast needed and the smallest moving blob (§Motion table).
  int sensitivity = 5;
  // Smallest moving blob as a share of the frame; 0 takes it from
  // `sensitivity`. For cameras far from what they watch.
  double min_area = 0;
  // No zones: the whole frame is watched. At most 32 zones; names non-empty
  // and distinct.
  std::vector<Zone> zones;
  std::vector<Zone> masks;
};

// A view of one 8-bit luma plane (not owned).
struct LumaView {
  int width = 0, height = 0, stride = 0;
  std::span<const std::uint8_t> pixels;
};

struct Box {
  double x = 0, y = 0, width = 0, height = 0;  // fractions of the frame
};

struct MotionResult {
  bool motion = false;             // this frame moves enough to count
  double score = 0;                // 0..1: share of the watched area that moves
  Box box;                         // bounding box of what moves (when motion)
  std::vector<std::string> zones;  // zones that moved (when motion)
};

class MotionDetector {
 public:
  // kInvalidArgument on a sensitivity or min_area out of range, a bad
  // polygon (under 3 points, a coordinate outside 0..1 or not finite), or bad
  // zone names.
  static Result<MotionDetector> Create(const MotionOptions& options);

  // Move-only: the model is per camera, and copies sharing it would corrupt it.
  MotionDetector(MotionDetector&&) noexcept;
  MotionDetector& operator=(MotionDetector&&) noexcept;
  ~MotionDetector();

  // Feeds the next frame (pts in microseconds, increasing; learning rates are
  // per second, so the analysis rate may vary). A change of frame size
  // restarts the background model. The first frames (about 2 s) only learn. A
  // malformed view (size <= 0, stride < width, too few pixels) yields no
  // motion and leaves the model alone.
  MotionResult Process(const LumaView& frame, std::int64_t pts_us);

 private:
  struct Model;
  explicit MotionDetector(MotionOptions options);
  MotionOptions options_;
  std::unique_ptr<Model> model_;  // the background; see motion.cc
};

}  // namespace vigil::detect

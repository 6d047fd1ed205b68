// SPDX-License-Identifier: Apache-2.0
#pragma once

// The analysis copy: keeps at most `fps` decoded frames per second of media
// time and scales them to `width` (height by display aspect, even) as
// tightly packed YUV 4:2:0.

#include <cstdint>
#include <optional>

#include "internal/av.h"
#include "vigil/media/ingest.h"

namespace vigil::media::internal {

class AnalysisSampler {
 public:
  // detect_width > 0 adds the detector's RGB copy to every analysis frame.
  AnalysisSampler(int width, double fps, int detect_width = 0);

  // Whether a frame at `pts_us` would be kept (lets callers skip work).
  bool Due(std::int64_t pts_us) const;
  // The analysis frame for `frame` at `pts_us` when it is due.
  Result<std::optional<AnalysisFrame>> Offer(const AVFrame& frame, std::int64_t pts_us);

 private:
  int width_;
  std::int64_t interval_us_;
  std::int64_t next_us_ = INT64_MIN;
  SwsPtr sws_;
  int out_height_ = 0;
  int detect_width_ = 0, detect_height_ = 0;
  SwsPtr detect_sws_;
  int src_width_ = 0, src_height_ = 0, src_format_ = -1;
};

// Height for `width` keeping the display aspect of a w x h picture with
// sample aspect `sar`; even and at least 2.
int ScaledHeight(int width, int src_width, int src_height, AVRational sar);

}  // namespace vigil::media::internal

// SPDX-License-Identifier: Apache-2.0
#include "internal/analysis.h"

#include <algorithm>
#include <cmath>

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace vigil::media::internal {

int ScaledHeight(int width, int src_width, int src_height, AVRational sar) {
  double aspect = static_cast<double>(src_width) / src_height;
  if (sar.num > 0 && sar.den > 0) aspect *= static_cast<double>(sar.num) / sar.den;
  const int height = static_cast<int>(std::lround(width / aspect / 2.0)) * 2;
  return std::max(height, 2);
}

AnalysisSampler::AnalysisSampler(int width, double fps, int detect_width)
    : width_(std::max(2, width & ~1)),
      interval_us_(fps > 0 ? static_cast<std::int64_t>(std::llround(1e6 / fps)) : 0),
      detect_width_(detect_width > 0 ? std::max(2, detect_width & ~1) : 0) {}

bool AnalysisSampler::Due(std::int64_t pts_us) const {
  // 1 ms of slack: rescaled timestamps of a steady rate land within a
  // microsecond or two of the grid.
  return next_us_ == INT64_MIN || pts_us >= next_us_ - 1000;
}

Result<std::optional<AnalysisFrame>> AnalysisSampler::Offer(const AVFrame& frame,
                                                            std::int64_t pts_us) {
  if (!Due(pts_us)) return std::optional<AnalysisFrame>();
  if (frame.width <= 0 || frame.height <= 0) return std::optional<AnalysisFrame>();
  // Stay on the grid of the first frame unless the stream jumped ahead.
  next_us_ = (next_us_ == INT64_MIN || pts_us >= next_us_ + interval_us_) ? pts_us + interval_us_
                                                                          : next_us_ + interval_us_;

  if (!sws_ || frame.width != src_width_ || frame.height != src_height_ ||
      frame.format != src_format_) {
    src_width_ = frame.width;
    src_height_ = frame.height;
    src_format_ = frame.format;
    out_height_ = ScaledHeight(width_, frame.width, frame.height, frame.sample_aspect_ratio);
    sws_.reset(sws_getContext(frame.width, frame.height, static_cast<AVPixelFormat>(frame.format),
                              width_, out_height_, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr,
                              nullptr, nullptr));
    if (detect_width_ > 0) {
      detect_height_ =
          ScaledHeight(detect_width_, frame.width, frame.height, frame.sample_aspect_ratio);
      detect_sws_.reset(sws_getContext(
          frame.width, frame.height, static_cast<AVPixelFormat>(frame.format), detect_width_,
          detect_height_, AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr));
    }
    if (!sws_ || (detect_width_ > 0 && !detect_sws_)) {
      return Fail(ErrorCode::kInvalidArgument,
                  std::string("analysis: cannot scale pixel format ") +
                      (av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame.format))
                           ? av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame.format))
                           : "unknown"));
    }
  }

  AnalysisFrame out;
  out.width = width_;
  out.height = out_height_;
  out.pts_us = pts_us;
  const std::size_t luma = static_cast<std::size_t>(width_) * out_height_;
  out.y.resize(luma);
  out.u.resize(luma / 4);
  out.v.resize(luma / 4);
  // Scale straight into the frame's planes: no intermediate AVFrame copy.
  std::uint8_t* dst[4] = {out.y.data(), out.u.data(), out.v.data(), nullptr};
  const int dst_stride[4] = {width_, width_ / 2, width_ / 2, 0};
  const int rows =
      sws_scale(sws_.get(), frame.data, frame.linesize, 0, frame.height, dst, dst_stride);
  if (rows != out_height_) return Fail(ErrorCode::kInternal, "analysis: scaling failed");
  if (detect_width_ > 0) {
    out.detect_width = detect_width_;
    out.detect_height = detect_height_;
    out.detect_rgb.resize(static_cast<std::size_t>(detect_width_) * detect_height_ * 3);
    std::uint8_t* rgb[4] = {out.detect_rgb.data(), nullptr, nullptr, nullptr};
    const int rgb_stride[4] = {3 * detect_width_, 0, 0, 0};
    if (sws_scale(detect_sws_.get(), frame.data, frame.linesize, 0, frame.height, rgb,
                  rgb_stride) != detect_height_) {
      return Fail(ErrorCode::kInternal, "analysis: scaling for the detector failed");
    }
  }
  return std::optional<AnalysisFrame>(std::move(out));
}

}  // namespace vigil::media::internal

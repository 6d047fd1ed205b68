// SPDX-License-Identifier: Apache-2.0
#include "internal/kernels.h"

#include <cblas.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

namespace vigil::nn::internal {

float HalfToFloat(std::uint16_t half) {
  const std::uint32_t sign = static_cast<std::uint32_t>(half & 0x8000U) << 16;
  const std::uint32_t exponent = (half >> 10) & 0x1FU;
  std::uint32_t mantissa = half & 0x3FFU;
  std::uint32_t bits = 0;
  if (exponent == 0x1F) {  // inf or NaN: keep the payload
    bits = sign | 0x7F800000U | (mantissa << 13);
  } else if (exponent != 0) {  // normal: rebias 15 -> 127
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {  // signed zero
    bits = sign;
  } else {  // subnormal half: normalise into a float32 normal
    int shift = 0;
    while ((mantissa & 0x400U) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    mantissa &= 0x3FFU;
    bits = sign | (static_cast<std::uint32_t>(113 - shift) << 23) | (mantissa << 13);
  }
  return std::bit_cast<float>(bits);
}

namespace {

// Milliseconds between laps; reads no clock when disabled.
class StopWatch {
 public:
  explicit StopWatch(bool enabled) {
    if (enabled) last_ = std::chrono::steady_clock::now();
  }
  double Lap() {
    const auto now = std::chrono::steady_clock::now();
    const double ms = std::chrono::duration<double, std::milli>(now - last_).count();
    last_ = now;
    return ms;
  }

 private:
  std::chrono::steady_clock::time_point last_;
};

// Rows of the patch matrix: one per output pixel, kernel_h*kernel_w*in_c
// columns in the filter's [kh][kw][c] order, zeros where the window leaves
// the image. A window row's kernel_w taps are adjacent in NHWC memory, so
// each is one copy (between zero fills at the image's edges).
void Im2Col(const float* in, const ConvShape& s, float* patches) {
  const int out_h = s.out_h(), out_w = s.out_w();
  const std::size_t channels = static_cast<std::size_t>(s.in_c);
  const std::size_t row = channels * static_cast<std::size_t>(s.kernel_w);
  float* dst = patches;
  for (int oy = 0; oy < out_h; ++oy) {
    for (int ox = 0; ox < out_w; ++ox) {
      const int ix0 = ox * s.stride_w - s.pad_left;
      const int first = std::clamp(-ix0, 0, s.kernel_w);  // taps inside the image: [first, last)
      const int last = std::clamp(s.in_w - ix0, first, s.kernel_w);
      for (int ky = 0; ky < s.kernel_h; ++ky) {
        const int iy = oy * s.stride_h - s.pad_top + ky;
        if (iy < 0 || iy >= s.in_h || first == last) {
          std::fill_n(dst, row, 0.0F);
        } else {
          std::fill_n(dst, channels * first, 0.0F);
          std::copy_n(in + (static_cast<std::size_t>(iy) * s.in_w + ix0 + first) * channels,
                      channels * (last - first), dst + channels * first);
          std::fill_n(dst + channels * last, channels * (s.kernel_w - last), 0.0F);
        }
        dst += row;
      }
    }
  }
}

}  // namespace

void Conv2d(const float* in, const ConvShape& s, const float* filter, const ConvEpilogue& epilogue,
            float* out, std::vector<float>& scratch, ConvTimes* times) {
  StopWatch watch(times != nullptr);
  const int rows = s.out_h() * s.out_w();
  const int depth = s.kernel_h * s.kernel_w * s.in_c;
  const bool direct = s.kernel_h == 1 && s.kernel_w == 1 && s.stride_h == 1 && s.stride_w == 1 &&
                      s.pad_top == 0 && s.pad_bottom == 0 && s.pad_left == 0 && s.pad_right == 0;
  const float* a = in;
  if (!direct) {
    scratch.resize(static_cast<std::size_t>(rows) * depth);
    Im2Col(in, s, scratch.data());
    a = scratch.data();
  }
  if (times != nullptr) times->patches += watch.Lap();
  float beta = 0;
  if (epilogue.bias != nullptr) {
    // Start from the bias and let the multiplication accumulate onto it.
    for (int r = 0; r < rows; ++r) {
      std::memcpy(out + static_cast<std::size_t>(r) * s.out_c, epilogue.bias,
                  sizeof(float) * s.out_c);
    }
    beta = 1;
  }
  if (times != nullptr) times->epilogue += watch.Lap();
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, s.out_c, depth, 1.0F, a, depth,
              filter, s.out_c, beta, out, s.out_c);
  if (times != nullptr) times->sgemm += watch.Lap();
  if (epilogue.leaky_relu) {
    const std::size_t n = static_cast<std::size_t>(rows) * s.out_c;
    const float alpha = epilogue.alpha;
    for (std::size_t i = 0; i < n; ++i) {
      const float x = out[i], scaled = x * alpha;  // both computed: a select, not a branch
      out[i] = x < 0 ? scaled : x;
    }
  }
  if (times != nullptr) times->epilogue += watch.Lap();
}

void MaxPool(const float* in, int in_h, int in_w, int channels, int kernel_h, int kernel_w,
             int stride_h, int stride_w, float* out, int out_h, int out_w) {
  for (int oy = 0; oy < out_h; ++oy) {
    for (int ox = 0; ox < out_w; ++ox) {
      float* dst = out + (static_cast<std::size_t>(oy) * out_w + ox) * channels;
      std::fill(dst, dst + channels, -std::numeric_limits<float>::infinity());
      for (int ky = 0; ky < kernel_h; ++ky) {
        const int iy = oy * stride_h + ky;
        if (iy >= in_h) break;
        for (int kx = 0; kx < kernel_w; ++kx) {
          const int ix = ox * stride_w + kx;
          if (ix >= in_w) break;
          const float* src = in + (static_cast<std::size_t>(iy) * in_w + ix) * channels;
          for (int c = 0; c < channels; ++c) dst[c] = std::max(dst[c], src[c]);
        }
      }
    }
  }
}

namespace {

// Where output index `o` samples the input, as TensorFlow computes it.
struct Sample {
  int low, high;
  float frac;
};

Sample SampleAt(int o, int in_size, int out_size, bool half_pixel_centers) {
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  const float source = half_pixel_centers ? (static_cast<float>(o) + 0.5F) * scale - 0.5F
                                          : static_cast<float>(o) * scale;
  const float floor = std::floor(source);
  const int low = std::max(static_cast<int>(floor), 0);
  const int high = std::min(static_cast<int>(std::ceil(source)), in_size - 1);
  return {low, std::max(high, low), source - floor};
}

}  // namespace

void ResizeBilinear(const float* in, int in_h, int in_w, int channels, bool half_pixel_centers,
                    float* out, int out_h, int out_w) {
  std::vector<Sample> xs(static_cast<std::size_t>(out_w));
  for (int ox = 0; ox < out_w; ++ox) xs[ox] = SampleAt(ox, in_w, out_w, half_pixel_centers);
  for (int oy = 0; oy < out_h; ++oy) {
    const Sample y = SampleAt(oy, in_h, out_h, half_pixel_centers);
    const float* top_row = in + static_cast<std::size_t>(y.low) * in_w * channels;
    const float* bottom_row = in + static_cast<std::size_t>(y.high) * in_w * channels;
    for (int ox = 0; ox < out_w; ++ox) {
      const Sample& x = xs[ox];
      const float* tl = top_row + static_cast<std::size_t>(x.low) * channels;
      const float* tr = top_row + static_cast<std::size_t>(x.high) * channels;
      const float* bl = bottom_row + static_cast<std::size_t>(x.low) * channels;
      const float* br = bottom_row + static_cast<std::size_t>(x.high) * channels;
      float* dst = out + (static_cast<std::size_t>(oy) * out_w + ox) * channels;
      for (int c = 0; c < channels; ++c) {
        const float top = tl[c] + (tr[c] - tl[c]) * x.frac;
        const float bottom = bl[c] + (br[c] - bl[c]) * x.frac;
        dst[c] = top + (bottom - top) * y.frac;
      }
    }
  }
}

}  // namespace vigil::nn::internal

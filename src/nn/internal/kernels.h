// SPDX-License-Identifier: Apache-2.0
#pragma once

// The executor's compute kernels, on plain float buffers in NHWC order
// (batch is looped by the caller). Internal to nn; tested in kernels_test.cc
// against direct loops.

#include <cstdint>
#include <vector>

namespace vigil::nn::internal {

// IEEE 754 binary16 -> binary32, exact for every input (subnormals, inf, NaN).
float HalfToFloat(std::uint16_t half);

struct ConvShape {
  int in_h = 0, in_w = 0, in_c = 0;
  int kernel_h = 1, kernel_w = 1, out_c = 0;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;

  int out_h() const { return (in_h + pad_top + pad_bottom - kernel_h) / stride_h + 1; }
  int out_w() const { return (in_w + pad_left + pad_right - kernel_w) / stride_w + 1; }
};

// What follows the convolution, fused into its output pass.
struct ConvEpilogue {
  const float* bias = nullptr;  // out_c values, or none
  bool leaky_relu = false;
  float alpha = 0;  // LeakyRelu slope (0 gives Relu)
};

// Milliseconds spent in each part of Conv2d, added to when profiling.
struct ConvTimes {
  double patches = 0, sgemm = 0, epilogue = 0;
};

// out[out_h*out_w][out_c] = conv(in[in_h*in_w][in_c], filter[kh][kw][in_c][out_c])
// with zero padding, then the epilogue. `scratch` holds the patch matrix.
void Conv2d(const float* in, const ConvShape& shape, const float* filter,
            const ConvEpilogue& epilogue, float* out, std::vector<float>& scratch,
            ConvTimes* times = nullptr);

// Max over kernel_h x kernel_w windows (no padding: pad with -inf first).
void MaxPool(const float* in, int in_h, int in_w, int channels, int kernel_h, int kernel_w,
             int stride_h, int stride_w, float* out, int out_h, int out_w);

// tf.image.resize_bilinear (align_corners false) with or without half-pixel
// centres.
void ResizeBilinear(const float* in, int in_h, int in_w, int channels, bool half_pixel_centers,
                    float* out, int out_h, int out_w);

}  // namespace vigil::nn::internal

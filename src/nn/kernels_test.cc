// SPDX-License-Identifier: Apache-2.0
// The executor's kernels against direct loops written from the definitions.
#include "internal/kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace vigil::nn::internal {
namespace {

std::vector<float> Random(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

TEST(HalfToFloat, ConvertsEveryClassOfValue) {
  EXPECT_EQ(HalfToFloat(0x3C00), 1.0F);
  EXPECT_EQ(HalfToFloat(0xC000), -2.0F);
  EXPECT_EQ(HalfToFloat(0x7BFF), 65504.0F);                  // largest normal
  EXPECT_EQ(HalfToFloat(0x0400), std::ldexp(1.0F, -14));     // smallest normal
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0F, -24));     // smallest subnormal
  EXPECT_EQ(HalfToFloat(0x03FF), std::ldexp(1023.0F, -24));  // largest subnormal
  EXPECT_EQ(HalfToFloat(0x3555), 0.333251953125F);
  EXPECT_TRUE(std::signbit(HalfToFloat(0x8000)));
  EXPECT_EQ(HalfToFloat(0x8000), 0.0F);
  EXPECT_EQ(HalfToFloat(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(HalfToFloat(0xFC00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(HalfToFloat(0x7E00)));
}

// Direct convolution from the definition.
std::vector<float> NaiveConv(const std::vector<float>& in, const ConvShape& s,
                             const std::vector<float>& filter, const std::vector<float>& bias,
                             bool leaky, float alpha) {
  std::vector<float> out(static_cast<std::size_t>(s.out_h()) * s.out_w() * s.out_c);
  for (int oy = 0; oy < s.out_h(); ++oy) {
    for (int ox = 0; ox < s.out_w(); ++ox) {
      for (int k = 0; k < s.out_c; ++k) {
        double sum = bias.empty() ? 0 : bias[k];
        for (int ky = 0; ky < s.kernel_h; ++ky) {
          for (int kx = 0; kx < s.kernel_w; ++kx) {
            const int iy = oy * s.stride_h - s.pad_top + ky, ix = ox * s.stride_w - s.pad_left + kx;
            if (iy < 0 || iy >= s.in_h || ix < 0 || ix >= s.in_w) continue;
            for (int c = 0; c < s.in_c; ++c) {
              sum +=
                  static_cast<double>(
                      in[(static_cast<std::size_t>(iy) * s.in_w + ix) * s.in_c + c]) *
                  filter[((static_cast<std::size_t>(ky) * s.kernel_w + kx) * s.in_c + c) * s.out_c +
                         k];
            }
          }
        }
        float v = static_cast<float>(sum);
        if (leaky && v < 0) v *= alpha;
        out[(static_cast<std::size_t>(oy) * s.out_w() + ox) * s.out_c + k] = v;
      }
    }
  }
  return out;
}

void ExpectConvMatches(const ConvShape& s, bool with_bias, bool leaky) {
  const auto in = Random(static_cast<std::size_t>(s.in_h) * s.in_w * s.in_c, 1);
  const auto filter =
      Random(static_cast<std::size_t>(s.kernel_h) * s.kernel_w * s.in_c * s.out_c, 2);
  const auto bias = with_bias ? Random(static_cast<std::size_t>(s.out_c), 3) : std::vector<float>{};
  ConvEpilogue epilogue{with_bias ? bias.data() : nullptr, leaky, 0.1F};
  std::vector<float> out(static_cast<std::size_t>(s.out_h()) * s.out_w() * s.out_c, 99.0F);
  std::vector<float> scratch;
  Conv2d(in.data(), s, filter.data(), epilogue, out.data(), scratch);
  const auto want = NaiveConv(in, s, filter, bias, leaky, 0.1F);
  ASSERT_EQ(out.size(), want.size());
  for (std::size_t i = 0; i < out.size(); ++i)
    ASSERT_NEAR(out[i], want[i], 1e-4) << "element " << i;
}

TEST(Conv2d, ThreeByThreeWithPaddingBiasAndLeakyRelu) {
  ConvShape s{.in_h = 9, .in_w = 7, .in_c = 5, .kernel_h = 3, .kernel_w = 3, .out_c = 6};
  s.pad_top = s.pad_bottom = s.pad_left = s.pad_right = 1;
  ExpectConvMatches(s, true, true);
}

TEST(Conv2d, StrideTwoWithAsymmetricPadding) {
  ConvShape s{.in_h = 10,
              .in_w = 11,
              .in_c = 3,
              .kernel_h = 3,
              .kernel_w = 3,
              .out_c = 4,
              .stride_h = 2,
              .stride_w = 2};
  s.pad_top = 1;
  s.pad_left = 1;
  s.pad_right = 2;
  ExpectConvMatches(s, false, false);
}

// Padding wider than the kernel: whole windows (and window rows) fall
// outside the image on every side.
TEST(Conv2d, WindowsEntirelyInThePadding) {
  ConvShape s{.in_h = 3, .in_w = 4, .in_c = 2, .kernel_h = 2, .kernel_w = 3, .out_c = 3};
  s.pad_top = 3;
  s.pad_bottom = 2;
  s.pad_left = 4;
  s.pad_right = 5;
  ExpectConvMatches(s, true, false);
}

TEST(Conv2d, PointwiseTakesTheInputAsTheMatrix) {
  ConvShape s{.in_h = 4, .in_w = 6, .in_c = 8, .kernel_h = 1, .kernel_w = 1, .out_c = 3};
  ExpectConvMatches(s, true, false);
}

TEST(MaxPool, TakesTheWindowMaximum) {
  const int h = 7, w = 6, c = 3;
  const auto in = Random(static_cast<std::size_t>(h) * w * c, 4);
  const int oh = (h - 3) / 2 + 1, ow = (w - 3) / 2 + 1;
  std::vector<float> out(static_cast<std::size_t>(oh) * ow * c);
  MaxPool(in.data(), h, w, c, 3, 3, 2, 2, out.data(), oh, ow);
  for (int oy = 0; oy < oh; ++oy) {
    for (int ox = 0; ox < ow; ++ox) {
      for (int ch = 0; ch < c; ++ch) {
        float best = -std::numeric_limits<float>::infinity();
        for (int ky = 0; ky < 3; ++ky) {
          for (int kx = 0; kx < 3; ++kx)
            best = std::max(best, in[((oy * 2 + ky) * w + ox * 2 + kx) * c + ch]);
        }
        EXPECT_EQ(out[(oy * ow + ox) * c + ch], best);
      }
    }
  }
}

TEST(ResizeBilinear, HalfPixelDoublingInterpolatesBetweenNeighbours) {
  // One row 0, 4: doubled with half-pixel centres samples at -0.25, 0.25,
  // 0.75, 1.25 -> 0, 1, 3, 4 (clamped at the edges).
  const std::vector<float> in{0, 4};
  std::vector<float> out(4);
  ResizeBilinear(in.data(), 1, 2, 1, true, out.data(), 1, 4);
  EXPECT_FLOAT_EQ(out[0], 0);
  EXPECT_FLOAT_EQ(out[1], 1);
  EXPECT_FLOAT_EQ(out[2], 3);
  EXPECT_FLOAT_EQ(out[3], 4);
}

TEST(ResizeBilinear, HalfPixelHalvingAveragesPairs) {
  const std::vector<float> in{1, 3, 5, 9, 2, 4, 6, 10};  // 2 rows x 4
  std::vector<float> out(2);
  ResizeBilinear(in.data(), 2, 4, 1, true, out.data(), 1, 2);
  EXPECT_FLOAT_EQ(out[0], (1 + 3 + 2 + 4) / 4.0F);
  EXPECT_FLOAT_EQ(out[1], (5 + 9 + 6 + 10) / 4.0F);
}

TEST(ResizeBilinear, WithoutHalfPixelCentresSamplesFromTheCorner) {
  const std::vector<float> in{0, 4};
  std::vector<float> out(4);
  ResizeBilinear(in.data(), 1, 2, 1, false, out.data(), 1, 4);  // at 0, .5, 1, 1.5
  EXPECT_FLOAT_EQ(out[0], 0);
  EXPECT_FLOAT_EQ(out[1], 2);
  EXPECT_FLOAT_EQ(out[2], 4);
  EXPECT_FLOAT_EQ(out[3], 4);
}

}  // namespace
}  // namespace vigil::nn::internal

// SPDX-License-Identifier: Apache-2.0
// Decoding, NMS and input preparation on hand-made tensors and images, where
// every expected number is worked out from the definitions.
#include "vigil/detect/objects.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace vigil::detect {
namespace {

constexpr int kClasses = 3, kRegMax = 10, kBins = kRegMax + 1;

// Logits for one side whose softmax puts half its mass on bin a, half on b.
void TwoBins(float* side, int a, int b) {
  for (int i = 0; i < kBins; ++i) side[i] = -30;
  side[a] = side[b] = 5;
}

TEST(DecodeNanoDet, SoftmaxExpectationGivesTheDistancesInSourcePixels) {
  // One 2x2 level of stride 8 (a 16x16 input) for a 32x32 source: scale 0.5.
  std::vector<float> scores(std::size_t{4} * kClasses, 0.1F);
  std::vector<float> distances(std::size_t{16} * kBins, 0.0F);
  const int cell = 3;  // x = 1, y = 1: centre (12, 12)
  scores[cell * kClasses + 1] = 0.9F;
  scores[cell * kClasses + 2] = 0.4F;
  float* d = distances.data() + std::ptrdiff_t{cell} * 4 * kBins;
  TwoBins(d + std::ptrdiff_t{0} * kBins, 1, 2);  // left: 1.5 bins = 12 px
  TwoBins(d + std::ptrdiff_t{1} * kBins, 0, 1);  // top: 0.5 bins = 4 px
  TwoBins(d + std::ptrdiff_t{2} * kBins, 0, 0);  // right: 0 px
  TwoBins(d + std::ptrdiff_t{3} * kBins, 3, 3);  // bottom: 3 bins = 24 px (past the input edge)
  NanoDetLevel level{8, 2, 2, scores, distances};
  InputGeometry g{16, 16, 32, 32, 0.5, 0.5, 0, 0};
  const std::vector<std::string_view> labels = {"a", "b", "c"};
  auto out = DecodeNanoDet(std::span(&level, 1), kClasses, kRegMax, g, 0.35F, labels);
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].label, "b");
  EXPECT_FLOAT_EQ(out[0].score, 0.9F);
  EXPECT_EQ(out[1].label, "c");
  for (const auto& det : out) {
    EXPECT_NEAR(det.box.x, (12 - 12) / 0.5, 1e-6);
    EXPECT_NEAR(det.box.y, (12 - 4) / 0.5, 1e-6);
    EXPECT_NEAR(det.box.width, (12 - 0) / 0.5, 1e-6);
    EXPECT_NEAR(det.box.height, 32 - 16.0,
                1e-6);  // (12 + 24) / 0.5 = 72, clipped to the 32 px image
  }
}

TEST(DecodeNanoDet, LetterboxOffsetsAreRemovedAndNothingBelowThresholdSurvives) {
  std::vector<float> scores(2, 0.0F);
  std::vector<float> distances(std::size_t{4} * kBins, 0.0F);
  scores[0] = 0.34F;  // just below
  scores[1] = 0.35F;  // exactly the threshold: kept
  for (int side = 0; side < 4; ++side)
    TwoBins(distances.data() + std::ptrdiff_t{side} * kBins, 1, 1);  // 1 bin = 32 px
  NanoDetLevel level{32, 1, 1, scores, distances};
  // A 64x32 source letterboxed into 32x32: scale 0.5, 8 px of black above.
  InputGeometry g{32, 32, 64, 32, 0.5, 0.5, 0, 8};
  const std::vector<std::string_view> labels = {"x", "y"};
  auto out = DecodeNanoDet(std::span(&level, 1), 2, kRegMax, g, 0.35F, labels);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].class_id, 1);
  // centre (16, 16) +- 32 -> x -16..48 -> source -32..96 -> clipped 0..64;
  // y -16..48 minus 8 -> -24..40 -> /0.5 -> -48..80 -> clipped 0..32.
  EXPECT_NEAR(out[0].box.x, 0, 1e-6);
  EXPECT_NEAR(out[0].box.width, 64, 1e-6);
  EXPECT_NEAR(out[0].box.y, 0, 1e-6);
  EXPECT_NEAR(out[0].box.height, 32, 1e-6);
}

TEST(DecodeNanoDet, ClassesBeyondTheLabelListGetANumberedName) {
  std::vector<float> scores{0.0F, 0.9F};
  std::vector<float> distances(std::size_t{4} * kBins, 0.0F);
  NanoDetLevel level{8, 1, 1, scores, distances};
  InputGeometry g{8, 8, 8, 8, 1, 1, 0, 0};
  auto out = DecodeNanoDet(std::span(&level, 1), 2, kRegMax, g, 0.35F,
                           std::vector<std::string_view>{"only"});
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].label, "class1");
}

Detection Box(int cls, float score, double x, double y, double w, double h) {
  return Detection{cls, "c" + std::to_string(cls), score, {x, y, w, h}};
}

TEST(IoU, OfKnownOverlaps) {
  EXPECT_DOUBLE_EQ(IoU({0, 0, 10, 10}, {0, 0, 10, 10}), 1.0);
  EXPECT_DOUBLE_EQ(IoU({0, 0, 10, 10}, {5, 0, 10, 10}), 50.0 / 150.0);
  EXPECT_DOUBLE_EQ(IoU({0, 0, 10, 10}, {10, 0, 10, 10}), 0.0);  // touching edges
  EXPECT_DOUBLE_EQ(IoU({0, 0, 0, 0}, {0, 0, 0, 0}), 0.0);
}

TEST(NonMaxSuppression, DropsOnlyStrongOverlapsWithinAClass) {
  std::vector<Detection> in = {
      Box(0, 0.80F, 0, 0, 10, 10),
      Box(0, 0.90F, 1, 0, 10, 10),    // IoU with the first: 90/110 = 0.82 -> the first goes
      Box(0, 0.70F, 5, 0, 10, 10),    // IoU with the kept one: 60/140 = 0.43 -> stays
      Box(2, 0.60F, 1, 0, 10, 10),    // another class on top: stays
      Box(0, 0.95F, 50, 50, 10, 10),  // elsewhere: stays, and sorts first
  };
  auto out = NonMaxSuppression(in, 0.6F, 100);
  ASSERT_EQ(out.size(), 4U);
  EXPECT_FLOAT_EQ(out[0].score, 0.95F);
  EXPECT_FLOAT_EQ(out[1].score, 0.90F);
  EXPECT_FLOAT_EQ(out[2].score, 0.70F);
  EXPECT_EQ(out[3].class_id, 2);
  // At exactly the threshold a box is kept (drop only when IoU > threshold).
  auto edge = NonMaxSuppression({Box(0, 0.9F, 0, 0, 10, 10), Box(0, 0.8F, 0, 0, 10, 15)},
                                10.0F / 15.0F, 100);
  EXPECT_EQ(edge.size(), 2U);
  EXPECT_EQ(NonMaxSuppression(in, 0.6F, 2).size(), 2U);
}

TEST(PrepareInput, LetterboxCentresBgrAndNormalises) {
  // 8x4 image into an 8x8 input: scale 1, 2 rows of black above and below.
  std::vector<std::uint8_t> rgb(std::size_t{8} * 4 * 3);
  for (std::size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<std::uint8_t>(i * 7 % 256);
  RgbView view{8, 4, 24, rgb};
  std::vector<float> nchw;
  const InputGeometry g = PrepareInput(view, Preprocess::kLetterboxBgr, 8, nchw);
  ASSERT_EQ(nchw.size(), 3U * 64);
  EXPECT_DOUBLE_EQ(g.scale_x, 1.0);
  EXPECT_DOUBLE_EQ(g.offset_y, 2.0);
  EXPECT_DOUBLE_EQ(g.offset_x, 0.0);
  const float mean[3] = {103.53F, 116.28F, 123.675F}, stddev[3] = {57.375F, 57.12F, 58.395F};
  for (int c = 0; c < 3; ++c) {
    EXPECT_FLOAT_EQ(nchw[c * 64 + 0], (0 - mean[c]) / stddev[c]);          // padding row 0
    EXPECT_FLOAT_EQ(nchw[c * 64 + 7 * 8 + 7], (0 - mean[c]) / stddev[c]);  // padding row 7
    // Input (x=3, y=2+1) is source pixel (3, 1); plane c is B, G, R.
    const float byte = rgb[(1 * 8 + 3) * 3 + (2 - c)];
    EXPECT_FLOAT_EQ(nchw[c * 64 + 3 * 8 + 3], (byte - mean[c]) / stddev[c]);
  }
}

TEST(PrepareInput, StretchInterpolatesWithHalfPixelCentres) {
  // 2x1 image (black, white) stretched to 4x4: columns sample at -0.25,
  // 0.25, 0.75, 1.25 -> 0, 0.25, 0.75, 1 of white.
  std::vector<std::uint8_t> rgb = {0, 0, 0, 255, 255, 255};
  RgbView view{2, 1, 6, rgb};
  std::vector<float> nchw;
  const InputGeometry g = PrepareInput(view, Preprocess::kStretchRgb, 4, nchw);
  EXPECT_DOUBLE_EQ(g.scale_x, 2.0);
  EXPECT_DOUBLE_EQ(g.scale_y, 4.0);
  const float want[4] = {0, 0.25F, 0.75F, 1};
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 4; ++x) EXPECT_FLOAT_EQ(nchw[c * 16 + y * 4 + x], want[x]) << c << y << x;
    }
  }
}

TEST(CocoLabels, AreTheEightyInTrainingOrder) {
  const auto labels = CocoLabels();
  ASSERT_EQ(labels.size(), 80U);
  EXPECT_EQ(labels[0], "person");
  EXPECT_EQ(labels[2], "car");
  EXPECT_EQ(labels[7], "truck");
  EXPECT_EQ(labels[16], "dog");
  EXPECT_EQ(labels[17], "horse");
  EXPECT_EQ(labels[79], "toothbrush");
}

}  // namespace
}  // namespace vigil::detect

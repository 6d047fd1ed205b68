// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/clip_metadata.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vigil::seal {
namespace {

ClipMetadata Sample() {
  return ClipMetadata{4200,
                      {Detection{"person", 9132, 1000, 2000, 3000, 6000},
                       Detection{"dog", 5000, 0, 0, 10000, 10000}},
                      {"porch", "driveway"}};
}

TEST(ClipMetadataTest, RoundTrips) {
  auto bytes = EncodeClipMetadata(Sample());
  ASSERT_TRUE(bytes.has_value());
  auto back = DecodeClipMetadata(*bytes);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, Sample());
  auto empty = EncodeClipMetadata(ClipMetadata{});
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->size(), 9u);
  EXPECT_TRUE(DecodeClipMetadata(*empty).has_value());
}

TEST(ClipMetadataTest, FractionsBecomeUnitsClampedAndRounded) {
  EXPECT_EQ(ToMetadataUnits(0.91324), 9132);
  EXPECT_EQ(ToMetadataUnits(0.91325), 9133);
  EXPECT_EQ(ToMetadataUnits(1.7), kMetadataUnit);
  EXPECT_EQ(ToMetadataUnits(-0.2), 0);
  EXPECT_EQ(ToMetadataUnits(std::nan("")), 0);
}

TEST(ClipMetadataTest, RefusesOutOfRangeFields) {
  auto m = Sample();
  m.detections[0].width = 9001;  // x + width > 10000
  EXPECT_EQ(EncodeClipMetadata(m).error().code, ErrorCode::kInvalidArgument);
  m = Sample();
  m.zones.push_back("");
  EXPECT_FALSE(EncodeClipMetadata(m).has_value());
  m = Sample();
  m.motion_score = 10001;
  EXPECT_FALSE(EncodeClipMetadata(m).has_value());
}

TEST(ClipMetadataTest, DecodingIsStrict) {
  auto bytes = EncodeClipMetadata(Sample());
  ASSERT_TRUE(bytes.has_value());
  Bytes longer = *bytes;
  longer.push_back(0);
  EXPECT_FALSE(DecodeClipMetadata(longer).has_value());
  for (std::size_t cut = 1; cut < bytes->size(); ++cut) {
    EXPECT_FALSE(DecodeClipMetadata(ByteSpan(*bytes).first(bytes->size() - cut)).has_value());
  }
  Bytes bad = *bytes;
  bad[5] = 0xff;  // motion score 0xff.. > 10000
  EXPECT_EQ(DecodeClipMetadata(bad).error().message, "verification failed");
}

}  // namespace
}  // namespace vigil::seal

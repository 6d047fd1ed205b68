// SPDX-License-Identifier: Apache-2.0
#include "vigil/core/result.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace vigil {
namespace {

Result<int> ParsePositive(int value) {
  if (value <= 0) return Fail(ErrorCode::kInvalidArgument, "not positive");
  return value;
}

Result<int> DoubledPositive(int value) {
  VIGIL_TRY(parsed, ParsePositive(value));
  return parsed * 2;
}

Status CheckPositive(int value) {
  auto r = ParsePositive(value);
  if (!r) return Fail(r.error());
  return OkStatus();
}

TEST(ResultTest, CarriesValueOnSuccess) {
  auto r = DoubledPositive(21);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 42);
}

TEST(ResultTest, TryPropagatesTheOriginalError) {
  auto r = DoubledPositive(-1);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "not positive");
  EXPECT_EQ(r.error().ToString(), "invalid_argument: not positive");
}

TEST(ResultTest, StatusForwardsErrors) {
  EXPECT_TRUE(CheckPositive(1).has_value());
  auto s = CheckPositive(0);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

TEST(ResultTest, AndThenAndTransformStayOnTheSharedApi) {
  Result<int> r = ParsePositive(3).and_then([](int v) { return ParsePositive(v - 5); });
  ASSERT_FALSE(r.has_value());
  Result<std::string> s = ParsePositive(7).transform([](int v) { return std::to_string(v); });
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(*s, "7");
}

TEST(ResultTest, EveryCodeHasADistinctName) {
  std::set<std::string_view> names;
  for (int c = 0; c <= static_cast<int>(ErrorCode::kInternal); ++c) {
    names.insert(ErrorCodeName(static_cast<ErrorCode>(c)));
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(ErrorCode::kInternal) + 1);
}

}  // namespace
}  // namespace vigil

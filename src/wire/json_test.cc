// SPDX-License-Identifier: Apache-2.0
#include "vigil/wire/json.h"

#include <string>

#include <gtest/gtest.h>

namespace vigil::wire {
namespace {

TEST(JsonTest, ParsesObjectsAndRefusesEverythingElse) {
  EXPECT_TRUE(ParseObject(R"({"a":1})").has_value());
  for (std::string_view bad : {"", "{", "[1]", "42", "\"s\"", "{\"a\":}", "nul", "{} {}"}) {
    auto r = ParseObject(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  std::string deep = R"({"a":)";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += "}";
  EXPECT_FALSE(ParseObject(deep).has_value());
}

TEST(JsonTest, FieldReadersCheckTypeAndBoundsAndNameTheField) {
  const Json obj =
      ParseObject(R"({"email":"a@b.c","n":5,"neg":-1,"f":1.5,"b":"AAEC","bad":"A=","t":true})")
          .value();
  EXPECT_EQ(RequireString(obj, "email").value(), "a@b.c");
  auto missing = RequireString(obj, "nope");
  EXPECT_EQ(missing.error().message, "field 'nope': expected a string (missing)");
  EXPECT_FALSE(RequireString(obj, "n").has_value());
  EXPECT_FALSE(RequireString(obj, "email", 10, 20).has_value());
  EXPECT_EQ(RequireUint(obj, "n").value(), 5u);
  EXPECT_FALSE(RequireUint(obj, "neg").has_value());
  EXPECT_FALSE(RequireUint(obj, "f").has_value());
  EXPECT_FALSE(RequireUint(obj, "n", 6, 10).has_value());
  EXPECT_EQ(RequireBytes(obj, "b", 3, 3).value(), (Bytes{0, 1, 2}));
  EXPECT_FALSE(RequireBytes(obj, "b", 4, 8).has_value());
  EXPECT_FALSE(RequireBytes(obj, "bad", 0, 8).has_value());
  EXPECT_TRUE(RequireBool(obj, "t").value());
  EXPECT_FALSE(OptionalString(obj, "nope").value().has_value());
  EXPECT_FALSE(OptionalString(obj, "n").has_value());
}

TEST(JsonTest, TimesAreRfc3339Utc) {
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTime(1796031660), "2026-11-30T09:41:00Z");
  EXPECT_EQ(ParseTime("2026-11-30T09:41:00Z").value(), 1796031660);
  for (std::string_view bad : {"2026-11-30 09:41:00", "2026-11-30T09:41:00+01:00",
                               "2026-11-30T09:41:00.5Z", "yesterday"}) {
    EXPECT_FALSE(ParseTime(bad).has_value()) << bad;
  }
}

TEST(JsonTest, ErrorBodiesRoundTrip) {
  const Error e{ErrorCode::kPermissionDenied, "not yours"};
  const std::string body = ErrorBody(e);
  EXPECT_EQ(body, R"({"error":{"code":"permission_denied","message":"not yours"}})");
  const Error back = ErrorFromBody(403, body);
  EXPECT_EQ(back.code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(back.message, "not yours");
  EXPECT_EQ(ErrorFromBody(502, "<html>").code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace vigil::wire

// SPDX-License-Identifier: Apache-2.0
#include "vigil/core/bytes.h"

#include <utility>

#include <gtest/gtest.h>

#include "vigil/core/os_error.h"

namespace vigil {
namespace {

TEST(BytesTest, HexRoundTrips) {
  Bytes data = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(HexEncode(data), "0001abff");
  auto decoded = HexDecode("0001ABff");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, data);
}

TEST(BytesTest, HexDecodeRejectsOddLengthAndBadCharacters) {
  EXPECT_EQ(HexDecode("abc").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(HexDecode("zz").error().code, ErrorCode::kInvalidArgument);
}

TEST(BytesTest, BigEndianIntegersRoundTrip) {
  Bytes out;
  AppendU16(out, 0x0102);
  AppendU32(out, 0x03040506);
  AppendU64(out, 0x0708090a0b0c0d0eULL);
  EXPECT_EQ(HexEncode(out), "0102030405060708090a0b0c0d0e");
  EXPECT_EQ(LoadU16(out), 0x0102);
  EXPECT_EQ(LoadU32(ByteSpan(out).subspan(2)), 0x03040506u);
  EXPECT_EQ(LoadU64(ByteSpan(out).subspan(6)), 0x0708090a0b0c0d0eULL);
}

TEST(BytesTest, Base64UrlMatchesRfc4648Vectors) {
  // RFC 4648 §10, in the URL alphabet without padding.
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(Base64UrlEncode(AsBytes(plain)), encoded);
    auto decoded = Base64UrlDecode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(ToString(*decoded), plain);
  }
  EXPECT_EQ(Base64Encode(AsBytes("fo")), "Zm8=");
  EXPECT_EQ(Base64Encode(AsBytes("f")), "Zg==");
  EXPECT_EQ(Base64Encode(AsBytes("foobar")), "Zm9vYmFy");
  const Bytes url_chars = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(Base64Encode(url_chars), "+/+/");
  EXPECT_EQ(Base64UrlEncode(url_chars), "-_-_");
}

TEST(BytesTest, Base64UrlRefusesPaddingJunkAndNonCanonicalText) {
  EXPECT_FALSE(Base64UrlDecode("Zg=="));
  EXPECT_FALSE(Base64UrlDecode("Zm9v YmFy"));
  EXPECT_FALSE(Base64UrlDecode("Z"));
  EXPECT_FALSE(Base64UrlDecode("Zh"));  // same byte as "Zg" with junk low bits
  EXPECT_FALSE(Base64UrlDecode("Zm+v"));
}

TEST(BytesDeathTest, LoadingPastTheEndIsAProgrammerError) {
  Bytes one = {1};
  EXPECT_DEATH((void)LoadU32(one), "short input");
}

TEST(OsErrorTest, MapsErrnoToCanonicalCodes) {
  EXPECT_EQ(FromErrno(ENOSPC, "write").code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(FromErrno(ENOENT, "open").code, ErrorCode::kNotFound);
  EXPECT_EQ(FromErrno(EACCES, "open").code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(FromErrno(EIO, "fsync").code, ErrorCode::kDataLoss);
  EXPECT_EQ(FromErrno(ENOENT, "open x").message.rfind("open x: ", 0), 0u);
}

}  // namespace
}  // namespace vigil

// SPDX-License-Identifier: Apache-2.0
#include "vigil/core/bytes.h"

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

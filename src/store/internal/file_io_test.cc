// SPDX-License-Identifier: Apache-2.0
#include "internal/file_io.h"

#include <fcntl.h>

#include <cerrno>
#include <fstream>

#include <gtest/gtest.h>

#include "internal/temp_dir_for_test.h"
#include "vigil/core/os_error.h"

namespace vigil::store::internal {
namespace {

// The store relies on the one errno mapping for disk trouble.
TEST(FileIoTest, DiskErrorsMapThroughFromErrno) {
  EXPECT_EQ(FromErrno(ENOSPC, "write").code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(FromErrno(EDQUOT, "write").code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(FromErrno(EIO, "fsync").code, ErrorCode::kDataLoss);
  EXPECT_EQ(FromErrno(ENOENT, "open").code, ErrorCode::kNotFound);
}

// /dev/full fails every write with ENOSPC: the write path reports it as
// kResourceExhausted, the code the server turns into "disk full".
TEST(FileIoTest, AFullDiskIsResourceExhausted) {
  auto full = OpenFile("/dev/full", O_WRONLY);
  ASSERT_TRUE(full.has_value()) << full.error().ToString();
  const Bytes data(4096, 0xab);
  const Status written = WriteAllAt(full->get(), data, 0);
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(written.error().message.find("No space left"), std::string::npos);
}

TEST(FileIoTest, ReadingPastTheEndIsDataLoss) {
  store::testing::TempDir dir;
  { std::ofstream(dir.Sub("f")) << "abc"; }
  auto file = OpenFile(dir.Sub("f"), O_RDONLY);
  ASSERT_TRUE(file.has_value());
  std::uint8_t buffer[8];
  EXPECT_TRUE(ReadExactlyAt(file->get(), buffer, 3, 0).has_value());
  EXPECT_EQ(ReadExactlyAt(file->get(), buffer, 4, 0).error().code, ErrorCode::kDataLoss);
}

TEST(FileIoTest, DirectoryAndFileHelpers) {
  store::testing::TempDir dir;
  EXPECT_TRUE(MakeDir(dir.Sub("d")).value());
  EXPECT_FALSE(MakeDir(dir.Sub("d")).value());
  { std::ofstream(dir.Sub("f")) << "x"; }
  EXPECT_EQ(MakeDir(dir.Sub("f")).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(SyncDir(dir.Sub("d")).has_value());
  EXPECT_EQ(SyncDir(dir.Sub("missing")).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(RemoveFile(dir.Sub("f")).value());
  EXPECT_FALSE(RemoveFile(dir.Sub("f")).value());
  EXPECT_EQ(ListDir(dir.path()).value(), std::vector<std::string>{"d"});
}

}  // namespace
}  // namespace vigil::store::internal

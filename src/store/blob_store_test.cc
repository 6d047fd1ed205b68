// SPDX-License-Identifier: Apache-2.0
#include "vigil/store/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "internal/file_io.h"
#include "internal/temp_dir_for_test.h"

namespace vigil::store {
namespace {

Bytes Pattern(std::size_t size, std::uint8_t seed) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 31);
  return out;
}

Bytes Concat(const Bytes& a, const Bytes& b) {
  Bytes out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

class LocalBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = Open(); }
  std::unique_ptr<LocalBlobStore> Open() {
    auto opened = LocalBlobStore::Open(dir_.Sub("blobs"));
    EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
    return std::move(*opened);
  }
  // Uploads `data` as `id` in two chunks and commits it.
  void Put(const std::string& id, const Bytes& data) {
    const std::size_t half = data.size() / 2;
    ASSERT_EQ(store_->Append(id, 0, ByteSpan(data).first(half)).value(), half);
    ASSERT_EQ(store_->Append(id, half, ByteSpan(data).subspan(half)).value(), data.size());
    const Status committed = store_->Commit(id, data.size(), crypto::Sha256(data));
    ASSERT_TRUE(committed.has_value()) << committed.error().ToString();
  }

  testing::TempDir dir_;
  std::unique_ptr<LocalBlobStore> store_;
};

TEST_F(LocalBlobStoreTest, UploadsCommitsAndReadsRanges) {
  const Bytes a = Pattern(1000, 1);
  const Bytes b = Pattern(2345, 2);
  EXPECT_EQ(store_->UploadOffset("clip-1").value(), 0u);
  EXPECT_EQ(store_->Append("clip-1", 0, a).value(), 1000u);
  EXPECT_EQ(store_->UploadOffset("clip-1").value(), 1000u);
  EXPECT_EQ(store_->Append("clip-1", 1000, b).value(), 3345u);
  const Bytes all = Concat(a, b);
  ASSERT_TRUE(store_->Commit("clip-1", all.size(), crypto::Sha256(all)).has_value());

  EXPECT_EQ(store_->CommittedSize("clip-1").value(), all.size());
  EXPECT_EQ(store_->Read("clip-1", 0, all.size()).value(), all);
  EXPECT_EQ(store_->Read("clip-1", 0, 1 << 20).value(), all);  // clipped at the end
  EXPECT_EQ(store_->Read("clip-1", 990, 20).value(), Bytes(all.begin() + 990, all.begin() + 1010));
  EXPECT_TRUE(store_->Read("clip-1", all.size(), 10).value().empty());
  EXPECT_EQ(store_->Read("clip-1", all.size() + 1, 10).error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(store_->Read("clip-1", 0, kMaxBlobReadBytes + 1).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Read("clip-2", 0, 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->CommittedSize("clip-2").error().code, ErrorCode::kNotFound);
  // Committed: no longer an upload.
  EXPECT_EQ(store_->UploadOffset("clip-1").error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->Append("clip-1", 0, a).error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(store_->ListUploads().value().empty());
}

TEST_F(LocalBlobStoreTest, CommittedPathHasAHexPrefixOfTheIdHash) {
  Put("clip-1", Pattern(10, 3));
  const crypto::Sha256Digest digest = crypto::Sha256(AsBytes("clip-1"));
  const std::string expected =
      dir_.Sub("blobs") + "/" + HexEncode(ByteSpan(digest).first(1)) + "/clip-1";
  EXPECT_EQ(store_->CommittedPath("clip-1"), expected);
  struct stat st {};
  ASSERT_EQ(::stat(expected.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(LocalBlobStoreTest, RefusesAWrongOffsetAndNamesTheCommittedOne) {
  ASSERT_TRUE(store_->Append("c", 0, Pattern(5, 0)).has_value());
  auto ahead = store_->Append("c", 7, Pattern(5, 0));
  ASSERT_FALSE(ahead.has_value());
  EXPECT_EQ(ahead.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(ahead.error().message.find("offset 5"), std::string::npos) << ahead.error().message;
  // A replayed, already acknowledged chunk is refused too and changes nothing.
  EXPECT_EQ(store_->Append("c", 0, Pattern(5, 0)).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->UploadOffset("c").value(), 5u);
  // A new upload must start at 0.
  EXPECT_EQ(store_->Append("fresh", 3, Pattern(5, 0)).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(store_->ListUploads().value() == std::vector<std::string>{"c"});
}

TEST_F(LocalBlobStoreTest, AnUploadResumesAfterReopening) {
  const Bytes a = Pattern(4096, 4);
  const Bytes b = Pattern(100, 5);
  ASSERT_TRUE(store_->Append("resume", 0, a).has_value());
  store_ = Open();
  const std::uint64_t offset = store_->UploadOffset("resume").value();
  ASSERT_EQ(offset, a.size());
  ASSERT_TRUE(store_->Append("resume", offset, b).has_value());
  const Bytes all = Concat(a, b);
  ASSERT_TRUE(store_->Commit("resume", all.size(), crypto::Sha256(all)).has_value());
  EXPECT_EQ(store_->Read("resume", 0, all.size()).value(), all);
}

TEST_F(LocalBlobStoreTest, CommitOfAShortUploadFailsAndKeepsIt) {
  const Bytes all = Pattern(100, 6);
  ASSERT_TRUE(store_->Append("short", 0, ByteSpan(all).first(60)).has_value());
  const Status early = store_->Commit("short", all.size(), crypto::Sha256(all));
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->UploadOffset("short").value(), 60u);
  ASSERT_TRUE(store_->Append("short", 60, ByteSpan(all).subspan(60)).has_value());
  EXPECT_TRUE(store_->Commit("short", all.size(), crypto::Sha256(all)).has_value());
}

TEST_F(LocalBlobStoreTest, CommitWithAWrongDigestDiscardsTheUpload) {
  const Bytes all = Pattern(100, 7);
  ASSERT_TRUE(store_->Append("bad", 0, all).has_value());
  const Status wrong = store_->Commit("bad", all.size(), crypto::Sha256(Pattern(100, 8)));
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(store_->UploadOffset("bad").value(), 0u);  // restart from zero
  EXPECT_EQ(store_->Read("bad", 0, 1).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->ListUploads().value().empty());
  EXPECT_TRUE(store_->ListCommitted().value().empty());
}

TEST_F(LocalBlobStoreTest, CommitOfALongerUploadDiscardsIt) {
  const Bytes all = Pattern(100, 9);
  ASSERT_TRUE(store_->Append("long", 0, all).has_value());
  const Bytes declared(all.begin(), all.begin() + 90);
  EXPECT_EQ(store_->Commit("long", declared.size(), crypto::Sha256(declared)).error().code,
            ErrorCode::kDataLoss);
  EXPECT_EQ(store_->UploadOffset("long").value(), 0u);
}

TEST_F(LocalBlobStoreTest, CommitIsIdempotentForTheSameContentOnly) {
  const Bytes all = Pattern(300, 10);
  Put("same", all);
  EXPECT_TRUE(store_->Commit("same", all.size(), crypto::Sha256(all)).has_value());
  EXPECT_EQ(store_->Commit("same", all.size(), crypto::Sha256(Pattern(300, 11))).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->Commit("same", 5, crypto::Sha256(all)).error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->Commit("never", 5, crypto::Sha256(all)).error().code, ErrorCode::kNotFound);
}

TEST_F(LocalBlobStoreTest, EmptyBlobsWork) {
  EXPECT_EQ(store_->Append("empty", 0, {}).value(), 0u);
  ASSERT_TRUE(store_->Commit("empty", 0, crypto::Sha256({})).has_value());
  EXPECT_TRUE(store_->Read("empty", 0, 10).value().empty());
}

TEST_F(LocalBlobStoreTest, RefusesIdsThatCouldNameAnotherPath) {
  const Bytes data = Pattern(4, 12);
  const crypto::Sha256Digest digest = crypto::Sha256(data);
  for (const std::string& id :
       std::vector<std::string>{"", "..", ".", "../etc", "a/b", "/abs", "a.part", "a\\b", "a b",
                                "é", std::string(65, 'a'), std::string("a\0b", 3)}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(ValidateBlobId(id).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store_->UploadOffset(id).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store_->Append(id, 0, data).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store_->Commit(id, data.size(), digest).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store_->Read(id, 0, 1).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store_->CommittedSize(id).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store_->Delete(id).error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(ValidateBlobId(std::string(64, 'Z')).has_value());
  EXPECT_TRUE(ValidateBlobId("Az09_-").has_value());
  EXPECT_TRUE(store_->ListUploads().value().empty());
}

TEST_F(LocalBlobStoreTest, DoesNotFollowASymlinkPlantedAsAnUpload) {
  const std::string target = dir_.Sub("outside");
  { std::ofstream(target) << "precious"; }
  ASSERT_EQ(::symlink(target.c_str(), store_->UploadPath("evil").c_str()), 0);
  EXPECT_FALSE(store_->Append("evil", 8, Pattern(4, 0)).has_value());
  std::ifstream in(target);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(LocalBlobStoreTest, DeleteRemovesBlobAndUploadAndIsIdempotent) {
  Put("gone", Pattern(50, 13));
  ASSERT_TRUE(store_->Append("partial", 0, Pattern(10, 14)).has_value());
  EXPECT_TRUE(store_->Delete("gone").has_value());
  EXPECT_TRUE(store_->Delete("partial").has_value());
  EXPECT_TRUE(store_->Delete("gone").has_value());
  EXPECT_TRUE(store_->Delete("never-existed").has_value());
  EXPECT_EQ(store_->Read("gone", 0, 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->UploadOffset("partial").value(), 0u);
  EXPECT_TRUE(store_->ListCommitted().value().empty());
  EXPECT_TRUE(store_->ListUploads().value().empty());
  store_ = Open();
  EXPECT_EQ(store_->Read("gone", 0, 1).error().code, ErrorCode::kNotFound);
}

TEST_F(LocalBlobStoreTest, ListsCommittedBlobsAndUploadsAndIgnoresStrayFiles) {
  Put("one", Pattern(5, 15));
  Put("two", Pattern(6, 16));
  ASSERT_TRUE(store_->Append("three", 0, Pattern(7, 17)).has_value());
  { std::ofstream(dir_.Sub("blobs/stray.txt")) << "x"; }
  { std::ofstream(dir_.Sub("blobs/tmp/notes")) << "x"; }
  std::filesystem::create_directory(dir_.Sub("blobs/zz"));
  // A valid id in the wrong prefix directory was not written by the store.
  const std::string one_dir =
      std::filesystem::path(store_->CommittedPath("one")).parent_path().string();
  const std::string wrong_prefix = dir_.Sub(one_dir.ends_with("/00") ? "blobs/01" : "blobs/00");
  std::filesystem::create_directory(wrong_prefix);
  { std::ofstream(wrong_prefix + "/one") << "x"; }

  auto committed = store_->ListCommitted().value();
  std::sort(committed.begin(), committed.end());
  EXPECT_EQ(committed, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(store_->ListUploads().value(), std::vector<std::string>{"three"});
}

TEST_F(LocalBlobStoreTest, ACommittedBlobSurvivesReopening) {
  const Bytes all = Pattern(70000, 18);
  Put("durable", all);
  store_.reset();
  store_ = Open();
  EXPECT_EQ(store_->Read("durable", 0, all.size()).value(), all);
  EXPECT_EQ(store_->ListCommitted().value(), std::vector<std::string>{"durable"});
}

TEST_F(LocalBlobStoreTest, ASecondWriterOfTheSameUploadIsToldToRetry) {
  ASSERT_TRUE(store_->Append("busy", 0, Pattern(3, 19)).has_value());
  // Another request holds the upload (the same lock Append and Commit take).
  auto held = internal::OpenFile(store_->UploadPath("busy"), O_RDWR);
  ASSERT_TRUE(held.has_value());
  ASSERT_TRUE(internal::TryLock(held->get(), "busy").has_value());
  EXPECT_EQ(store_->Append("busy", 3, Pattern(3, 20)).error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store_->Commit("busy", 3, crypto::Sha256(Pattern(3, 19))).error().code,
            ErrorCode::kUnavailable);
  *held = internal::UniqueFd();  // released
  EXPECT_EQ(store_->Append("busy", 3, Pattern(3, 20)).value(), 6u);
}

TEST_F(LocalBlobStoreTest, OpenFailsCleanlyWhenTheRootIsAFile) {
  { std::ofstream(dir_.Sub("file")) << "x"; }
  auto opened = LocalBlobStore::Open(dir_.Sub("file"));
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace vigil::store

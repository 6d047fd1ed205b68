// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/spool.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace vigil::agent {
namespace {

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("vigil-spool-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Spool> Open(std::uint64_t capacity = 1 << 20) {
    auto spool = Spool::Open(
        dir_, SpoolOptions{capacity, [this](const std::string& w) { warnings_.push_back(w); }});
    EXPECT_TRUE(spool.has_value()) << spool.error().ToString();
    return std::move(*spool);
  }

  static SpooledClip Commit(Spool& spool, const std::string& id, std::size_t size,
                            std::uint8_t priority = SpooledClip::kPriorityMotion) {
    auto writer = spool.Begin(id);
    EXPECT_TRUE(writer.has_value()) << writer.error().ToString();
    const Bytes data(size, static_cast<std::uint8_t>(id.back()));
    EXPECT_TRUE((*writer)->Write(data).has_value());
    SpooledClip clip;
    clip.sequence = spool.chain_head().sequence + 1;
    clip.manifest_hash.fill(static_cast<std::uint8_t>(clip.sequence));
    clip.start_unix_s = 1796000000;
    clip.duration_s = 12;
    clip.envelope = Bytes(124, 7);
    clip.priority = priority;
    auto committed = (*writer)->Commit(clip);
    EXPECT_TRUE(committed.has_value()) << committed.error().ToString();
    return *committed;
  }

  std::string dir_;
  std::vector<std::string> warnings_;
};

TEST_F(SpoolTest, CommittedClipsSurviveAReopenInSequenceOrder) {
  {
    auto spool = Open();
    Commit(*spool, "evt_aaaaaaaa1", 1000);
    Commit(*spool, "evt_aaaaaaaa2", 2000);
    EXPECT_EQ(spool->chain_head().sequence, 2u);
  }
  auto spool = Open();
  const auto clips = spool->List();
  ASSERT_EQ(clips.size(), 2u);
  EXPECT_EQ(clips[0].clip_id, "evt_aaaaaaaa1");
  EXPECT_EQ(clips[1].sequence, 2u);
  EXPECT_EQ(clips[1].size_bytes, 2000u);
  EXPECT_EQ(clips[1].envelope, Bytes(124, 7));
  EXPECT_EQ(clips[1].sha256, crypto::Sha256(Bytes(2000, '2')));
  EXPECT_EQ(spool->chain_head().sequence, 2u);
  auto tail = spool->Read("evt_aaaaaaaa2", 1990, 100);
  ASSERT_TRUE(tail.has_value());
  EXPECT_EQ(*tail, Bytes(10, '2'));
  EXPECT_EQ(spool->used_bytes(), 3000u);
}

TEST_F(SpoolTest, AnUnfinishedClipIsDiscardedAndDoesNotMoveTheChain) {
  // A crash mid-clip: the writer is still open (its destructor, which would
  // discard the blob, has not run) when the next process opens the spool.
  std::unique_ptr<SpoolWriter> crashed;
  {
    auto spool = Open();
    Commit(*spool, "evt_aaaaaaaa1", 100);
    auto writer = spool->Begin("evt_unfinished");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->Write(Bytes(50, 1)).has_value());
    crashed = std::move(*writer);
  }
  ASSERT_TRUE(std::filesystem::exists(dir_ + "/evt_unfinished.vgcl"));
  auto spool = Open();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/evt_unfinished.vgcl"));
  EXPECT_EQ(spool->List().size(), 1u);
  EXPECT_EQ(spool->chain_head().sequence, 1u);
}

TEST_F(SpoolTest, AChainFileBehindTheNewestRecordIsRepaired) {
  std::string old_chain;
  {
    auto spool = Open();
    Commit(*spool, "evt_aaaaaaaa1", 100);
    std::ifstream in(dir_ + "/chain.json");
    old_chain.assign(std::istreambuf_iterator<char>(in), {});
    Commit(*spool, "evt_aaaaaaaa2", 100);
  }
  // A crash after the record was written but before chain.json was.
  std::ofstream(dir_ + "/chain.json", std::ios::trunc) << old_chain;
  auto spool = Open();
  EXPECT_EQ(spool->chain_head().sequence, 2u);
  crypto::Sha256Digest expected{};
  expected.fill(2);
  EXPECT_EQ(spool->chain_head().manifest_hash, expected);
}

TEST_F(SpoolTest, AChainHeadSurvivesUploadOfEveryClip) {
  {
    auto spool = Open();
    Commit(*spool, "evt_aaaaaaaa1", 100);
    Commit(*spool, "evt_aaaaaaaa2", 100);
    ASSERT_TRUE(spool->Remove("evt_aaaaaaaa1").has_value());
    ASSERT_TRUE(spool->Remove("evt_aaaaaaaa2").has_value());
    EXPECT_TRUE(spool->List().empty());
  }
  auto spool = Open();
  EXPECT_EQ(spool->chain_head().sequence, 2u);  // the next clip is 3, never 1 again
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/evt_aaaaaaaa1.vgcl"));
}

TEST_F(SpoolTest, WhenFullTheOldestIsEvictedWithAWarning) {
  auto spool = Open(2500);
  Commit(*spool, "evt_aaaaaaaa1", 1000);
  Commit(*spool, "evt_aaaaaaaa2", 1000);
  EXPECT_TRUE(warnings_.empty());
  Commit(*spool, "evt_aaaaaaaa3", 1000);
  const auto clips = spool->List();
  ASSERT_EQ(clips.size(), 2u);
  EXPECT_EQ(clips[0].clip_id, "evt_aaaaaaaa2");
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("evicted clip evt_aaaaaaaa1 (sequence 1, priority 0)"),
            std::string::npos)
      << warnings_[0];
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/evt_aaaaaaaa1.vgcl"));
}

TEST_F(SpoolTest, WhenFullPeopleAreKeptLongestThenOtherObjectsThenMotion) {
  auto spool = Open(3500);
  Commit(*spool, "evt_aaaaaaaa1", 1000, SpooledClip::kPriorityPerson);
  Commit(*spool, "evt_aaaaaaaa2", 1000, SpooledClip::kPriorityObject);
  Commit(*spool, "evt_aaaaaaaa3", 1000, SpooledClip::kPriorityMotion);
  // Full: the motion-only clip goes although two are older.
  Commit(*spool, "evt_aaaaaaaa4", 1000, SpooledClip::kPriorityPerson);
  // Full again: the vehicle goes before the older person.
  Commit(*spool, "evt_aaaaaaaa5", 1000, SpooledClip::kPriorityMotion);
  std::vector<std::string> ids;
  for (const auto& c : spool->List()) ids.push_back(c.clip_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"evt_aaaaaaaa1", "evt_aaaaaaaa4", "evt_aaaaaaaa5"}));
  ASSERT_EQ(warnings_.size(), 2u);
  EXPECT_NE(warnings_[0].find("evt_aaaaaaaa3"), std::string::npos) << warnings_[0];
  EXPECT_NE(warnings_[1].find("evt_aaaaaaaa2"), std::string::npos) << warnings_[1];
  // Priorities survive a reopen (they are in the records).
  spool.reset();
  auto reopened = Open(3500);
  EXPECT_EQ(reopened->List()[0].priority, SpooledClip::kPriorityPerson);
  EXPECT_EQ(reopened->List()[2].priority, SpooledClip::kPriorityMotion);
}

TEST_F(SpoolTest, BadIdsOutOfOrderSequencesAndEmptyClipsAreRefused) {
  auto spool = Open();
  EXPECT_EQ(spool->Begin("../escape").error().code, ErrorCode::kInvalidArgument);
  Commit(*spool, "evt_aaaaaaaa1", 10);
  EXPECT_EQ(spool->Begin("evt_aaaaaaaa1").error().code, ErrorCode::kAlreadyExists);
  auto writer = spool->Begin("evt_aaaaaaaa5");
  ASSERT_TRUE(writer.has_value());
  ASSERT_TRUE((*writer)->Write(Bytes(5, 1)).has_value());
  SpooledClip skipped;
  skipped.sequence = 5;  // the head is 1: this would fork the chain
  skipped.envelope = Bytes(124, 1);
  EXPECT_EQ((*writer)->Commit(skipped).error().code, ErrorCode::kFailedPrecondition);
  auto empty = spool->Begin("evt_aaaaaaaa6");
  SpooledClip next;
  next.sequence = 2;
  EXPECT_EQ((*empty)->Commit(next).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(spool->List().size(), 1u);
}

TEST_F(SpoolTest, ACorruptRecordIsReportedNotIgnored) {
  {
    auto spool = Open();
    Commit(*spool, "evt_aaaaaaaa1", 10);
  }
  std::ofstream(dir_ + "/evt_aaaaaaaa1.json", std::ios::trunc) << "{not json";
  auto spool = Spool::Open(dir_, {});
  ASSERT_FALSE(spool.has_value());
  EXPECT_EQ(spool.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(spool.error().message.find("evt_aaaaaaaa1.json"), std::string::npos);
}

}  // namespace
}  // namespace vigil::agent

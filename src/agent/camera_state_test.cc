// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/camera_state.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace vigil::agent {
namespace {

class CameraStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("vigil-camera-state-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    dir_ = (root_ / "state").string();
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  static unsigned Mode(const std::string& path) {
    struct stat st {};
    ::stat(path.c_str(), &st);
    return st.st_mode & 0777;
  }

  std::filesystem::path root_;
  std::string dir_;
};

TEST_F(CameraStateTest, InitMakesAPrivateIdentityAndNeverOverwritesIt) {
  std::filesystem::create_directories(root_);
  auto state = CameraState::Create(dir_, "https://127.0.0.1:8443", "/tmp/ca.pem");
  ASSERT_TRUE(state.has_value()) << state.error().ToString();
  EXPECT_EQ(Mode(dir_), 0700u);
  EXPECT_EQ(Mode(dir_ + "/camera.json"), 0600u);
  EXPECT_FALSE(state->paired());
  EXPECT_EQ(state->RequirePairing().error().code, ErrorCode::kFailedPrecondition);
  auto again = CameraState::Create(dir_, "https://127.0.0.1:8443", "");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  auto loaded = CameraState::Load(dir_);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  EXPECT_EQ(loaded->signing_key().verify_key(), state->signing_key().verify_key());
  EXPECT_EQ(loaded->box_key().public_key(), state->box_key().public_key());
  EXPECT_EQ(loaded->server_url(), "https://127.0.0.1:8443");
  EXPECT_EQ(loaded->ca_path(), "/tmp/ca.pem");
}

TEST_F(CameraStateTest, APairingIsSavedOnceAndReadBack) {
  std::filesystem::create_directories(root_);
  auto state = CameraState::Create(dir_, "http://127.0.0.1:1", "").value();
  const auto household = seal::HouseholdPrivateKey::Generate();
  const auto owner = crypto::SigningKey::Generate();
  CameraPairing pairing{
      "cam_0123456789",   "hh_0123456789", "credential-0123456789", household.public_key(), 3,
      owner.verify_key(), "Porch"};
  ASSERT_TRUE(state.SetPairing(pairing).has_value());
  EXPECT_EQ(state.SetPairing(pairing).error().code, ErrorCode::kAlreadyExists);
  auto loaded = CameraState::Load(dir_).value();
  ASSERT_TRUE(loaded.paired());
  EXPECT_EQ(loaded.pairing().camera_id, "cam_0123456789");
  EXPECT_EQ(loaded.pairing().credential, "credential-0123456789");
  EXPECT_EQ(loaded.pairing().household_key, household.public_key());
  EXPECT_EQ(loaded.pairing().household_epoch, 3u);
  EXPECT_EQ(loaded.pairing().owner_key, owner.verify_key());
  EXPECT_EQ(loaded.pairing().name, "Porch");
  EXPECT_EQ(Mode(dir_ + "/camera.json"), 0600u);
}

TEST_F(CameraStateTest, MissingAndCorruptStateAreClearErrors) {
  EXPECT_EQ(CameraState::Load(dir_).error().code, ErrorCode::kNotFound);
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ + "/camera.json") << "{\"format\":\"vigil-camera/v1\"}";
  auto corrupt = CameraState::Load(dir_);
  ASSERT_FALSE(corrupt.has_value());
  EXPECT_EQ(corrupt.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(CameraState::Create(dir_, "ftp://x", "").error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vigil::agent

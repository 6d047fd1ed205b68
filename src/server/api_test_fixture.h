// SPDX-License-Identifier: Apache-2.0
#pragma once

// What every Api test starts from: a fresh SQLite metadata store, blob
// directory and Api, in a temporary directory named after the test, with a
// FakeClock. Test fixtures derive from it and call ApiFixture::SetUp() first.

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "vigil/core/clock.h"
#include "vigil/crypto/secret.h"
#include "vigil/server/api.h"
#include "vigil/store/sqlite_metadata_store.h"

namespace vigil::server {

class ApiFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ =
        std::filesystem::temp_directory_path() / ("vigil-api-" + std::to_string(::getpid()) + "-" +
                                                  test->test_suite_name() + "-" + test->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    metadata_ = store::SqliteMetadataStore::Open((dir_ / "metadata.db").string()).value();
    blobs_ = store::LocalBlobStore::Open((dir_ / "blobs").string()).value();
    api_ = std::make_unique<Api>(Services{*metadata_, *blobs_, clock_, secret_});
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  FakeClock clock_;
  crypto::SecretBytes secret_ = crypto::SecretBytes::Random(32);
  std::filesystem::path dir_;
  std::unique_ptr<store::SqliteMetadataStore> metadata_;
  std::unique_ptr<store::LocalBlobStore> blobs_;
  std::unique_ptr<Api> api_;
};

}  // namespace vigil::server

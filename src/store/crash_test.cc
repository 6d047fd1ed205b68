// SPDX-License-Identifier: Apache-2.0
// Crash test of the upload procedure (003 §Procedures): a child process
// declares, uploads, commits and records clips in a loop and reports each
// acknowledged clip on a pipe; the parent SIGKILLs it at a random moment,
// reopens both stores, runs startup recovery and checks that every
// acknowledged clip is committed and intact, that every committed row has its
// blob, and that interrupted uploads resume. A SIGKILL keeps the page cache,
// so this checks the ordering of the steps, not the fsyncs (see the design
// doc's caveats).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "internal/temp_dir_for_test.h"
#include "vigil/store/blob_store.h"
#include "vigil/store/sqlite_metadata_store.h"

namespace vigil::store {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000;
constexpr std::size_t kChunkBytes = 8192;

// The content of clip `id`: deterministic, so the parent can check it.
Bytes Content(const std::string& id) {
  std::uint64_t state = std::hash<std::string>{}(id) | 1;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  Bytes out(1 + next() % 60000);
  for (auto& byte : out) byte = static_cast<std::uint8_t>(next());
  return out;
}

ClipRecord Declaration(const std::string& id, const Bytes& content, std::int64_t sequence) {
  ClipRecord clip;
  clip.clip_id = id;
  clip.household_id = "hh";
  clip.camera_id = "cam";
  clip.start_unix_min = kT0 / 60;
  clip.duration_s = 10;
  clip.size_bytes = static_cast<std::int64_t>(content.size());
  const crypto::Sha256Digest digest = crypto::Sha256(content);
  clip.sha256 = Bytes(digest.begin(), digest.end());
  clip.sequence = sequence;
  clip.envelope = Bytes(100, 1);
  clip.declared_unix_s = kT0;
  return clip;
}

Audit ByCamera() { return Audit{kT0 + 1, "cam", ""}; }

// The child: the server's upload path, in a loop, until killed.
[[noreturn]] void UploadForever(const std::string& dir, const std::string& prefix, int report_fd) {
  auto metadata = SqliteMetadataStore::Open(dir + "/vigil.db");
  auto blobs = LocalBlobStore::Open(dir + "/blobs");
  if (!metadata || !blobs) _exit(2);
  for (std::int64_t n = 0;; ++n) {
    const std::string id = prefix + std::to_string(n);
    const Bytes content = Content(id);
    if (!(*metadata)->DeclareClip(Declaration(id, content, n))) _exit(3);
    for (std::size_t offset = 0; offset < content.size(); offset += kChunkBytes) {
      const std::size_t size = std::min(kChunkBytes, content.size() - offset);
      if (!(*blobs)->Append(id, offset, ByteSpan(content).subspan(offset, size))) _exit(4);
    }
    if (!(*blobs)->Commit(id, content.size(), crypto::Sha256(content))) _exit(5);
    if (!(*metadata)->MarkClipCommitted(id, ByCamera())) _exit(6);
    // The "reply": one short write, atomic on a pipe.
    const std::string line = id + "\n";
    if (::write(report_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(7);
  }
}

std::set<std::string> RunAndKill(const std::string& dir, const std::string& prefix,
                                 std::chrono::milliseconds after) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    UploadForever(dir, prefix, fds[1]);
  }
  ::close(fds[1]);
  std::this_thread::sleep_for(after);
  EXPECT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  ::close(fds[0]);
  std::set<std::string> acknowledged;
  for (std::size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1) {
    acknowledged.insert(text.substr(start, end - start));
  }
  return acknowledged;
}

TEST(CrashTest, EveryAcknowledgedClipSurvivesSigkill) {
  testing::TempDir dir;
  {
    auto metadata = SqliteMetadataStore::Open(dir.Sub("vigil.db")).value();
    const Audit audit{kT0, "acct", ""};
    ASSERT_TRUE(metadata
                    ->CreateAccount(
                        AccountRecord{"acct", "o@example.org", Bytes(16, 1), 3, 65536, Bytes(32, 2),
                                      Bytes(9, 3), Bytes(9, 4), kT0, std::nullopt, std::nullopt},
                        audit)
                    .has_value());
    ASSERT_TRUE(
        metadata->CreateHousehold(HouseholdRecord{"hh", "acct", 1, std::nullopt, kT0}, audit));
    ASSERT_TRUE(metadata->CreateCamera(
        CameraRecord{"cam", "hh", "Cam", Bytes(32, 5), Bytes(32, 6), std::nullopt, kT0}, audit));
  }
  std::mt19937 rng(std::random_device{}());
  std::set<std::string> acknowledged;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    const auto after = std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 450)(rng));
    const auto reported = RunAndKill(dir.path(), "r" + std::to_string(round) + "-", after);
    EXPECT_FALSE(reported.empty())
        << "the child acknowledged nothing in " << after.count() << " ms";
    acknowledged.insert(reported.begin(), reported.end());

    // Restart: reopen, recover, check.
    auto metadata = SqliteMetadataStore::Open(dir.Sub("vigil.db"));
    ASSERT_TRUE(metadata.has_value()) << metadata.error().ToString();
    auto blobs = LocalBlobStore::Open(dir.Sub("blobs"));
    ASSERT_TRUE(blobs.has_value()) << blobs.error().ToString();
    ASSERT_TRUE(RemoveOrphanBlobs(**blobs, **metadata).has_value());

    for (const std::string& id : acknowledged) {
      SCOPED_TRACE(id);
      const Bytes expected = Content(id);
      auto clip = (*metadata)->GetClip(id);
      ASSERT_TRUE(clip.has_value()) << clip.error().ToString();
      EXPECT_TRUE(clip->committed());
      auto data = (*blobs)->Read(id, 0, expected.size() + 1);
      ASSERT_TRUE(data.has_value()) << data.error().ToString();
      EXPECT_TRUE(*data == expected);
    }
    // Invariant 2: every committed row has its complete blob.
    const auto committed = (*metadata)->ListClips("hh", {}).value();
    for (const ClipRecord& clip : committed) {
      EXPECT_EQ((*blobs)->CommittedSize(clip.clip_id).value(),
                static_cast<std::uint64_t>(clip.size_bytes))
          << clip.clip_id;
    }
    // An interrupted upload resumes from its committed offset and completes.
    const std::vector<std::string> uploads = (*blobs)->ListUploads().value();
    for (const std::string& id : uploads) {
      SCOPED_TRACE(id);
      const Bytes content = Content(id);
      const std::uint64_t offset = (*blobs)->UploadOffset(id).value();
      ASSERT_LE(offset, content.size());
      ASSERT_TRUE((*metadata)->DeclareClip(Declaration(id, content, 0)).has_value());
      ASSERT_TRUE((*blobs)->Append(id, offset, ByteSpan(content).subspan(offset)).has_value());
      const Status done = (*blobs)->Commit(id, content.size(), crypto::Sha256(content));
      ASSERT_TRUE(done.has_value()) << done.error().ToString();
      ASSERT_TRUE((*metadata)->MarkClipCommitted(id, ByCamera()).has_value());
      acknowledged.insert(id);
    }
  }
}

}  // namespace
}  // namespace vigil::store

// SPDX-License-Identifier: Apache-2.0
#pragma once

// POSIX file helpers for the blob store. Every failure goes through the one
// errno mapping (vigil::FromErrno), so ENOSPC is kResourceExhausted, EIO is
// kDataLoss, and so on. EINTR is retried here, never surfaced.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"

namespace vigil::store::internal {

// An owned file descriptor, closed on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

// open(2) with O_CLOEXEC | O_NOFOLLOW added (a symlink is never followed).
Result<UniqueFd> OpenFile(const std::string& path, int flags, int mode = 0600);

// Writes all of `data` at `offset` (pwrite loop).
Status WriteAllAt(int fd, ByteSpan data, std::uint64_t offset);

// Reads exactly `size` bytes at `offset`; a short file is kDataLoss.
Status ReadExactlyAt(int fd, std::uint8_t* out, std::size_t size, std::uint64_t offset);

// fsync(2).
Status SyncFd(int fd, const std::string& what);

// Opens the directory `path` and fsyncs it, making entries created, renamed or
// removed in it durable.
Status SyncDir(const std::string& path);

// Size of the open file.
Result<std::uint64_t> FileSize(int fd, const std::string& what);

// mkdir(2) with mode 0700; an existing directory is fine. Returns true if it
// was created now (the caller then fsyncs the parent).
Result<bool> MakeDir(const std::string& path);

// Names in the directory `path` except "." and "..", in no particular order.
Result<std::vector<std::string>> ListDir(const std::string& path);

// Takes an exclusive flock(2) on `fd` without waiting; kUnavailable if
// another open file description holds it.
Status TryLock(int fd, const std::string& what);

// True iff `fd` is the file currently named `path` (same device and inode):
// after locking a file by name, this detects a concurrent rename or unlink.
Result<bool> IsSameFile(int fd, const std::string& path);

// unlink(2); a missing file is fine. Returns true if a file was removed.
Result<bool> RemoveFile(const std::string& path);

}  // namespace vigil::store::internal

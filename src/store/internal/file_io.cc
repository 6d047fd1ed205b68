// SPDX-License-Identifier: Apache-2.0
#include "internal/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "vigil/core/os_error.h"

namespace vigil::store::internal {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  // close(2) errors are not actionable here: durability comes from the
  // explicit SyncFd before anything is acknowledged.
  if (fd_ >= 0) ::close(fd_);
}

Result<UniqueFd> OpenFile(const std::string& path, int flags, int mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC | O_NOFOLLOW, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return Fail(FromErrno(errno, "open " + path));
  return UniqueFd(fd);
}

Status WriteAllAt(int fd, ByteSpan data, std::uint64_t offset) {
  while (!data.empty()) {
    if (offset > static_cast<std::uint64_t>(LLONG_MAX)) {
      return Fail(ErrorCode::kOutOfRange, "write offset too large");
    }
    const ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(FromErrno(errno, "write"));
    }
    data = data.subspan(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
  return OkStatus();
}

Status ReadExactlyAt(int fd, std::uint8_t* out, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(FromErrno(errno, "read"));
    }
    if (n == 0) return Fail(ErrorCode::kDataLoss, "read: file shorter than expected");
    out += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return OkStatus();
}

Status SyncFd(int fd, const std::string& what) {
  int rc;
  do {
    rc = ::fsync(fd);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return Fail(FromErrno(errno, "fsync " + what));
  return OkStatus();
}

Status SyncDir(const std::string& path) {
  VIGIL_TRY(dir, OpenFile(path, O_RDONLY | O_DIRECTORY));
  return SyncFd(dir.get(), path);
}

Result<std::uint64_t> FileSize(int fd, const std::string& what) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Fail(FromErrno(errno, "stat " + what));
  return static_cast<std::uint64_t>(st.st_size);
}

Result<bool> MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0) return true;
  if (errno != EEXIST) return Fail(FromErrno(errno, "mkdir " + path));
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return Fail(FromErrno(errno, "stat " + path));
  if (!S_ISDIR(st.st_mode))
    return Fail(ErrorCode::kFailedPrecondition, path + " is not a directory");
  return false;
}

Result<std::vector<std::string>> ListDir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return Fail(FromErrno(errno, "opendir " + path));
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) break;
    const std::string_view name(entry->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
  }
  const int read_errno = errno;
  ::closedir(dir);
  if (read_errno != 0) return Fail(FromErrno(read_errno, "readdir " + path));
  return names;
}

Status TryLock(int fd, const std::string& what) {
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EWOULDBLOCK) {
      return Fail(ErrorCode::kUnavailable, what + " is busy with another request; retry");
    }
    return Fail(FromErrno(errno, "lock " + what));
  }
  return OkStatus();
}

Result<bool> IsSameFile(int fd, const std::string& path) {
  struct stat by_fd {};
  struct stat by_name {};
  if (::fstat(fd, &by_fd) != 0) return Fail(FromErrno(errno, "stat " + path));
  if (::lstat(path.c_str(), &by_name) != 0) {
    if (errno == ENOENT) return false;
    return Fail(FromErrno(errno, "stat " + path));
  }
  return by_fd.st_dev == by_name.st_dev && by_fd.st_ino == by_name.st_ino;
}

Result<bool> RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  return Fail(FromErrno(errno, "unlink " + path));
}

}  // namespace vigil::store::internal

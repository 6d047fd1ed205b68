// SPDX-License-Identifier: Apache-2.0
#include "vigil/core/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "vigil/core/os_error.h"

namespace vigil {

Status WriteAll(int fd, ByteSpan bytes, std::string_view what) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(FromErrno(errno, "write " + std::string(what)));
    done += static_cast<std::size_t>(n);
  }
  return OkStatus();
}

Status FsyncDirectory(const std::string& dir) {
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Fail(FromErrno(errno, "open directory " + dir));
  const int rc = ::fsync(dfd);
  const int e = errno;
  ::close(dfd);
  if (rc != 0) return Fail(FromErrno(e, "fsync directory " + dir));
  return OkStatus();
}

std::string DirectoryOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status WriteFileAtomically(const std::string& path, std::string_view contents, unsigned mode,
                           bool exclusive) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Fail(FromErrno(errno, "create " + tmp));
  ::fchmod(fd, mode);  // the umask may have narrowed or widened it
  Status written = WriteAll(fd, AsBytes(contents), tmp);
  if (written && ::fsync(fd) != 0) written = Fail(FromErrno(errno, "fsync " + tmp));
  if (::close(fd) != 0 && written) written = Fail(FromErrno(errno, "close " + tmp));
  if (written) {
    // link() never replaces an existing file; rename() does, atomically.
    const bool placed = exclusive ? ::link(tmp.c_str(), path.c_str()) == 0
                                  : ::rename(tmp.c_str(), path.c_str()) == 0;
    if (!placed) {
      written = errno == EEXIST ? Fail(ErrorCode::kAlreadyExists,
                                       path + " already exists; refusing to replace it")
                                : Fail(FromErrno(errno, "install " + path));
    }
  }
  ::unlink(tmp.c_str());
  if (!written) return written;
  return FsyncDirectory(DirectoryOf(path));
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (::access(path.c_str(), F_OK) != 0)
      return Fail(ErrorCode::kNotFound, path + ": no such file");
    return Fail(FromErrno(errno, "open " + path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Fail(ErrorCode::kDataLoss, "read " + path + " failed");
  return text.str();
}

}  // namespace vigil

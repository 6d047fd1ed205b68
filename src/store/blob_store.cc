// SPDX-License-Identifier: Apache-2.0
#include "vigil/store/blob_store.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <optional>

#include "internal/file_io.h"
#include "vigil/core/os_error.h"

namespace vigil::store {
namespace {

using internal::UniqueFd;

constexpr std::string_view kUploadDir = "tmp";
constexpr std::string_view kUploadSuffix = ".part";
// Read size while hashing a blob at commit.
constexpr std::size_t kHashBufferBytes = std::size_t{1024} * 1024;

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool IsPrefixDirName(std::string_view name) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  return name.size() == 2 && hex(name[0]) && hex(name[1]);
}

// Size of the file at `path`, or nullopt if there is none.
Result<std::optional<std::uint64_t>> SizeAt(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<std::uint64_t>();
    return Fail(FromErrno(errno, "stat " + path));
  }
  if (!S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kFailedPrecondition, path + " is not a regular file");
  }
  return std::optional<std::uint64_t>(static_cast<std::uint64_t>(st.st_size));
}

Result<crypto::Sha256Digest> HashFile(int fd, std::uint64_t size, const std::string& what) {
  crypto::Sha256Hasher hasher;
  Bytes buffer(static_cast<std::size_t>(std::min<std::uint64_t>(size, kHashBufferBytes)));
  std::uint64_t offset = 0;
  while (offset < size) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size - offset, buffer.size()));
    Status read = internal::ReadExactlyAt(fd, buffer.data(), n, offset);
    if (!read) return Fail(read.error().code, what + ": " + read.error().message);
    hasher.Update(ByteSpan(buffer).first(n));
    offset += n;
  }
  return hasher.Finish();
}

// Renames without replacing an existing `to` (kAlreadyExists then).
Status RenameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return OkStatus();
  }
  if (errno != EINVAL && errno != ENOSYS) return Fail(FromErrno(errno, "rename to " + to));
  // The file system lacks RENAME_NOREPLACE. The caller holds the upload's
  // lock, and only a commit of the same id creates `to`, so check-then-rename
  // is enough.
  VIGIL_TRY(existing, SizeAt(to));
  if (existing) return Fail(ErrorCode::kAlreadyExists, to + " already exists");
  if (::rename(from.c_str(), to.c_str()) != 0) return Fail(FromErrno(errno, "rename to " + to));
  return OkStatus();
}

}  // namespace

Status ValidateBlobId(std::string_view id) {
  if (id.empty() || id.size() > kMaxBlobIdChars) {
    return Fail(ErrorCode::kInvalidArgument, "a blob id has 1 to 64 characters");
  }
  if (!std::all_of(id.begin(), id.end(), IsIdChar)) {
    return Fail(ErrorCode::kInvalidArgument, "a blob id may contain only A-Z, a-z, 0-9, _ and -");
  }
  return OkStatus();
}

Result<std::unique_ptr<LocalBlobStore>> LocalBlobStore::Open(std::string root,
                                                             Durability durability) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root.empty()) return Fail(ErrorCode::kInvalidArgument, "blob store root is empty");
  VIGIL_TRY(created_root, internal::MakeDir(root));
  if (created_root) {
    std::string parent = std::filesystem::path(root).parent_path().string();
    if (parent.empty()) parent = ".";
    Status synced = internal::SyncDir(parent);
    if (!synced) return Fail(synced.error());
  }
  VIGIL_TRY(created_tmp, internal::MakeDir(root + "/" + std::string(kUploadDir)));
  if (created_tmp) {
    Status synced = internal::SyncDir(root);
    if (!synced) return Fail(synced.error());
  }
  return std::unique_ptr<LocalBlobStore>(new LocalBlobStore(std::move(root), durability));
}

Status LocalBlobStore::SyncFd(int fd, const std::string& what) const {
  if (durability_ == Durability::kUnsafeNoFsync) return OkStatus();
  return internal::SyncFd(fd, what);
}

Status LocalBlobStore::SyncDir(const std::string& path) const {
  if (durability_ == Durability::kUnsafeNoFsync) return OkStatus();
  return internal::SyncDir(path);
}

std::string LocalBlobStore::PrefixDir(std::string_view id) const {
  const crypto::Sha256Digest digest = crypto::Sha256(AsBytes(id));
  return root_ + "/" + HexEncode(ByteSpan(digest).first(1));
}

std::string LocalBlobStore::CommittedPath(std::string_view id) const {
  return PrefixDir(id) + "/" + std::string(id);
}

std::string LocalBlobStore::UploadPath(std::string_view id) const {
  return root_ + "/" + std::string(kUploadDir) + "/" + std::string(id) + std::string(kUploadSuffix);
}

Result<std::uint64_t> LocalBlobStore::UploadOffset(std::string_view id) {
  Status valid = ValidateBlobId(id);
  if (!valid) return Fail(valid.error());
  VIGIL_TRY(committed, SizeAt(CommittedPath(id)));
  if (committed)
    return Fail(ErrorCode::kAlreadyExists, "blob " + std::string(id) + " is committed");
  VIGIL_TRY(upload, SizeAt(UploadPath(id)));
  return upload.value_or(0);
}

Result<std::uint64_t> LocalBlobStore::Append(std::string_view id, std::uint64_t offset,
                                             ByteSpan chunk) {
  Status valid = ValidateBlobId(id);
  if (!valid) return Fail(valid.error());
  constexpr auto kMaxBytes = static_cast<std::uint64_t>(INT64_MAX);
  if (offset > kMaxBytes || chunk.size() > kMaxBytes - offset) {
    return Fail(ErrorCode::kInvalidArgument, "upload offset out of range");
  }
  const std::string name(id);
  const std::string upload_path = UploadPath(id);
  const std::string committed_path = CommittedPath(id);

  UniqueFd fd;
  bool created = false;
  auto opened = internal::OpenFile(upload_path, O_RDWR);
  if (opened) {
    fd = std::move(*opened);
  } else {
    if (opened.error().code != ErrorCode::kNotFound) return Fail(opened.error());
    VIGIL_TRY(committed, SizeAt(committed_path));
    if (committed) return Fail(ErrorCode::kAlreadyExists, "blob " + name + " is committed");
    if (offset != 0) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "upload " + name + " is at offset 0, not " + std::to_string(offset));
    }
    auto fresh = internal::OpenFile(upload_path, O_RDWR | O_CREAT | O_EXCL);
    if (!fresh) {
      if (fresh.error().code == ErrorCode::kAlreadyExists) {
        return Fail(ErrorCode::kUnavailable, "upload " + name + " started concurrently; retry");
      }
      return Fail(fresh.error());
    }
    fd = std::move(*fresh);
    created = true;
  }
  // One writer per upload. After locking, the name must still be this file:
  // a concurrent Commit may have renamed it to the committed path.
  Status locked = internal::TryLock(fd.get(), "upload " + name);
  if (!locked) return Fail(locked.error());
  VIGIL_TRY(same, internal::IsSameFile(fd.get(), upload_path));
  if (!same)
    return Fail(ErrorCode::kUnavailable, "upload " + name + " changed concurrently; retry");
  if (created) {
    // The new name must survive a crash once a chunk is acknowledged.
    Status synced = SyncDir(root_ + "/" + std::string(kUploadDir));
    if (!synced) return Fail(synced.error());
  }

  VIGIL_TRY(size, internal::FileSize(fd.get(), upload_path));
  if (size != offset) {
    return Fail(ErrorCode::kFailedPrecondition, "upload " + name + " is at offset " +
                                                    std::to_string(size) + ", not " +
                                                    std::to_string(offset));
  }
  if (chunk.empty()) return size;

  Status written = internal::WriteAllAt(fd.get(), chunk, size);
  if (written) written = SyncFd(fd.get(), upload_path);
  if (!written) {
    // Keep the upload at its acknowledged size so the uploader can resume.
    // If this fails too, the digest check at commit still refuses bad bytes.
    (void)::ftruncate(fd.get(), static_cast<off_t>(size));
    return Fail(written.error());
  }
  return size + chunk.size();
}

Result<bool> LocalBlobStore::CommittedMatches(std::string_view id, std::uint64_t size_bytes,
                                              const crypto::Sha256Digest& sha256) {
  const std::string path = CommittedPath(id);
  auto opened = internal::OpenFile(path, O_RDONLY);
  if (!opened) {
    if (opened.error().code == ErrorCode::kNotFound) {
      return Fail(ErrorCode::kNotFound, "no upload or blob " + std::string(id));
    }
    return Fail(opened.error());
  }
  VIGIL_TRY(size, internal::FileSize(opened->get(), path));
  if (size != size_bytes) return false;
  VIGIL_TRY(digest, HashFile(opened->get(), size, path));
  return digest == sha256;
}

Status LocalBlobStore::Commit(std::string_view id, std::uint64_t size_bytes,
                              const crypto::Sha256Digest& sha256) {
  Status valid = ValidateBlobId(id);
  if (!valid) return valid;
  const std::string name(id);
  const std::string upload_path = UploadPath(id);
  const std::string upload_dir = root_ + "/" + std::string(kUploadDir);
  const std::string committed_path = CommittedPath(id);

  auto opened = internal::OpenFile(upload_path, O_RDWR);
  if (!opened) {
    if (opened.error().code != ErrorCode::kNotFound) return Fail(opened.error());
    // No upload: either never started, or already committed (a retry).
    VIGIL_TRY(matches, CommittedMatches(id, size_bytes, sha256));
    if (!matches) {
      return Fail(ErrorCode::kAlreadyExists, "blob " + name + " is committed with other content");
    }
    return OkStatus();
  }
  UniqueFd fd = std::move(*opened);
  Status locked = internal::TryLock(fd.get(), "upload " + name);
  if (!locked) return locked;
  VIGIL_TRY(same, internal::IsSameFile(fd.get(), upload_path));
  if (!same)
    return Fail(ErrorCode::kUnavailable, "upload " + name + " changed concurrently; retry");
  VIGIL_TRY(committed, SizeAt(committed_path));
  if (committed) return Fail(ErrorCode::kAlreadyExists, "blob " + name + " is committed");

  auto discard = [&](const std::string& why) -> Status {
    const auto removed = internal::RemoveFile(upload_path);
    if (!removed) return Fail(removed.error());
    Status synced = SyncDir(upload_dir);
    if (!synced) return synced;
    return Fail(ErrorCode::kDataLoss, "upload " + name + " " + why + "; discarded, restart at 0");
  };
  VIGIL_TRY(size, internal::FileSize(fd.get(), upload_path));
  if (size < size_bytes) {
    return Fail(ErrorCode::kFailedPrecondition, "upload " + name + " has " + std::to_string(size) +
                                                    " of " + std::to_string(size_bytes) + " bytes");
  }
  if (size > size_bytes) return discard("is longer than the declared size");
  VIGIL_TRY(digest, HashFile(fd.get(), size, upload_path));
  if (digest != sha256) return discard("does not match the declared SHA-256");

  // Ordered, crash-safe (003 §Procedures): data durable → directory exists
  // durably → atomic rename → new name durable.
  Status step = SyncFd(fd.get(), upload_path);
  if (!step) return step;
  const std::string prefix_dir = PrefixDir(id);
  VIGIL_TRY(created_prefix, internal::MakeDir(prefix_dir));
  if (created_prefix) {
    step = SyncDir(root_);
    if (!step) return step;
  }
  step = RenameNoReplace(upload_path, committed_path);
  if (!step) return step;
  step = SyncDir(prefix_dir);
  if (!step) return step;
  return SyncDir(upload_dir);
}

Result<std::uint64_t> LocalBlobStore::CommittedSize(std::string_view id) {
  Status valid = ValidateBlobId(id);
  if (!valid) return Fail(valid.error());
  VIGIL_TRY(size, SizeAt(CommittedPath(id)));
  if (!size) return Fail(ErrorCode::kNotFound, "no blob " + std::string(id));
  return *size;
}

Result<Bytes> LocalBlobStore::Read(std::string_view id, std::uint64_t offset, std::size_t length) {
  Status valid = ValidateBlobId(id);
  if (!valid) return Fail(valid.error());
  if (length > kMaxBlobReadBytes) {
    return Fail(ErrorCode::kInvalidArgument, "read longer than kMaxBlobReadBytes");
  }
  const std::string path = CommittedPath(id);
  auto opened = internal::OpenFile(path, O_RDONLY);
  if (!opened) {
    if (opened.error().code == ErrorCode::kNotFound) {
      return Fail(ErrorCode::kNotFound, "no blob " + std::string(id));
    }
    return Fail(opened.error());
  }
  VIGIL_TRY(size, internal::FileSize(opened->get(), path));
  if (offset > size) {
    return Fail(ErrorCode::kOutOfRange, "offset " + std::to_string(offset) + " is past the end (" +
                                            std::to_string(size) + " bytes)");
  }
  Bytes out(static_cast<std::size_t>(std::min<std::uint64_t>(length, size - offset)));
  Status read = internal::ReadExactlyAt(opened->get(), out.data(), out.size(), offset);
  if (!read) return Fail(read.error());
  return out;
}

Status LocalBlobStore::Delete(std::string_view id) {
  Status valid = ValidateBlobId(id);
  if (!valid) return valid;
  VIGIL_TRY(removed_blob, internal::RemoveFile(CommittedPath(id)));
  VIGIL_TRY(removed_upload, internal::RemoveFile(UploadPath(id)));
  (void)removed_blob;
  (void)removed_upload;
  // Sync both directories even if nothing was removed now: a previous,
  // interrupted Delete may have unlinked without syncing.
  const std::string prefix_dir = PrefixDir(id);
  Status synced = SyncDir(root_ + "/" + std::string(kUploadDir));
  if (!synced) return synced;
  synced = SyncDir(prefix_dir);
  if (!synced && synced.error().code != ErrorCode::kNotFound) return synced;
  return OkStatus();
}

Result<std::vector<std::string>> LocalBlobStore::ListCommitted() {
  VIGIL_TRY(entries, internal::ListDir(root_));
  std::vector<std::string> ids;
  for (const std::string& entry : entries) {
    if (!IsPrefixDirName(entry)) continue;
    VIGIL_TRY(names, internal::ListDir(root_ + "/" + entry));
    for (std::string& name : names) {
      // Skip anything the store did not write (a stray file, a wrong prefix).
      if (ValidateBlobId(name) && PrefixDir(name) == root_ + "/" + entry) {
        ids.push_back(std::move(name));
      }
    }
  }
  return ids;
}

Result<std::vector<std::string>> LocalBlobStore::ListUploads() {
  VIGIL_TRY(names, internal::ListDir(root_ + "/" + std::string(kUploadDir)));
  std::vector<std::string> ids;
  for (const std::string& name : names) {
    if (name.size() <= kUploadSuffix.size() || !name.ends_with(kUploadSuffix)) continue;
    std::string id = name.substr(0, name.size() - kUploadSuffix.size());
    if (ValidateBlobId(id)) ids.push_back(std::move(id));
  }
  return ids;
}

}  // namespace vigil::store

// SPDX-License-Identifier: Apache-2.0
#pragma once

// The store module keeps vigild's state: metadata in SQLite
// (metadata_store.h), encrypted clip blobs in a directory (this file) and the
// security journal (security_journal.h). Blobs are ciphertext; nothing here can
// open them. Design and crash-safe procedures: docs/design/003-storage-schema.md.
//
// BlobStore is deliberately narrow (resumable upload, commit, ranged read,
// delete, listing) so that an object-store implementation (S3 multipart
// upload) can follow without changing callers.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/hash.h"

namespace vigil::store {

// Blob ids are 1..64 characters of [A-Za-z0-9_-]; no id can name a path
// outside the store.
inline constexpr std::size_t kMaxBlobIdChars = 64;
// Largest range one Read returns (bounds memory per request).
inline constexpr std::size_t kMaxBlobReadBytes = std::size_t{16} * 1024 * 1024;

// Ok iff `id` is a valid blob id; otherwise kInvalidArgument.
Status ValidateBlobId(std::string_view id);

// Durable storage of immutable blobs written by resumable uploads.
//
// Life of a blob: Append (any number of times, each at the committed offset)
// → Commit (size and SHA-256 checked) → Read … → Delete. Before Commit a blob
// is an "upload"; after it, a "committed blob", immutable.
//
// Thread safety: implementations are thread-safe. Concurrent calls for
// different ids run in parallel; for the same upload, one Append or Commit
// runs at a time and a concurrent one fails with kUnavailable (retry).
class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Bytes durably received so far for the upload `id` (0 if none started).
  // kAlreadyExists if `id` is already committed.
  virtual Result<std::uint64_t> UploadOffset(std::string_view id) = 0;

  // Appends `chunk` to the upload `id`, starting it if `offset` is 0 and none
  // exists. `offset` must equal the committed offset, otherwise
  // kFailedPrecondition whose message names the committed offset (the caller
  // gets the number from UploadOffset and tells the uploader to resume there).
  // The data is on stable storage before this returns; returns the new
  // committed size. kAlreadyExists if `id` is already committed. On an I/O
  // error (e.g. ENOSPC → kResourceExhausted) the upload keeps its previous
  // size.
  virtual Result<std::uint64_t> Append(std::string_view id, std::uint64_t offset,
                                       ByteSpan chunk) = 0;

  // Makes the upload `id` a committed blob after checking it against the
  // declared size and SHA-256. When this returns ok the blob is durable under
  // its final name. Errors:
  //  - kFailedPrecondition: fewer bytes than `size_bytes` so far; the upload
  //    is kept and can be resumed;
  //  - kDataLoss: more bytes than declared, or the digest differs; the upload
  //    is discarded (a retry starts again at offset 0), because bytes that were
  //    acknowledged cannot be taken back one by one;
  //  - kNotFound: no upload and no committed blob of that id;
  //  - kAlreadyExists: a committed blob `id` exists with other content.
  // Idempotent: committing an already committed blob with the same size and
  // digest succeeds (a retry after a crash between rename and reply).
  virtual Status Commit(std::string_view id, std::uint64_t size_bytes,
                        const crypto::Sha256Digest& sha256) = 0;

  // Size of the committed blob `id`; kNotFound if there is none.
  virtual Result<std::uint64_t> CommittedSize(std::string_view id) = 0;

  // Reads up to `length` bytes of the committed blob `id` from `offset` (fewer
  // at the end of the blob). kNotFound if not committed, kOutOfRange if
  // `offset` is past the end, kInvalidArgument if `length` > kMaxBlobReadBytes.
  virtual Result<Bytes> Read(std::string_view id, std::uint64_t offset, std::size_t length) = 0;

  // Durably removes the committed blob and any upload of `id`. Deleting an
  // absent blob succeeds (so deletion can be retried after a crash).
  virtual Status Delete(std::string_view id) = 0;

  // Ids of every committed blob, in no particular order. At startup the
  // caller removes those without a committed metadata row (orphans of a
  // crash between commit and row insertion; see RemoveOrphanBlobs).
  virtual Result<std::vector<std::string>> ListCommitted() = 0;

  // Ids of every upload in progress (not committed), in no particular order.
  virtual Result<std::vector<std::string>> ListUploads() = 0;
};

// BlobStore over a local directory `root` (normally DATA/blobs):
//   <root>/tmp/<id>.part        uploads in progress
//   <root>/<hh>/<id>            committed blobs; hh = hex of SHA-256(id)[0]
// Files are created 0600 and directories 0700. Requires a POSIX file system
// where fsync of a file and of a directory makes data and names durable
// (ext4, xfs, btrfs).
class LocalBlobStore final : public BlobStore {
 public:
  // Whether writes are made durable before a call returns.
  enum class Durability {
    kFsync,  // the default: every "durable" promise above holds
    // Benchmarks only (vigild serve --unsafe-no-fsync): no fsync of files or
    // directories, so a power loss can lose or truncate acknowledged blobs.
    kUnsafeNoFsync,
  };

  // Creates `root` and `root/tmp` if absent (durably). Fails with FromErrno's
  // code if the directory cannot be created or opened.
  static Result<std::unique_ptr<LocalBlobStore>> Open(std::string root,
                                                      Durability durability = Durability::kFsync);

  Result<std::uint64_t> UploadOffset(std::string_view id) override;
  Result<std::uint64_t> Append(std::string_view id, std::uint64_t offset, ByteSpan chunk) override;
  Status Commit(std::string_view id, std::uint64_t size_bytes,
                const crypto::Sha256Digest& sha256) override;
  Result<std::uint64_t> CommittedSize(std::string_view id) override;
  Result<Bytes> Read(std::string_view id, std::uint64_t offset, std::size_t length) override;
  Status Delete(std::string_view id) override;
  Result<std::vector<std::string>> ListCommitted() override;
  Result<std::vector<std::string>> ListUploads() override;

  // Where the committed blob `id` lives (for operators and tests); `id` must
  // be valid.
  std::string CommittedPath(std::string_view id) const;
  // Where the upload `id` lives; `id` must be valid.
  std::string UploadPath(std::string_view id) const;

 private:
  LocalBlobStore(std::string root, Durability durability)
      : root_(std::move(root)), durability_(durability) {}
  // internal::SyncFd / SyncDir, or nothing under kUnsafeNoFsync.
  Status SyncFd(int fd, const std::string& what) const;
  Status SyncDir(const std::string& path) const;
  std::string PrefixDir(std::string_view id) const;
  Result<bool> CommittedMatches(std::string_view id, std::uint64_t size_bytes,
                                const crypto::Sha256Digest& sha256);

  std::string root_;
  Durability durability_;
};

}  // namespace vigil::store

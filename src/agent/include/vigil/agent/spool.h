// SPDX-License-Identifier: Apache-2.0
#pragma once

// The camera's on-disk spool (docs/design/006-agent.md §Clips, spool and
// upload): sealed clips wait here until vigild has them, so a server outage,
// a dropped network or a killed agent loses nothing that was closed.
//
// Only ciphertext is ever written here (the clip writer seals before its sink
// sees a byte). Layout of DIR:
//   <clip_id>.vgcl     the sealed blob (being written, or committed)
//   <clip_id>.json     the upload record; its presence is the commit point
//   chain.json         the camera's manifest chain head (sequence, hash)
// A blob without a record is an unfinished clip from a crash and is removed
// at Open. The chain head advances in the same step as a commit, so a crash
// never reuses a sequence number or forks the camera's chain.
//
// When committed clips exceed the capacity, the oldest are evicted with a
// logged warning (the owner will see the sequence gap). Thread-safe: the
// cutter commits while the uploader reads and removes.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/hash.h"
#include "vigil/seal/clip_manifest.h"

namespace vigil::agent {

// What the uploader needs to declare a clip (brief §4 fields) and find it.
struct SpooledClip {
  std::string clip_id;
  std::uint64_t sequence = 0;
  crypto::Sha256Digest manifest_hash{};
  std::int64_t start_unix_s = 0;  // exact; vigild is told the minute only
  std::uint32_t duration_s = 0;
  std::uint64_t size_bytes = 0;
  crypto::Sha256Digest sha256{};  // of the whole blob
  Bytes envelope;                 // the clip key sealed to the household
  // Eviction order when the spool is full: lower goes first, then older
  // (kept only on the camera; vigild never sees it).
  std::uint8_t priority = kPriorityMotion;

  static constexpr std::uint8_t kPriorityMotion = 0;  // motion, nothing recognised
  static constexpr std::uint8_t kPriorityObject = 1;  // a vehicle or an animal
  static constexpr std::uint8_t kPriorityPerson = 2;  // a person: kept longest
};

// One clip being written. Destroying it without Commit discards the blob.
class SpoolWriter {
 public:
  virtual ~SpoolWriter() = default;
  // Appends ciphertext (fsync'd at Commit).
  virtual Status Write(ByteSpan bytes) = 0;
  // fsyncs the blob, then writes the record and advances the chain head
  // together. `clip.size_bytes` and `clip.sha256` are filled in here.
  virtual Result<SpooledClip> Commit(SpooledClip clip) = 0;
};

struct SpoolOptions {
  std::uint64_t capacity_bytes = 4ull << 30;
  // Called with a one-line warning when a clip is evicted.
  std::function<void(const std::string&)> warn;
};

class Spool {
 public:
  // Creates DIR (0700) if needed, removes unfinished blobs and temp files,
  // and reads the chain head (the newest of chain.json and the records, so a
  // crash between the two steps of a commit is repaired).
  static Result<std::unique_ptr<Spool>> Open(const std::string& dir, SpoolOptions options);

  // Starts a clip. kAlreadyExists if the id is in the spool.
  Result<std::unique_ptr<SpoolWriter>> Begin(const std::string& clip_id);

  // The chain head: the last committed clip's sequence and manifest hash
  // (sequence 0 and zeros before the first clip).
  seal::ChainPoint chain_head() const;

  // Committed clips, oldest (lowest sequence) first.
  std::vector<SpooledClip> List() const;
  // Reads `size` bytes of a committed clip's blob from `offset`.
  Result<Bytes> Read(const std::string& clip_id, std::uint64_t offset, std::size_t size) const;
  // Removes a clip (uploaded, or evicted). Missing is not an error.
  Status Remove(const std::string& clip_id);

  std::uint64_t used_bytes() const;
  const std::string& dir() const { return dir_; }

  ~Spool();

 private:
  friend class SpoolWriterImpl;
  Spool(std::string dir, SpoolOptions options)
      : dir_(std::move(dir)), options_(std::move(options)) {}
  Status Load();
  Result<SpooledClip> CommitLocked(SpooledClip clip);
  void EvictLocked();

  std::string dir_;
  SpoolOptions options_;
  mutable std::mutex mu_;
  std::vector<SpooledClip> clips_;  // committed, by sequence
  seal::ChainPoint head_;
};

}  // namespace vigil::agent

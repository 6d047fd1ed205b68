// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "vigil/core/files.h"
#include "vigil/core/os_error.h"
#include "vigil/wire/json.h"

namespace vigil::agent {
namespace {

constexpr std::string_view kRecordFormat = "vigil-spool-clip/v1";
constexpr std::string_view kChainFormat = "vigil-spool-chain/v1";
constexpr std::string_view kBlobSuffix = ".vgcl";
constexpr std::string_view kRecordSuffix = ".json";
constexpr std::string_view kChainFile = "chain.json";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Clip ids become file names: only the id alphabet vigild accepts.
bool SafeId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

crypto::Sha256Digest DigestFrom(const Bytes& bytes) {
  crypto::Sha256Digest d{};
  std::copy(bytes.begin(), bytes.end(), d.begin());
  return d;
}

std::string RecordText(const SpooledClip& c) {
  const wire::Json json = {{"format", kRecordFormat},
                           {"clip_id", c.clip_id},
                           {"sequence", c.sequence},
                           {"manifest_hash", wire::BytesField(c.manifest_hash)},
                           {"start_unix_s", c.start_unix_s},
                           {"duration_s", c.duration_s},
                           {"size_bytes", c.size_bytes},
                           {"sha256", wire::BytesField(c.sha256)},
                           {"envelope", wire::BytesField(c.envelope)},
                           {"priority", c.priority}};
  return wire::Dump(json) + "\n";
}

Result<SpooledClip> ParseRecord(const std::string& text) {
  VIGIL_TRY(json, wire::ParseObject(text));
  VIGIL_TRY(format, wire::RequireString(json, "format", 1, 64));
  if (format != kRecordFormat) return Fail(ErrorCode::kDataLoss, "not a spool record");
  SpooledClip c;
  VIGIL_TRY(id, wire::RequireString(json, "clip_id", 1, 128));
  VIGIL_TRY(sequence, wire::RequireUint(json, "sequence", 1));
  VIGIL_TRY(manifest_hash, wire::RequireBytes(json, "manifest_hash", 32, 32));
  VIGIL_TRY(start, wire::RequireUint(json, "start_unix_s"));
  VIGIL_TRY(duration, wire::RequireUint(json, "duration_s", 0, UINT32_MAX));
  VIGIL_TRY(size, wire::RequireUint(json, "size_bytes", 1));
  VIGIL_TRY(sha, wire::RequireBytes(json, "sha256", 32, 32));
  VIGIL_TRY(envelope, wire::RequireBytes(json, "envelope", 1, 4096));
  if (!SafeId(id)) return Fail(ErrorCode::kDataLoss, "bad clip id in spool record");
  c.clip_id = id;
  c.sequence = sequence;
  c.manifest_hash = DigestFrom(manifest_hash);
  c.start_unix_s = static_cast<std::int64_t>(start);
  c.duration_s = static_cast<std::uint32_t>(duration);
  c.size_bytes = size;
  c.sha256 = DigestFrom(sha);
  c.envelope = std::move(envelope);
  // Records written before priorities existed have none: motion.
  if (json.contains("priority")) {
    VIGIL_TRY(priority, wire::RequireUint(json, "priority", 0, SpooledClip::kPriorityPerson));
    c.priority = static_cast<std::uint8_t>(priority);
  }
  return c;
}

Result<seal::ChainPoint> ParseChain(const std::string& text) {
  VIGIL_TRY(json, wire::ParseObject(text));
  VIGIL_TRY(format, wire::RequireString(json, "format", 1, 64));
  if (format != kChainFormat) return Fail(ErrorCode::kDataLoss, "not a spool chain file");
  VIGIL_TRY(sequence, wire::RequireUint(json, "sequence"));
  VIGIL_TRY(hash, wire::RequireBytes(json, "manifest_hash", 32, 32));
  return seal::ChainPoint{sequence, DigestFrom(hash)};
}

}  // namespace

class SpoolWriterImpl final : public SpoolWriter {
 public:
  SpoolWriterImpl(Spool* spool, std::string clip_id, std::string path, int fd)
      : spool_(spool), clip_id_(std::move(clip_id)), path_(std::move(path)), fd_(fd) {}
  ~SpoolWriterImpl() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }

  Status Write(ByteSpan bytes) override {
    if (fd_ < 0) return Fail(ErrorCode::kFailedPrecondition, "spool writer is closed");
    if (auto status = WriteAll(fd_, bytes, path_); !status) return Fail(status.error());
    hasher_.Update(bytes);
    size_ += bytes.size();
    return OkStatus();
  }

  Result<SpooledClip> Commit(SpooledClip clip) override {
    if (fd_ < 0) return Fail(ErrorCode::kFailedPrecondition, "spool writer is closed");
    if (size_ == 0) return Fail(ErrorCode::kInvalidArgument, "empty clip");
    const int fd = fd_;
    fd_ = -1;
    if (::fsync(fd) != 0) {
      const int e = errno;
      ::close(fd);
      return Fail(FromErrno(e, "fsync " + path_));
    }
    ::close(fd);
    clip.clip_id = clip_id_;
    clip.size_bytes = size_;
    clip.sha256 = hasher_.Finish();
    std::lock_guard lock(spool_->mu_);
    VIGIL_TRY(committed, spool_->CommitLocked(std::move(clip)));
    committed_ = true;
    return committed;
  }

 private:
  Spool* spool_;
  std::string clip_id_;
  std::string path_;
  int fd_;
  bool committed_ = false;
  std::uint64_t size_ = 0;
  crypto::Sha256Hasher hasher_;
};

Spool::~Spool() = default;

Result<std::unique_ptr<Spool>> Spool::Open(const std::string& dir, SpoolOptions options) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Fail(FromErrno(errno, "mkdir " + dir));
  }
  std::unique_ptr<Spool> spool(new Spool(dir, std::move(options)));
  if (auto status = spool->Load(); !status) return Fail(status.error());
  return spool;
}

Status Spool::Load() {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return Fail(FromErrno(errno, "open spool " + dir_));
  while (const dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
  ::closedir(d);

  auto chain_text = ReadFile(dir_ + "/" + std::string(kChainFile));
  if (chain_text) {
    auto chain = ParseChain(*chain_text);
    if (!chain) return Fail(ErrorCode::kDataLoss, dir_ + "/chain.json is corrupt");
    head_ = *chain;
  } else if (chain_text.error().code != ErrorCode::kNotFound) {
    return Fail(chain_text.error());
  }

  for (const auto& name : names) {
    const std::string path = dir_ + "/" + name;
    if (name.find(".tmp.") != std::string::npos) {
      ::unlink(path.c_str());  // an atomic write a crash interrupted
      continue;
    }
    if (!EndsWith(name, kRecordSuffix) || name == kChainFile) continue;
    VIGIL_TRY(text, ReadFile(path));
    auto record = ParseRecord(text);
    if (!record) return Fail(ErrorCode::kDataLoss, path + " is corrupt: " + record.error().message);
    clips_.push_back(std::move(*record));
  }
  std::sort(clips_.begin(), clips_.end(),
            [](const SpooledClip& a, const SpooledClip& b) { return a.sequence < b.sequence; });
  // A blob with no record never committed: the crash came mid-clip.
  for (const auto& name : names) {
    if (!EndsWith(name, kBlobSuffix)) continue;
    const std::string id = name.substr(0, name.size() - kBlobSuffix.size());
    const bool committed = std::any_of(clips_.begin(), clips_.end(),
                                       [&](const SpooledClip& c) { return c.clip_id == id; });
    if (!committed) ::unlink((dir_ + "/" + name).c_str());
  }
  // The record is written before chain.json: a crash between them leaves
  // the record newer than the chain file.
  if (!clips_.empty() && clips_.back().sequence > head_.sequence) {
    head_ = {clips_.back().sequence, clips_.back().manifest_hash};
  }
  return OkStatus();
}

Result<std::unique_ptr<SpoolWriter>> Spool::Begin(const std::string& clip_id) {
  if (!SafeId(clip_id)) return Fail(ErrorCode::kInvalidArgument, "bad clip id: " + clip_id);
  const std::string path = dir_ + "/" + clip_id + std::string(kBlobSuffix);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Fail(ErrorCode::kAlreadyExists, "clip " + clip_id + " is spooled");
    return Fail(FromErrno(errno, "create " + path));
  }
  return std::unique_ptr<SpoolWriter>(new SpoolWriterImpl(this, clip_id, path, fd));
}

Result<SpooledClip> Spool::CommitLocked(SpooledClip clip) {
  if (clip.sequence != head_.sequence + 1) {
    return Fail(ErrorCode::kFailedPrecondition, "clip sequence " + std::to_string(clip.sequence) +
                                                    " does not follow the chain head " +
                                                    std::to_string(head_.sequence));
  }
  // The record is the commit point; chain.json follows (Load repairs a crash
  // between the two from the record).
  if (auto status = WriteFileAtomically(dir_ + "/" + clip.clip_id + std::string(kRecordSuffix),
                                        RecordText(clip), 0600);
      !status)
    return Fail(status.error());
  head_ = {clip.sequence, clip.manifest_hash};
  const wire::Json chain = {{"format", kChainFormat},
                            {"sequence", head_.sequence},
                            {"manifest_hash", wire::BytesField(head_.manifest_hash)}};
  if (auto status =
          WriteFileAtomically(dir_ + "/" + std::string(kChainFile), wire::Dump(chain) + "\n", 0600);
      !status)
    return Fail(status.error());
  clips_.push_back(clip);
  EvictLocked();
  return clip;
}

void Spool::EvictLocked() {
  std::uint64_t used = 0;
  for (const auto& c : clips_) used += c.size_bytes;
  // The newest clip always stays, even if it alone is over capacity. Of the
  // others, the lowest priority goes first (a person is kept longest), the
  // oldest of equal priority first.
  while (used > options_.capacity_bytes && clips_.size() > 1) {
    auto victim = clips_.begin();
    for (auto it = clips_.begin(); it + 1 != clips_.end(); ++it) {
      if (it->priority < victim->priority) victim = it;
    }
    const SpooledClip oldest = *victim;
    clips_.erase(victim);
    used -= oldest.size_bytes;
    ::unlink((dir_ + "/" + oldest.clip_id + std::string(kRecordSuffix)).c_str());
    ::unlink((dir_ + "/" + oldest.clip_id + std::string(kBlobSuffix)).c_str());
    if (options_.warn) {
      options_.warn("spool full (" + std::to_string(used + oldest.size_bytes) + " of " +
                    std::to_string(options_.capacity_bytes) + " bytes): evicted clip " +
                    oldest.clip_id + " (sequence " + std::to_string(oldest.sequence) +
                    ", priority " + std::to_string(oldest.priority) + "), never uploaded");
    }
  }
  (void)FsyncDirectory(dir_);
}

seal::ChainPoint Spool::chain_head() const {
  std::lock_guard lock(mu_);
  return head_;
}

std::vector<SpooledClip> Spool::List() const {
  std::lock_guard lock(mu_);
  return clips_;
}

Result<Bytes> Spool::Read(const std::string& clip_id, std::uint64_t offset,
                          std::size_t size) const {
  if (!SafeId(clip_id)) return Fail(ErrorCode::kInvalidArgument, "bad clip id: " + clip_id);
  const std::string path = dir_ + "/" + clip_id + std::string(kBlobSuffix);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(FromErrno(errno, "open " + path));
  Bytes out(size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n =
        ::pread(fd, out.data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(done);
  return out;
}

Status Spool::Remove(const std::string& clip_id) {
  if (!SafeId(clip_id)) return Fail(ErrorCode::kInvalidArgument, "bad clip id: " + clip_id);
  std::lock_guard lock(mu_);
  // Record first: a crash in between leaves an orphan blob, which Load removes.
  ::unlink((dir_ + "/" + clip_id + std::string(kRecordSuffix)).c_str());
  ::unlink((dir_ + "/" + clip_id + std::string(kBlobSuffix)).c_str());
  std::erase_if(clips_, [&](const SpooledClip& c) { return c.clip_id == clip_id; });
  return FsyncDirectory(dir_);
}

std::uint64_t Spool::used_bytes() const {
  std::lock_guard lock(mu_);
  std::uint64_t used = 0;
  for (const auto& c : clips_) used += c.size_bytes;
  return used;
}

}  // namespace vigil::agent

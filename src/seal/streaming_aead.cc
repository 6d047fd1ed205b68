// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/streaming_aead.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "internal/aead_cipher.h"
#include "internal/decryption_failed.h"
#include "internal/streaming_aead_internal.h"
#include "vigil/core/check.h"
#include "vigil/crypto/hash.h"

namespace vigil::seal {
namespace {

using internal::DecryptionFailed;

using internal::AeadAlgorithm;
using internal::AeadCipher;
using internal::kStreamNoncePrefixBytes;
using internal::kStreamSaltBytes;

// "VGSA": Vigil segmented AEAD.
constexpr std::array<std::uint8_t, 4> kMagic = {0x56, 0x47, 0x53, 0x41};
constexpr std::uint8_t kVersion = 0x01;
constexpr std::uint64_t kMaxSegments = std::uint64_t{1} << 32;

bool ValidPart(std::uint8_t part) { return part >= 1 && part <= 3; }

// The parsed fixed-size header. Layout in docs/formats/streaming-aead.md.
struct Header {
  ClipPart part;
  std::uint32_t segment_bytes;
  Bytes salt;
  Bytes nonce_prefix;
  Bytes encoded;  // all kStreamHeaderBytes, the AAD of every segment
};

Bytes EncodeHeader(ClipPart part, std::uint32_t segment_bytes, ByteSpan salt, ByteSpan prefix) {
  Bytes out(kMagic.begin(), kMagic.end());
  out.push_back(kVersion);
  out.push_back(static_cast<std::uint8_t>(part));
  AppendU32(out, segment_bytes);
  Append(out, salt);
  Append(out, prefix);
  VIGIL_CHECK(out.size() == kStreamHeaderBytes) << "header size";
  return out;
}

Result<Header> ParseHeader(ByteSpan bytes, ClipPart expected_part) {
  if (bytes.size() != kStreamHeaderBytes ||
      !std::equal(kMagic.begin(), kMagic.end(), bytes.begin()) || bytes[4] != kVersion ||
      !ValidPart(bytes[5]) || static_cast<ClipPart>(bytes[5]) != expected_part) {
    return Fail(DecryptionFailed());
  }
  const std::uint32_t segment_bytes = LoadU32(bytes.subspan(6));
  if (segment_bytes < kMinSegmentBytes || segment_bytes > kMaxSegmentBytes) {
    return Fail(DecryptionFailed());
  }
  Header h{expected_part, segment_bytes, Bytes(bytes.begin() + 10, bytes.begin() + 42),
           Bytes(bytes.begin() + 42, bytes.end()), Bytes(bytes.begin(), bytes.end())};
  return h;
}

// subkey = HKDF-SHA256(IKM = clip key, salt = header salt,
//                      info = Label(part) || 0x00 || associated_data)
Result<AeadCipher> SegmentCipher(const ClipKey& key, const Header& header, ByteSpan associated_data,
                                 AeadCipher::Direction direction) {
  VIGIL_TRY(subkey,
            crypto::DeriveKey(key.secret(), header.salt, internal::KeyPurposeForPart(header.part),
                              associated_data, 32));
  return AeadCipher::Create(AeadAlgorithm::kAes256Gcm, subkey, direction);
}

// nonce = prefix (7) || big-endian segment index (4) || last flag (1)
std::array<std::uint8_t, 12> SegmentNonce(const Bytes& prefix, std::uint64_t index, bool last) {
  std::array<std::uint8_t, 12> nonce{};
  std::copy(prefix.begin(), prefix.end(), nonce.begin());
  for (int i = 0; i < 4; ++i) {
    nonce[7 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(index >> (24 - 8 * i));
  }
  nonce[11] = last ? 1 : 0;
  return nonce;
}

class StreamEncryptorImpl final : public StreamEncryptor {
 public:
  StreamEncryptorImpl(Header header, AeadCipher cipher, StreamSink sink)
      : header_(std::move(header)), cipher_(std::move(cipher)), sink_(std::move(sink)) {
    plaintext_.reserve(header_.segment_bytes);
    ciphertext_.resize(header_.segment_bytes + kStreamTagBytes);
  }

  Status Write(ByteSpan plaintext) override {
    if (state_ != State::kOpen) return Fail(ErrorCode::kFailedPrecondition, "stream is closed");
    const std::size_t s = header_.segment_bytes;
    // A full segment is never the last one (the last holds 0..S-1 bytes), so
    // every full segment is sealed as soon as it is complete.
    while (!plaintext.empty()) {
      if (plaintext_.empty() && plaintext.size() >= s) {
        // Fast path: seal straight from the caller's buffer.
        auto status = EmitSegment(plaintext.first(s), false);
        if (!status) return status;
        plaintext = plaintext.subspan(s);
        continue;
      }
      const std::size_t take = std::min(s - plaintext_.size(), plaintext.size());
      plaintext_.insert(plaintext_.end(), plaintext.begin(),
                        plaintext.begin() + static_cast<std::ptrdiff_t>(take));
      plaintext = plaintext.subspan(take);
      if (plaintext_.size() == s) {
        auto status = EmitSegment(plaintext_, false);
        if (!status) return status;
        plaintext_.clear();
      }
    }
    return OkStatus();
  }

  Status Finish() override {
    if (state_ != State::kOpen) return Fail(ErrorCode::kFailedPrecondition, "stream is closed");
    auto status = EmitSegment(plaintext_, true);
    if (!status) return status;
    crypto::Wipe(plaintext_);
    state_ = State::kFinished;
    return OkStatus();
  }

 private:
  enum class State : std::uint8_t { kOpen, kFinished, kFailed };

  Status EmitSegment(ByteSpan plaintext, bool last) {
    if (next_index_ >= kMaxSegments) {
      state_ = State::kFailed;
      return Fail(ErrorCode::kResourceExhausted, "stream has too many segments");
    }
    if (!header_sent_) {
      auto status = Emit(header_.encoded);
      if (!status) return status;
      header_sent_ = true;
    }
    const auto nonce = SegmentNonce(header_.nonce_prefix, next_index_, last);
    std::span<std::uint8_t> out(ciphertext_.data(), plaintext.size() + kStreamTagBytes);
    auto sealed = cipher_.Seal(nonce, header_.encoded, plaintext, out);
    if (!sealed) {
      state_ = State::kFailed;
      return sealed;
    }
    ++next_index_;
    return Emit(out);
  }

  Status Emit(ByteSpan bytes) {
    auto status = sink_(bytes);
    if (!status) state_ = State::kFailed;
    return status;
  }

  Header header_;
  AeadCipher cipher_;
  StreamSink sink_;
  Bytes plaintext_;
  Bytes ciphertext_;
  std::uint64_t next_index_ = 0;
  bool header_sent_ = false;
  State state_ = State::kOpen;
};

class StreamDecryptorImpl final : public StreamDecryptor {
 public:
  StreamDecryptorImpl(ClipKey key, ClipPart part, ByteSpan associated_data, StreamSink sink)
      : key_(std::move(key)),
        part_(part),
        associated_data_(associated_data.begin(), associated_data.end()),
        sink_(std::move(sink)) {}

  Status Write(ByteSpan ciphertext) override {
    if (failed_ || finished_) return Fail(ErrorCode::kFailedPrecondition, "stream is closed");
    if (!header_) {
      const std::size_t take =
          std::min(kStreamHeaderBytes - header_bytes_.size(), ciphertext.size());
      header_bytes_.insert(header_bytes_.end(), ciphertext.begin(),
                           ciphertext.begin() + static_cast<std::ptrdiff_t>(take));
      ciphertext = ciphertext.subspan(take);
      if (header_bytes_.size() < kStreamHeaderBytes) return OkStatus();
      auto status = Start();
      if (!status) return status;
    }
    const std::size_t full = header_->segment_bytes + kStreamTagBytes;
    // A full-size segment is never the last one, so it is opened at once.
    while (!ciphertext.empty()) {
      if (buffer_.empty() && ciphertext.size() >= full) {
        auto status = OpenSegment(ciphertext.first(full), false);
        if (!status) return status;
        ciphertext = ciphertext.subspan(full);
        continue;
      }
      const std::size_t take = std::min(full - buffer_.size(), ciphertext.size());
      buffer_.insert(buffer_.end(), ciphertext.begin(),
                     ciphertext.begin() + static_cast<std::ptrdiff_t>(take));
      ciphertext = ciphertext.subspan(take);
      if (buffer_.size() == full) {
        auto status = OpenSegment(buffer_, false);
        if (!status) return status;
        buffer_.clear();
      }
    }
    return OkStatus();
  }

  Status Finish() override {
    if (failed_ || finished_) return Fail(ErrorCode::kFailedPrecondition, "stream is closed");
    // The last segment is 16 .. S+15 bytes; a stream that ends on a segment
    // boundary has lost its last segment.
    if (!header_ || buffer_.size() < kStreamTagBytes) {
      failed_ = true;
      return Fail(DecryptionFailed());
    }
    auto status = OpenSegment(buffer_, true);
    if (!status) return status;
    finished_ = true;
    return OkStatus();
  }

 private:
  Status Start() {
    auto header = ParseHeader(header_bytes_, part_);
    if (!header) {
      failed_ = true;
      return Fail(header.error());
    }
    auto cipher = SegmentCipher(key_, *header, associated_data_, AeadCipher::Direction::kOpen);
    if (!cipher) {
      failed_ = true;
      return Fail(cipher.error());
    }
    header_ = std::move(*header);
    cipher_.emplace(std::move(*cipher));
    buffer_.reserve(header_->segment_bytes + kStreamTagBytes);
    plaintext_.resize(header_->segment_bytes);
    return OkStatus();
  }

  Status OpenSegment(ByteSpan segment, bool last) {
    if (next_index_ >= kMaxSegments) {
      failed_ = true;
      return Fail(DecryptionFailed());
    }
    const auto nonce = SegmentNonce(header_->nonce_prefix, next_index_, last);
    std::span<std::uint8_t> out(plaintext_.data(), segment.size() - kStreamTagBytes);
    auto opened = cipher_->Open(nonce, header_->encoded, segment, out);
    if (!opened) {
      failed_ = true;
      return opened;
    }
    ++next_index_;
    auto status = sink_(out);
    if (!status) failed_ = true;
    return status;
  }

  ClipKey key_;
  ClipPart part_;
  Bytes associated_data_;
  StreamSink sink_;
  Bytes header_bytes_;
  std::optional<Header> header_;
  std::optional<AeadCipher> cipher_;
  Bytes buffer_;
  Bytes plaintext_;
  std::uint64_t next_index_ = 0;
  bool failed_ = false;
  bool finished_ = false;
};

class SeekableStreamDecryptorImpl final : public SeekableStreamDecryptor {
 public:
  SeekableStreamDecryptorImpl(Header header, AeadCipher cipher, std::uint64_t segment_count,
                              std::uint64_t ciphertext_size)
      : header_(std::move(header)),
        cipher_(std::move(cipher)),
        segment_count_(segment_count),
        ciphertext_size_(ciphertext_size) {}

  std::uint32_t segment_bytes() const override { return header_.segment_bytes; }
  std::uint64_t segment_count() const override { return segment_count_; }
  std::uint64_t plaintext_size() const override {
    return ciphertext_size_ - kStreamHeaderBytes - segment_count_ * kStreamTagBytes;
  }
  std::uint64_t SegmentOffset(std::uint64_t index) const override {
    VIGIL_CHECK(index < segment_count_) << "segment index out of range";
    return kStreamHeaderBytes + index * FullSegment();
  }
  std::uint64_t SegmentSize(std::uint64_t index) const override {
    VIGIL_CHECK(index < segment_count_) << "segment index out of range";
    return index + 1 < segment_count_ ? FullSegment() : ciphertext_size_ - SegmentOffset(index);
  }
  std::uint64_t SegmentForPlaintextOffset(std::uint64_t plaintext_offset) const override {
    return std::min(plaintext_offset / header_.segment_bytes, segment_count_ - 1);
  }

  Result<Bytes> DecryptSegment(std::uint64_t index, ByteSpan segment) override {
    if (index >= segment_count_) return Fail(ErrorCode::kOutOfRange, "no such segment");
    if (segment.size() != SegmentSize(index)) return Fail(DecryptionFailed());
    const auto nonce = SegmentNonce(header_.nonce_prefix, index, index + 1 == segment_count_);
    Bytes out(segment.size() - kStreamTagBytes);
    auto opened = cipher_.Open(nonce, header_.encoded, segment, out);
    if (!opened) return Fail(opened.error());
    return out;
  }

 private:
  std::uint64_t FullSegment() const {
    return std::uint64_t{header_.segment_bytes} + kStreamTagBytes;
  }

  Header header_;
  AeadCipher cipher_;
  std::uint64_t segment_count_;
  std::uint64_t ciphertext_size_;
};

Result<std::unique_ptr<StreamEncryptor>> CreateEncryptor(const ClipKey& key, ClipPart part,
                                                         ByteSpan associated_data, StreamSink sink,
                                                         std::uint32_t segment_bytes, ByteSpan salt,
                                                         ByteSpan nonce_prefix) {
  if (!ValidPart(static_cast<std::uint8_t>(part))) {
    return Fail(ErrorCode::kInvalidArgument, "unknown clip part");
  }
  if (segment_bytes < kMinSegmentBytes || segment_bytes > kMaxSegmentBytes) {
    return Fail(ErrorCode::kInvalidArgument, "segment size out of range");
  }
  if (!sink) return Fail(ErrorCode::kInvalidArgument, "no sink");
  VIGIL_CHECK(salt.size() == kStreamSaltBytes && nonce_prefix.size() == kStreamNoncePrefixBytes)
      << "nonce material size";
  auto header = ParseHeader(EncodeHeader(part, segment_bytes, salt, nonce_prefix), part);
  VIGIL_CHECK(header.has_value()) << "encoded header must parse";
  VIGIL_TRY(cipher, SegmentCipher(key, *header, associated_data, AeadCipher::Direction::kSeal));
  return std::unique_ptr<StreamEncryptor>(
      new StreamEncryptorImpl(std::move(*header), std::move(cipher), std::move(sink)));
}

}  // namespace

namespace internal {

crypto::KeyPurpose KeyPurposeForPart(ClipPart part) {
  switch (part) {
    case ClipPart::kVideo: return crypto::KeyPurpose::kClipVideo;
    case ClipPart::kThumbnail: return crypto::KeyPurpose::kClipThumbnail;
    case ClipPart::kMetadata: return crypto::KeyPurpose::kClipMetadata;
  }
  return crypto::KeyPurpose::kClipVideo;
}

Result<std::unique_ptr<StreamEncryptor>> CreateStreamEncryptorForVectors(
    const ClipKey& key, ClipPart part, ByteSpan associated_data, StreamSink sink,
    std::uint32_t segment_bytes, ByteSpan salt, ByteSpan nonce_prefix) {
  return CreateEncryptor(key, part, associated_data, std::move(sink), segment_bytes, salt,
                         nonce_prefix);
}

}  // namespace internal

Result<std::unique_ptr<StreamEncryptor>> StreamEncryptor::Create(const ClipKey& key, ClipPart part,
                                                                 ByteSpan associated_data,
                                                                 StreamSink sink,
                                                                 std::uint32_t segment_bytes) {
  // A fresh random salt gives every stream its own subkey, so (key, nonce)
  // pairs never repeat even when one clip key encrypts several streams.
  const Bytes salt = crypto::RandomBytes(kStreamSaltBytes);
  const Bytes prefix = crypto::RandomBytes(kStreamNoncePrefixBytes);
  return CreateEncryptor(key, part, associated_data, std::move(sink), segment_bytes, salt, prefix);
}

Result<std::unique_ptr<StreamDecryptor>> StreamDecryptor::Create(const ClipKey& key, ClipPart part,
                                                                 ByteSpan associated_data,
                                                                 StreamSink sink) {
  if (!ValidPart(static_cast<std::uint8_t>(part))) {
    return Fail(ErrorCode::kInvalidArgument, "unknown clip part");
  }
  if (!sink) return Fail(ErrorCode::kInvalidArgument, "no sink");
  // The subkey needs the header's salt, so keep a copy of the key until then.
  VIGIL_TRY(key_copy, ClipKey::FromSecret(key.secret().Clone()));
  return std::unique_ptr<StreamDecryptor>(
      new StreamDecryptorImpl(std::move(key_copy), part, associated_data, std::move(sink)));
}

Result<std::unique_ptr<SeekableStreamDecryptor>> SeekableStreamDecryptor::Create(
    const ClipKey& key, ClipPart part, ByteSpan associated_data, ByteSpan header,
    std::uint64_t ciphertext_size) {
  VIGIL_TRY(parsed, ParseHeader(header, part));
  const std::uint64_t full = std::uint64_t{parsed.segment_bytes} + kStreamTagBytes;
  // The body is (n - 1) full segments of S + 16 bytes and a last one of
  // 16 .. S + 15 bytes, so n = floor(body / full) + 1 and body mod full >= 16.
  if (ciphertext_size < kStreamHeaderBytes) return Fail(DecryptionFailed());
  const std::uint64_t body = ciphertext_size - kStreamHeaderBytes;
  if (body % full < kStreamTagBytes) return Fail(DecryptionFailed());
  const std::uint64_t segments = body / full + 1;
  if (segments > kMaxSegments) return Fail(DecryptionFailed());
  VIGIL_TRY(cipher, SegmentCipher(key, parsed, associated_data, AeadCipher::Direction::kOpen));
  return std::unique_ptr<SeekableStreamDecryptor>(new SeekableStreamDecryptorImpl(
      std::move(parsed), std::move(cipher), segments, ciphertext_size));
}

}  // namespace vigil::seal

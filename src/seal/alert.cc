// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/alert.h"

#include <algorithm>
#include <array>

#include "internal/decryption_failed.h"
#include "internal/envelope.h"
#include "internal/hpke.h"
#include "vigil/crypto/key_purpose.h"

namespace vigil::seal {
namespace {

constexpr std::array<std::uint8_t, 4> kMagic = {0x56, 0x47, 0x41, 0x4c};  // "VGAL"
constexpr std::uint8_t kVersion = 0x01;
constexpr internal::HpkeAead kAead = internal::HpkeAead::kAes128Gcm;
constexpr std::size_t kHeaderBytes = 4 + 1 + 8 + 32;  // magic, version, epoch, key id
constexpr std::size_t kEncBytes = 32;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kSignedBytes = kHeaderBytes + kEncBytes + kAlertPaddedBytes + kTagBytes;
static_assert(kSignedBytes + crypto::kSignatureBytes == kSealedAlertBytes);

Error VerificationFailed() { return Error{ErrorCode::kDataLoss, "verification failed"}; }

bool ValidId(std::string_view id) { return !id.empty() && id.size() <= kMaxAlertIdBytes; }

bool Printable(std::string_view s, char lowest) {
  return std::all_of(s.begin(), s.end(), [lowest](char c) { return c >= lowest && c <= '~'; });
}

bool ValidClipId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxAlertClipIdBytes && Printable(id, '!');
}

bool ValidLabel(std::string_view label) {
  return !label.empty() && label.size() <= kMaxAlertLabelBytes && Printable(label, ' ');
}

Status CheckContent(const AlertContent& c) {
  if (c.kind != AlertKind::kEventStarted && c.kind != AlertKind::kClipComplete) {
    return Fail(ErrorCode::kInvalidArgument, "alert kind must be 1 or 2");
  }
  if (!ValidClipId(c.clip_id)) {
    return Fail(ErrorCode::kInvalidArgument, "alert clip id: 1..64 printable ASCII bytes");
  }
  if (c.labels.size() > kMaxAlertLabels ||
      !std::all_of(c.labels.begin(), c.labels.end(),
                   [](const std::string& l) { return ValidLabel(l); })) {
    return Fail(ErrorCode::kInvalidArgument,
                "alert labels: at most 8, each 1..32 printable ASCII bytes");
  }
  if (c.motion_score > kMaxAlertMotionScore) {
    return Fail(ErrorCode::kInvalidArgument, "alert motion score: 0..10000");
  }
  return OkStatus();
}

Bytes Header(std::uint64_t household_epoch, const crypto::Sha256Digest& key_id) {
  Bytes out(kMagic.begin(), kMagic.end());
  out.push_back(kVersion);
  AppendU64(out, household_epoch);
  Append(out, key_id);
  return out;
}

// What the camera signs: lp(alert_id) || lp(camera_id) || the sealed bytes.
Bytes SignedMessage(std::string_view alert_id, std::string_view camera_id, ByteSpan sealed_body) {
  Bytes message;
  internal::AppendLengthPrefixed(message, AsBytes(alert_id));
  internal::AppendLengthPrefixed(message, AsBytes(camera_id));
  Append(message, sealed_body);
  return message;
}

}  // namespace

std::string_view AlertKindName(AlertKind kind) {
  switch (kind) {
    case AlertKind::kEventStarted: return "event started";
    case AlertKind::kClipComplete: return "clip complete";
  }
  return "unknown";
}

namespace internal {

// u8 kind || u8 len || clip_id || u64 time || u64 sequence || u16 motion ||
// u8 count || (u8 len || label)* || zeros up to kAlertPaddedBytes.
Result<Bytes> EncodeAlertContent(const AlertContent& c) {
  if (auto ok = CheckContent(c); !ok) return Fail(ok.error());
  Bytes out;
  out.push_back(static_cast<std::uint8_t>(c.kind));
  out.push_back(static_cast<std::uint8_t>(c.clip_id.size()));
  Append(out, AsBytes(c.clip_id));
  AppendU64(out, c.event_time_unix_s);
  AppendU64(out, c.sequence);
  AppendU16(out, c.motion_score);
  out.push_back(static_cast<std::uint8_t>(c.labels.size()));
  for (const std::string& label : c.labels) {
    out.push_back(static_cast<std::uint8_t>(label.size()));
    Append(out, AsBytes(label));
  }
  out.resize(kAlertPaddedBytes, 0);  // the bounds above keep the content under 350 bytes
  return out;
}

Result<AlertContent> DecodeAlertContent(ByteSpan padded) {
  if (padded.size() != kAlertPaddedBytes) return Fail(DecryptionFailed());
  std::size_t pos = 0;
  bool ok = true;
  auto take = [&](std::size_t n) -> ByteSpan {
    if (!ok || padded.size() - pos < n) {
      ok = false;
      return {};
    }
    auto out = padded.subspan(pos, n);
    pos += n;
    return out;
  };
  auto u8 = [&]() -> std::uint8_t {
    auto b = take(1);
    return ok ? b[0] : 0;
  };
  auto text = [&]() -> std::string {
    const std::size_t n = u8();
    auto b = take(n);
    return ok ? std::string(b.begin(), b.end()) : std::string();
  };
  AlertContent c;
  c.kind = static_cast<AlertKind>(u8());
  c.clip_id = text();
  auto time = take(8);
  if (ok) c.event_time_unix_s = LoadU64(time);
  auto sequence = take(8);
  if (ok) c.sequence = LoadU64(sequence);
  auto motion = take(2);
  if (ok) c.motion_score = LoadU16(motion);
  const std::size_t count = u8();
  if (count > kMaxAlertLabels) ok = false;
  for (std::size_t i = 0; ok && i < count; ++i) c.labels.push_back(text());
  // Exactly one encoding per content: valid fields and zero padding.
  if (!ok || !CheckContent(c) ||
      !std::all_of(padded.begin() + static_cast<std::ptrdiff_t>(pos), padded.end(),
                   [](std::uint8_t b) { return b == 0; })) {
    return Fail(DecryptionFailed());
  }
  return c;
}

// info = Label(kAlert) || lp(alert_id) || lp(camera_id) || lp(u64 epoch) || lp(key id).
Result<Bytes> AlertInfo(std::string_view alert_id, std::string_view camera_id,
                        std::uint64_t household_epoch, const crypto::Sha256Digest& key_id) {
  if (!ValidId(alert_id) || !ValidId(camera_id)) {
    return Fail(ErrorCode::kInvalidArgument, "alert and camera ids must be 1 to 255 bytes");
  }
  Bytes info;
  Append(info, AsBytes(crypto::Label(crypto::EnvelopePurpose::kAlert)));
  AppendLengthPrefixed(info, AsBytes(alert_id));
  AppendLengthPrefixed(info, AsBytes(camera_id));
  Bytes epoch;
  AppendU64(epoch, household_epoch);
  AppendLengthPrefixed(info, epoch);
  AppendLengthPrefixed(info, key_id);
  return info;
}

Result<Bytes> SealAlertForVectors(const AlertContent& content, std::string_view alert_id,
                                  std::string_view camera_id, std::uint64_t household_epoch,
                                  const HouseholdPublicKey& household,
                                  const crypto::SigningKey& camera_key,
                                  const crypto::SecretBytes* ephemeral) {
  VIGIL_TRY(padded, EncodeAlertContent(content));
  VIGIL_TRY(info, AlertInfo(alert_id, camera_id, household_epoch, household.KeyId()));
  auto sender = ephemeral != nullptr
                    ? HpkeSetupBaseSenderWithEphemeral(kAead, household.bytes(), info, *ephemeral)
                    : HpkeSetupBaseSender(kAead, household.bytes(), info);
  if (!sender) return Fail(sender.error());
  Bytes out = Header(household_epoch, household.KeyId());
  VIGIL_TRY(sealed, sender->context.Seal(out, padded));
  Append(out, sender->enc);
  Append(out, sealed);
  const auto signature =
      camera_key.Sign(crypto::SignaturePurpose::kAlert, SignedMessage(alert_id, camera_id, out));
  Append(out, signature);
  return out;
}

}  // namespace internal

Result<Bytes> SealAlert(const AlertContent& content, std::string_view alert_id,
                        std::string_view camera_id, std::uint64_t household_epoch,
                        const HouseholdPublicKey& household, const crypto::SigningKey& camera_key) {
  return internal::SealAlertForVectors(content, alert_id, camera_id, household_epoch, household,
                                       camera_key, nullptr);
}

Result<std::uint64_t> AlertHouseholdEpoch(ByteSpan sealed) {
  if (sealed.size() != kSealedAlertBytes ||
      !std::equal(kMagic.begin(), kMagic.end(), sealed.begin()) || sealed[4] != kVersion) {
    return Fail(internal::DecryptionFailed());
  }
  return LoadU64(sealed.subspan(5, 8));
}

Result<AlertContent> OpenAlert(ByteSpan sealed, std::string_view alert_id,
                               std::string_view camera_id, std::uint64_t household_epoch,
                               const crypto::VerifyKey& camera_key,
                               const HouseholdPrivateKey& household) {
  if (sealed.size() != kSealedAlertBytes || !ValidId(alert_id) || !ValidId(camera_id)) {
    return Fail(VerificationFailed());
  }
  // The signature covers the ids, so an alert replayed under another id or
  // camera fails here, before any decryption is attempted.
  const ByteSpan body = sealed.first(kSignedBytes);
  if (!camera_key.Verify(crypto::SignaturePurpose::kAlert, SignedMessage(alert_id, camera_id, body),
                         sealed.subspan(kSignedBytes))) {
    return Fail(VerificationFailed());
  }
  const Bytes header = Header(household_epoch, household.public_key().KeyId());
  if (!std::equal(header.begin(), header.end(), body.begin())) {
    return Fail(internal::DecryptionFailed());
  }
  VIGIL_TRY(info, internal::AlertInfo(alert_id, camera_id, household_epoch,
                                      household.public_key().KeyId()));
  auto receiver = internal::HpkeSetupBaseReceiver(kAead, body.subspan(kHeaderBytes, kEncBytes),
                                                  household.secret(), info);
  if (!receiver) return Fail(internal::DecryptionFailed());
  auto padded = receiver->Open(header, body.subspan(kHeaderBytes + kEncBytes));
  if (!padded) return Fail(internal::DecryptionFailed());
  return internal::DecodeAlertContent(*padded);
}

}  // namespace vigil::seal

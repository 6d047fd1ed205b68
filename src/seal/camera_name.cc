// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/camera_name.h"

#include <algorithm>

#include "internal/decryption_failed.h"
#include "internal/envelope.h"
#include "internal/hpke.h"
#include "vigil/crypto/key_purpose.h"

namespace vigil::seal {
namespace {

constexpr std::uint8_t kFormatVersion = 0x01;
constexpr std::uint8_t kPurpose = 0x03;  // after the VGEV purposes 0x01 and 0x02
constexpr internal::HpkeAead kAead = internal::HpkeAead::kAes128Gcm;
constexpr std::size_t kHeaderBytes = 2;
constexpr std::size_t kEncBytes = 32;
constexpr std::size_t kPaddedBytes = 1 + kMaxCameraNameBytes;  // u8 length ‖ name ‖ zeros

Bytes Header() { return Bytes{kFormatVersion, kPurpose}; }

// Strict UTF-8 (RFC 3629): no overlong forms, surrogates or values past U+10FFFF.
bool ValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    const std::uint32_t min[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

Status CheckCameraName(std::string_view name) {
  if (name.empty()) return Fail(ErrorCode::kInvalidArgument, "a camera name cannot be empty");
  if (name.size() > kMaxCameraNameBytes) {
    return Fail(ErrorCode::kInvalidArgument,
                "a camera name is at most 45 bytes (it is sealed into the server's 128-character "
                "name field)");
  }
  if (!ValidUtf8(name)) return Fail(ErrorCode::kInvalidArgument, "a camera name must be UTF-8");
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      return Fail(ErrorCode::kInvalidArgument, "a camera name cannot hold control characters");
    }
  }
  return OkStatus();
}

namespace internal {

// info = Label(kCameraName) || lp(household_id) || lp(camera_id) || lp(key id).
Result<Bytes> CameraNameInfo(const CameraNameBinding& binding,
                             const crypto::Sha256Digest& household_key_id) {
  for (const std::string* id : {&binding.household_id, &binding.camera_id}) {
    if (id->empty() || id->size() > 255) {
      return Fail(ErrorCode::kInvalidArgument, "household and camera ids must be 1 to 255 bytes");
    }
  }
  Bytes info;
  Append(info, AsBytes(crypto::Label(crypto::EnvelopePurpose::kCameraName)));
  AppendLengthPrefixed(info, AsBytes(binding.household_id));
  AppendLengthPrefixed(info, AsBytes(binding.camera_id));
  AppendLengthPrefixed(info, household_key_id);
  return info;
}

Result<Bytes> SealCameraNameForVectors(std::string_view name, const HouseholdPublicKey& household,
                                       const CameraNameBinding& binding,
                                       const crypto::SecretBytes* ephemeral) {
  if (auto ok = CheckCameraName(name); !ok) return Fail(ok.error());
  VIGIL_TRY(info, CameraNameInfo(binding, household.KeyId()));
  auto sender = ephemeral != nullptr
                    ? HpkeSetupBaseSenderWithEphemeral(kAead, household.bytes(), info, *ephemeral)
                    : HpkeSetupBaseSender(kAead, household.bytes(), info);
  if (!sender) return Fail(sender.error());
  Bytes padded(kPaddedBytes, 0);
  padded[0] = static_cast<std::uint8_t>(name.size());
  std::copy(name.begin(), name.end(), padded.begin() + 1);
  Bytes out = Header();
  VIGIL_TRY(sealed, sender->context.Seal(out, padded));
  Append(out, sender->enc);
  Append(out, sealed);
  return out;
}

}  // namespace internal

Result<Bytes> SealCameraName(std::string_view name, const HouseholdPublicKey& household,
                             const CameraNameBinding& binding) {
  return internal::SealCameraNameForVectors(name, household, binding, nullptr);
}

Result<std::string> OpenCameraName(ByteSpan sealed, const HouseholdPrivateKey& household,
                                   const CameraNameBinding& binding) {
  VIGIL_TRY(info, internal::CameraNameInfo(binding, household.public_key().KeyId()));
  const Bytes header = Header();
  if (sealed.size() != kSealedCameraNameBytes ||
      !std::equal(header.begin(), header.end(), sealed.begin())) {
    return Fail(internal::DecryptionFailed());
  }
  auto receiver = internal::HpkeSetupBaseReceiver(kAead, sealed.subspan(kHeaderBytes, kEncBytes),
                                                  household.secret(), info);
  if (!receiver) return Fail(internal::DecryptionFailed());
  auto padded = receiver->Open(header, sealed.subspan(kHeaderBytes + kEncBytes));
  if (!padded || padded->size() != kPaddedBytes) return Fail(internal::DecryptionFailed());
  const std::size_t length = (*padded)[0];
  if (length == 0 || length > kMaxCameraNameBytes ||
      !std::all_of(padded->begin() + 1 + static_cast<std::ptrdiff_t>(length), padded->end(),
                   [](std::uint8_t b) { return b == 0; })) {
    return Fail(internal::DecryptionFailed());
  }
  std::string name(padded->begin() + 1, padded->begin() + 1 + static_cast<std::ptrdiff_t>(length));
  if (!CheckCameraName(name)) return Fail(internal::DecryptionFailed());
  return name;
}

}  // namespace vigil::seal

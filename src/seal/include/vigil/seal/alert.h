// SPDX-License-Identifier: Apache-2.0
#pragma once

// Alerts: for every event (not only for labels that alert, so their timing
// does not reveal what was seen) the camera seals a short statement to the
// household key with RFC 9180 HPKE (the suite of key_envelope.h), bound
// through HPKE `info` to the alert id, camera id, household epoch and
// recipient key, and signs the sealed bytes with its Ed25519 key together
// with the alert and camera ids. vigild relays and keeps alerts without
// being able to read them. The plaintext is padded to a fixed size, so the
// size does not reveal the labels. Byte layout: docs/formats/alert.md.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/secret.h"
#include "vigil/crypto/signing.h"
#include "vigil/seal/keys.h"

namespace vigil::seal {

inline constexpr std::size_t kMaxAlertIdBytes = 255;  // alert and camera ids: 1..255 bytes
inline constexpr std::size_t kMaxAlertClipIdBytes = 64;
inline constexpr std::size_t kMaxAlertLabels = 8;
inline constexpr std::size_t kMaxAlertLabelBytes = 32;
inline constexpr std::uint16_t kMaxAlertMotionScore = 10000;
inline constexpr std::size_t kAlertPaddedBytes = 384;
inline constexpr std::size_t kSealedAlertBytes = 541;

enum class AlertKind : std::uint8_t {
  kEventStarted = 1,  // sent when the event begins (the clip is being written)
  kClipComplete = 2,  // sent when the clip is sealed and queued for upload
};

struct AlertContent {
  AlertKind kind = AlertKind::kEventStarted;
  std::string clip_id;                  // 1..64 bytes: the event's clip, known from its start
  std::uint64_t event_time_unix_s = 0;  // when the event started
  std::uint64_t sequence = 0;           // the clip's camera sequence number, 0 if not yet known
  std::vector<std::string> labels;      // 0..8 labels of 1..32 printable ASCII bytes
  std::uint16_t motion_score = 0;       // 0..10000
  bool operator==(const AlertContent&) const = default;
};

// Seals `content` to `household` and signs the result with `camera_key`.
// kInvalidArgument when a field or id is out of the bounds above.
Result<Bytes> SealAlert(const AlertContent& content, std::string_view alert_id,
                        std::string_view camera_id, std::uint64_t household_epoch,
                        const HouseholdPublicKey& household, const crypto::SigningKey& camera_key);

// Checks the camera's signature first (kDataLoss "verification failed"), then
// opens the alert (kDataLoss "decryption failed" for any other mismatch:
// other ids or epoch, other household key, altered bytes, bad padding).
Result<AlertContent> OpenAlert(ByteSpan sealed, std::string_view alert_id,
                               std::string_view camera_id, std::uint64_t household_epoch,
                               const crypto::VerifyKey& camera_key,
                               const HouseholdPrivateKey& household);

// The household epoch an alert names in its (signed, unencrypted) header, to
// pick the household key to open it with. kDataLoss "decryption failed" if
// the bytes are not an alert. Not authenticated until OpenAlert succeeds.
Result<std::uint64_t> AlertHouseholdEpoch(ByteSpan sealed);

// Where a kind is shown to people: "event started", "clip complete".
std::string_view AlertKindName(AlertKind kind);

namespace internal {
// The canonical padded plaintext and the HPKE info (for vectors and tests).
Result<Bytes> EncodeAlertContent(const AlertContent& content);
Result<AlertContent> DecodeAlertContent(ByteSpan padded);
Result<Bytes> AlertInfo(std::string_view alert_id, std::string_view camera_id,
                        std::uint64_t household_epoch, const crypto::Sha256Digest& key_id);
// SealAlert with a given ephemeral key: known-answer vectors only.
Result<Bytes> SealAlertForVectors(const AlertContent& content, std::string_view alert_id,
                                  std::string_view camera_id, std::uint64_t household_epoch,
                                  const HouseholdPublicKey& household,
                                  const crypto::SigningKey& camera_key,
                                  const crypto::SecretBytes* ephemeral);
}  // namespace internal

}  // namespace vigil::seal

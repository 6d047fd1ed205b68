// SPDX-License-Identifier: Apache-2.0
#include "vigil/crypto/key_purpose.h"

namespace vigil::crypto {

// These strings are part of the wire formats (docs/formats/labels.md).
std::string_view Label(KeyPurpose purpose) {
  switch (purpose) {
    case KeyPurpose::kClipVideo: return "vigil/v1/clip-video";
    case KeyPurpose::kClipThumbnail: return "vigil/v1/clip-thumbnail";
    case KeyPurpose::kClipMetadata: return "vigil/v1/clip-metadata";
    case KeyPurpose::kAccountAuth: return "vigil/v1/account-auth";
    case KeyPurpose::kAccountKek: return "vigil/v1/account-kek";
    case KeyPurpose::kRecoveryKek: return "vigil/v1/recovery-kek";
    case KeyPurpose::kRecoveryAuth: return "vigil/v1/recovery-auth";
    case KeyPurpose::kKeyringWrap: return "vigil/v1/keyring-wrap";
    case KeyPurpose::kPairingId: return "vigil/v1/pairing-id";
    case KeyPurpose::kPairingMac: return "vigil/v1/pairing-mac";
    case KeyPurpose::kTotpSeedKey: return "vigil/v1/totp-seed-key";
  }
  return {};
}

std::string_view Label(EnvelopePurpose purpose) {
  switch (purpose) {
    case EnvelopePurpose::kClipKey: return "vigil/v1/clip-key-envelope";
    case EnvelopePurpose::kHouseholdKey: return "vigil/v1/household-key-envelope";
    case EnvelopePurpose::kCameraName: return "vigil/v1/camera-name";
    case EnvelopePurpose::kAlert: return "vigil/v1/alert";
  }
  return {};
}

std::string_view Label(SignaturePurpose purpose) {
  switch (purpose) {
    case SignaturePurpose::kClipManifest: return "vigil/v1/clip-manifest";
    case SignaturePurpose::kHeartbeat: return "vigil/v1/heartbeat";
    case SignaturePurpose::kKeyChain: return "vigil/v1/key-chain";
    case SignaturePurpose::kPairingClaim: return "vigil/v1/pairing-claim";
    case SignaturePurpose::kRoster: return "vigil/v1/roster";
    case SignaturePurpose::kAlert: return "vigil/v1/alert-signature";
  }
  return {};
}

}  // namespace vigil::crypto

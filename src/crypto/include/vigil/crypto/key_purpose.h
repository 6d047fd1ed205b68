// SPDX-License-Identifier: Apache-2.0
#pragma once

// The registry of key purposes. Every key Vigil derives, every HPKE envelope
// and every signature is bound to exactly one purpose, whose versioned label
// (`vigil/v1/<purpose>`) is mixed into HKDF `info`, HPKE `info` or the signed
// bytes. Adding a purpose = adding an enumerator and its label here and in
// docs/formats/labels.md. Labels never change once shipped: a new scheme gets
// a new version (`vigil/v2/...`).

#include <cstdint>
#include <string_view>

namespace vigil::crypto {

// Purposes of keys derived with HKDF (DeriveKey in hash.h).
enum class KeyPurpose : std::uint8_t {
  kClipVideo,      // segmented-AEAD subkey for a clip's fMP4 stream
  kClipThumbnail,  // segmented-AEAD subkey for a clip's thumbnail
  kClipMetadata,   // segmented-AEAD subkey for a clip's event metadata
  kAccountAuth,    // login proof from Argon2id(password) || ASK (002-vigild.md)
  kAccountKek,     // keyring-wrapping key from Argon2id(password) || ASK
  kRecoveryKek,    // keyring-wrapping key from the recovery code
  kRecoveryAuth,   // recovery proof from the recovery code (002-vigild.md §Recovery)
  kKeyringWrap,    // per-wrap AES-256-GCM subkey of a KEK (docs/formats/keyring.md)
  kPairingId,      // public lookup id of a pairing, from the pairing secret
  kPairingMac,     // HMAC key of a pairing's offer and claim, from the pairing secret
  kTotpSeedKey,    // server-side key that encrypts TOTP seeds at rest
};

// Purposes of HPKE envelopes (the first part of HPKE `info`).
enum class EnvelopePurpose : std::uint8_t {
  kClipKey,       // a clip's content key sealed to a household key
  kHouseholdKey,  // a household private key sealed to a member device key
  kCameraName,    // an owner-given camera name sealed to a household key
  kAlert,         // a camera's event alert sealed to a household key
};

// Purposes of Ed25519 signatures (prefixed to the signed message).
enum class SignaturePurpose : std::uint8_t {
  kClipManifest,  // camera-signed clip manifest
  kHeartbeat,     // camera-signed liveness statement
  kKeyChain,      // account key-chain version, signed by the account signing key
  kPairingClaim,  // owner's claim of a camera during pairing
  kRoster,        // household roster, signed by the owner
  kAlert,         // camera-signed sealed alert (with its alert and camera ids)
};

std::string_view Label(KeyPurpose purpose);
std::string_view Label(EnvelopePurpose purpose);
std::string_view Label(SignaturePurpose purpose);

}  // namespace vigil::crypto

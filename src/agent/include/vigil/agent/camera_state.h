// SPDX-License-Identifier: Apache-2.0
#pragma once

// The camera's identity and pairing, kept in DIR/camera.json (DIR 0700, file
// 0600, written atomically: temp file, fsync, rename, fsync the directory).
//
// `vigil-agent init` makes the identity: an Ed25519 signing key (manifests,
// heartbeats; its fingerprint is in the pairing code) and an X25519 key,
// plus the server URL and CA to use. `vigil-agent pair` adds the pairing once
// the owner's claim verified (docs/design/002-vigild.md §Households and
// pairing): the camera id, the bearer credential, the household, the
// household public key and epoch clips are sealed to, and the owner's
// signing key the camera pinned (it accepts household keys and rosters only
// when signed by that key). The name the user gave the camera stays here; the
// server never sees it.
//
// Thread-compatible. Uploaders read everything through the accessors below.

#include <cstdint>
#include <optional>
#include <string>

#include "vigil/core/result.h"
#include "vigil/crypto/signing.h"
#include "vigil/seal/keys.h"

namespace vigil::agent {

// What pairing gave the camera.
struct CameraPairing {
  std::string camera_id;
  std::string household_id;
  std::string credential;  // bearer token for the camera routes of vigild
  seal::HouseholdPublicKey household_key;
  std::uint64_t household_epoch = 0;
  crypto::VerifyKey owner_key;  // pinned at pairing
  std::string name;             // the local name given to `vigil-agent pair --name`
};

class CameraState {
 public:
  // Makes a fresh identity in `dir` (created 0700 if missing) for
  // `server_url` (https:// or http://) and `ca_path` (may be empty). Fails
  // with kAlreadyExists if DIR/camera.json exists: an identity is never
  // overwritten.
  static Result<CameraState> Create(const std::string& dir, const std::string& server_url,
                                    const std::string& ca_path);
  // Loads DIR/camera.json. kNotFound if absent ("run vigil-agent init"),
  // kDataLoss if corrupt.
  static Result<CameraState> Load(const std::string& dir);

  const std::string& dir() const { return dir_; }
  const std::string& server_url() const { return server_url_; }
  const std::string& ca_path() const { return ca_path_; }
  // The camera's Ed25519 key: signs manifests and heartbeats.
  const crypto::SigningKey& signing_key() const { return signing_key_; }
  // The camera's X25519 key.
  const seal::DevicePrivateKey& box_key() const { return box_key_; }

  bool paired() const { return pairing_.has_value(); }
  // Precondition: paired().
  const CameraPairing& pairing() const { return *pairing_; }
  // kFailedPrecondition "not paired yet: run vigil-agent pair" unless paired.
  Result<const CameraPairing*> RequirePairing() const;

  // Records a verified pairing and saves the file. kAlreadyExists if the
  // camera is already paired.
  Status SetPairing(CameraPairing pairing);

 private:
  CameraState(std::string dir, std::string server_url, std::string ca_path,
              crypto::SigningKey signing_key, seal::DevicePrivateKey box_key)
      : dir_(std::move(dir)),
        server_url_(std::move(server_url)),
        ca_path_(std::move(ca_path)),
        signing_key_(std::move(signing_key)),
        box_key_(std::move(box_key)) {}
  Status Save(bool exclusive) const;

  std::string dir_;
  std::string server_url_;
  std::string ca_path_;
  crypto::SigningKey signing_key_;
  seal::DevicePrivateKey box_key_;
  std::optional<CameraPairing> pairing_;
};

}  // namespace vigil::agent

// SPDX-License-Identifier: Apache-2.0
#pragma once

// A client profile: one owner device's local state, in
// $VIGIL_HOME/<name>/profile.json (default ~/.config/vigil/<name>), a 0700
// directory with a 0600 file written atomically (temp, fsync, rename, fsync
// dir). It holds the server URL and CA, the account's email and id, this
// device's id, the Account Secret Key (which the brief keeps on every device)
// and the current session token. The password is never stored.
//
// It is also this device's key store (002 §Devices and key chains): the
// device's own X25519 and Ed25519 keys (made on account creation or on the
// first login on this profile), a copy of the account signing key taken from
// the keyring at login (pairing claims and key-chain versions are signed
// without asking for the password), the household the device belongs to with
// the household public key and epoch it verified (pinned: a household key
// the server later hands out must match), and the key-chain pin (the newest
// version verified and its hash: a shorter or forked chain is refused).

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "vigil/core/result.h"

namespace vigil::client {

struct Profile {
  std::string name;
  std::string dir;
  std::string server_url;
  std::string ca_path;
  std::string email;
  std::string account_id;
  std::string device_id;
  std::string account_secret_key;  // encoded form (seal::AccountSecretKey::Encode)
  std::string session_token;
  // Base64url secrets: the device X25519 key, the device Ed25519 seed, the
  // account signing seed.
  std::string device_box_key;
  std::string device_sign_key;
  std::string account_signing_key;
  std::string household_id;
  std::int64_t household_epoch = 0;
  std::string household_public_key;  // base64url
  std::int64_t key_chain_version = 0;
  std::string key_chain_hash;  // base64url SHA-256 of the pinned version

  // Camera signing keys this device trusts, by camera id: pinned at `camera
  // add` (checked against the pairing code) or verified from the owner's
  // signed pairing claim (docs/design/006-agent.md §Owner).
  struct CameraKey {
    std::string sign_key;  // base64url Ed25519 public key
    std::string trust;     // "pairing-code" or "owner-claim"
  };
  std::map<std::string, CameraKey> camera_keys;
  // The newest manifest verified per camera id: a later listing that ends
  // before it is a rollback.
  struct ChainPin {
    std::uint64_t sequence = 0;
    std::string manifest_hash;  // base64url
  };
  std::map<std::string, ChainPin> chain_points;

  bool logged_in() const { return !session_token.empty(); }
};

// The directory of profile `name`: $VIGIL_HOME/name, else $HOME/.config/vigil/name.
// Fails with kInvalidArgument for a name outside [A-Za-z0-9_-]{1,64}.
Result<std::string> ProfileDir(const std::string& name);

// Loads the profile, or returns an empty one (with name and dir set) when the
// file does not exist yet. A corrupt file is kDataLoss.
Result<Profile> LoadProfile(const std::string& name);

// Writes the profile atomically with mode 0600.
Status SaveProfile(const Profile& profile);

}  // namespace vigil::client

// SPDX-License-Identifier: Apache-2.0
#pragma once

// A client profile: one owner device's local state, in
// $VIGIL_HOME/<name>/profile.json (default ~/.config/vigil/<name>), a 0700
// directory with a 0600 file written atomically (temp, fsync, rename, fsync
// dir). It holds the server URL and CA, the account's email and id, this
// device's id, the Account Secret Key (which the brief keeps on every device)
// and the current session token. The password is never stored.

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

// Writes `contents` to `path` atomically with `mode` (temp file in the same
// directory, fsync, rename, fsync the directory). With `exclusive`, refuses to
// replace an existing file (kAlreadyExists).
Status WriteFileAtomically(const std::string& path, const std::string& contents, unsigned mode,
                           bool exclusive);

}  // namespace vigil::client

// SPDX-License-Identifier: Apache-2.0
#pragma once

// The recovery kit: the file `vigil account create` and `vigil account
// recover` write (JSON, mode 0600, never overwritten) and `vigil login --kit`
// and `vigil account recover --kit` read. It holds the Account Secret Key and
// the recovery code, so it is as secret as both. Format:
// docs/formats/recovery-kit.md.

#include <string>

#include "vigil/core/result.h"

namespace vigil::client {

struct RecoveryKit {
  std::string server;              // the server URL at the time (informative)
  std::string email;               // lower-cased
  std::string account_id;          // may be empty in a hand-made kit
  std::string account_secret_key;  // human form "A1-…" (seal::AccountSecretKey::Encode)
  std::string recovery_code;       // human form "R1-…" (seal::RecoveryCode::Encode)
};

// Reads and checks a kit: kNotFound if the file cannot be read,
// kInvalidArgument naming the problem if it is not a Vigil recovery kit.
// The secrets are checked for shape only (their checksums are checked when
// decoded).
Result<RecoveryKit> ReadRecoveryKit(const std::string& path);

// Writes `kit` to `path` atomically with mode 0600; kAlreadyExists if the
// file exists (a kit is never replaced: the old one may be the only copy).
Status WriteRecoveryKit(const std::string& path, const RecoveryKit& kit);

}  // namespace vigil::client

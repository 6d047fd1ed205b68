// SPDX-License-Identifier: Apache-2.0
#pragma once

// The owner's operations against vigild, as the `vigil` command runs them.
// Every key is made and opened here, on the client: the server receives the
// auth key (a proof), wrapped keyrings and public keys only.
// Design: docs/design/002-vigild.md.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vigil/client/profile.h"
#include "vigil/core/result.h"
#include "vigil/crypto/password_kdf.h"
#include "vigil/crypto/secret.h"
#include "vigil/net/http_client.h"
#include "vigil/seal/account_keys.h"
#include "vigil/wire/json.h"

namespace vigil::client {

struct SessionInfo {
  std::string id;
  std::string device_id;
  std::string created;
  std::string last_used;
  std::string source;
  bool current = false;
};

// Not thread-safe; one per command.
class OwnerClient {
 public:
  // Uses `profile` for the server, CA and stored state; `server_url` / `ca`
  // override the profile when non-empty. Fails with kFailedPrecondition when
  // no server is known.
  static Result<std::unique_ptr<OwnerClient>> Create(Profile profile, const std::string& server_url,
                                                     const std::string& ca_path);

  const Profile& profile() const { return profile_; }

  // Creates the account and the first device; writes the recovery kit (Account
  // Secret Key + recovery code) to `kit_path`, mode 0600, refusing to
  // overwrite. Logs this profile in.
  Status CreateAccount(const std::string& email, const crypto::SecretBytes& password,
                       const std::string& kit_path,
                       const crypto::Argon2idCost& cost = crypto::kDefaultArgon2idCost);
  // Logs in. A profile without the Account Secret Key needs `kit_path`.
  Status Login(const std::string& email, const crypto::SecretBytes& password,
               const std::optional<std::string>& kit_path,
               const std::optional<std::string>& totp_code = std::nullopt);
  Status Logout();
  Result<std::vector<SessionInfo>> ListSessions();
  Status RevokeSession(const std::string& id);
  Result<std::size_t> RevokeOtherSessions();
  // Re-wraps the keyring under the new password; every other session ends.
  Result<std::size_t> ChangePassword(const crypto::SecretBytes& old_password,
                                     const crypto::SecretBytes& new_password);
  // Turns on TOTP: the server makes a seed; `ask_code` is shown the otpauth://
  // URI (for the authenticator app) and returns the code it now displays.
  Status EnableTotp(const std::function<Result<std::string>(const std::string& uri)>& ask_code);
  Status DisableTotp(const crypto::SecretBytes& password);
  // Crypto-shreds the account and its household on the server.
  Result<std::size_t> DeleteAccount(const crypto::SecretBytes& password);

 private:
  OwnerClient(Profile profile, std::unique_ptr<net::HttpClient> http)
      : profile_(std::move(profile)), http_(std::move(http)) {}
  // Sends a JSON request; an error status becomes the server's Error.
  Result<wire::Json> Call(std::string_view method, std::string_view target, const wire::Json* body,
                          bool authenticated);
  Status RequireLogin() const;
  // This account's keys for `password`, from the salt and cost the server
  // holds (refusing costs below the floor); `cost_out` receives the cost.
  Result<seal::AccountKeys> CurrentAccountKeys(const crypto::SecretBytes& password,
                                               crypto::Argon2idCost* cost_out = nullptr);

  Profile profile_;
  std::unique_ptr<net::HttpClient> http_;
};

}  // namespace vigil::client

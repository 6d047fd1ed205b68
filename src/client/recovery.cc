// SPDX-License-Identifier: Apache-2.0
// The recovery kit file and `vigil account recover`: the recovery code opens
// the second copy of the keyring when the password is lost
// (docs/design/002-vigild.md §Recovery, docs/formats/recovery-kit.md).
#include <cstdio>
#include <fstream>
#include <iterator>

#include "vigil/client/owner_client.h"
#include "vigil/client/recovery_kit.h"
#include "vigil/core/files.h"
#include "vigil/crypto/hash.h"
#include "vigil/seal/account_keys.h"
#include "vigil/seal/keyring.h"

namespace vigil::client {
namespace {

using crypto::InsecureSecretAccess;

constexpr std::string_view kKitFormat = "vigil-recovery-kit/v1";
constexpr std::size_t kMaxKitBytes = 64 << 10;
constexpr std::size_t kIdBytes = 12;
constexpr std::size_t kMaxKeyringBytes = 256 << 10;

std::string LowerEmail(std::string email) {
  for (char& c : email) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return email;
}

// A server answer that settles the request: the recovery did not happen.
// Anything else (no answer, a 5xx) may have happened, so the new kit stays.
bool Refused(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kNotFound:
    case ErrorCode::kResourceExhausted:
    case ErrorCode::kFailedPrecondition: return true;
    default: return false;
  }
}

}  // namespace

Result<RecoveryKit> ReadRecoveryKit(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, "cannot read the recovery kit " + path);
  std::string text;
  text.resize(kMaxKitBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxKitBytes) {
    return Fail(ErrorCode::kInvalidArgument, path + " is not a Vigil recovery kit (too large)");
  }
  auto json = wire::ParseObject(text);
  if (!json) return Fail(ErrorCode::kInvalidArgument, path + " is not a Vigil recovery kit");
  auto format = wire::OptionalString(*json, "format", 1, 64);
  if (!format || (*format && **format != kKitFormat)) {
    return Fail(ErrorCode::kInvalidArgument,
                path + " is not a " + std::string(kKitFormat) + " recovery kit");
  }
  RecoveryKit kit;
  auto field = [&](std::string_view name, std::size_t min, std::size_t max,
                   std::string& out) -> Status {
    auto value = wire::RequireString(*json, name, min, max);
    if (!value) return Fail(ErrorCode::kInvalidArgument, path + ": " + value.error().message);
    out = std::move(*value);
    return OkStatus();
  };
  for (auto status : {field("email", 3, 254, kit.email),
                      field("account_secret_key", 8, 256, kit.account_secret_key),
                      field("recovery_code", 8, 256, kit.recovery_code)}) {
    if (!status) return Fail(status.error());
  }
  VIGIL_TRY(account_id, wire::OptionalString(*json, "account_id", 1, 64));
  VIGIL_TRY(server, wire::OptionalString(*json, "server", 0, 2048));
  kit.email = LowerEmail(kit.email);
  kit.account_id = account_id.value_or("");
  kit.server = server.value_or("");
  return kit;
}

Status WriteRecoveryKit(const std::string& path, const RecoveryKit& kit) {
  const wire::Json json = {{"format", kKitFormat},
                           {"note",
                            "Keep this file offline. With your password it opens your "
                            "Vigil account on a new device; the recovery code opens it "
                            "without the password (vigil account recover)."},
                           {"server", kit.server},
                           {"email", kit.email},
                           {"account_id", kit.account_id},
                           {"account_secret_key", kit.account_secret_key},
                           {"recovery_code", kit.recovery_code}};
  return WriteFileAtomically(path, json.dump(1) + "\n", 0600, true);
}

Result<std::size_t> OwnerClient::Recover(const std::string& email_in, const std::string& kit_path,
                                         const std::string& new_kit_path,
                                         const crypto::SecretBytes& new_password,
                                         const crypto::Argon2idCost& cost) {
  const std::string email = LowerEmail(email_in);
  VIGIL_TRY(kit, ReadRecoveryKit(kit_path));
  if (kit.email != email) {
    return Fail(ErrorCode::kInvalidArgument, "the recovery kit belongs to " + kit.email);
  }
  VIGIL_TRY(ask, seal::AccountSecretKey::Decode(kit.account_secret_key));
  VIGIL_TRY(code, seal::RecoveryCode::Decode(kit.recovery_code));
  // Refuse before asking the server anything: the new kit must be writable.
  if (std::ifstream(new_kit_path).good()) {
    return Fail(ErrorCode::kAlreadyExists,
                new_kit_path + " exists: the new recovery kit never replaces a file");
  }

  // 1. Prove the code and fetch the recovery copy of the keyring.
  const wire::Json salt_request = {{"email", email}};
  VIGIL_TRY(salt_response, Call("POST", "/v1/recovery/salt", &salt_request, false));
  VIGIL_TRY(recovery_salt, wire::RequireBytes(salt_response, "recovery_salt",
                                              seal::kAccountSaltBytes, seal::kAccountSaltBytes));
  VIGIL_TRY(old_keys, seal::DeriveRecoveryKeys(code, recovery_salt, email));
  const wire::Json proof = {
      {"email", email}, {"recovery_auth_key", wire::BytesField(old_keys.auth_key.ProofBytes())}};
  VIGIL_TRY(fetched, Call("POST", "/v1/recovery", &proof, false));
  VIGIL_TRY(account_id, wire::RequireString(fetched, "account_id", 1, 64));
  if (!kit.account_id.empty() && kit.account_id != account_id) {
    return Fail(ErrorCode::kDataLoss, "the server named another account than the recovery kit's");
  }
  VIGIL_TRY(recovery_wrapped,
            wire::RequireBytes(fetched, "recovery_wrapped_keyring", 1, kMaxKeyringBytes));
  auto keyring = seal::UnwrapKeyring(recovery_wrapped, old_keys.kek, account_id);
  if (!keyring) {
    return Fail(ErrorCode::kDataLoss,
                "the server returned a keyring this recovery code cannot open");
  }

  // 2. New password (same ASK), new recovery code; both copies re-wrapped.
  const Bytes salt = seal::NewAccountSalt();
  VIGIL_TRY(keys, seal::DeriveAccountKeys(new_password, ask, salt, cost, email));
  const seal::RecoveryCode new_code = seal::RecoveryCode::Generate();
  const Bytes new_recovery_salt = seal::NewAccountSalt();
  VIGIL_TRY(new_recovery, seal::DeriveRecoveryKeys(new_code, new_recovery_salt, email));
  VIGIL_TRY(wrapped, seal::WrapKeyring(*keyring, keys.kek, account_id));
  VIGIL_TRY(new_recovery_wrapped, seal::WrapKeyring(*keyring, new_recovery.kek, account_id));

  // 3. The new kit first: if it cannot be written, the old code stays valid.
  const auto access = InsecureSecretAccess::Get();
  auto written = WriteRecoveryKit(new_kit_path, {profile_.server_url, email, account_id,
                                                 ask.Encode(access), new_code.Encode(access)});
  if (!written) return Fail(written.error());

  // 4. Replace the credentials; the server ends every session.
  const std::string device_id = profile_.device_id.empty()
                                    ? "dev_" + Base64UrlEncode(crypto::RandomBytes(kIdBytes))
                                    : profile_.device_id;
  const wire::Json body = {
      {"email", email},
      {"recovery_auth_key", wire::BytesField(old_keys.auth_key.ProofBytes())},
      {"device_id", device_id},
      {"new_account_salt", wire::BytesField(salt)},
      {"new_argon2_time_cost", cost.time_cost},
      {"new_argon2_memory_kib", cost.memory_kib},
      {"new_auth_key", wire::BytesField(keys.auth_key.ProofBytes())},
      {"new_wrapped_keyring", wire::BytesField(wrapped)},
      {"new_recovery_wrapped_keyring", wire::BytesField(new_recovery_wrapped)},
      {"new_recovery_salt", wire::BytesField(new_recovery_salt)},
      {"new_recovery_auth_key", wire::BytesField(new_recovery.auth_key.ProofBytes())}};
  auto response = Call("POST", "/v1/recovery", &body, false);
  if (!response) {
    Error error = response.error();
    if (Refused(error)) {
      std::remove(new_kit_path.c_str());  // the code of a recovery that did not happen
    } else {
      error.message += " (the recovery may have happened: keep " + new_kit_path +
                       " and try logging in with the new password)";
    }
    return Fail(std::move(error));
  }
  VIGIL_TRY(token, wire::RequireString(*response, "session_token", 16, 512));
  VIGIL_TRY(ended, wire::RequireUint(*response, "sessions_ended"));
  // Another account on this profile: its pins do not apply.
  if (profile_.account_id != account_id) ForgetAccountPins();
  profile_.email = email;
  profile_.account_id = account_id;
  profile_.device_id = device_id;
  profile_.account_secret_key = ask.Encode(access);
  profile_.session_token = token;
  auto saved = SaveProfile(profile_);
  if (!saved) return Fail(saved.error());
  // As after a login: the key chain is verified and lists this device, and
  // the household has an envelope for it (the recovered keyring signs both).
  auto enrolled = EnrollDevice(*keyring);
  if (!enrolled) return Fail(enrolled.error());
  return static_cast<std::size_t>(ended);
}

}  // namespace vigil::client

// SPDX-License-Identifier: Apache-2.0
#include "vigil/client/owner_client.h"

#include <cstdio>
#include <fstream>
#include <iterator>

#include "vigil/client/recovery_kit.h"
#include "vigil/crypto/hash.h"
#include "vigil/seal/account_keys.h"
#include "vigil/seal/keyring.h"

namespace vigil::client {
namespace {

using crypto::InsecureSecretAccess;

constexpr std::size_t kIdBytes = 12;

std::string NewId(std::string_view prefix) {
  return std::string(prefix) + Base64UrlEncode(crypto::RandomBytes(kIdBytes));
}

std::string LowerEmail(std::string email) {
  for (char& c : email) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return email;
}

struct Kit {
  std::string email;
  std::string account_id;
  std::string account_secret_key;
  std::string recovery_code;
};

Result<Kit> ReadKit(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Fail(ErrorCode::kNotFound, "cannot read the recovery kit " + path);
  const std::string text(std::istreambuf_iterator<char>(in), {});
  auto json = wire::ParseObject(text);
  if (!json) return Fail(ErrorCode::kInvalidArgument, path + " is not a Vigil recovery kit");
  Kit kit;
  VIGIL_TRY(email, wire::RequireString(*json, "email", 3, 254));
  VIGIL_TRY(ask, wire::RequireString(*json, "account_secret_key", 8, 256));
  kit.email = email;
  kit.account_secret_key = ask;
  return kit;
}

Result<crypto::Argon2idCost> CostFrom(const wire::Json& json, std::string_view prefix) {
  VIGIL_TRY(t, wire::RequireUint(json, std::string(prefix) + "argon2_time_cost", 1, UINT32_MAX));
  VIGIL_TRY(m, wire::RequireUint(json, std::string(prefix) + "argon2_memory_kib", 1, UINT32_MAX));
  const crypto::Argon2idCost cost{static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(m)};
  // A server handing out weak costs would make guessing cheap: refuse.
  auto ok = crypto::CheckArgon2idCost(cost);
  if (!ok) return Fail(ok.error());
  return cost;
}

}  // namespace

Result<std::unique_ptr<OwnerClient>> OwnerClient::Create(Profile profile,
                                                         const std::string& server_url,
                                                         const std::string& ca_path) {
  if (!server_url.empty()) profile.server_url = server_url;
  if (!ca_path.empty()) profile.ca_path = ca_path;
  if (profile.server_url.empty()) {
    return Fail(ErrorCode::kFailedPrecondition, "no server: pass --server URL");
  }
  net::ClientOptions options;
  options.ca_pem_path = profile.ca_path;
  VIGIL_TRY(http, net::HttpClient::Create(profile.server_url, options));
  return std::unique_ptr<OwnerClient>(new OwnerClient(std::move(profile), std::move(http)));
}

Status OwnerClient::RequireLogin() const {
  if (!profile_.logged_in()) {
    return Fail(ErrorCode::kUnauthenticated, "not logged in: run vigil login");
  }
  return OkStatus();
}

Result<wire::Json> OwnerClient::Call(std::string_view method, std::string_view target,
                                     const wire::Json* body, bool authenticated) {
  net::Headers headers;
  if (authenticated) headers.Set("Authorization", "Bearer " + profile_.session_token);
  if (body != nullptr) headers.Set("Content-Type", "application/json");
  VIGIL_TRY(response, http_->Request(method, target, headers, body ? wire::Dump(*body) : ""));
  if (response.status >= 400) {
    Error error = wire::ErrorFromBody(static_cast<int>(response.status), response.body);
    if (authenticated && error.code == ErrorCode::kUnauthenticated) {
      // The session is gone (revoked, or a password change elsewhere).
      profile_.session_token.clear();
      (void)SaveProfile(profile_);
      error.message = "session expired or revoked: log in again (vigil login)";
    }
    return Fail(std::move(error));
  }
  if (response.body.empty()) return wire::Json::object();
  return wire::ParseObject(response.body);
}

Status OwnerClient::CreateAccount(const std::string& email_in, const crypto::SecretBytes& password,
                                  const std::string& kit_path, const crypto::Argon2idCost& cost) {
  const std::string email = LowerEmail(email_in);
  const std::string account_id = NewId("acct_");
  const std::string device_id = NewId("dev_");
  const seal::AccountSecretKey ask = seal::AccountSecretKey::Generate();
  const seal::RecoveryCode recovery = seal::RecoveryCode::Generate();
  const Bytes salt = seal::NewAccountSalt();
  VIGIL_TRY(keys, seal::DeriveAccountKeys(password, ask, salt, cost, email));
  // The recovery code has its own salt, kept across password changes
  // (docs/formats/keyring.md).
  const Bytes recovery_salt = seal::NewAccountSalt();
  VIGIL_TRY(recovery_keys, seal::DeriveRecoveryKeys(recovery, recovery_salt, email));
  // The household key (epoch 1) goes into the keyring before it is wrapped,
  // so the recovery copy holds it too.
  seal::Keyring keyring = seal::Keyring::Generate();
  if (auto added = keyring.AddHouseholdKey(NewId("hh_"), 1, seal::HouseholdPrivateKey::Generate());
      !added) {
    return added;
  }
  VIGIL_TRY(wrapped, seal::WrapKeyring(keyring, keys.kek, account_id));
  VIGIL_TRY(recovery_wrapped, seal::WrapKeyring(keyring, recovery_keys.kek, account_id));

  // The kit first: if it cannot be written, no account exists without it.
  const auto access = InsecureSecretAccess::Get();
  auto written = WriteRecoveryKit(kit_path, {profile_.server_url, email, account_id,
                                             ask.Encode(access), recovery.Encode(access)});
  if (!written) return written;

  const wire::Json body = {
      {"account_id", account_id},
      {"device_id", device_id},
      {"email", email},
      {"account_salt", wire::BytesField(salt)},
      {"argon2_time_cost", cost.time_cost},
      {"argon2_memory_kib", cost.memory_kib},
      {"auth_key", wire::BytesField(keys.auth_key.ProofBytes())},
      {"wrapped_keyring", wire::BytesField(wrapped)},
      {"recovery_wrapped_keyring", wire::BytesField(recovery_wrapped)},
      {"recovery_salt", wire::BytesField(recovery_salt)},
      {"recovery_auth_key", wire::BytesField(recovery_keys.auth_key.ProofBytes())}};
  auto response = Call("POST", "/v1/accounts", &body, false);
  if (!response) {
    std::remove(kit_path.c_str());  // the kit of an account that does not exist
    return Fail(response.error());
  }
  VIGIL_TRY(token, wire::RequireString(*response, "session_token", 16, 512));
  ForgetAccountPins();  // a profile that held another account
  profile_.email = email;
  profile_.account_id = account_id;
  profile_.device_id = device_id;
  profile_.account_secret_key = ask.Encode(access);
  profile_.session_token = token;
  if (auto saved = SaveProfile(profile_); !saved) return saved;
  // Key chain v1 with this device, the household and this device's envelope.
  return EnrollDevice(keyring);
}

Status OwnerClient::Login(const std::string& email_in, const crypto::SecretBytes& password,
                          const std::optional<std::string>& kit_path,
                          const std::optional<std::string>& totp_code) {
  const std::string email = LowerEmail(email_in);
  std::string ask_text = profile_.email == email ? profile_.account_secret_key : "";
  if (kit_path) {
    VIGIL_TRY(kit, ReadKit(*kit_path));
    if (kit.email != email) {
      return Fail(ErrorCode::kInvalidArgument, "the recovery kit belongs to " + kit.email);
    }
    ask_text = kit.account_secret_key;
  }
  if (ask_text.empty()) {
    return Fail(ErrorCode::kFailedPrecondition,
                "this device has never logged in to " + email +
                    ": pass --kit FILE (the recovery kit holds the Account Secret Key)");
  }
  VIGIL_TRY(ask, seal::AccountSecretKey::Decode(ask_text));
  const wire::Json salt_request = {{"email", email}};
  VIGIL_TRY(salt_response, Call("POST", "/v1/login/salt", &salt_request, false));
  VIGIL_TRY(salt, wire::RequireBytes(salt_response, "account_salt", 16, 16));
  VIGIL_TRY(cost, CostFrom(salt_response, ""));
  VIGIL_TRY(keys, seal::DeriveAccountKeys(password, ask, salt, cost, email));
  const std::string device_id = profile_.device_id.empty() ? NewId("dev_") : profile_.device_id;
  wire::Json body = {{"email", email},
                     {"device_id", device_id},
                     {"auth_key", wire::BytesField(keys.auth_key.ProofBytes())}};
  if (totp_code) body["totp"] = *totp_code;
  VIGIL_TRY(response, Call("POST", "/v1/login", &body, false));
  VIGIL_TRY(account_id, wire::RequireString(response, "account_id", 1, 64));
  VIGIL_TRY(token, wire::RequireString(response, "session_token", 16, 512));
  VIGIL_TRY(wrapped, wire::RequireBytes(response, "wrapped_keyring", 1, 256 << 10));
  // Opening the keyring proves the server gave back this account's keys.
  auto keyring = seal::UnwrapKeyring(wrapped, keys.kek, account_id);
  if (!keyring) {
    return Fail(ErrorCode::kDataLoss, "the server returned a keyring this password cannot open");
  }
  // Another account on this profile: its pins do not apply.
  if (profile_.account_id != account_id) ForgetAccountPins();
  profile_.email = email;
  profile_.account_id = account_id;
  profile_.device_id = device_id;
  profile_.account_secret_key = ask.Encode(InsecureSecretAccess::Get());
  profile_.session_token = token;
  if (auto saved = SaveProfile(profile_); !saved) return saved;
  // Verifies the key chain, adds this device to it if new, and makes sure the
  // household has an envelope for this device.
  return EnrollDevice(*keyring);
}

Status OwnerClient::Logout() {
  auto ok = RequireLogin();
  if (!ok) return ok;
  auto response = Call("POST", "/v1/logout", nullptr, true);
  profile_.session_token.clear();
  auto saved = SaveProfile(profile_);
  if (!response && response.error().code != ErrorCode::kUnauthenticated) {
    return Fail(response.error());
  }
  return saved;
}

Result<std::vector<SessionInfo>> OwnerClient::ListSessions() {
  auto ok = RequireLogin();
  if (!ok) return Fail(ok.error());
  VIGIL_TRY(response, Call("GET", "/v1/sessions", nullptr, true));
  VIGIL_TRY(list, wire::RequireArray(response, "sessions", 10000));
  std::vector<SessionInfo> out;
  for (const auto& s : list) {
    if (!s.is_object()) return Fail(ErrorCode::kDataLoss, "malformed session list");
    SessionInfo info;
    VIGIL_TRY(id, wire::RequireString(s, "id", 1, 64));
    VIGIL_TRY(device, wire::RequireString(s, "device_id", 1, 64));
    VIGIL_TRY(created, wire::RequireString(s, "created", 1, 64));
    VIGIL_TRY(last_used, wire::RequireString(s, "last_used", 1, 64));
    VIGIL_TRY(current, wire::RequireBool(s, "current"));
    auto source = wire::OptionalString(s, "source", 0, 256);
    info = {id, device, created, last_used, source && *source ? **source : "", current};
    out.push_back(std::move(info));
  }
  return out;
}

Status OwnerClient::RevokeSession(const std::string& id) {
  auto ok = RequireLogin();
  if (!ok) return ok;
  auto response = Call("DELETE", "/v1/sessions/" + id, nullptr, true);
  if (!response) return Fail(response.error());
  return OkStatus();
}

Result<std::size_t> OwnerClient::RevokeOtherSessions() {
  auto ok = RequireLogin();
  if (!ok) return Fail(ok.error());
  VIGIL_TRY(response, Call("POST", "/v1/sessions/revoke-others", nullptr, true));
  VIGIL_TRY(n, wire::RequireUint(response, "revoked"));
  return static_cast<std::size_t>(n);
}

Result<std::size_t> OwnerClient::ChangePassword(const crypto::SecretBytes& old_password,
                                                const crypto::SecretBytes& new_password) {
  auto ok = RequireLogin();
  if (!ok) return Fail(ok.error());
  VIGIL_TRY(ask, seal::AccountSecretKey::Decode(profile_.account_secret_key));
  crypto::Argon2idCost cost;
  VIGIL_TRY(old_keys, CurrentAccountKeys(old_password, &cost));
  // Open the keyring with the old key (a wrong old password stops here, on
  // the client), then re-wrap it under the new one.
  VIGIL_TRY(account, Call("GET", "/v1/account", nullptr, true));
  VIGIL_TRY(wrapped, wire::RequireBytes(account, "wrapped_keyring", 1, 256 << 10));
  auto keyring = seal::UnwrapKeyring(wrapped, old_keys.kek, profile_.account_id);
  if (!keyring) return Fail(ErrorCode::kPermissionDenied, "the current password is wrong");
  const Bytes new_salt = seal::NewAccountSalt();
  const crypto::Argon2idCost new_cost =
      std::max(cost.memory_kib, crypto::kDefaultArgon2idCost.memory_kib) == cost.memory_kib
          ? cost
          : crypto::kDefaultArgon2idCost;
  VIGIL_TRY(new_keys,
            seal::DeriveAccountKeys(new_password, ask, new_salt, new_cost, profile_.email));
  VIGIL_TRY(new_wrapped, seal::WrapKeyring(*keyring, new_keys.kek, profile_.account_id));
  const wire::Json body = {{"auth_key", wire::BytesField(old_keys.auth_key.ProofBytes())},
                           {"new_account_salt", wire::BytesField(new_salt)},
                           {"new_argon2_time_cost", new_cost.time_cost},
                           {"new_argon2_memory_kib", new_cost.memory_kib},
                           {"new_auth_key", wire::BytesField(new_keys.auth_key.ProofBytes())},
                           {"new_wrapped_keyring", wire::BytesField(new_wrapped)}};
  VIGIL_TRY(response, Call("POST", "/v1/password", &body, true));
  VIGIL_TRY(ended, wire::RequireUint(response, "sessions_ended"));
  return static_cast<std::size_t>(ended);
}

Result<seal::AccountKeys> OwnerClient::CurrentAccountKeys(const crypto::SecretBytes& password,
                                                          crypto::Argon2idCost* cost_out) {
  VIGIL_TRY(ask, seal::AccountSecretKey::Decode(profile_.account_secret_key));
  const wire::Json salt_request = {{"email", profile_.email}};
  VIGIL_TRY(salt_response, Call("POST", "/v1/login/salt", &salt_request, false));
  VIGIL_TRY(salt, wire::RequireBytes(salt_response, "account_salt", 16, 16));
  VIGIL_TRY(cost, CostFrom(salt_response, ""));
  if (cost_out != nullptr) *cost_out = cost;
  return seal::DeriveAccountKeys(password, ask, salt, cost, profile_.email);
}

Status OwnerClient::EnableTotp(
    const std::function<Result<std::string>(const std::string& uri)>& ask_code) {
  auto ok = RequireLogin();
  if (!ok) return ok;
  VIGIL_TRY(enrolment, Call("POST", "/v1/totp/enroll", nullptr, true));
  VIGIL_TRY(uri, wire::RequireString(enrolment, "otpauth_uri", 1, 1024));
  VIGIL_TRY(pending, wire::RequireString(enrolment, "pending", 1, 1024));
  VIGIL_TRY(code, ask_code(uri));
  const wire::Json body = {{"pending", pending}, {"code", code}};
  auto confirmed = Call("POST", "/v1/totp/confirm", &body, true);
  if (!confirmed) return Fail(confirmed.error());
  return OkStatus();
}

Status OwnerClient::DisableTotp(const crypto::SecretBytes& password) {
  auto ok = RequireLogin();
  if (!ok) return ok;
  VIGIL_TRY(keys, CurrentAccountKeys(password));
  const wire::Json body = {{"auth_key", wire::BytesField(keys.auth_key.ProofBytes())}};
  auto disabled = Call("POST", "/v1/totp/disable", &body, true);
  if (!disabled) return Fail(disabled.error());
  return OkStatus();
}

Result<std::size_t> OwnerClient::DeleteAccount(const crypto::SecretBytes& password) {
  auto ok = RequireLogin();
  if (!ok) return Fail(ok.error());
  VIGIL_TRY(keys, CurrentAccountKeys(password));
  const wire::Json body = {{"auth_key", wire::BytesField(keys.auth_key.ProofBytes())}};
  VIGIL_TRY(response, Call("POST", "/v1/account/delete", &body, true));
  VIGIL_TRY(blobs, wire::RequireUint(response, "blobs_deleted"));
  profile_.session_token.clear();
  profile_.account_secret_key.clear();
  ForgetAccountPins();  // the account signing key and household are shredded with it
  auto saved = SaveProfile(profile_);
  if (!saved) return Fail(saved.error());
  return static_cast<std::size_t>(blobs);
}

}  // namespace vigil::client

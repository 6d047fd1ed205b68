// SPDX-License-Identifier: Apache-2.0
// Accounts, login, sessions and the second factor (docs/design/002-vigild.md
// §Keys, §Sessions).
#include <optional>
#include <string>

#include "internal/api_impl.h"
#include "vigil/crypto/at_rest.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/password_kdf.h"
#include "vigil/crypto/totp.h"
#include "vigil/wire/json.h"

namespace vigil::server {
namespace {

using crypto::InsecureSecretAccess;
using internal::JsonOk;
using internal::kAuthKeyBytes;
using internal::kMaxKeyringBytes;
using internal::RequireEmail;
using internal::RequireId;
using internal::Unauthenticated;

// The same words for a wrong password and an unknown email, so the answer
// does not reveal which emails have accounts.
constexpr std::string_view kLoginRefused = "wrong email or password";
// Likewise for a wrong recovery code, an unknown email and an account made
// before the server could check recovery codes (no verifier).
constexpr std::string_view kRecoveryRefused = "wrong email or recovery code";

}  // namespace

Api::Impl::Reply Api::Impl::CreateAccount(const Json& body, const net::PeerInfo& peer) {
  VIGIL_TRY(account_id, RequireId(body, "account_id"));
  VIGIL_TRY(device_id, RequireId(body, "device_id"));
  VIGIL_TRY(email, RequireEmail(body));
  VIGIL_TRY(salt, wire::RequireBytes(body, "account_salt", store::kAccountSaltBytes,
                                     store::kAccountSaltBytes));
  VIGIL_TRY(time_cost, wire::RequireUint(body, "argon2_time_cost", 1, UINT32_MAX));
  VIGIL_TRY(memory_kib, wire::RequireUint(body, "argon2_memory_kib", 1, UINT32_MAX));
  const crypto::Argon2idCost cost{static_cast<std::uint32_t>(time_cost),
                                  static_cast<std::uint32_t>(memory_kib)};
  // The server refuses weak costs too, though clients are the real guard.
  auto cost_ok = crypto::CheckArgon2idCost(cost);
  if (!cost_ok) return Fail(ErrorCode::kInvalidArgument, cost_ok.error().message);
  VIGIL_TRY(auth_key, wire::RequireBytes(body, "auth_key", kAuthKeyBytes, kAuthKeyBytes));
  VIGIL_TRY(keyring, wire::RequireBytes(body, "wrapped_keyring", 1, kMaxKeyringBytes));
  VIGIL_TRY(recovery, wire::RequireBytes(body, "recovery_wrapped_keyring", 1, kMaxKeyringBytes));
  VIGIL_TRY(recovery_salt, wire::RequireBytes(body, "recovery_salt", store::kAccountSaltBytes,
                                              store::kAccountSaltBytes));
  VIGIL_TRY(recovery_auth_key,
            wire::RequireBytes(body, "recovery_auth_key", kAuthKeyBytes, kAuthKeyBytes));
  store::AccountRecord account{account_id,
                               email,
                               salt,
                               cost.time_cost,
                               cost.memory_kib,
                               Verifier(auth_key),
                               keyring,
                               recovery,
                               services.clock.NowUnixSeconds(),
                               recovery_salt,
                               Verifier(recovery_auth_key)};
  auto created = services.metadata.CreateAccount(account, AuditBy(account_id, peer.address));
  if (!created) {
    if (created.error().code == ErrorCode::kAlreadyExists) {
      return Fail(ErrorCode::kAlreadyExists, "an account with this email or id already exists");
    }
    return Fail(created.error());
  }
  std::string token;
  VIGIL_TRY(session, NewSession(account_id, device_id, peer, token));
  return JsonOk({{"account_id", account_id},
                 {"session_token", token},
                 {"session_id", store::SessionId(session.session_hash)}},
                201);
}

Api::Impl::Reply Api::Impl::LoginSalt(const Json& body) {
  VIGIL_TRY(email, RequireEmail(body));
  // Compute the fake salt every time, so a known and an unknown email cost
  // the same work.
  const Bytes fake = FakeSalt(email);
  auto account = services.metadata.GetAccountByEmail(email);
  if (!account && account.error().code != ErrorCode::kNotFound) return Fail(account.error());
  const bool real = account.has_value();
  const crypto::Argon2idCost cost =
      real ? crypto::Argon2idCost{account->argon2_time_cost, account->argon2_memory_kib}
           : crypto::kDefaultArgon2idCost;
  return JsonOk({{"account_salt", wire::BytesField(real ? account->account_salt : fake)},
                 {"argon2_time_cost", cost.time_cost},
                 {"argon2_memory_kib", cost.memory_kib}});
}

Api::Impl::Reply Api::Impl::Login(const Json& body, const net::PeerInfo& peer) {
  VIGIL_TRY(email, RequireEmail(body));
  VIGIL_TRY(device_id, RequireId(body, "device_id"));
  VIGIL_TRY(auth_key, wire::RequireBytes(body, "auth_key", kAuthKeyBytes, kAuthKeyBytes));
  auto throttled = throttle.Check(email, peer.address);
  if (!throttled) return Fail(throttled.error());
  auto account = services.metadata.GetAccountByEmail(email);
  if (!account && account.error().code != ErrorCode::kNotFound) return Fail(account.error());
  // Always run the comparison, against a dummy verifier for unknown emails.
  const Bytes verifier = Verifier(auth_key);
  const bool ok =
      account.has_value() && crypto::ConstantTimeEquals(verifier, account->auth_verifier);
  if (!ok) {
    throttle.RecordFailure(email, peer.address);
    return Fail(Unauthenticated(kLoginRefused));
  }
  auto second_factor = CheckSecondFactor(*account, body);
  if (!second_factor) {
    throttle.RecordFailure(email, peer.address);
    return Fail(second_factor.error());
  }
  throttle.RecordSuccess(email);
  std::string token;
  VIGIL_TRY(session, NewSession(account->account_id, device_id, peer, token));
  return JsonOk({{"account_id", account->account_id},
                 {"session_token", token},
                 {"session_id", store::SessionId(session.session_hash)},
                 {"wrapped_keyring", wire::BytesField(account->wrapped_keyring)}});
}

// The key that seals this account's TOTP seed at rest (docs/formats/at-rest.md).
Result<crypto::SecretBytes> Api::Impl::TotpKey(const std::string& account_id) const {
  return crypto::DeriveKey(services.server_secret, {}, crypto::KeyPurpose::kTotpSeedKey,
                           AsBytes(account_id), crypto::kAtRestKeyBytes);
}

Bytes Api::Impl::TotpAd(std::string_view kind, const std::string& account_id) {
  Bytes ad(kind.begin(), kind.end());
  ad.push_back('|');
  Append(ad, AsBytes(account_id));
  return ad;
}

Result<crypto::TotpSeed> Api::Impl::OpenSeed(const std::string& account_id, ByteSpan sealed,
                                             std::string_view kind) const {
  VIGIL_TRY(key, TotpKey(account_id));
  VIGIL_TRY(seed, crypto::OpenAtRest(key, sealed, TotpAd(kind, account_id)));
  return crypto::TotpSeed::FromSecret(std::move(seed));
}

// With TOTP enabled, a login must carry a fresh code: one not older than
// the last accepted step (a code works once).
Status Api::Impl::CheckSecondFactor(const store::AccountRecord& account, const Json& body) {
  auto state = services.metadata.GetTotp(account.account_id);
  if (!state) {
    if (state.error().code == ErrorCode::kNotFound) return OkStatus();
    return Fail(state.error());
  }
  VIGIL_TRY(code, wire::OptionalString(body, "totp", 1, 16));
  if (!code) return Fail(Unauthenticated("one-time code required (vigil login --totp CODE)"));
  VIGIL_TRY(seed, OpenSeed(account.account_id, state->seed_encrypted, "totp-seed"));
  const std::uint64_t min_step =
      state->last_accepted_step ? static_cast<std::uint64_t>(*state->last_accepted_step) + 1 : 0;
  auto step = crypto::VerifyTotp(seed, *code, services.clock.NowUnixSeconds(), min_step);
  if (!step) return Fail(Unauthenticated("wrong or already used one-time code"));
  VIGIL_TRY(accepted,
            services.metadata.AcceptTotpStep(account.account_id, static_cast<std::int64_t>(*step)));
  if (!accepted) return Fail(Unauthenticated("wrong or already used one-time code"));
  return OkStatus();
}

Api::Impl::Reply Api::Impl::TotpEnroll(const OwnerCaller& owner) {
  VIGIL_TRY(account, services.metadata.GetAccountById(owner.session.account_id));
  const crypto::TotpSeed seed = crypto::TotpSeed::Generate();
  VIGIL_TRY(key, TotpKey(account.account_id));
  // The pending seed travels to the client sealed, so nothing is stored
  // until the owner proves the authenticator works.
  VIGIL_TRY(pending, crypto::SealAtRest(key, seed.secret().Reveal(InsecureSecretAccess::Get()),
                                        TotpAd("totp-pending", account.account_id)));
  VIGIL_TRY(uri, crypto::TotpEnrolmentUri(seed, "Vigil", account.email));
  return JsonOk({{"otpauth_uri", uri}, {"pending", wire::BytesField(pending)}});
}

Api::Impl::Reply Api::Impl::TotpConfirm(const OwnerCaller& owner, const Json& body) {
  const std::string& account_id = owner.session.account_id;
  VIGIL_TRY(pending, wire::RequireBytes(body, "pending", 1, 256));
  VIGIL_TRY(code, wire::RequireString(body, "code", 6, 8));
  auto seed = OpenSeed(account_id, pending, "totp-pending");
  if (!seed) return Fail(ErrorCode::kInvalidArgument, "not an enrolment of this account");
  auto step = crypto::VerifyTotp(*seed, code, services.clock.NowUnixSeconds());
  if (!step) return Fail(ErrorCode::kInvalidArgument, "the one-time code does not match");
  VIGIL_TRY(key, TotpKey(account_id));
  VIGIL_TRY(sealed, crypto::SealAtRest(key, seed->secret().Reveal(InsecureSecretAccess::Get()),
                                       TotpAd("totp-seed", account_id)));
  auto set = services.metadata.SetTotp(account_id, sealed, AuditBy(account_id));
  if (!set) return Fail(set.error());
  // The confirming code cannot be replayed to log in.
  VIGIL_TRY(accepted,
            services.metadata.AcceptTotpStep(account_id, static_cast<std::int64_t>(*step)));
  (void)accepted;
  return JsonOk({{"enabled", true}});
}

Api::Impl::Reply Api::Impl::TotpDisable(const OwnerCaller& owner, const Json& body,
                                        const net::PeerInfo& peer) {
  VIGIL_TRY(account, ReauthenticatedAccount(owner, body, "auth_key", peer));
  auto cleared = services.metadata.ClearTotp(account.account_id, AuditBy(account.account_id));
  if (!cleared) return Fail(cleared.error());
  return JsonOk({{"enabled", false}});
}

Api::Impl::Reply Api::Impl::ListSessions(const OwnerCaller& owner) {
  VIGIL_TRY(sessions, services.metadata.ListSessions(owner.session.account_id));
  Json list = Json::array();
  for (const auto& s : sessions) {
    list.push_back({{"id", store::SessionId(s.session_hash)},
                    {"device_id", s.device_id},
                    {"created", wire::FormatTime(s.created_unix_s)},
                    {"last_used", wire::FormatTime(s.last_used_unix_s)},
                    {"source", s.source},
                    {"current", s.session_hash == owner.session.session_hash}});
  }
  return JsonOk({{"sessions", list}});
}

Api::Impl::Reply Api::Impl::RevokeSession(const OwnerCaller& owner, const std::string& id) {
  VIGIL_TRY(hash, services.metadata.RevokeSession(owner.session.account_id, id,
                                                  AuditBy(owner.session.account_id)));
  CloseSockets({hash});
  return JsonOk({{"revoked", store::SessionId(hash)}});
}

Api::Impl::Reply Api::Impl::Logout(const OwnerCaller& owner) {
  return RevokeSession(owner, store::SessionId(owner.session.session_hash));
}

Api::Impl::Reply Api::Impl::RevokeOthers(const OwnerCaller& owner) {
  VIGIL_TRY(hashes, services.metadata.RevokeOtherSessions(owner.session.account_id,
                                                          owner.session.session_hash,
                                                          AuditBy(owner.session.account_id)));
  CloseSockets(hashes);
  return JsonOk({{"revoked", hashes.size()}});
}

// The caller's own account record: email, id and the wrapped keyring (which
// only the caller's password and Account Secret Key open).
Api::Impl::Reply Api::Impl::GetAccount(const OwnerCaller& owner) {
  VIGIL_TRY(account, services.metadata.GetAccountById(owner.session.account_id));
  return JsonOk({{"account_id", account.account_id},
                 {"email", account.email},
                 {"wrapped_keyring", wire::BytesField(account.wrapped_keyring)}});
}

// Re-checks the password (the auth key) before anything destructive.
Result<store::AccountRecord> Api::Impl::ReauthenticatedAccount(const OwnerCaller& owner,
                                                               const Json& body,
                                                               std::string_view field,
                                                               const net::PeerInfo& peer) {
  VIGIL_TRY(auth_key, wire::RequireBytes(body, field, kAuthKeyBytes, kAuthKeyBytes));
  VIGIL_TRY(account, services.metadata.GetAccountById(owner.session.account_id));
  auto throttled = throttle.Check(account.email, peer.address);
  if (!throttled) return Fail(throttled.error());
  if (!ProofMatches(account, auth_key)) {
    throttle.RecordFailure(account.email, peer.address);
    return Fail(ErrorCode::kPermissionDenied, "the current password is wrong");
  }
  return account;
}

Api::Impl::Reply Api::Impl::ChangePassword(const OwnerCaller& owner, const Json& body,
                                           const net::PeerInfo& peer) {
  VIGIL_TRY(account, ReauthenticatedAccount(owner, body, "auth_key", peer));
  VIGIL_TRY(salt, wire::RequireBytes(body, "new_account_salt", store::kAccountSaltBytes,
                                     store::kAccountSaltBytes));
  VIGIL_TRY(time_cost, wire::RequireUint(body, "new_argon2_time_cost", 1, UINT32_MAX));
  VIGIL_TRY(memory_kib, wire::RequireUint(body, "new_argon2_memory_kib", 1, UINT32_MAX));
  const crypto::Argon2idCost cost{static_cast<std::uint32_t>(time_cost),
                                  static_cast<std::uint32_t>(memory_kib)};
  auto cost_ok = crypto::CheckArgon2idCost(cost);
  if (!cost_ok) return Fail(ErrorCode::kInvalidArgument, cost_ok.error().message);
  VIGIL_TRY(new_auth_key, wire::RequireBytes(body, "new_auth_key", kAuthKeyBytes, kAuthKeyBytes));
  VIGIL_TRY(keyring, wire::RequireBytes(body, "new_wrapped_keyring", 1, kMaxKeyringBytes));
  store::CredentialUpdate update{account.account_id,
                                 salt,
                                 cost.time_cost,
                                 cost.memory_kib,
                                 Verifier(new_auth_key),
                                 keyring,
                                 std::nullopt,
                                 std::nullopt,
                                 std::nullopt};
  // One transaction: new credentials, every other session deleted.
  VIGIL_TRY(ended, services.metadata.UpdateCredentials(update, owner.session.session_hash,
                                                       AuditBy(account.account_id, peer.address)));
  CloseSockets(ended);
  return JsonOk({{"sessions_ended", ended.size()}});
}

Api::Impl::Reply Api::Impl::DeleteAccount(const OwnerCaller& owner, const Json& body,
                                          const net::PeerInfo& peer) {
  VIGIL_TRY(account, ReauthenticatedAccount(owner, body, "auth_key", peer));
  VIGIL_TRY(sessions, services.metadata.ListSessions(account.account_id));
  VIGIL_TRY(blob_ids, services.metadata.DeleteAccount(account.account_id,
                                                      AuditBy(account.account_id, peer.address)));
  // Rows are gone (keyrings, envelopes, clip rows); now the ciphertext.
  std::size_t blobs_deleted = 0;
  for (const std::string& id : blob_ids) {
    if (services.blobs.Delete(id)) ++blobs_deleted;
  }
  std::vector<Bytes> hashes;
  for (const auto& s : sessions) hashes.push_back(s.session_hash);
  CloseSockets(hashes);
  return JsonOk({{"deleted", true}, {"blobs_deleted", blobs_deleted}});
}

// The recovery code's salt, like LoginSalt: a stable fake one (another
// domain than the fake login salt, as a real account's two salts differ too)
// for an unknown email or an account without a recovery verifier.
Api::Impl::Reply Api::Impl::RecoverySalt(const Call& call) {
  VIGIL_TRY(email, RequireEmail(call.body));
  const Bytes fake = FakeRecoverySalt(email);
  auto account = services.metadata.GetAccountByEmail(email);
  if (!account && account.error().code != ErrorCode::kNotFound) return Fail(account.error());
  const bool real = account.has_value() && account->recovery_salt.has_value();
  return JsonOk({{"recovery_salt", wire::BytesField(real ? *account->recovery_salt : fake)}});
}

Bytes Api::Impl::FakeRecoverySalt(std::string_view email) const {
  Bytes input(AsBytes("fake-recovery-salt").begin(), AsBytes("fake-recovery-salt").end());
  input.push_back(0);
  Append(input, AsBytes(email));
  const auto mac = crypto::HmacSha256(services.server_secret, input);
  return Bytes(mac.begin(), mac.begin() + store::kAccountSaltBytes);
}

// Recovery stands in for the password *and* the second factor (002-vigild.md
// §Recovery): the 160-bit code is the proof. Without `new_*` fields it
// returns the recovery-wrapped keyring; with them it replaces every
// credential, ends every session and opens a new one.
Api::Impl::Reply Api::Impl::Recover(const Call& call) {
  const Json& body = call.body;
  VIGIL_TRY(email, RequireEmail(body));
  VIGIL_TRY(proof, wire::RequireBytes(body, "recovery_auth_key", kAuthKeyBytes, kAuthKeyBytes));
  bool reset = body.contains("device_id");
  for (const auto& item : body.items()) reset = reset || item.key().rfind("new_", 0) == 0;
  // Every field is checked before the code is: bad input costs no attempt.
  std::optional<RecoveryReset> fresh;
  if (reset) {
    VIGIL_TRY(parsed, ParseRecoveryReset(body));
    fresh = std::move(parsed);
  }
  auto throttled = throttle.Check(email, call.peer.address);
  if (!throttled) return Fail(throttled.error());
  auto account = services.metadata.GetAccountByEmail(email);
  if (!account && account.error().code != ErrorCode::kNotFound) return Fail(account.error());
  // Always compute the verifier, so an unknown email costs the same.
  const Bytes verifier = Verifier(proof);
  const bool ok = account.has_value() && account->recovery_verifier.has_value() &&
                  crypto::ConstantTimeEquals(verifier, *account->recovery_verifier);
  if (!ok) {
    throttle.RecordFailure(email, call.peer.address);
    return Fail(Unauthenticated(kRecoveryRefused));
  }
  throttle.RecordSuccess(email);
  if (!fresh) {
    return JsonOk(
        {{"account_id", account->account_id},
         {"recovery_wrapped_keyring", wire::BytesField(account->recovery_wrapped_keyring)}});
  }
  const Bytes new_recovery_verifier = Verifier(fresh->recovery_auth_key);
  if (crypto::ConstantTimeEquals(new_recovery_verifier, *account->recovery_verifier)) {
    return Fail(ErrorCode::kInvalidArgument, "a recovery must set a new recovery code");
  }
  store::CredentialUpdate update{account->account_id,
                                 fresh->account_salt,
                                 fresh->cost.time_cost,
                                 fresh->cost.memory_kib,
                                 Verifier(fresh->auth_key),
                                 fresh->wrapped_keyring,
                                 fresh->recovery_wrapped_keyring,
                                 fresh->recovery_salt,
                                 new_recovery_verifier};
  // One transaction: new password, new recovery code, no session left.
  VIGIL_TRY(ended, services.metadata.UpdateCredentials(
                       update, {}, AuditBy(account->account_id, call.peer.address)));
  CloseSockets(ended);
  std::string token;
  VIGIL_TRY(session, NewSession(account->account_id, fresh->device_id, call.peer, token));
  return JsonOk({{"account_id", account->account_id},
                 {"session_token", token},
                 {"session_id", store::SessionId(session.session_hash)},
                 {"sessions_ended", ended.size()}});
}

Result<Api::Impl::RecoveryReset> Api::Impl::ParseRecoveryReset(const Json& body) {
  RecoveryReset out;
  VIGIL_TRY(device_id, RequireId(body, "device_id"));
  VIGIL_TRY(salt, wire::RequireBytes(body, "new_account_salt", store::kAccountSaltBytes,
                                     store::kAccountSaltBytes));
  VIGIL_TRY(time_cost, wire::RequireUint(body, "new_argon2_time_cost", 1, UINT32_MAX));
  VIGIL_TRY(memory_kib, wire::RequireUint(body, "new_argon2_memory_kib", 1, UINT32_MAX));
  out.cost = {static_cast<std::uint32_t>(time_cost), static_cast<std::uint32_t>(memory_kib)};
  auto cost_ok = crypto::CheckArgon2idCost(out.cost);
  if (!cost_ok) return Fail(ErrorCode::kInvalidArgument, cost_ok.error().message);
  VIGIL_TRY(auth_key, wire::RequireBytes(body, "new_auth_key", kAuthKeyBytes, kAuthKeyBytes));
  VIGIL_TRY(keyring, wire::RequireBytes(body, "new_wrapped_keyring", 1, kMaxKeyringBytes));
  VIGIL_TRY(recovery_keyring,
            wire::RequireBytes(body, "new_recovery_wrapped_keyring", 1, kMaxKeyringBytes));
  VIGIL_TRY(recovery_salt, wire::RequireBytes(body, "new_recovery_salt", store::kAccountSaltBytes,
                                              store::kAccountSaltBytes));
  VIGIL_TRY(recovery_auth_key,
            wire::RequireBytes(body, "new_recovery_auth_key", kAuthKeyBytes, kAuthKeyBytes));
  out.device_id = std::move(device_id);
  out.account_salt = std::move(salt);
  out.auth_key = std::move(auth_key);
  out.wrapped_keyring = std::move(keyring);
  out.recovery_wrapped_keyring = std::move(recovery_keyring);
  out.recovery_salt = std::move(recovery_salt);
  out.recovery_auth_key = std::move(recovery_auth_key);
  return out;
}

}  // namespace vigil::server

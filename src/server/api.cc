// SPDX-License-Identifier: Apache-2.0
#include "vigil/server/api.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <variant>

#include "vigil/crypto/at_rest.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/password_kdf.h"
#include "vigil/crypto/totp.h"
#include "vigil/net/observability.h"
#include "vigil/server/route.h"
#include "vigil/wire/json.h"

namespace vigil::server {
namespace {

using crypto::InsecureSecretAccess;
using crypto::SecretBytes;
using wire::Json;

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kAuthKeyBytes = 32;
constexpr std::size_t kMaxKeyringBytes = 256 << 10;
constexpr std::size_t kMinIdBytes = 8;
constexpr std::size_t kMaxIdBytes = 64;
constexpr std::size_t kMaxEmailBytes = 254;
// Touch a session's last-used time at most this often (it is a disk write).
constexpr std::int64_t kTouchEverySeconds = 60;

// The same words for a wrong password and an unknown email, so the answer
// does not reveal which emails have accounts.
constexpr std::string_view kLoginRefused = "wrong email or password";
constexpr std::string_view kSessionGone = "session expired or revoked: log in again";

struct OwnerCaller {
  store::SessionRecord session;
};
struct CameraCaller {
  store::CameraRecord camera;
};
using Authenticated = std::variant<std::monostate, OwnerCaller, CameraCaller>;

Error Unauthenticated(std::string_view message) {
  return Error{ErrorCode::kUnauthenticated, std::string(message)};
}

bool ValidId(std::string_view id) {
  if (id.size() < kMinIdBytes || id.size() > kMaxIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
  });
}

Result<std::string> RequireId(const Json& body, std::string_view field) {
  VIGIL_TRY(id, wire::RequireString(body, field, kMinIdBytes, kMaxIdBytes));
  if (!ValidId(id)) {
    return Fail(ErrorCode::kInvalidArgument,
                "field '" + std::string(field) + "': expected 8..64 of [A-Za-z0-9_-]");
  }
  return id;
}

Result<std::string> RequireEmail(const Json& body) {
  VIGIL_TRY(email, wire::RequireString(body, "email", 3, kMaxEmailBytes));
  std::transform(email.begin(), email.end(), email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto at = email.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == email.size() ||
      email.find_first_of(" \t\r\n") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "field 'email': not an email address");
  }
  return email;
}

Bytes TokenHash(std::string_view token) {
  const auto digest = crypto::Sha256(AsBytes(token));
  return Bytes(digest.begin(), digest.end());
}

std::string NewToken() { return Base64UrlEncode(crypto::RandomBytes(kTokenBytes)); }

net::HttpResponse JsonOk(const Json& body, unsigned status = 200) {
  return net::HttpResponse::Json(status, wire::Dump(body));
}

net::HttpResponse ErrorResponse(const Error& error) { return net::JsonError(error); }

}  // namespace

struct Api::Impl {
  explicit Impl(Services& s) : services(s), throttle(s.clock) {}

  Services& services;
  LoginThrottle throttle;

  store::Audit AuditBy(std::string actor, std::string detail = {}) const {
    return store::Audit{services.clock.NowUnixSeconds(), std::move(actor), std::move(detail)};
  }

  Bytes Verifier(ByteSpan auth_key) const {
    const auto mac = crypto::HmacSha256(services.server_secret, auth_key);
    return Bytes(mac.begin(), mac.end());
  }

  // A stable salt for an email that has no account: HMAC(server secret,
  // "fake-salt" || 0 || email), so repeated asks get the same answer.
  Bytes FakeSalt(std::string_view email) const {
    Bytes input(AsBytes("fake-salt").begin(), AsBytes("fake-salt").end());
    input.push_back(0);
    Append(input, AsBytes(email));
    const auto mac = crypto::HmacSha256(services.server_secret, input);
    return Bytes(mac.begin(), mac.begin() + store::kAccountSaltBytes);
  }

  void CloseSockets(const std::vector<Bytes>& session_hashes) {
    if (services.hub == nullptr) return;
    for (const Bytes& hash : session_hashes) services.hub->CloseAll(store::SessionId(hash));
  }

  Result<Authenticated> Authenticate(const Route& route, const net::HttpRequest& request) {
    if (route.caller == server::Caller::kAnonymous) return Authenticated{};
    const auto token = request.BearerToken();
    if (!token || token->empty() || token->size() > 512) {
      return Fail(Unauthenticated("missing bearer token"));
    }
    const Bytes hash = TokenHash(*token);
    if (route.caller == server::Caller::kOwner) {
      auto session = services.metadata.LookupSession(hash);
      if (!session) {
        if (session.error().code == ErrorCode::kNotFound)
          return Fail(Unauthenticated(kSessionGone));
        return Fail(session.error());
      }
      const std::int64_t now = services.clock.NowUnixSeconds();
      if (now - session->last_used_unix_s >= kTouchEverySeconds) {
        (void)services.metadata.TouchSession(hash, now);
      }
      return Authenticated{OwnerCaller{std::move(*session)}};
    }
    auto camera = services.metadata.GetCameraByCredentialHash(hash);
    if (!camera) {
      if (camera.error().code == ErrorCode::kNotFound) {
        return Fail(Unauthenticated("unknown or revoked camera credential"));
      }
      return Fail(camera.error());
    }
    return Authenticated{CameraCaller{std::move(*camera)}};
  }

  // Checks `auth_key` against the account's verifier in constant time.
  bool ProofMatches(const store::AccountRecord& account, ByteSpan auth_key) const {
    return crypto::ConstantTimeEquals(Verifier(auth_key), account.auth_verifier);
  }

  Result<store::SessionRecord> NewSession(const std::string& account_id,
                                          const std::string& device_id, const net::PeerInfo& peer,
                                          std::string& token_out) {
    token_out = NewToken();
    const std::int64_t now = services.clock.NowUnixSeconds();
    store::SessionRecord session{TokenHash(token_out), account_id, device_id, now, now,
                                 peer.address};
    auto created = services.metadata.CreateSession(session, AuditBy(account_id, peer.address));
    if (!created) return Fail(created.error());
    return session;
  }

  // ---- anonymous ----------------------------------------------------------

  Result<net::HttpResponse> CreateAccount(const Json& body, const net::PeerInfo& peer) {
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
    store::AccountRecord account{account_id,     email,           salt,
                                 cost.time_cost, cost.memory_kib, Verifier(auth_key),
                                 keyring,        recovery,        services.clock.NowUnixSeconds()};
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

  Result<net::HttpResponse> LoginSalt(const Json& body) {
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

  Result<net::HttpResponse> Login(const Json& body, const net::PeerInfo& peer) {
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

  // ---- second factor (RFC 6238 TOTP) ---------------------------------------

  // The key that seals this account's TOTP seed at rest (docs/formats/at-rest.md).
  Result<SecretBytes> TotpKey(const std::string& account_id) const {
    return crypto::DeriveKey(services.server_secret, {}, crypto::KeyPurpose::kTotpSeedKey,
                             AsBytes(account_id), crypto::kAtRestKeyBytes);
  }

  static Bytes TotpAd(std::string_view kind, const std::string& account_id) {
    Bytes ad(kind.begin(), kind.end());
    ad.push_back('|');
    Append(ad, AsBytes(account_id));
    return ad;
  }

  Result<crypto::TotpSeed> OpenSeed(const std::string& account_id, ByteSpan sealed,
                                    std::string_view kind) const {
    VIGIL_TRY(key, TotpKey(account_id));
    VIGIL_TRY(seed, crypto::OpenAtRest(key, sealed, TotpAd(kind, account_id)));
    return crypto::TotpSeed::FromSecret(std::move(seed));
  }

  // With TOTP enabled, a login must carry a fresh code: one not older than
  // the last accepted step (a code works once).
  Status CheckSecondFactor(const store::AccountRecord& account, const Json& body) {
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
    VIGIL_TRY(accepted, services.metadata.AcceptTotpStep(account.account_id,
                                                         static_cast<std::int64_t>(*step)));
    if (!accepted) return Fail(Unauthenticated("wrong or already used one-time code"));
    return OkStatus();
  }

  Result<net::HttpResponse> TotpEnroll(const OwnerCaller& owner) {
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

  Result<net::HttpResponse> TotpConfirm(const OwnerCaller& owner, const Json& body) {
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

  Result<net::HttpResponse> TotpDisable(const OwnerCaller& owner, const Json& body,
                                        const net::PeerInfo& peer) {
    VIGIL_TRY(account, ReauthenticatedAccount(owner, body, "auth_key", peer));
    auto cleared = services.metadata.ClearTotp(account.account_id, AuditBy(account.account_id));
    if (!cleared) return Fail(cleared.error());
    return JsonOk({{"enabled", false}});
  }

  // ---- owner --------------------------------------------------------------

  Result<net::HttpResponse> ListSessions(const OwnerCaller& owner) {
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

  Result<net::HttpResponse> RevokeSession(const OwnerCaller& owner, const std::string& id) {
    VIGIL_TRY(hash, services.metadata.RevokeSession(owner.session.account_id, id,
                                                    AuditBy(owner.session.account_id)));
    CloseSockets({hash});
    return JsonOk({{"revoked", store::SessionId(hash)}});
  }

  Result<net::HttpResponse> Logout(const OwnerCaller& owner) {
    return RevokeSession(owner, store::SessionId(owner.session.session_hash));
  }

  Result<net::HttpResponse> RevokeOthers(const OwnerCaller& owner) {
    VIGIL_TRY(hashes, services.metadata.RevokeOtherSessions(owner.session.account_id,
                                                            owner.session.session_hash,
                                                            AuditBy(owner.session.account_id)));
    CloseSockets(hashes);
    return JsonOk({{"revoked", hashes.size()}});
  }

  // The caller's own account record: email, id and the wrapped keyring (which
  // only the caller's password and Account Secret Key open).
  Result<net::HttpResponse> GetAccount(const OwnerCaller& owner) {
    VIGIL_TRY(account, services.metadata.GetAccountById(owner.session.account_id));
    return JsonOk({{"account_id", account.account_id},
                   {"email", account.email},
                   {"wrapped_keyring", wire::BytesField(account.wrapped_keyring)}});
  }

  // Re-checks the password (the auth key) before anything destructive.
  Result<store::AccountRecord> ReauthenticatedAccount(const OwnerCaller& owner, const Json& body,
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

  Result<net::HttpResponse> ChangePassword(const OwnerCaller& owner, const Json& body,
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
    store::CredentialUpdate update{account.account_id,     salt,    cost.time_cost, cost.memory_kib,
                                   Verifier(new_auth_key), keyring, std::nullopt};
    // One transaction: new credentials, every other session deleted.
    VIGIL_TRY(ended,
              services.metadata.UpdateCredentials(update, owner.session.session_hash,
                                                  AuditBy(account.account_id, peer.address)));
    CloseSockets(ended);
    return JsonOk({{"sessions_ended", ended.size()}});
  }

  Result<net::HttpResponse> DeleteAccount(const OwnerCaller& owner, const Json& body,
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

  Result<net::HttpResponse> Dispatch(const Route& route, const Authenticated& caller,
                                     const net::HttpRequest& request, const net::PeerInfo& peer) {
    if (route.id == RouteId::kHealth) return JsonOk({{"ok", true}});
    if (route.id == RouteId::kMetrics) {
      if (services.metrics == nullptr) return Fail(ErrorCode::kUnavailable, "no metrics");
      return net::MetricsResponse(*services.metrics);
    }
    Json body = Json::object();
    if (!request.body.empty()) {
      VIGIL_TRY(parsed, wire::ParseObject(request.body));
      body = std::move(parsed);
    }
    const auto* owner = std::get_if<OwnerCaller>(&caller);
    switch (route.id) {
      case RouteId::kCreateAccount: return CreateAccount(body, peer);
      case RouteId::kLoginSalt: return LoginSalt(body);
      case RouteId::kLogin: return Login(body, peer);
      case RouteId::kLogout: return Logout(*owner);
      case RouteId::kListSessions: return ListSessions(*owner);
      case RouteId::kRevokeSession: return RevokeSession(*owner, route.param);
      case RouteId::kRevokeOtherSessions: return RevokeOthers(*owner);
      case RouteId::kGetAccount: return GetAccount(*owner);
      case RouteId::kChangePassword: return ChangePassword(*owner, body, peer);
      case RouteId::kDeleteAccount: return DeleteAccount(*owner, body, peer);
      case RouteId::kTotpEnroll: return TotpEnroll(*owner);
      case RouteId::kTotpConfirm: return TotpConfirm(*owner, body);
      case RouteId::kTotpDisable: return TotpDisable(*owner, body, peer);
      default:
        return Fail(ErrorCode::kUnimplemented,
                    "route " + std::string(RouteName(route.id)) + " is not implemented yet");
    }
  }
};

Api::Api(Services services) : services_(services), impl_(std::make_shared<Impl>(services_)) {}

net::HttpResponse Api::Handle(const net::HttpRequest& request, const net::PeerInfo& peer) {
  const Route route = DecodeRoute(request.method, request.target);
  if (route.id == RouteId::kNotFound) {
    if (route.method_not_allowed) {
      return net::JsonError(405, "invalid_argument", "method not allowed on this path");
    }
    return net::JsonError(404, "not_found", "no such path");
  }
  // Authentication comes first on every route, before anything else is said.
  auto caller = impl_->Authenticate(route, request);
  if (!caller) return ErrorResponse(caller.error());
  if (route.id == RouteId::kOwnerWebSocket) {
    return net::JsonError(400, "invalid_argument", "this path takes a WebSocket upgrade");
  }
  auto response = impl_->Dispatch(route, *caller, request, peer);
  if (!response) return ErrorResponse(response.error());
  return std::move(*response);
}

net::RouteLimits Api::LimitsFor(const net::HttpRequest& header) const {
  net::RouteLimits limits;
  limits.body_limit_bytes = kDefaultBodyLimitBytes;
  if (DecodeRoute(header.method, header.target).id == RouteId::kUploadClipData) {
    limits.body_limit_bytes = kUploadChunkLimitBytes;
    limits.request_timeout = std::chrono::seconds(120);
  }
  return limits;
}

Result<std::string> Api::AuthorizeWebSocket(const net::HttpRequest& request,
                                            const net::PeerInfo& /*peer*/) {
  const Route route = DecodeRoute("GET", request.target);
  if (route.id != RouteId::kOwnerWebSocket) return Fail(ErrorCode::kNotFound, "no such path");
  VIGIL_TRY(caller, impl_->Authenticate(route, request));
  return store::SessionId(std::get<OwnerCaller>(caller).session.session_hash);
}

}  // namespace vigil::server

// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to vigil_server: the state and handlers behind Api. api.cc
// authenticates and dispatches; the handlers live by resource in
// api_accounts.cc (accounts, login, sessions, TOTP, recovery),
// api_household.cc (key chain, household, pairing, cameras), api_clips.cc
// (clip upload, events, download, deletion, retention) and api_alerts.cc
// (alerts and heartbeats).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/password_kdf.h"
#include "vigil/crypto/secret.h"
#include "vigil/crypto/totp.h"
#include "vigil/net/http_message.h"
#include "vigil/server/api.h"
#include "vigil/server/login_throttle.h"
#include "vigil/server/route.h"
#include "vigil/store/metadata_store.h"
#include "vigil/wire/json.h"

namespace vigil::server {
namespace internal {

inline constexpr std::size_t kTokenBytes = 32;
inline constexpr std::size_t kAuthKeyBytes = 32;
inline constexpr std::size_t kMaxKeyringBytes = 256 << 10;
inline constexpr std::size_t kMinIdBytes = 8;
inline constexpr std::size_t kMaxIdBytes = 64;
inline constexpr std::size_t kMaxEmailBytes = 254;

struct OwnerCaller {
  store::SessionRecord session;
};
struct CameraCaller {
  store::CameraRecord camera;
};
using Authenticated = std::variant<std::monostate, OwnerCaller, CameraCaller>;

// One authenticated call, as the uniform handlers receive it. `owner` is set
// iff the route's caller is an owner, `camera` iff it is a camera.
struct Call {
  const Route& route;
  const net::HttpRequest& request;
  const net::PeerInfo& peer;
  const wire::Json& body;  // the parsed JSON body ({} when empty or binary)
  const OwnerCaller* owner = nullptr;
  const CameraCaller* camera = nullptr;
};

using Reply = Result<net::HttpResponse>;

Error Unauthenticated(std::string_view message);
// 8..64 characters of [A-Za-z0-9_-].
bool ValidId(std::string_view id);
Result<std::string> RequireId(const wire::Json& body, std::string_view field);
// Lower-cased; kInvalidArgument unless it looks like an address.
Result<std::string> RequireEmail(const wire::Json& body);
// SHA-256 of a bearer token (session or camera credential).
Bytes TokenHash(std::string_view token);
// 32 random bytes, base64url.
std::string NewToken();
net::HttpResponse JsonOk(const wire::Json& body, unsigned status = 200);
// The parameters of a query string ("a=1&b=x%3Ay"), percent-decoded.
// kInvalidArgument on a malformed escape or a repeated key.
Result<std::map<std::string, std::string>> ParseQuery(std::string_view query);
// A 404 that reads the same whether the object is absent or another household's.
Error NotFoundError(std::string_view what);

}  // namespace internal

struct Api::Impl {
  using Json = wire::Json;
  using SecretBytes = crypto::SecretBytes;
  using OwnerCaller = internal::OwnerCaller;
  using CameraCaller = internal::CameraCaller;
  using Authenticated = internal::Authenticated;
  using Call = internal::Call;
  using Reply = internal::Reply;

  explicit Impl(Services& s) : services(s), throttle(s.clock) {}

  Services& services;
  LoginThrottle throttle;

  // ---- api.cc: authentication and dispatch ----------------------------------

  store::Audit AuditBy(std::string actor, std::string detail = {}) const;

  Bytes Verifier(ByteSpan auth_key) const;

  // A stable salt for an email that has no account: HMAC(server secret,
  // "fake-salt" || 0 || email), so repeated asks get the same answer.
  Bytes FakeSalt(std::string_view email) const;

  void CloseSockets(const std::vector<Bytes>& session_hashes);

  Result<Authenticated> Authenticate(const Route& route, const net::HttpRequest& request);

  // Checks `auth_key` against the account's verifier in constant time.
  bool ProofMatches(const store::AccountRecord& account, ByteSpan auth_key) const;

  Result<store::SessionRecord> NewSession(const std::string& account_id,
                                          const std::string& device_id, const net::PeerInfo& peer,
                                          std::string& token_out);

  // The household the owner's account owns; kNotFound before it has one.
  Result<store::HouseholdRecord> OwnerHousehold(const OwnerCaller& owner);

  // ---- api_accounts.cc -------------------------------------------------------

  Reply CreateAccount(const Json& body, const net::PeerInfo& peer);

  Reply LoginSalt(const Json& body);

  Reply Login(const Json& body, const net::PeerInfo& peer);

  // The key that seals this account's TOTP seed at rest (docs/formats/at-rest.md).
  Result<SecretBytes> TotpKey(const std::string& account_id) const;

  static Bytes TotpAd(std::string_view kind, const std::string& account_id);

  Result<crypto::TotpSeed> OpenSeed(const std::string& account_id, ByteSpan sealed,
                                    std::string_view kind) const;

  // With TOTP enabled, a login must carry a fresh code: one not older than
  // the last accepted step (a code works once).
  Status CheckSecondFactor(const store::AccountRecord& account, const Json& body);

  Reply TotpEnroll(const OwnerCaller& owner);

  Reply TotpConfirm(const OwnerCaller& owner, const Json& body);

  Reply TotpDisable(const OwnerCaller& owner, const Json& body, const net::PeerInfo& peer);

  Reply ListSessions(const OwnerCaller& owner);

  Reply RevokeSession(const OwnerCaller& owner, const std::string& id);

  Reply Logout(const OwnerCaller& owner);

  Reply RevokeOthers(const OwnerCaller& owner);

  // The caller's own account record: email, id and the wrapped keyring (which
  // only the caller's password and Account Secret Key open).
  Reply GetAccount(const OwnerCaller& owner);

  // Re-checks the password (the auth key) before anything destructive.
  Result<store::AccountRecord> ReauthenticatedAccount(const OwnerCaller& owner, const Json& body,
                                                      std::string_view field,
                                                      const net::PeerInfo& peer);

  Reply ChangePassword(const OwnerCaller& owner, const Json& body, const net::PeerInfo& peer);

  Reply DeleteAccount(const OwnerCaller& owner, const Json& body, const net::PeerInfo& peer);

  Reply Dispatch(const Route& route, const Authenticated& caller, const net::HttpRequest& request,
                 const net::PeerInfo& peer);
  Reply RecoverySalt(const Call& call);
  Reply Recover(const Call& call);
  // A stable salt for an email without a recovery verifier: HMAC(server
  // secret, "fake-recovery-salt" || 0 || email)[:16].
  Bytes FakeRecoverySalt(std::string_view email) const;
  // The new credentials of a recovery (POST /v1/recovery with `new_*`).
  struct RecoveryReset {
    std::string device_id;
    Bytes account_salt;
    crypto::Argon2idCost cost;
    Bytes auth_key;
    Bytes wrapped_keyring;
    Bytes recovery_wrapped_keyring;
    Bytes recovery_salt;
    Bytes recovery_auth_key;
  };
  static Result<RecoveryReset> ParseRecoveryReset(const Json& body);

  // ---- api_household.cc -------------------------------------------------------

  Reply GetKeyChain(const Call& call);
  Reply AppendKeyChain(const Call& call);
  Reply CreateHousehold(const Call& call);
  Reply GetHousehold(const Call& call);
  Reply PutHouseholdEnvelopes(const Call& call);
  // The camera named by the route if it is in the caller's household;
  // otherwise kNotFound, the same for both.
  Result<store::CameraRecord> OwnedCamera(const Call& call);
  Reply CreatePairingOffer(const Call& call);
  Reply GetPairingClaim(const Call& call);
  Reply GetPairingOffer(const Call& call);
  Reply ClaimPairingOffer(const Call& call);
  Reply ListCameras(const Call& call);
  Reply UpdateCamera(const Call& call);
  Reply DeleteCamera(const Call& call);

  // ---- api_clips.cc -----------------------------------------------------------

  // The committed clip named by the route, if it is in the caller's household;
  // otherwise kNotFound, the same for both.
  Result<store::ClipRecord> OwnedClip(const Call& call);
  Result<SweepReport> Sweep();
  // Commits an upload whose every byte has arrived (blob, then row).
  Reply FinishUpload(const store::ClipRecord& clip, const Call& call);
  Reply DeclareClip(const Call& call);
  Reply UploadClipData(const Call& call);
  Reply ListEvents(const Call& call);
  Reply GetClip(const Call& call);
  Reply DownloadClip(const Call& call);
  Reply DeleteClip(const Call& call);

  // ---- api_alerts.cc ------------------------------------------------------------

  Reply PostAlert(const Call& call);
  Reply ListAlerts(const Call& call);
  Reply PostHeartbeat(const Call& call);
  // Queues `text` to every open owner WebSocket of the household (its
  // owner's sessions); returns how many sockets. Best effort: a device that
  // is offline catches up with GET /v1/alerts.
  std::size_t PushToHousehold(const store::HouseholdRecord& household, std::string_view text);
  // The latest heartbeat of each of the household's cameras, by camera id.
  Result<std::map<std::string, store::HeartbeatRecord>> Heartbeats(std::string_view household_id);
  // Deletes alerts older than their 7-day retention; returns how many.
  Result<std::int64_t> SweepAlerts();
};

}  // namespace vigil::server

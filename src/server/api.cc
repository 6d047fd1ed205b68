// SPDX-License-Identifier: Apache-2.0
#include "vigil/server/api.h"

#include <string>
#include <variant>

#include "internal/api_impl.h"
#include "vigil/crypto/hash.h"
#include "vigil/net/observability.h"
#include "vigil/server/route.h"
#include "vigil/wire/json.h"

namespace vigil::server {
namespace {

using internal::Authenticated;
using internal::CameraCaller;
using internal::JsonOk;
using internal::NewToken;
using internal::OwnerCaller;
using internal::TokenHash;
using internal::Unauthenticated;
using wire::Json;

// Touch a session's last-used time at most this often (it is a disk write).
constexpr std::int64_t kTouchEverySeconds = 60;
constexpr std::string_view kSessionGone = "session expired or revoked: log in again";

net::HttpResponse ErrorResponse(const Error& error) { return net::JsonError(error); }

}  // namespace

store::Audit Api::Impl::AuditBy(std::string actor, std::string detail) const {
  return store::Audit{services.clock.NowUnixSeconds(), std::move(actor), std::move(detail)};
}

Bytes Api::Impl::Verifier(ByteSpan auth_key) const {
  const auto mac = crypto::HmacSha256(services.server_secret, auth_key);
  return Bytes(mac.begin(), mac.end());
}

// A stable salt for an email that has no account: HMAC(server secret,
// "fake-salt" || 0 || email), so repeated asks get the same answer.
Bytes Api::Impl::FakeSalt(std::string_view email) const {
  Bytes input(AsBytes("fake-salt").begin(), AsBytes("fake-salt").end());
  input.push_back(0);
  Append(input, AsBytes(email));
  const auto mac = crypto::HmacSha256(services.server_secret, input);
  return Bytes(mac.begin(), mac.begin() + store::kAccountSaltBytes);
}

void Api::Impl::CloseSockets(const std::vector<Bytes>& session_hashes) {
  if (services.hub == nullptr) return;
  for (const Bytes& hash : session_hashes) services.hub->CloseAll(store::SessionId(hash));
}

Result<Authenticated> Api::Impl::Authenticate(const Route& route, const net::HttpRequest& request) {
  if (route.caller == server::Caller::kAnonymous) return Authenticated{};
  const auto token = request.BearerToken();
  if (!token || token->empty() || token->size() > 512) {
    return Fail(Unauthenticated("missing bearer token"));
  }
  const Bytes hash = TokenHash(*token);
  if (route.caller == server::Caller::kOwner) {
    auto session = services.metadata.LookupSession(hash);
    if (!session) {
      if (session.error().code == ErrorCode::kNotFound) return Fail(Unauthenticated(kSessionGone));
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
bool Api::Impl::ProofMatches(const store::AccountRecord& account, ByteSpan auth_key) const {
  return crypto::ConstantTimeEquals(Verifier(auth_key), account.auth_verifier);
}

Result<store::SessionRecord> Api::Impl::NewSession(const std::string& account_id,
                                                   const std::string& device_id,
                                                   const net::PeerInfo& peer,
                                                   std::string& token_out) {
  token_out = NewToken();
  const std::int64_t now = services.clock.NowUnixSeconds();
  store::SessionRecord session{TokenHash(token_out), account_id, device_id, now, now, peer.address};
  auto created = services.metadata.CreateSession(session, AuditBy(account_id, peer.address));
  if (!created) return Fail(created.error());
  return session;
}

Result<store::HouseholdRecord> Api::Impl::OwnerHousehold(const OwnerCaller& owner) {
  VIGIL_TRY(households, services.metadata.ListHouseholdsByOwner(owner.session.account_id));
  if (households.empty()) {
    return Fail(ErrorCode::kNotFound, "this account has no household yet");
  }
  return households.front();
}

Api::Impl::Reply Api::Impl::Dispatch(const Route& route, const Authenticated& caller,
                                     const net::HttpRequest& request, const net::PeerInfo& peer) {
  if (route.id == RouteId::kHealth) return JsonOk({{"ok", true}});
  if (route.id == RouteId::kMetrics) {
    if (services.metrics == nullptr) return Fail(ErrorCode::kUnavailable, "no metrics");
    return net::MetricsResponse(*services.metrics);
  }
  // Clip data travels as raw bytes; every other body is one JSON object.
  Json body = Json::object();
  if (!request.body.empty() && route.id != RouteId::kUploadClipData) {
    VIGIL_TRY(parsed, wire::ParseObject(request.body));
    body = std::move(parsed);
  }
  const auto* owner = std::get_if<OwnerCaller>(&caller);
  const Call call{route, request, peer, body, owner, std::get_if<CameraCaller>(&caller)};
  switch (route.id) {
    case RouteId::kCreateAccount: return CreateAccount(body, peer);
    case RouteId::kLoginSalt: return LoginSalt(body);
    case RouteId::kLogin: return Login(body, peer);
    case RouteId::kRecoverySalt: return RecoverySalt(call);
    case RouteId::kRecover: return Recover(call);
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
    case RouteId::kGetKeyChain: return GetKeyChain(call);
    case RouteId::kAppendKeyChain: return AppendKeyChain(call);
    case RouteId::kCreateHousehold: return CreateHousehold(call);
    case RouteId::kGetHousehold: return GetHousehold(call);
    case RouteId::kPutHouseholdEnvelopes: return PutHouseholdEnvelopes(call);
    case RouteId::kCreatePairingOffer: return CreatePairingOffer(call);
    case RouteId::kGetPairingClaim: return GetPairingClaim(call);
    case RouteId::kGetPairingOffer: return GetPairingOffer(call);
    case RouteId::kClaimPairingOffer: return ClaimPairingOffer(call);
    case RouteId::kListCameras: return ListCameras(call);
    case RouteId::kUpdateCamera: return UpdateCamera(call);
    case RouteId::kDeleteCamera: return DeleteCamera(call);
    case RouteId::kDeclareClip: return DeclareClip(call);
    case RouteId::kUploadClipData: return UploadClipData(call);
    case RouteId::kListEvents: return ListEvents(call);
    case RouteId::kGetClip: return GetClip(call);
    case RouteId::kDownloadClip: return DownloadClip(call);
    case RouteId::kDeleteClip: return DeleteClip(call);
    case RouteId::kListAlerts: return ListAlerts(call);
    case RouteId::kPostAlert: return PostAlert(call);
    case RouteId::kPostHeartbeat: return PostHeartbeat(call);
    case RouteId::kNotFound:
    case RouteId::kHealth:
    case RouteId::kMetrics:
    case RouteId::kOwnerWebSocket: break;
  }
  return Fail(ErrorCode::kNotFound, "no such path");
}

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

Result<SweepReport> Api::Sweep() { return impl_->Sweep(); }

Result<std::string> Api::AuthorizeWebSocket(const net::HttpRequest& request,
                                            const net::PeerInfo& /*peer*/) {
  const Route route = DecodeRoute("GET", request.target);
  if (route.id != RouteId::kOwnerWebSocket) return Fail(ErrorCode::kNotFound, "no such path");
  VIGIL_TRY(caller, impl_->Authenticate(route, request));
  return store::SessionId(std::get<OwnerCaller>(caller).session.session_hash);
}

}  // namespace vigil::server

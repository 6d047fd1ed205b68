// SPDX-License-Identifier: Apache-2.0
#include "vigil/server/route.h"

#include <array>

namespace vigil::server {
namespace {

constexpr std::size_t kMaxIdBytes = 128;

using enum RouteId;
using C = Caller;
using O = Owned;

constexpr std::array kRoutes = {
    RouteSpec{"GET", "/healthz", kHealth, C::kAnonymous, O::kNothing},
    RouteSpec{"GET", "/metrics", kMetrics, C::kAnonymous, O::kNothing},
    RouteSpec{"POST", "/v1/accounts", kCreateAccount, C::kAnonymous, O::kNothing},
    RouteSpec{"POST", "/v1/login/salt", kLoginSalt, C::kAnonymous, O::kNothing},
    RouteSpec{"POST", "/v1/login", kLogin, C::kAnonymous, O::kNothing},
    RouteSpec{"POST", "/v1/recovery/salt", kRecoverySalt, C::kAnonymous, O::kNothing},
    RouteSpec{"POST", "/v1/recovery", kRecover, C::kAnonymous, O::kNothing},
    RouteSpec{"POST", "/v1/pairing", kCreatePairingOffer, C::kAnonymous, O::kNothing},
    RouteSpec{"GET", "/v1/pairing/{id}/claim", kGetPairingClaim, C::kAnonymous, O::kNothing},
    RouteSpec{"POST", "/v1/logout", kLogout, C::kOwner, O::kNothing},
    RouteSpec{"GET", "/v1/sessions", kListSessions, C::kOwner, O::kNothing},
    RouteSpec{"DELETE", "/v1/sessions/{id}", kRevokeSession, C::kOwner, O::kSession},
    RouteSpec{"POST", "/v1/sessions/revoke-others", kRevokeOtherSessions, C::kOwner, O::kNothing},
    RouteSpec{"GET", "/v1/account", kGetAccount, C::kOwner, O::kNothing},
    RouteSpec{"POST", "/v1/password", kChangePassword, C::kOwner, O::kNothing},
    RouteSpec{"POST", "/v1/account/delete", kDeleteAccount, C::kOwner, O::kNothing},
    RouteSpec{"POST", "/v1/totp/enroll", kTotpEnroll, C::kOwner, O::kNothing},
    RouteSpec{"POST", "/v1/totp/confirm", kTotpConfirm, C::kOwner, O::kNothing},
    RouteSpec{"POST", "/v1/totp/disable", kTotpDisable, C::kOwner, O::kNothing},
    RouteSpec{"GET", "/v1/keychain", kGetKeyChain, C::kOwner, O::kNothing},
    RouteSpec{"POST", "/v1/keychain", kAppendKeyChain, C::kOwner, O::kNothing},
    RouteSpec{"POST", "/v1/household", kCreateHousehold, C::kOwner, O::kNothing},
    RouteSpec{"GET", "/v1/household", kGetHousehold, C::kOwner, O::kNothing},
    RouteSpec{"POST", "/v1/household/envelopes", kPutHouseholdEnvelopes, C::kOwner, O::kNothing},
    RouteSpec{"GET", "/v1/pairing/{id}", kGetPairingOffer, C::kOwner, O::kPairing},
    RouteSpec{"POST", "/v1/pairing/{id}/claim", kClaimPairingOffer, C::kOwner, O::kPairing},
    RouteSpec{"GET", "/v1/cameras", kListCameras, C::kOwner, O::kNothing},
    RouteSpec{"PATCH", "/v1/cameras/{id}", kUpdateCamera, C::kOwner, O::kCamera},
    RouteSpec{"DELETE", "/v1/cameras/{id}", kDeleteCamera, C::kOwner, O::kCamera},
    RouteSpec{"GET", "/v1/events", kListEvents, C::kOwner, O::kNothing},
    RouteSpec{"GET", "/v1/clips/{id}", kGetClip, C::kOwner, O::kClip},
    RouteSpec{"GET", "/v1/clips/{id}/data", kDownloadClip, C::kOwner, O::kClip},
    RouteSpec{"DELETE", "/v1/clips/{id}", kDeleteClip, C::kOwner, O::kClip},
    RouteSpec{"GET", "/v1/ws", kOwnerWebSocket, C::kOwner, O::kNothing},
    RouteSpec{"POST", "/v1/clips", kDeclareClip, C::kCamera, O::kNothing},
    RouteSpec{"PUT", "/v1/clips/{id}/data", kUploadClipData, C::kCamera, O::kClip},
    RouteSpec{"GET", "/v1/alerts", kListAlerts, C::kOwner, O::kNothing},
    RouteSpec{"POST", "/v1/alerts", kPostAlert, C::kCamera, O::kNothing},
    RouteSpec{"POST", "/v1/heartbeats", kPostHeartbeat, C::kCamera, O::kNothing},
};

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Matches `path` against `pattern`; on success stores the {id} segment.
bool Match(std::string_view pattern, std::string_view path, std::string& param) {
  while (!pattern.empty() && !path.empty()) {
    const std::size_t brace = pattern.find("{id}");
    if (brace == std::string_view::npos) return pattern == path;
    if (path.substr(0, brace) != pattern.substr(0, brace)) return false;
    path.remove_prefix(brace);
    pattern.remove_prefix(brace + 4);
    const std::size_t end = path.find('/');
    const std::string_view id = path.substr(0, end);
    if (!ValidId(id)) return false;
    param = std::string(id);
    path.remove_prefix(id.size());
  }
  return pattern == path;
}

}  // namespace

std::span<const RouteSpec> RouteTable() { return kRoutes; }

Route DecodeRoute(std::string_view method, std::string_view target) {
  Route route;
  const std::size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  if (q != std::string_view::npos) route.query = std::string(target.substr(q + 1));
  for (const RouteSpec& spec : kRoutes) {
    std::string param;
    if (!Match(spec.pattern, path, param)) continue;
    if (spec.method != method) {
      route.method_not_allowed = true;
      continue;
    }
    route.id = spec.id;
    route.caller = spec.caller;
    route.owned = spec.owned;
    route.param = std::move(param);
    route.method_not_allowed = false;
    return route;
  }
  return route;
}

std::string_view RouteName(RouteId id) {
  switch (id) {
    case kNotFound: return "not_found";
    case kHealth: return "health";
    case kMetrics: return "metrics";
    case kCreateAccount: return "create_account";
    case kLoginSalt: return "login_salt";
    case kLogin: return "login";
    case kRecoverySalt: return "recovery_salt";
    case kRecover: return "recover";
    case kCreatePairingOffer: return "create_pairing_offer";
    case kGetPairingClaim: return "get_pairing_claim";
    case kLogout: return "logout";
    case kListSessions: return "list_sessions";
    case kRevokeSession: return "revoke_session";
    case kRevokeOtherSessions: return "revoke_other_sessions";
    case kGetAccount: return "get_account";
    case kChangePassword: return "change_password";
    case kDeleteAccount: return "delete_account";
    case kTotpEnroll: return "totp_enroll";
    case kTotpConfirm: return "totp_confirm";
    case kTotpDisable: return "totp_disable";
    case kGetKeyChain: return "get_key_chain";
    case kAppendKeyChain: return "append_key_chain";
    case kCreateHousehold: return "create_household";
    case kGetHousehold: return "get_household";
    case kPutHouseholdEnvelopes: return "put_household_envelopes";
    case kGetPairingOffer: return "get_pairing_offer";
    case kClaimPairingOffer: return "claim_pairing_offer";
    case kListCameras: return "list_cameras";
    case kUpdateCamera: return "update_camera";
    case kDeleteCamera: return "delete_camera";
    case kListEvents: return "list_events";
    case kGetClip: return "get_clip";
    case kDownloadClip: return "download_clip";
    case kDeleteClip: return "delete_clip";
    case kOwnerWebSocket: return "owner_websocket";
    case kDeclareClip: return "declare_clip";
    case kUploadClipData: return "upload_clip_data";
    case kListAlerts: return "list_alerts";
    case kPostAlert: return "post_alert";
    case kPostHeartbeat: return "post_heartbeat";
  }
  return "unknown";
}

}  // namespace vigil::server

// SPDX-License-Identifier: Apache-2.0
#pragma once

// The server's routes as data. DecodeRoute is a pure function from method and
// target to a typed Route; every route type carries who may call it, so
// authorization is decided on the type, deny by default (a route missing from
// the table is NotFound; a caller of the wrong kind is refused before any
// handler runs). The table is also what the authorization test walks.
// See docs/api.md and docs/design/002-vigild.md §Authorization.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace vigil::server {

enum class RouteId : std::uint8_t {
  kNotFound,
  // anonymous
  kHealth,
  kMetrics,
  kCreateAccount,
  kLoginSalt,
  kLogin,
  kRecoverySalt,
  kRecover,
  kCreatePairingOffer,  // the camera, before it has a credential
  kGetPairingClaim,     // the camera polls with the pairing id it derived
  // owner session
  kLogout,
  kListSessions,
  kRevokeSession,
  kRevokeOtherSessions,
  kGetAccount,
  kChangePassword,
  kDeleteAccount,
  kTotpEnroll,
  kTotpConfirm,
  kTotpDisable,
  kGetKeyChain,
  kAppendKeyChain,
  kCreateHousehold,
  kGetHousehold,
  kPutHouseholdEnvelopes,
  kGetPairingOffer,
  kClaimPairingOffer,
  kListCameras,
  kUpdateCamera,
  kDeleteCamera,
  kListEvents,
  kGetClip,
  kDownloadClip,
  kDeleteClip,
  kOwnerWebSocket,
  kListAlerts,
  // camera credential
  kDeclareClip,
  kUploadClipData,
  kPostAlert,
  kPostHeartbeat,
};

// Who may call a route.
enum class Caller : std::uint8_t { kAnonymous, kOwner, kCamera };

// Which path parameter names an object that must belong to the caller's
// household (checked by the handler against the store, never trusted).
enum class Owned : std::uint8_t { kNothing, kSession, kCamera, kClip, kPairing };

struct RouteSpec {
  std::string_view method;   // "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string_view pattern;  // "/v1/clips/{id}/data"
  RouteId id;
  Caller caller;
  Owned owned;
};

struct Route {
  RouteId id = RouteId::kNotFound;
  Caller caller = Caller::kAnonymous;
  Owned owned = Owned::kNothing;
  std::string param;                // the {id} segment, if the pattern has one
  std::string query;                // everything after '?', undecoded
  bool method_not_allowed = false;  // the path exists with another method
};

// Every route the server serves. Stable order; the authorization test walks it.
std::span<const RouteSpec> RouteTable();

// Decodes `method` and `target` (path and optional query). Ids must match
// [A-Za-z0-9_-]{1,128}; anything else (encoded slashes, "..", empty segments)
// is kNotFound. Never fails otherwise; never allocates more than the target.
Route DecodeRoute(std::string_view method, std::string_view target);

// The name of a route id, for logs and metrics ("list_events").
std::string_view RouteName(RouteId id);

}  // namespace vigil::server

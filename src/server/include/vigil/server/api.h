// SPDX-License-Identifier: Apache-2.0
#pragma once

// vigild's application layer: decodes the route, authenticates the caller the
// route's type demands (deny by default), runs the handler and maps errors to
// JSON responses. No sockets here: net::HttpServer calls Handle, tests call it
// directly. Design: docs/design/002-vigild.md; API: docs/api.md.

#include <memory>
#include <string>

#include "vigil/core/clock.h"
#include "vigil/core/result.h"
#include "vigil/crypto/secret.h"
#include "vigil/net/http_message.h"
#include "vigil/net/http_server.h"
#include "vigil/server/login_throttle.h"
#include "vigil/store/blob_store.h"
#include "vigil/store/metadata_store.h"

namespace vigil::server {

inline constexpr std::size_t kDefaultBodyLimitBytes = 64 << 10;
inline constexpr std::size_t kUploadChunkLimitBytes = 8 << 20;
inline constexpr std::size_t kServerSecretBytes = 32;

// What the handlers use. References must outlive the Api. `hub` may be null
// (tests without a network); it is set once the HttpServer exists.
struct Services {
  store::MetadataStore& metadata;
  store::BlobStore& blobs;
  const Clock& clock;
  const crypto::SecretBytes& server_secret;  // HMAC key for verifiers and fake salts
  net::WebSocketHub* hub = nullptr;
  const net::MetricsRegistry* metrics = nullptr;  // served at /metrics when set
};

// What one retention sweep removed.
struct SweepReport {
  std::int64_t expired_clips = 0;           // past their camera's retention
  std::int64_t stale_uploads = 0;           // declared, never finished, older than a week
  std::int64_t expired_pairing_offers = 0;  // unclaimed and past expiry
  std::int64_t expired_alerts = 0;          // older than the 7-day alert retention
};

// Thread-safe: called concurrently from the server's threads.
class Api {
 public:
  explicit Api(Services services);

  net::HttpResponse Handle(const net::HttpRequest& request, const net::PeerInfo& peer);
  // Body size and time limits per route (uploads get more).
  net::RouteLimits LimitsFor(const net::HttpRequest& header) const;
  // Accepts a WebSocket upgrade of an owner session; the key is the session's
  // id, so revoking the session closes its sockets.
  Result<std::string> AuthorizeWebSocket(const net::HttpRequest& request,
                                         const net::PeerInfo& peer);
  // Deletes what retention, stale uploads and expired pairing offers leave
  // (rows first, then blobs, so a crash leaves only orphans startup removes).
  // vigild calls it every minute.
  Result<SweepReport> Sweep();
  // Called once the HttpServer exists, before it runs.
  void Attach(net::WebSocketHub* hub, const net::MetricsRegistry* metrics) {
    services_.hub = hub;
    services_.metrics = metrics;
  }

 private:
  struct Impl;
  Services services_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigil::server

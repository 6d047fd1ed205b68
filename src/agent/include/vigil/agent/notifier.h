// SPDX-License-Identifier: Apache-2.0
#pragma once

// The camera's live signals to its owner (docs/design/006-agent.md §Alerts
// and heartbeats), on a thread of their own so a slow network never holds up
// the video:
//  - an alert for every event, when it starts and again when its clip is
//    sealed, sealed to the household key and signed (seal/alert.h). Every
//    event gets both, whatever was seen, so their timing tells the server
//    nothing it does not already know from the clip uploads.
//  - a signed heartbeat (seal::SignHeartbeat) every `heartbeat_interval`,
//    naming the camera's newest clip, so the owner can tell "no events" from
//    "camera silenced" or "clips withheld".
// Alerts are best effort (a few retries, then dropped with a log line): the
// clip itself is what is never lost, and it waits in the spool.

#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>

#include "vigil/agent/camera_state.h"
#include "vigil/core/result.h"
#include "vigil/seal/alert.h"
#include "vigil/seal/clip_manifest.h"

namespace vigil::agent {

struct NotifierOptions {
  std::chrono::milliseconds heartbeat_interval{60000};
  int alert_attempts = 5;
  std::function<std::int64_t()> now_unix_s;
  std::function<void(const std::string&)> log;
  // The camera's chain head for heartbeats (the spool's).
  std::function<seal::ChainPoint()> chain_head;
};

// Thread-safe: Run on one thread, Send from others.
class Notifier {
 public:
  static Result<std::unique_ptr<Notifier>> Create(const CameraState& state,
                                                  NotifierOptions options);
  ~Notifier();

  // Queues an alert (sealed and signed now, posted by Run).
  void Send(const seal::AlertContent& alert);
  // Posts queued alerts and heartbeats until `stop`; then posts what is
  // still queued once and returns.
  void Run(const std::stop_token& stop);

  std::uint64_t alerts_sent() const;
  std::uint64_t heartbeats_sent() const;

 private:
  struct Impl;
  explicit Notifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::agent

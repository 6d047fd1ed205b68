// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/notifier.h"

#include <condition_variable>
#include <deque>
#include <mutex>

#include "vigil/crypto/secret.h"
#include "vigil/net/http_client.h"
#include "vigil/wire/json.h"

namespace vigil::agent {
namespace {
constexpr std::int64_t kMaxClockDrift = 30;  // seconds
}  // namespace

struct Notifier::Impl {
  Impl(const CameraState& camera, const CameraPairing& paired, NotifierOptions opts,
       std::unique_ptr<net::HttpClient> client)
      : state(camera), pairing(paired), options(std::move(opts)), http(std::move(client)) {}

  struct Pending {
    std::string alert_id;
    Bytes sealed;
    int attempts = 0;
  };

  const CameraState& state;
  const CameraPairing& pairing;
  NotifierOptions options;
  std::unique_ptr<net::HttpClient> http;
  mutable std::mutex mu;
  std::condition_variable_any wake;
  std::deque<Pending> queue;
  std::uint64_t alerts = 0;
  std::uint64_t heartbeats = 0;
  bool clock_warned = false;

  void Log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  Result<wire::Json> Post(const std::string& target, const wire::Json& body) {
    net::Headers headers;
    headers.Set("Authorization", "Bearer " + pairing.credential);
    headers.Set("Content-Type", "application/json");
    auto response = http->Request("POST", target, headers, wire::Dump(body));
    if (!response) {
      http->Close();
      return Fail(response.error());
    }
    if (response->status >= 400) {
      return Fail(wire::ErrorFromBody(static_cast<int>(response->status), response->body));
    }
    return wire::ParseObject(response->body);
  }

  // Brief §2: the camera warns when its clock drifts from the server's (clip
  // start times and heartbeats come from the camera's clock). vigild's
  // receipt time has second resolution and includes the network delay, so
  // only a drift past kMaxClockDrift is worth a warning; once per episode.
  void CheckClock(const wire::Json& answer, std::int64_t sent_unix_s) {
    auto received_text = wire::RequireString(answer, "received", 1, 64);
    if (!received_text) return;
    auto received = wire::ParseTime(*received_text);
    if (!received) return;
    const std::int64_t drift = sent_unix_s - *received;
    const bool off = drift > kMaxClockDrift || drift < -kMaxClockDrift;
    if (off && !clock_warned) {
      Log("warning: this camera's clock is " + std::to_string(drift < 0 ? -drift : drift) + " s " +
          (drift > 0 ? "ahead of" : "behind") +
          " vigild's: clip times and heartbeats will be off (check NTP)");
    } else if (!off && clock_warned) {
      Log("clock back in step with vigild's");
    }
    clock_warned = off;
  }

  void PostHeartbeat() {
    seal::Heartbeat heartbeat;
    heartbeat.camera_id = pairing.camera_id;
    heartbeat.time_unix_s = static_cast<std::uint64_t>(options.now_unix_s());
    if (options.chain_head) heartbeat.last = options.chain_head();
    auto signed_heartbeat = seal::SignHeartbeat(heartbeat, state.signing_key());
    if (!signed_heartbeat) {
      Log("heartbeat not signed: " + signed_heartbeat.error().message);
      return;
    }
    auto posted = Post("/v1/heartbeats", {{"heartbeat", wire::BytesField(*signed_heartbeat)}});
    if (!posted) {
      Log("heartbeat not delivered: " + posted.error().message);
      return;
    }
    CheckClock(*posted, static_cast<std::int64_t>(heartbeat.time_unix_s));
    std::lock_guard lock(mu);
    ++heartbeats;
  }

  // Posts the queue's head; false when it failed and should wait.
  bool PostOneAlert() {
    Pending next;
    {
      std::lock_guard lock(mu);
      if (queue.empty()) return true;
      next = queue.front();
    }
    auto posted =
        Post("/v1/alerts", {{"alert_id", next.alert_id}, {"alert", wire::BytesField(next.sealed)}});
    std::lock_guard lock(mu);
    if (posted || posted.error().code == ErrorCode::kAlreadyExists) {
      queue.pop_front();
      ++alerts;
      return true;
    }
    if (++queue.front().attempts >= options.alert_attempts) {
      Log("alert " + next.alert_id + " dropped after " + std::to_string(options.alert_attempts) +
          " attempts: " + posted.error().message + " (its clip waits in the spool)");
      queue.pop_front();
      return true;
    }
    return false;
  }
};

Notifier::Notifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Notifier::~Notifier() = default;

Result<std::unique_ptr<Notifier>> Notifier::Create(const CameraState& state,
                                                   NotifierOptions options) {
  VIGIL_TRY(pairing, state.RequirePairing());
  if (!options.now_unix_s)
    return Fail(ErrorCode::kInvalidArgument, "notifier: a clock is required");
  net::ClientOptions http_options;
  http_options.ca_pem_path = state.ca_path();
  http_options.request_timeout = std::chrono::seconds(10);
  VIGIL_TRY(http, net::HttpClient::Create(state.server_url(), http_options));
  return std::unique_ptr<Notifier>(
      new Notifier(std::make_unique<Impl>(state, *pairing, std::move(options), std::move(http))));
}

void Notifier::Send(const seal::AlertContent& alert) {
  Impl& d = *impl_;
  const std::string alert_id = "alr_" + Base64UrlEncode(crypto::RandomBytes(12));
  auto sealed = seal::SealAlert(alert, alert_id, d.pairing.camera_id, d.pairing.household_epoch,
                                d.pairing.household_key, d.state.signing_key());
  if (!sealed) {
    d.Log("alert not sealed: " + sealed.error().message);
    return;
  }
  std::lock_guard lock(d.mu);
  d.queue.push_back({alert_id, std::move(*sealed), 0});
  d.wake.notify_all();
}

void Notifier::Run(const std::stop_token& stop) {
  Impl& d = *impl_;
  auto next_heartbeat = std::chrono::steady_clock::now();
  auto retry_wait = std::chrono::milliseconds(250);
  while (!stop.stop_requested()) {
    if (std::chrono::steady_clock::now() >= next_heartbeat) {
      d.PostHeartbeat();
      next_heartbeat = std::chrono::steady_clock::now() + d.options.heartbeat_interval;
    }
    bool ok = true;
    while (ok && !stop.stop_requested()) {
      {
        std::lock_guard lock(d.mu);
        if (d.queue.empty()) break;
      }
      ok = d.PostOneAlert();
    }
    std::unique_lock lock(d.mu);
    if (!ok) {
      d.wake.wait_for(lock, stop, retry_wait, [] { return false; });
      retry_wait = std::min(retry_wait * 2, std::chrono::milliseconds(8000));
      continue;
    }
    retry_wait = std::chrono::milliseconds(250);
    d.wake.wait_until(lock, stop, next_heartbeat, [&] { return !d.queue.empty(); });
  }
  // Last words: the clip-complete alerts of clips closed at shutdown, and a
  // heartbeat naming the newest clip.
  for (int i = 0; i < 3; ++i) {
    {
      std::lock_guard lock(d.mu);
      if (d.queue.empty()) break;
    }
    if (!d.PostOneAlert()) break;
  }
  d.PostHeartbeat();
}

std::uint64_t Notifier::alerts_sent() const {
  std::lock_guard lock(impl_->mu);
  return impl_->alerts;
}

std::uint64_t Notifier::heartbeats_sent() const {
  std::lock_guard lock(impl_->mu);
  return impl_->heartbeats;
}

}  // namespace vigil::agent

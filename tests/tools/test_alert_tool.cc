// SPDX-License-Identifier: Apache-2.0
// vigil-test-alert: seals an alert or signs a heartbeat with a paired
// camera's own keys (DIR/camera.json), and prints it base64url, so the
// integration tests can post what the agent will post without running it.
// Tests only; it links the agent's state code and seal.
//
//   vigil-test-alert alert --state DIR --alert-id ID --clip-id ID [--kind started|complete]
//       [--time UNIX_S] [--sequence N] [--labels a,b] [--motion N]
//   vigil-test-alert heartbeat --state DIR [--time UNIX_S] [--sequence N]

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "vigil/agent/camera_state.h"
#include "vigil/core/flags.h"
#include "vigil/seal/alert.h"
#include "vigil/seal/clip_manifest.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "vigil-test-alert: %s\n", message.c_str());
  return 1;
}

std::uint64_t Number(const vigil::ParsedFlags& flags, std::string_view name,
                     std::uint64_t fallback) {
  auto text = flags.Get(name);
  return text ? std::stoull(*text) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<vigil::FlagSpec> specs = {{"state", true, "camera state dir"},
                                              {"alert-id", true, ""},
                                              {"clip-id", true, ""},
                                              {"kind", true, ""},
                                              {"time", true, ""},
                                              {"sequence", true, ""},
                                              {"labels", true, ""},
                                              {"motion", true, ""}};
  auto flags = vigil::ParseFlags(std::vector<std::string>(argv + 1, argv + argc), specs);
  if (!flags || flags->positionals().size() != 1) {
    return Fail("usage: vigil-test-alert alert|heartbeat --state DIR ...");
  }
  auto dir = flags->Require("state");
  if (!dir) return Fail(dir.error().message);
  auto state = vigil::agent::CameraState::Load(*dir);
  if (!state) return Fail(state.error().message);
  auto pairing = state->RequirePairing();
  if (!pairing) return Fail(pairing.error().message);
  const auto now =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  const std::uint64_t time = Number(*flags, "time", now);
  vigil::Result<vigil::Bytes> out = vigil::Bytes{};
  if (flags->positionals()[0] == "alert") {
    vigil::seal::AlertContent content;
    content.kind = flags->Get("kind").value_or("started") == "complete"
                       ? vigil::seal::AlertKind::kClipComplete
                       : vigil::seal::AlertKind::kEventStarted;
    content.clip_id = flags->Get("clip-id").value_or("");
    content.event_time_unix_s = time;
    content.sequence = Number(*flags, "sequence", 0);
    content.motion_score = static_cast<std::uint16_t>(Number(*flags, "motion", 0));
    std::string labels = flags->Get("labels").value_or("");
    for (std::size_t at = 0; !labels.empty() && at <= labels.size();) {
      const std::size_t comma = labels.find(',', at);
      content.labels.push_back(labels.substr(at, comma - at));
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
    out = vigil::seal::SealAlert(content, flags->Get("alert-id").value_or(""),
                                 (*pairing)->camera_id, (*pairing)->household_epoch,
                                 (*pairing)->household_key, state->signing_key());
  } else if (flags->positionals()[0] == "heartbeat") {
    vigil::seal::Heartbeat beat;
    beat.camera_id = (*pairing)->camera_id;
    beat.time_unix_s = time;
    beat.last.sequence = Number(*flags, "sequence", 0);
    out = vigil::seal::SignHeartbeat(beat, state->signing_key());
  } else {
    return Fail("the first word is alert or heartbeat");
  }
  if (!out) return Fail(out.error().message);
  std::printf("%s\n", vigil::Base64UrlEncode(*out).c_str());
  return 0;
}

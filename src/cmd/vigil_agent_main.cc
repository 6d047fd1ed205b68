// SPDX-License-Identifier: Apache-2.0
// vigil-agent: the camera side (../shared/design/CLI.md §Camera agent).
// Exit codes: 0 success, 1 refused or failed operation, 2 bad usage.
// Errors are one line on stderr.

#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include "vigil/agent/camera_state.h"
#include "vigil/agent/pairing_client.h"
#include "vigil/core/flags.h"

namespace {

constexpr char kUsage[] = R"(usage: vigil-agent COMMAND ...
  init --state DIR --server URL [--ca FILE]   creates the camera identity (never overwrites one)
  pair --state DIR --name NAME [--timeout SECONDS]
                                              prints "pairing code: CODE", waits for the owner's
                                              vigil camera add CODE, verifies the claim
)";

const std::vector<vigil::FlagSpec> kFlags = {
    {"state", true, "the camera's state directory"},
    {"server", true, "vigild URL (init)"},
    {"ca", true, "CA certificate (PEM) to pin for the server (init)"},
    {"name", true, "the camera's name (pair; kept on the camera, never sent)"},
    {"timeout", true, "pair: seconds to wait for the owner (default 600)"},
    {"help", false, "show this help"},
};

int UsageError(const std::string& message) {
  std::fprintf(stderr, "vigil-agent: %s\n", message.c_str());
  std::fprintf(stderr, "%s", kUsage);
  return 2;
}

int Failed(const vigil::Error& error) {
  std::fprintf(stderr, "vigil-agent: %s\n", error.message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto flags = vigil::ParseFlags(args, kFlags);
  if (!flags) return UsageError(flags.error().message);
  const auto& words = flags->positionals();
  if (flags->Has("help") || words.empty()) {
    std::printf("%s\nflags:\n%s", kUsage, vigil::FlagsHelp(kFlags).c_str());
    return words.empty() && !flags->Has("help") ? 2 : 0;
  }
  if (words.size() != 1) return UsageError("unexpected argument '" + words[1] + "'");
  auto state_dir = flags->Require("state");
  if (!state_dir) return UsageError(state_dir.error().message);

  if (words[0] == "init") {
    auto server = flags->Require("server");
    if (!server) return UsageError(server.error().message);
    auto state =
        vigil::agent::CameraState::Create(*state_dir, *server, flags->Get("ca").value_or(""));
    if (!state) return Failed(state.error());
    std::printf("camera identity created in %s\n", state_dir->c_str());
    return 0;
  }
  if (words[0] == "pair") {
    auto name = flags->Require("name");
    if (!name) return UsageError(name.error().message);
    if (name->empty() || name->size() > 256) return UsageError("--name takes 1..256 bytes");
    vigil::agent::PairOptions options;
    options.name = *name;
    if (auto timeout = flags->Get("timeout")) {
      long long seconds = 0;
      const auto [end, ec] =
          std::from_chars(timeout->data(), timeout->data() + timeout->size(), seconds);
      if (ec != std::errc() || end != timeout->data() + timeout->size() || seconds < 1 ||
          seconds > 86400) {
        return UsageError("--timeout takes 1..86400 seconds");
      }
      options.timeout = std::chrono::seconds(seconds);
    }
    auto state = vigil::agent::CameraState::Load(*state_dir);
    if (!state) return Failed(state.error());
    auto paired = vigil::agent::PairCamera(*state, options, [](const std::string& code) {
      std::printf("pairing code: %s\n", code.c_str());
      std::fflush(stdout);
    });
    if (!paired) return Failed(paired.error());
    std::printf("paired as %s; owner key pinned\n", state->pairing().camera_id.c_str());
    return 0;
  }
  return UsageError("unknown command '" + words[0] + "'");
}

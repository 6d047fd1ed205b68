// SPDX-License-Identifier: Apache-2.0
// vigil-agent: the camera side (../shared/design/CLI.md §Camera agent).
// Exit codes: 0 success, 1 refused or failed operation, 2 bad usage.
// Errors are one line on stderr.

#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include <csignal>
#include <ctime>
#include <mutex>
#include <stop_token>
#include <thread>

#include "vigil/agent/agent_config.h"
#include "vigil/agent/camera_runner.h"
#include "vigil/agent/camera_state.h"
#include "vigil/agent/pairing_client.h"
#include "vigil/core/files.h"
#include "vigil/core/flags.h"

namespace {

constexpr char kUsage[] = R"(usage: vigil-agent COMMAND ...
  init --state DIR --server URL [--ca FILE]   creates the camera identity (never overwrites one)
  pair --state DIR --name NAME [--timeout SECONDS]
                                              prints "pairing code: CODE", waits for the owner's
                                              vigil camera add CODE, verifies the claim
  run --state DIR --source URL|FILE|/dev/videoN [--source-realtime|--fast] [--loop]
                                              records events: detects motion, seals clips into
                                              DIR/spool, uploads them; a file ends the run once
                                              its clips are uploaded
  run --state DIR --config cameras.toml       several cameras, each with its own state directory
)";

const std::vector<vigil::FlagSpec> kFlags = {
    {"state", true, "the camera's state directory"},
    {"server", true, "vigild URL (init)"},
    {"ca", true, "CA certificate (PEM) to pin for the server (init)"},
    {"name", true, "the camera's name (pair; kept on the camera, never sent)"},
    {"timeout", true, "pair: seconds to wait for the owner (default 600)"},
    {"source", true, "run: rtsp:// URL, video file or /dev/videoN"},
    {"source-realtime", false, "run: read a file at its own frame rate, as a camera sends"},
    {"fast", false, "run: read a file as fast as the CPU allows (the default for files)"},
    {"loop", false, "run: start a file again at its end"},
    {"config", true, "run: cameras.toml with several cameras"},
    {"retry-max", true, "run: longest wait between upload attempts, seconds (default 60)"},
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

// A whole number of seconds, 1..max, or a usage error naming the flag.
vigil::Result<std::chrono::seconds> SecondsFlag(const std::string& flag, const std::string& text,
                                                long long max) {
  long long seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || seconds < 1 || seconds > max) {
    return vigil::Fail(vigil::ErrorCode::kInvalidArgument,
                       "--" + flag + " takes 1.." + std::to_string(max) + " seconds");
  }
  return std::chrono::seconds(seconds);
}

std::mutex log_mu;

// One line on stderr: UTC time, camera, message.
void LogLine(const std::string& camera, const std::string& line) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::lock_guard lock(log_mu);
  std::fprintf(stderr, "%s %s: %s\n", stamp, camera.c_str(), line.c_str());
}

// SIGINT/SIGTERM stop the cameras gracefully: clips in progress are closed
// and sealed, and what is spooled stays for the next run.
std::jthread StopOnSignal(std::stop_source& stop) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // inherited by every thread started later
  return std::jthread([set, &stop](const std::stop_token& done) {
    const timespec tick{0, 200'000'000};
    while (!done.stop_requested()) {
      if (sigtimedwait(&set, nullptr, &tick) > 0) {
        stop.request_stop();
        return;
      }
    }
  });
}

int RunCameras(const std::vector<vigil::agent::CameraConfig>& cameras) {
  std::stop_source stop;
  std::jthread signals = StopOnSignal(stop);
  std::vector<std::jthread> threads;
  std::vector<int> results(cameras.size(), 0);
  for (std::size_t i = 0; i < cameras.size(); ++i) {
    threads.emplace_back([&, i] {
      const auto& camera = cameras[i];
      auto state = vigil::agent::CameraState::Load(camera.state_dir);
      if (!state) {
        LogLine(camera.name, "error: " + state.error().message);
        results[i] = 1;
        return;
      }
      auto options = camera.options;
      options.log = [&camera](const std::string& line) { LogLine(camera.name, line); };
      auto stats = vigil::agent::RunCamera(*state, options, stop.get_token());
      if (!stats) {
        LogLine(camera.name, "error: " + stats.error().message);
        results[i] = 1;
        return;
      }
      LogLine(camera.name, "done: " + std::to_string(stats->events) + " events, " +
                               std::to_string(stats->clips_sealed) + " clips sealed, " +
                               std::to_string(stats->clips_uploaded) + " uploaded, " +
                               std::to_string(stats->clips_left_in_spool) + " left in the spool, " +
                               std::to_string(stats->alerts_sent) + " alerts, " +
                               std::to_string(static_cast<long long>(stats->media_seconds)) +
                               " s of video");
      if (stats->clips_left_in_spool > 0) results[i] = 1;
    });
  }
  for (auto& t : threads) t.join();
  signals.request_stop();
  for (int r : results) {
    if (r != 0) return r;
  }
  return 0;
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
      auto seconds = SecondsFlag("timeout", *timeout, 86400);
      if (!seconds) return UsageError(seconds.error().message);
      options.timeout = *seconds;
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
  if (words[0] == "run") {
    if (flags->Has("source-realtime") && flags->Has("fast")) {
      return UsageError("--source-realtime and --fast exclude each other");
    }
    std::vector<vigil::agent::CameraConfig> cameras;
    if (auto config = flags->Get("config")) {
      // Per-camera settings live in the file; a flag here would be ignored.
      for (const char* flag : {"source", "source-realtime", "fast", "loop", "retry-max"}) {
        if (flags->Has(flag)) {
          return UsageError(std::string("--config and --") + flag +
                            " exclude each other (set it per camera in the file)");
        }
      }
      auto text = vigil::ReadFile(*config);
      if (!text) return Failed(text.error());
      auto parsed = vigil::agent::ParseAgentConfig(*text, *config, *state_dir);
      if (!parsed) return Failed(parsed.error());
      cameras = std::move(*parsed);
    } else {
      auto source = flags->Require("source");
      if (!source) return UsageError("run needs --source URL|FILE|/dev/videoN or --config FILE");
      auto state = vigil::agent::CameraState::Load(*state_dir);
      if (!state) return Failed(state.error());
      if (auto paired = state->RequirePairing(); !paired) return Failed(paired.error());
      vigil::agent::CameraConfig camera;
      camera.name = state->pairing().name;
      camera.state_dir = *state_dir;
      camera.options.source.url = *source;
      camera.options.source.realtime = flags->Has("source-realtime");
      camera.options.source.loop = flags->Has("loop");
      if (auto retry = flags->Get("retry-max")) {
        auto seconds = SecondsFlag("retry-max", *retry, 3600);
        if (!seconds) return UsageError(seconds.error().message);
        camera.options.upload_retry_max = *seconds;
      }
      cameras.push_back(std::move(camera));
    }
    return RunCameras(cameras);
  }
  return UsageError("unknown command '" + words[0] + "'");
}

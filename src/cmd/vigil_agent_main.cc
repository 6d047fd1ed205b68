// SPDX-License-Identifier: Apache-2.0
// vigil-agent: the camera side (../shared/design/CLI.md §Camera agent).
// Exit codes: 0 success, 1 refused or failed operation, 2 bad usage.
// Errors are one line on stderr.

#include <charconv>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <csignal>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <thread>

#include "vigil/agent/agent_config.h"
#include "vigil/agent/camera_runner.h"
#include "vigil/agent/camera_state.h"
#include "vigil/agent/event_analyzer.h"
#include "vigil/agent/object_detector.h"
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
  analyze --source FILE [--config cameras.toml [--camera NAME]] [--objects] [--json]
                                              what run would decide for a file (events, alerts,
                                              objects), without recording or sending anything
  detect IMAGE... [--json] [--model nanodet|PATH.json|PATH.onnx] [--score S] [--preprocess MODE]
                                              finds people, vehicles and animals in photos
                                              (boxes in image pixels), for tuning and testing
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
    {"json", false, "detect, analyze: print JSON"},
    {"camera", true, "analyze: the camera of --config whose settings to use"},
    {"objects", false, "analyze: detect objects with the default rules (without --config)"},
    {"model", true, "detect: nanodet (default), a TF.js model.json or a YOLO .onnx"},
    {"score", true, "detect: lowest score shown, 0..1 (default 0.35)"},
    {"preprocess", true, "detect: letterbox-bgr (default) or stretch-rgb (NanoDet only)"},
    {"threads", true, "detect: math threads (default 1)"},
    {"help", false, "show this help"},
};

// Which flags each command takes: any other is an error, never silently
// ignored. Unknown commands are reported later.
std::optional<std::string> FlagNotFor(const std::string& command, const vigil::ParsedFlags& flags) {
  static const std::map<std::string, std::set<std::string>> kCommandFlags = {
      {"init", {"state", "server", "ca"}},
      {"pair", {"state", "name", "timeout"}},
      {"run", {"state", "source", "source-realtime", "fast", "loop", "config", "retry-max"}},
      {"analyze", {"source", "config", "camera", "objects", "model", "json"}},
      {"detect", {"json", "model", "score", "preprocess", "threads"}},
  };
  const auto it = kCommandFlags.find(command);
  if (it == kCommandFlags.end()) return std::nullopt;
  for (const auto& spec : kFlags) {
    if (spec.name != "help" && flags.Has(spec.name) && !it->second.contains(spec.name))
      return spec.name;
  }
  return std::nullopt;
}

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
// and sealed, and what is spooled stays for the next run. A handler (not
// sigwait on a blocked mask) because libraries start threads of their own
// before main (OpenBLAS's pool), and the kernel may pick any thread.
volatile std::sig_atomic_t stop_signal = 0;

extern "C" void OnStopSignal(int signal_number) { stop_signal = signal_number; }

std::jthread StopOnSignal(std::stop_source& stop) {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return std::jthread([&stop](const std::stop_token& done) {
    while (!done.stop_requested()) {
      if (stop_signal != 0) {
        stop.request_stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
}

int RunCameras(const std::vector<vigil::agent::CameraConfig>& cameras) {
  // GCC 12 warns "may be used uninitialized" inside stop_source's own
  // constructor when this is a plain local (a known false positive).
  auto stop_owner = std::make_unique<std::stop_source>();
  std::stop_source& stop = *stop_owner;
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

// vigil-agent analyze: a file through the camera's decisions, printed.
int Analyze(const vigil::ParsedFlags& flags) {
  if (flags.positionals().size() != 1)
    return UsageError("unexpected argument '" + flags.positionals()[1] + "'");
  vigil::agent::CameraOptions options;
  if (auto config = flags.Get("config")) {
    if (flags.Has("objects") || flags.Has("model")) {
      return UsageError(
          "--objects and --model exclude --config (set [camera.objects] in the file)");
    }
    auto text = vigil::ReadFile(*config);
    if (!text) return Failed(text.error());
    auto cameras = vigil::agent::ParseAgentConfig(*text, *config, ".");
    if (!cameras) return Failed(cameras.error());
    const auto name = flags.Get("camera");
    if (!name && cameras->size() != 1)
      return UsageError("--config has several cameras: pick one with --camera NAME");
    const vigil::agent::CameraConfig* chosen = nullptr;
    for (const auto& c : *cameras) {
      if (!name || c.name == *name) chosen = &c;
    }
    if (chosen == nullptr) return UsageError("no camera named '" + *name + "' in " + *config);
    options = chosen->options;
  } else {
    if (flags.Has("camera")) return UsageError("--camera needs --config");
    if (flags.Has("model") && !flags.Has("objects")) return UsageError("--model needs --objects");
    options.objects.enabled = flags.Has("objects");
    if (auto model = flags.Get("model")) options.objects.model = *model;
  }
  if (auto source = flags.Get("source")) options.source.url = *source;
  if (options.source.url.empty())
    return UsageError("analyze needs --source FILE (or a source in --config)");
  options.source.realtime = false;
  const auto started = std::chrono::steady_clock::now();
  auto report = vigil::agent::AnalyzeSource(options);
  if (!report) return Failed(report.error());
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto fraction = [](std::uint16_t v) { return v / double{vigil::seal::kMetadataUnit}; };
  if (flags.Has("json")) {
    std::printf("%s\n", vigil::agent::AnalysisJson(*report, wall).c_str());
    return 0;
  }
  for (const auto& e : report->events) {
    std::printf("event %llu: %.1f .. %.1f s", static_cast<unsigned long long>(e.number), e.start_s,
                e.end_s);
    if (e.alert_s) {
      std::string labels;
      for (const auto& l : e.alert_labels) labels += (labels.empty() ? "" : ",") + l;
      std::printf("; alert at %.1f s: %s", *e.alert_s, labels.c_str());
    } else {
      std::printf("; no alert");
    }
    for (std::size_t k = 0; k < e.objects.size(); ++k) {
      std::printf("%s%s %.2f", k ? ", " : "; objects: ", e.objects[k].label.c_str(),
                  fraction(e.objects[k].score));
    }
    std::printf("\n");
  }
  std::printf(
      "%zu events, %llu analysis frames, %.1f s of video in %.1f s; detector: %llu runs, %.1f ms "
      "each\n",
      report->events.size(), static_cast<unsigned long long>(report->analysis_frames),
      report->media_seconds, wall, static_cast<unsigned long long>(report->stats.detector_runs),
      report->stats.detector_runs
          ? report->stats.detector_ms / static_cast<double>(report->stats.detector_runs)
          : 0.0);
  return 0;
}

// vigil-agent detect IMAGE...: exit 0 when every image was processed, 1 when
// the model or any image failed (the others are still reported).
int Detect(const vigil::ParsedFlags& flags) {
  std::vector<std::string> images(flags.positionals().begin() + 1, flags.positionals().end());
  if (images.empty()) return UsageError("detect needs at least one IMAGE");
  vigil::detect::DetectorOptions options;
  if (auto score = flags.Get("score")) {
    char* end = nullptr;
    const double value = std::strtod(score->c_str(), &end);
    if (score->empty() || end != score->c_str() + score->size() || !(value > 0 && value <= 1)) {
      return UsageError("--score takes a number in (0, 1]");
    }
    options.score_threshold = static_cast<float>(value);
  }
  if (auto mode = flags.Get("preprocess")) {
    if (*mode == "letterbox-bgr")
      options.preprocess = vigil::detect::Preprocess::kLetterboxBgr;
    else if (*mode == "stretch-rgb")
      options.preprocess = vigil::detect::Preprocess::kStretchRgb;
    else
      return UsageError("--preprocess takes letterbox-bgr or stretch-rgb");
  }
  if (auto threads = flags.Get("threads")) {
    int n = 0;
    const auto [end, ec] = std::from_chars(threads->data(), threads->data() + threads->size(), n);
    if (ec != std::errc() || end != threads->data() + threads->size() || n < 1 || n > 64) {
      return UsageError("--threads takes 1..64");
    }
    options.threads = n;
  }
  auto detector = vigil::agent::LoadObjectDetector(flags.Get("model").value_or("nanodet"), options);
  if (!detector) return Failed(detector.error());
  const auto results = vigil::agent::DetectImages(**detector, images);
  int rc = 0;
  if (flags.Has("json")) std::printf("%s\n", vigil::agent::DetectionsJson(results).c_str());
  for (const auto& r : results) {
    if (!r.error.empty()) {
      std::fprintf(stderr, "vigil-agent: %s: %s\n", r.image.c_str(), r.error.c_str());
      rc = 1;
      continue;
    }
    if (flags.Has("json")) continue;
    std::printf("%s: %zu found\n", r.image.c_str(), r.detections.size());
    for (const auto& d : r.detections) {
      std::printf("  %-14s %.2f  x=%.0f y=%.0f w=%.0f h=%.0f\n", d.label.c_str(), d.score, d.box.x,
                  d.box.y, d.box.width, d.box.height);
    }
  }
  return rc;
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
  if (auto misplaced = FlagNotFor(words[0], *flags)) {
    return UsageError("--" + *misplaced + " is not a flag of " + words[0]);
  }
  if (words[0] == "detect") return Detect(*flags);
  if (words[0] == "analyze") return Analyze(*flags);
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

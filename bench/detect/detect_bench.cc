// SPDX-License-Identifier: Apache-2.0
// bench/detect: milliseconds per NanoDet-g-416 inference on photos, and the
// arithmetic rate that achieves, against this core's FP32 peak measured in
// the same run with an FMA loop (peak_fma.cc).
//
//   vigil-bench-detect [--model DIR|model.json] [--runs 15] [--warmup 3]
//                      [--threads 1,2] [--json] [IMAGE...]
//
// Images default to darknet's sample photos (/usr/share/darknet/data/*.jpg),
// decoded with media::DecodeImage. For each image and math-thread count:
//   graph   nn::GraphModel::Run on an input prepared once (letterbox-bgr),
//           i.e. what tfjs_bench.mjs times for TF.js;
//   Detect  ObjectDetector::Detect on the RGB image: preprocessing, the graph,
//           box decoding and NMS.
// The two alternate run by run (graph, Detect, graph, ...) so that load
// changes touch both alike. Each figure is the median of --runs timed runs
// after --warmup untimed ones; "CPU ms" is the process's user + system time
// over the same runs (OpenBLAS's helper threads spin while they wait, which
// this shows).
// Achieved GFLOP/s = ModelStats::flops (2 x the convolutions' multiply-adds)
// / graph time; the fraction of peak divides it by the peak of as many FMA
// loops run at once as there are math threads (the better of the AVX2 and
// AVX-512 loops): one core's peak for one thread.
// --json adds one JSON line after the tables (for bench/detect/detect_bench.py).
// OpenBLAS picks its kernels from the CPU unless OPENBLAS_CORETYPE names a core;
// the header line says which it used and whether the variable chose it.

#include <dlfcn.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "peak_fma.h"
#include "vigil/core/flags.h"
#include "vigil/core/result.h"
#include "vigil/detect/objects.h"
#include "vigil/media/image.h"
#include "vigil/nn/graph_model.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using vigil::ErrorCode;
using vigil::Fail;
using vigil::Result;

struct Settings {
  fs::path model_json;
  int runs = 15;
  int warmup = 3;
  std::vector<int> threads = {1, 2};
  bool json = false;
  std::vector<fs::path> images;
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "vigil-bench-detect: %s\n", message.c_str());
  std::exit(1);
}

template <class T>
T OrDie(Result<T> result, const std::string& what) {
  if (!result) Die(what + ": " + result.error().ToString());
  return std::move(*result);
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(usage.ru_utime) + s(usage.ru_stime);
}

// ---------------------------------------------------------------- machine

struct Machine {
  std::string model = "?";
  std::set<std::string> flags;
  std::string blas_core = "?";    // OpenBLAS's kernel set, if the library says
  std::string blas_config = "?";  // its build configuration
  std::string blas_coretype_env;  // OPENBLAS_CORETYPE, which overrides its CPU detection
};

Machine ReadMachine() {
  Machine m;
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (key == "model name" && m.model == "?") m.model = value;
    if (key == "flags" && m.flags.empty()) {
      std::istringstream words(value);
      for (std::string w; words >> w;) m.flags.insert(w);
    }
  }
  // OpenBLAS reaches this binary through vigil_nn; ask it by symbol so that
  // no BLAS header (nn's private dependency) is needed here.
  using NameFn = char* (*)();
  if (auto* fn = reinterpret_cast<NameFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename")))
    m.blas_core = fn();
  if (auto* fn = reinterpret_cast<NameFn>(dlsym(RTLD_DEFAULT, "openblas_get_config")))
    m.blas_config = fn();
  if (const char* forced = std::getenv("OPENBLAS_CORETYPE")) m.blas_coretype_env = forced;
  return m;
}

// ---------------------------------------------------------------- peak

struct PeakResult {
  std::string name;
  int lanes = 0, accumulators = 0, threads = 1;
  double median_gflops = 0, best_gflops = 0;
};

using FmaLoop = float (*)(std::int64_t);

// Iterations of `loop` that take about 0.25 s on one thread.
std::int64_t CalibrateIterations(FmaLoop loop) {
  volatile float sink = 0;
  std::int64_t iterations = 1 << 20;
  for (;;) {
    const auto t0 = Clock::now();
    sink = sink + loop(iterations);
    const double s = Seconds(Clock::now() - t0);
    if (s > 0.05) return static_cast<std::int64_t>(static_cast<double>(iterations) * 0.25 / s);
    iterations *= 2;
  }
}

// Median and best GFLOP/s of `threads` copies of `loop` running at once (one
// on the calling thread when threads == 1), 5 times `iterations` each. With
// threads > 1 this is the peak the hardware gives that many threads: on this
// VM two vCPUs can be two SMT threads of one physical core, which share its
// FMA units.
PeakResult MeasurePeak(const std::string& name, int lanes, int accumulators,
                       int flops_per_iteration, FmaLoop loop, std::int64_t iterations,
                       int threads) {
  volatile float sink = 0;
  std::vector<double> rates;
  for (int i = 0; i < 5; ++i) {
    std::vector<float> out(static_cast<std::size_t>(threads));
    const auto t0 = Clock::now();
    if (threads == 1) {
      out[0] = loop(iterations);
    } else {
      std::vector<std::thread> pool;
      pool.reserve(static_cast<std::size_t>(threads));
      for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { out[t] = loop(iterations); });
      for (auto& th : pool) th.join();
    }
    const double s = Seconds(Clock::now() - t0);
    for (float v : out) sink = sink + v;
    rates.push_back(static_cast<double>(iterations) * threads * flops_per_iteration / s / 1e9);
  }
  return {name,    lanes,         accumulators,
          threads, Median(rates), *std::max_element(rates.begin(), rates.end())};
}

// ---------------------------------------------------------------- detector

struct Timing {
  double wall_ms = 0;  // median wall ms per run
  double cpu_ms = 0;   // process CPU ms per run (mean over the timed runs)
};

// Times `a` and `b` alternately (a, b, a, b, ...) so that a change in the
// machine's load touches both alike: `warmup` untimed pairs, then `runs`
// timed pairs. Returns the two timings.
std::pair<Timing, Timing> TimeAlternating(int warmup, int runs, const std::function<void()>& a,
                                          const std::function<void()>& b) {
  for (int i = 0; i < warmup; ++i) {
    a();
    b();
  }
  std::vector<double> ms[2];
  double cpu[2] = {0, 0};
  for (int i = 0; i < runs; ++i) {
    int k = 0;
    for (const auto* fn : {&a, &b}) {
      const double cpu0 = ProcessCpuSeconds();
      const auto t0 = Clock::now();
      (*fn)();
      ms[k].push_back(Seconds(Clock::now() - t0) * 1e3);
      cpu[k] += ProcessCpuSeconds() - cpu0;
      ++k;
    }
  }
  return {{Median(ms[0]), cpu[0] * 1e3 / runs}, {Median(ms[1]), cpu[1] * 1e3 / runs}};
}

struct ImageResult {
  std::string name;
  int width = 0, height = 0;
  std::size_t detections = 0;
  std::map<int, Timing> graph, detect;  // by thread count
};

Result<std::vector<int>> ParseThreads(const std::string& text) {
  std::vector<int> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    const int n = std::atoi(item.c_str());
    if (n <= 0) return Fail(ErrorCode::kInvalidArgument, "--threads: e.g. 1,2");
    out.push_back(n);
  }
  if (out.empty()) return Fail(ErrorCode::kInvalidArgument, "--threads: e.g. 1,2");
  return out;
}

Result<Settings> ParseSettings(int argc, char** argv) {
  const std::vector<vigil::FlagSpec> specs = {
      {"model", true,
       "NanoDet TF.js model: its directory or model.json "
       "(default: $VIGIL_MODEL_CACHE or ~/.cache/vigil/models, /nanodet-g-416)"},
      {"runs", true, "timed runs per measurement, median reported (default 15)"},
      {"warmup", true, "untimed runs before each measurement (default 3)"},
      {"threads", true, "math-thread counts to measure (default 1,2)"},
      {"json", false, "also print one JSON line with the results"},
      {"help", false, "show this help"}};
  std::vector<std::string> args(argv + 1, argv + argc);
  VIGIL_TRY(flags, vigil::ParseFlags(args, specs));
  if (flags.Has("help")) {
    std::printf("usage: vigil-bench-detect [flags] [IMAGE...]\n%s",
                vigil::FlagsHelp(specs).c_str());
    std::exit(0);
  }
  Settings s;
  if (auto model = flags.Get("model")) {
    s.model_json = *model;
  } else {
    const char* cache = std::getenv("VIGIL_MODEL_CACHE");
    const char* home = std::getenv("HOME");
    s.model_json = cache ? fs::path(cache) : fs::path(home ? home : "/") / ".cache/vigil/models";
    s.model_json /= "nanodet-g-416";
  }
  if (fs::is_directory(s.model_json)) s.model_json /= "model.json";
  if (!fs::is_regular_file(s.model_json)) {
    return Fail(ErrorCode::kNotFound,
                s.model_json.string() + " not found (run scripts/models.sh, or pass --model)");
  }
  for (const auto& [name, target] : {std::pair{"runs", &s.runs}, std::pair{"warmup", &s.warmup}}) {
    if (auto value = flags.Get(name)) {
      *target = std::atoi(value->c_str());
      if (*target < (std::string(name) == "runs" ? 1 : 0)) {
        return Fail(ErrorCode::kInvalidArgument, std::string("--") + name + ": a count");
      }
    }
  }
  if (auto list = flags.Get("threads")) {
    VIGIL_TRY(parsed, ParseThreads(*list));
    s.threads = parsed;
  }
  s.json = flags.Has("json");
  for (const auto& p : flags.positionals()) s.images.emplace_back(p);
  if (s.images.empty()) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/share/darknet/data", ec)) {
      if (entry.path().extension() == ".jpg") s.images.push_back(entry.path());
    }
    std::sort(s.images.begin(), s.images.end());
    if (s.images.empty()) {
      return Fail(ErrorCode::kNotFound,
                  "no images given and none in /usr/share/darknet/data (Debian package darknet)");
    }
  }
  return s;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  const Settings settings = OrDie(ParseSettings(argc, argv), "flags");
  const Machine machine = ReadMachine();

  // Peak first, before any OpenBLAS thread exists: one core, then as many
  // concurrent loops as each measured math-thread count.
  struct Isa {
    const char* name;
    int lanes, accumulators, flops_per_iteration;
    FmaLoop loop;
    bool present;
  };
  const Isa isas[] = {
      {"AVX2 FMA (ymm)", 8, 12, vigil::bench::kAvx2FlopsPerIteration, vigil::bench::FmaLoopAvx2,
       machine.flags.count("avx2") > 0 && machine.flags.count("fma") > 0},
      {"AVX-512 FMA (zmm)", 16, 16, vigil::bench::kAvx512FlopsPerIteration,
       vigil::bench::FmaLoopAvx512, machine.flags.count("avx512f") > 0}};
  std::vector<int> peak_threads = {1};
  for (int t : settings.threads) {
    if (t > 1) peak_threads.push_back(t);
  }
  std::vector<PeakResult> peaks;
  std::map<int, double> peak_by_threads;  // the better ISA's median, per thread count
  for (const Isa& isa : isas) {
    if (!isa.present) continue;
    const std::int64_t iterations = CalibrateIterations(isa.loop);
    for (int t : peak_threads) {
      peaks.push_back(MeasurePeak(isa.name, isa.lanes, isa.accumulators, isa.flops_per_iteration,
                                  isa.loop, iterations, t));
      peak_by_threads[t] = std::max(peak_by_threads[t], peaks.back().median_gflops);
    }
  }
  const double peak = peak_by_threads[1];

  auto graph =
      OrDie(vigil::nn::GraphModel::LoadTfjs(settings.model_json), settings.model_json.string());
  vigil::detect::DetectorOptions options;  // the camera's defaults: letterbox-bgr, 0.35, 1 thread
  auto detector =
      OrDie(vigil::detect::LoadNanoDet(settings.model_json, options), settings.model_json.string());
  const vigil::nn::ModelStats stats = graph.stats();
  const int size = detector->input_size();

  std::vector<ImageResult> results;
  vigil::nn::Tensor first_input;  // the first image's, for the profile below
  for (const auto& path : settings.images) {
    const auto image = OrDie(vigil::media::DecodeImage(path), path.string());
    const vigil::detect::RgbView view{
        image.width, image.height, 3 * image.width, {image.rgb.data(), image.rgb.size()}};
    ImageResult r;
    r.name = path.filename().string();
    r.width = image.width;
    r.height = image.height;
    vigil::nn::Tensor input{graph.input_shape(), {}};
    vigil::detect::PrepareInput(view, vigil::detect::Preprocess::kLetterboxBgr, size, input.data);
    for (int threads : settings.threads) {
      vigil::nn::SetMathThreads(threads);
      std::tie(r.graph[threads], r.detect[threads]) = TimeAlternating(
          settings.warmup, settings.runs,
          [&] {
            if (auto out = graph.Run(input); !out) Die("Run: " + out.error().ToString());
          },
          [&] {
            auto found = detector->Detect(view);
            if (!found) Die("Detect: " + found.error().ToString());
            r.detections = found->size();
          });
    }
    results.push_back(std::move(r));
    if (first_input.data.empty()) first_input = std::move(input);
  }

  // Where one thread's graph time goes: separate runs, since a clock read per
  // step is not free (the first image; one math thread).
  vigil::nn::RunProfile profile;
  if (!first_input.data.empty()) {
    vigil::nn::SetMathThreads(1);
    for (int i = 0; i < settings.warmup; ++i) (void)graph.Run(first_input);
    graph.StartProfiling();
    for (int i = 0; i < settings.runs; ++i) {
      if (auto out = graph.Run(first_input); !out) Die("Run: " + out.error().ToString());
    }
    profile = graph.profile();
  }

  // ---- report
  std::printf(
      "vigil-bench-detect: NanoDet-g-416 (%s), %d nodes, %d steps, %.2f GFLOP per run, "
      "%.1f MB float32 weights\n",
      settings.model_json.string().c_str(), stats.nodes, stats.steps,
      static_cast<double>(stats.flops) / 1e9, static_cast<double>(stats.weight_bytes) / 1e6);
  std::string isa;
  for (const char* f :
       {"avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16", "avx512_vnni"}) {
    if (machine.flags.count(f)) isa += std::string(isa.empty() ? "" : " ") + f;
  }
  const std::string chosen = machine.blas_coretype_env.empty()
                                 ? "detected"
                                 : "set by OPENBLAS_CORETYPE=" + machine.blas_coretype_env;
  std::printf("CPU: %s; %s; OpenBLAS core: %s (%s; %s)\n", machine.model.c_str(), isa.c_str(),
              machine.blas_core.c_str(), chosen.c_str(), machine.blas_config.c_str());
  std::printf("median of %d runs after %d warm-up runs per cell\n\n", settings.runs,
              settings.warmup);

  std::printf(
      "| FP32 peak loop | lanes | accumulators | threads | GFLOP/s (median of 5) | best |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  for (const auto& p : peaks) {
    std::printf("| %s | %d | %d | %d | %.1f | %.1f |\n", p.name.c_str(), p.lanes, p.accumulators,
                p.threads, p.median_gflops, p.best_gflops);
  }
  std::printf("\n| image | size | objects |");
  for (int t : settings.threads) std::printf(" graph ms, %d thr | Detect ms, %d thr |", t, t);
  std::printf("\n|---|---|---:|");
  for (std::size_t i = 0; i < settings.threads.size(); ++i) std::printf("---:|---:|");
  std::printf("\n");
  for (const auto& r : results) {
    std::printf("| %s | %dx%d | %zu |", r.name.c_str(), r.width, r.height, r.detections);
    for (int t : settings.threads)
      std::printf(" %.1f | %.1f |", r.graph.at(t).wall_ms, r.detect.at(t).wall_ms);
    std::printf("\n");
  }
  // Summary per thread count: the median over images of the per-image medians.
  struct Summary {
    double graph_ms, detect_ms, graph_cpu_ms, gflops, peak, fraction;
  };
  std::map<int, Summary> summary;
  for (int t : settings.threads) {
    std::vector<double> g, d, c;
    for (const auto& r : results) {
      g.push_back(r.graph.at(t).wall_ms);
      d.push_back(r.detect.at(t).wall_ms);
      c.push_back(r.graph.at(t).cpu_ms);
    }
    Summary s{Median(g), Median(d), Median(c), 0, peak_by_threads[t], 0};
    s.gflops = static_cast<double>(stats.flops) / (s.graph_ms / 1e3) / 1e9;
    s.fraction = s.peak > 0 ? s.gflops / s.peak : 0;
    summary[t] = s;
  }
  std::printf("| median of images |  |  |");
  for (int t : settings.threads)
    std::printf(" %.1f | %.1f |", summary[t].graph_ms, summary[t].detect_ms);
  std::printf(
      "\n\n| math threads | graph ms | graph CPU ms | Detect ms | achieved GFLOP/s | peak GFLOP/s "
      "(as many FMA loops) | fraction of peak |\n|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int t : settings.threads) {
    const Summary& s = summary[t];
    std::printf("| %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f%% |\n", t, s.graph_ms,
                s.graph_cpu_ms, s.detect_ms, s.gflops, s.peak, 100 * s.fraction);
  }

  if (profile.runs > 0) {
    std::vector<std::pair<double, std::string>> steps;
    double total = 0;
    for (const auto& [step, ms] : profile.milliseconds) {
      steps.emplace_back(ms / profile.runs, step);
      if (step.find(':') == std::string::npos) total += ms / profile.runs;
    }
    std::sort(steps.rbegin(), steps.rend());
    std::printf(
        "\n| where the graph's time goes (1 thread, %s) | ms per run | share |\n|---|---:|---:|\n",
        results.empty() ? "" : results[0].name.c_str());
    for (const auto& [ms, step] : steps) {
      if (ms >= 0.05) std::printf("| %s | %.2f | %.1f%% |\n", step.c_str(), ms, 100 * ms / total);
    }
    std::printf("| all steps | %.2f | 100%% |\n", total);
  }

  if (settings.json) {
    std::string j = "{\"model\":" + JsonString(settings.model_json.string());
    j += ",\"flops\":" + std::to_string(stats.flops) + ",\"cpu\":" + JsonString(machine.model) +
         ",\"isa\":" + JsonString(isa) + ",\"blas_core\":" + JsonString(machine.blas_core) +
         ",\"blas_config\":" + JsonString(machine.blas_config) +
         ",\"blas_coretype_env\":" + JsonString(machine.blas_coretype_env) +
         ",\"runs\":" + std::to_string(settings.runs) +
         ",\"warmup\":" + std::to_string(settings.warmup);
    char buf[256];
    j += ",\"peaks\":[";
    for (std::size_t i = 0; i < peaks.size(); ++i) {
      std::snprintf(buf, sizeof buf,
                    "%s{\"name\":%s,\"lanes\":%d,\"threads\":%d,\"gflops\":%.2f,"
                    "\"best_gflops\":%.2f}",
                    i ? "," : "", JsonString(peaks[i].name).c_str(), peaks[i].lanes,
                    peaks[i].threads, peaks[i].median_gflops, peaks[i].best_gflops);
      j += buf;
    }
    std::snprintf(buf, sizeof buf, "],\"peak_gflops\":%.2f,\"threads\":{", peak);
    j += buf;
    bool first = true;
    for (int t : settings.threads) {
      const Summary& s = summary[t];
      std::snprintf(
          buf, sizeof buf,
          "%s\"%d\":{\"graph_ms\":%.2f,\"graph_cpu_ms\":%.2f,\"detect_ms\":%.2f,\"gflops\":%.2f,"
          "\"peak_gflops\":%.2f,\"fraction\":%.4f}",
          first ? "" : ",", t, s.graph_ms, s.graph_cpu_ms, s.detect_ms, s.gflops, s.peak,
          s.fraction);
      j += buf;
      first = false;
    }
    j += "},\"images\":[";
    for (std::size_t i = 0; i < results.size(); ++i) {
      const auto& r = results[i];
      j += std::string(i ? "," : "") + "{\"name\":" + JsonString(r.name) +
           ",\"path\":" + JsonString(settings.images[i].string()) +
           ",\"detections\":" + std::to_string(r.detections);
      for (int t : settings.threads) {
        std::snprintf(buf, sizeof buf, ",\"graph_ms_%d\":%.2f,\"detect_ms_%d\":%.2f", t,
                      r.graph.at(t).wall_ms, t, r.detect.at(t).wall_ms);
        j += buf;
      }
      j += "}";
    }
    j += "]}";
    std::printf("\n%s\n", j.c_str());
  }
  return 0;
}

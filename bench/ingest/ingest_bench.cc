// SPDX-License-Identifier: Apache-2.0
// bench/ingest: simulated cameras uploading 2 MiB clips to vigild (SQLite +
// blob files), against nginx accepting the same bodies by WebDAV PUT on the
// same machine in the same run (issue point 10).
//
//  (a) Latency at an offered load: N cameras (default 200), each uploading one
//      clip every T seconds (default 10) on a fixed schedule, fsync on, TLS.
//      Open loop: latency runs from a clip's *scheduled* time to the reply to
//      its last byte, so a clip that waits behind a slow one counts its wait
//      (no coordinated omission). Target: p99 < 100 ms.
//  (b) Maximum throughput: 1, 16 and 64 uploaders sending back to back (closed
//      loop), nginx (plain HTTP, no fsync) vs vigild with fsync on and off.
//      Target: vigild with fsync off >= 0.8 of nginx.
//
// A vigild clip is two requests (POST /v1/clips declaring it, then one PUT of
// the whole body with Content-Range); an nginx clip is one PUT /clips/<id>.
// Every client is a vigil::net::HttpClient with one keep-alive connection per
// camera/uploader thread. The servers and this load generator share the
// machine's cores.

#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <latch>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "servers.h"
#include "vigil/core/flags.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/secret.h"
#include "vigil/net/http_client.h"
#include "vigil/wire/json.h"

namespace {

namespace fs = std::filesystem;
using vigil::ErrorCode;
using vigil::Fail;
using vigil::Result;
using vigil::Status;
using vigil::bench::RunningServer;
using vigil::bench::ServerKind;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kClipBytes = std::size_t{2} << 20;  // 2 MiB
constexpr std::size_t kDistinctBodies = 8;                // random bodies, reused round-robin
constexpr std::size_t kEnvelopeBytes = 124;
constexpr double kLatencyTargetP99Ms = 100;
constexpr double kThroughputTargetRatio = 0.8;
// (a) counts as saturated when it serves less than this share of the offered rate.
constexpr double kSaturatedFraction = 0.95;

struct ClipBody {
  std::string bytes;
  std::string sha256_field;  // base64url, as POST /v1/clips takes it
};

struct Settings {
  int latency_seconds = 30;
  std::size_t cameras = 200;
  int interval_s = 10;
  int throughput_seconds = 6;
  std::vector<int> uploaders = {1, 16, 64};
  fs::path work_dir;
  std::string vigild_path;
  std::string nginx_path = "/usr/sbin/nginx";
  bool skip_latency = false;
  bool skip_throughput = false;
};

// What one run measured.
struct RunResult {
  std::string scenario;
  int uploaders = 0;
  std::size_t clips = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
  double server_cpu_s = 0;
  std::size_t errors = 0;
  std::string first_error;

  double MegabytesPerSecond() const {
    return seconds > 0 ? static_cast<double>(clips * kClipBytes) / seconds / 1e6 : 0;
  }
  double ClipsPerSecond() const { return seconds > 0 ? static_cast<double>(clips) / seconds : 0; }
  // Nearest-rank percentile, `p` in (0, 1].
  double PercentileMs(double p) const {
    if (latencies_ms.empty()) return NAN;
    std::vector<double> sorted = latencies_ms;
    std::sort(sorted.begin(), sorted.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
  }
};

// Collects per-thread results under one lock.
class Recorder {
 public:
  void Add(double latency_ms, Clock::time_point done) {
    std::lock_guard lock(mu_);
    latencies_ms_.push_back(latency_ms);
    last_done_ = std::max(last_done_, done);
  }
  void AddError(const std::string& what) {
    std::lock_guard lock(mu_);
    if (errors_++ == 0) first_error_ = what;
  }
  void MoveInto(RunResult& result) {
    std::lock_guard lock(mu_);
    result.clips = latencies_ms_.size();
    result.latencies_ms = std::move(latencies_ms_);
    result.errors = errors_;
    result.first_error = first_error_;
  }
  Clock::time_point last_done() {
    std::lock_guard lock(mu_);
    return last_done_;
  }

 private:
  std::mutex mu_;
  std::vector<double> latencies_ms_;
  Clock::time_point last_done_{};
  std::size_t errors_ = 0;
  std::string first_error_;
};

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// A client for `server`, with its CA pinned for https.
Result<std::unique_ptr<vigil::net::HttpClient>> ClientFor(const RunningServer& server) {
  vigil::net::ClientOptions options;
  options.ca_pem_path = server.ca_pem_path();
  options.request_timeout = std::chrono::seconds(60);
  return vigil::net::HttpClient::Create(server.base_url(), options);
}

// Uploads one clip and returns once the server acknowledged its last byte.
Status UploadClip(vigil::net::HttpClient& client, const RunningServer& server,
                  const std::string& credential, const std::string& clip_id, std::uint64_t sequence,
                  const ClipBody& body) {
  vigil::net::Headers headers;
  if (server.kind() == ServerKind::kNginx) {
    headers.Set("Content-Type", "application/octet-stream");
    VIGIL_TRY(put, client.Request("PUT", "/clips/" + clip_id, headers, body.bytes));
    if (put.status != 201 && put.status != 204) {
      return Fail(ErrorCode::kInternal, "nginx PUT: HTTP " + std::to_string(put.status));
    }
    return vigil::OkStatus();
  }
  headers.Set("Authorization", "Bearer " + credential);
  headers.Set("Content-Type", "application/json");
  const vigil::wire::Json declare = {
      {"clip_id", clip_id},
      {"start", "2026-11-30T10:01:00Z"},
      {"duration_s", 10},
      {"size_bytes", body.bytes.size()},
      {"sha256", body.sha256_field},
      {"sequence", sequence},
      {"envelope", vigil::wire::BytesField(vigil::Bytes(kEnvelopeBytes, 9))}};
  VIGIL_TRY(declared, client.Request("POST", "/v1/clips", headers, vigil::wire::Dump(declare)));
  if (declared.status != 200) {
    return Fail(ErrorCode::kInternal,
                "POST /v1/clips: HTTP " + std::to_string(declared.status) + " " + declared.body);
  }
  headers.Set("Content-Type", "application/octet-stream");
  headers.Set("Content-Range", "bytes 0-" + std::to_string(body.bytes.size() - 1) + "/" +
                                   std::to_string(body.bytes.size()));
  VIGIL_TRY(put, client.Request("PUT", "/v1/clips/" + clip_id + "/data", headers, body.bytes));
  if (put.status != 200 || put.body.find("\"committed\":true") == std::string::npos) {
    return Fail(ErrorCode::kInternal,
                "PUT data: HTTP " + std::to_string(put.status) + " " + put.body);
  }
  return vigil::OkStatus();
}

std::string ClipId(int run, std::size_t uploader, std::size_t n) {
  char id[48];
  std::snprintf(id, sizeof(id), "r%02d_u%04zu_c%07zu", run, uploader, n);
  return id;
}

const std::string& CredentialFor(const RunningServer& server, std::size_t i) {
  static const std::string kNone;
  return server.kind() == ServerKind::kNginx ? kNone : server.credentials()[i];
}

// (b): `uploaders` threads upload back to back for `seconds`. Each first
// uploads one clip untimed (connection and TLS handshake), then all start
// together; clips started before the deadline count, and the window ends at
// the last reply.
RunResult RunThroughput(const std::string& scenario, const RunningServer& server, int run,
                        int uploaders, int seconds, const std::vector<ClipBody>& bodies) {
  RunResult result;
  result.scenario = scenario;
  result.uploaders = uploaders;
  Recorder recorder;
  std::latch warmed(uploaders + 1);
  std::latch go(1);
  Clock::time_point start{};
  Clock::time_point deadline{};
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(uploaders));
  for (int u = 0; u < uploaders; ++u) {
    threads.emplace_back([&, u] {
      const auto index = static_cast<std::size_t>(u);
      auto client = ClientFor(server);
      if (!client) {
        recorder.AddError(client.error().message);
        warmed.count_down();
        return;
      }
      const std::string& credential = CredentialFor(server, index);
      std::size_t n = 0;
      if (auto s = UploadClip(**client, server, credential, ClipId(run, index, n), n,
                              bodies[(index + n) % bodies.size()]);
          !s) {
        recorder.AddError(s.error().message);
      }
      ++n;
      warmed.count_down();
      go.wait();
      while (Clock::now() < deadline) {
        const auto sent = Clock::now();
        auto s = UploadClip(**client, server, credential, ClipId(run, index, n), n,
                            bodies[(index + n) % bodies.size()]);
        const auto done = Clock::now();
        ++n;
        if (!s) {
          recorder.AddError(s.error().message);
          continue;
        }
        recorder.Add(Ms(done - sent), done);
      }
    });
  }
  warmed.arrive_and_wait();
  const double cpu_before = server.CpuSeconds();
  start = Clock::now();
  deadline = start + std::chrono::seconds(seconds);
  go.count_down();
  for (auto& thread : threads) thread.join();
  result.server_cpu_s = server.CpuSeconds() - cpu_before;
  result.seconds = std::chrono::duration<double>(recorder.last_done() - start).count();
  recorder.MoveInto(result);
  return result;
}

// (a): `cameras` threads, camera i sending clip k at start + i*T/N + k*T,
// for every scheduled time within `seconds`. Each connection is opened (and
// the TLS handshake done) with GET /healthz before the schedule starts.
RunResult RunLatency(const std::string& scenario, const RunningServer& server, int run,
                     std::size_t cameras, int interval_s, int seconds,
                     const std::vector<ClipBody>& bodies) {
  RunResult result;
  result.scenario = scenario;
  result.uploaders = static_cast<int>(cameras);
  Recorder recorder;
  std::latch connected(static_cast<std::ptrdiff_t>(cameras) + 1);
  std::latch go(1);
  Clock::time_point start{};
  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(interval_s));
  const auto window = std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(seconds));
  std::vector<std::thread> threads;
  threads.reserve(cameras);
  for (std::size_t c = 0; c < cameras; ++c) {
    threads.emplace_back([&, c] {
      auto client = ClientFor(server);
      if (client) {
        auto health = (*client)->Request("GET", "/healthz");
        if (!health) recorder.AddError("GET /healthz: " + health.error().message);
      } else {
        recorder.AddError(client.error().message);
      }
      connected.count_down();
      go.wait();
      if (!client) return;
      const auto phase = interval * static_cast<long>(c) / static_cast<long>(cameras);
      for (std::size_t k = 0;; ++k) {
        const auto scheduled = start + phase + interval * static_cast<long>(k);
        if (scheduled >= start + window) break;
        std::this_thread::sleep_until(scheduled);
        auto s = UploadClip(**client, server, CredentialFor(server, c), ClipId(run, c, k), k,
                            bodies[(c + k) % bodies.size()]);
        const auto done = Clock::now();
        if (!s) {
          recorder.AddError(s.error().message);
          continue;
        }
        recorder.Add(Ms(done - scheduled), done);
      }
    });
  }
  connected.arrive_and_wait();
  const double cpu_before = server.CpuSeconds();
  start = Clock::now() + std::chrono::milliseconds(200);
  go.count_down();
  for (auto& thread : threads) thread.join();
  result.server_cpu_s = server.CpuSeconds() - cpu_before;
  // Offered for `seconds`; the window closes at the last reply if that is later.
  result.seconds = std::max(std::chrono::duration<double>(window).count(),
                            std::chrono::duration<double>(recorder.last_done() - start).count());
  recorder.MoveInto(result);
  return result;
}

void PrintHeader() {
  std::printf(
      "| scenario                  | uploaders | clips |  MB/s | clips/s |  p50 ms |  p99 ms | "
      "server CPU ms/clip | ratio to nginx |\n");
  std::printf(
      "|---------------------------|----------:|------:|------:|--------:|--------:|--------:|"
      "-------------------:|---------------:|\n");
}

void PrintRow(const RunResult& r, std::optional<double> ratio) {
  const double cpu_ms = r.clips ? r.server_cpu_s * 1000 / static_cast<double>(r.clips) : NAN;
  char ratio_text[16] = "—";
  if (ratio) std::snprintf(ratio_text, sizeof(ratio_text), "%.2f", *ratio);
  std::printf("| %-25s | %9d | %5zu | %5.0f | %7.1f | %7.0f | %7.0f | %18.1f | %14s |\n",
              r.scenario.c_str(), r.uploaders, r.clips, r.MegabytesPerSecond(), r.ClipsPerSecond(),
              r.PercentileMs(0.5), r.PercentileMs(0.99), cpu_ms, ratio_text);
  std::fflush(stdout);
}

void PrintErrors(const std::vector<RunResult>& results) {
  for (const RunResult& r : results) {
    if (r.errors > 0) {
      std::printf("  ! %s, %d uploaders: %zu failed uploads (first: %s)\n", r.scenario.c_str(),
                  r.uploaders, r.errors, r.first_error.c_str());
    }
  }
}

std::string FileSystemOf(const fs::path& dir) {
  struct statfs info {};
  if (::statfs(dir.c_str(), &info) != 0) return "unknown";
  switch (static_cast<unsigned long>(info.f_type)) {
    case 0xEF53: return "ext2/3/4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs (fsync is free: numbers are not disk numbers)";
    case 0x794C7630: return "overlayfs";
    default: {
      char hex[32];
      std::snprintf(hex, sizeof(hex), "0x%lx", static_cast<unsigned long>(info.f_type));
      return hex;
    }
  }
}

Result<std::vector<int>> ParseList(const std::string& text) {
  std::vector<int> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const int value = std::atoi(text.substr(pos, comma - pos).c_str());
    if (value <= 0) return Fail(ErrorCode::kInvalidArgument, "--uploaders: e.g. 1,16,64");
    out.push_back(value);
    pos = comma + 1;
  }
  return out;
}

Result<Settings> ParseSettings(int argc, char** argv) {
  const std::vector<vigil::FlagSpec> specs = {
      {"latency-seconds", true, "length of scenario (a), offered load (default 30)"},
      {"cameras", true, "cameras in scenario (a) (default 200)"},
      {"interval", true, "seconds between one camera's clips in (a) (default 10)"},
      {"seconds", true, "length of each throughput run in (b) (default 6)"},
      {"uploaders", true, "uploader counts for (b) (default 1,16,64)"},
      {"dir", true, "scratch directory on the disk to measure (default: the temp dir)"},
      {"vigild", true, "vigild binary (default: next to this one)"},
      {"nginx", true, "nginx binary (default /usr/sbin/nginx)"},
      {"only", true, "'latency' or 'throughput'"},
      {"help", false, "show this help"}};
  std::vector<std::string> args(argv + 1, argv + argc);
  VIGIL_TRY(flags, vigil::ParseFlags(args, specs));
  if (flags.Has("help")) {
    std::printf("usage: vigil-bench-ingest [flags]\n%s", vigil::FlagsHelp(specs).c_str());
    std::exit(0);
  }
  Settings s;
  auto positive = [&](const char* name, int fallback) -> Result<int> {
    const auto value = flags.Get(name);
    if (!value) return fallback;
    const int parsed = std::atoi(value->c_str());
    if (parsed <= 0) {
      return Fail(ErrorCode::kInvalidArgument, std::string("--") + name + " takes a number > 0");
    }
    return parsed;
  };
  VIGIL_TRY(latency_seconds, positive("latency-seconds", s.latency_seconds));
  VIGIL_TRY(cameras, positive("cameras", static_cast<int>(s.cameras)));
  VIGIL_TRY(interval, positive("interval", s.interval_s));
  VIGIL_TRY(seconds, positive("seconds", s.throughput_seconds));
  s.latency_seconds = latency_seconds;
  s.cameras = static_cast<std::size_t>(cameras);
  s.interval_s = interval;
  s.throughput_seconds = seconds;
  if (auto list = flags.Get("uploaders")) {
    VIGIL_TRY(parsed, ParseList(*list));
    s.uploaders = parsed;
  }
  std::error_code ec;
  s.work_dir = flags.Get("dir") ? fs::path(*flags.Get("dir")) : fs::temp_directory_path(ec);
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  s.vigild_path = flags.Get("vigild").value_or((self.parent_path() / "vigild").string());
  s.nginx_path = flags.Get("nginx").value_or(s.nginx_path);
  if (auto only = flags.Get("only")) {
    if (*only != "latency" && *only != "throughput") {
      return Fail(ErrorCode::kInvalidArgument, "--only: 'latency' or 'throughput'");
    }
    s.skip_latency = *only == "throughput";
    s.skip_throughput = *only == "latency";
  }
  return s;
}

[[noreturn]] void Die(const vigil::Error& error) {
  std::fprintf(stderr, "vigil-bench-ingest: %s\n", error.ToString().c_str());
  std::exit(1);
}

template <class T>
T OrDie(Result<T> result) {
  if (!result) Die(result.error());
  return std::move(*result);
}

}  // namespace

int main(int argc, char** argv) {
  const Settings settings = OrDie(ParseSettings(argc, argv));
  std::vector<ClipBody> bodies;
  for (std::size_t i = 0; i < kDistinctBodies; ++i) {
    const vigil::Bytes random = vigil::crypto::RandomBytes(kClipBytes);
    const auto digest = vigil::crypto::Sha256(random);
    bodies.push_back({std::string(random.begin(), random.end()),
                      vigil::wire::BytesField(vigil::Bytes(digest.begin(), digest.end()))});
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  std::printf(
      "bench/ingest: 2 MiB clips into vigild vs nginx WebDAV PUT, same machine, same run\n");
  std::printf("(%s; %d cores shared by servers and load generator; scratch %s on %s;\n", date,
              cores, settings.work_dir.c_str(), FileSystemOf(settings.work_dir).c_str());
  std::printf(
      " MB = 10^6 bytes; latency = scheduled send (a) or send (b) -> reply to the last "
      "byte)\n\n");
  int run = 0;

  std::optional<RunResult> latency;
  if (!settings.skip_latency) {
    const double offered = static_cast<double>(settings.cameras) / settings.interval_s;
    std::printf(
        "(a) offered load: %zu cameras x one clip every %d s = %.1f clips/s (%.0f MB/s), "
        "%d s, open loop, vigild fsync on, TLS\n\n",
        settings.cameras, settings.interval_s, offered, offered * kClipBytes / 1e6,
        settings.latency_seconds);
    RunningServer server = OrDie(RunningServer::StartVigild(
        settings.work_dir, {settings.vigild_path, settings.cameras, /*fsync=*/true, /*tls=*/true}));
    latency = RunLatency("vigild, fsync on, https", server, run++, settings.cameras,
                         settings.interval_s, settings.latency_seconds, bodies);
    server.Stop();
    PrintHeader();
    PrintRow(*latency, std::nullopt);
    PrintErrors({*latency});
    std::printf("\n");
  }

  struct Variant {
    std::string name;
    bool nginx;
    bool fsync;
    bool tls;
  };
  const std::vector<Variant> variants = {{"nginx PUT, no fsync, http", true, false, false},
                                         {"vigild, fsync on, https", false, true, true},
                                         {"vigild, fsync off, https", false, false, true},
                                         {"vigild, fsync off, http", false, false, false}};
  std::vector<RunResult> throughput;
  std::vector<double> ratio_off_https, ratio_off_http;
  if (!settings.skip_throughput) {
    std::printf(
        "(b) maximum throughput: uploaders send back to back for %d s per row (closed "
        "loop); nginx: %d workers\n\n",
        settings.throughput_seconds, cores);
    PrintHeader();
    for (const int uploaders : settings.uploaders) {
      double nginx_mbps = 0;
      for (const Variant& v : variants) {
        auto server =
            v.nginx ? RunningServer::StartNginx(settings.work_dir, settings.nginx_path, cores)
                    : RunningServer::StartVigild(
                          settings.work_dir, {settings.vigild_path,
                                              static_cast<std::size_t>(uploaders), v.fsync, v.tls});
        if (!server) Die(server.error());
        RunResult r =
            RunThroughput(v.name, *server, run++, uploaders, settings.throughput_seconds, bodies);
        server->Stop();
        if (v.nginx) nginx_mbps = r.MegabytesPerSecond();
        std::optional<double> ratio;
        if (nginx_mbps > 0) ratio = r.MegabytesPerSecond() / nginx_mbps;
        if (!v.nginx && !v.fsync && ratio)
          (v.tls ? ratio_off_https : ratio_off_http).push_back(*ratio);
        PrintRow(r, ratio);
        throughput.push_back(std::move(r));
      }
    }
    PrintErrors(throughput);
    std::printf("\n");
  }

  if (latency) {
    const double p99 = latency->PercentileMs(0.99);
    const double offered = static_cast<double>(settings.cameras) / settings.interval_s;
    std::printf("verdict (a): p99 %.0f ms at %.1f clips/s offered, target < %.0f ms: %s\n", p99,
                offered, kLatencyTargetP99Ms,
                p99 < kLatencyTargetP99Ms && latency->errors == 0 ? "MET" : "NOT MET");
    // Below the offered rate the backlog grows for the whole run, and the
    // percentiles measure the run's length rather than the server.
    if (latency->ClipsPerSecond() < kSaturatedFraction * offered) {
      std::printf(
          "             saturated: %.1f of %.1f clips/s offered were served; the queue "
          "grew for the whole run\n",
          latency->ClipsPerSecond(), offered);
    }
  }
  if (!ratio_off_https.empty()) {
    auto list = [&](const std::vector<double>& ratios) {
      std::string text;
      for (std::size_t i = 0; i < ratios.size(); ++i) {
        char item[32];
        std::snprintf(item, sizeof(item), "%s%.2f@%d", i ? ", " : "", ratios[i],
                      settings.uploaders[i]);
        text += item;
      }
      return text;
    };
    const double worst = *std::min_element(ratio_off_https.begin(), ratio_off_https.end());
    std::printf(
        "verdict (b): vigild fsync off (https) / nginx (http) = %s; target >= %.1f at "
        "every count: %s (plain http: %s)\n",
        list(ratio_off_https).c_str(), kThroughputTargetRatio,
        worst >= kThroughputTargetRatio ? "MET" : "NOT MET", list(ratio_off_http).c_str());
  }
  return 0;
}

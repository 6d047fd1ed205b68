// SPDX-License-Identifier: Apache-2.0
// vigild: the Vigil service. Commands (../shared/design/CLI.md):
//   vigild init  --data DIR [--public-url URL]
//   vigild serve --data DIR [--listen HOST:PORT] [--insecure-http]
// Exit codes: 0 success, 1 failed operation, 2 bad usage.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "vigil/core/clock.h"
#include "vigil/core/flags.h"
#include "vigil/core/os_error.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/signing.h"
#include "vigil/net/certificate.h"
#include "vigil/net/http_server.h"
#include "vigil/net/observability.h"
#include "vigil/server/api.h"
#include "vigil/store/blob_store.h"
#include "vigil/store/sqlite_metadata_store.h"

namespace {

// The real clock, moved by a fixed offset: lets a test see retention expire
// without waiting days (--testing-clock-offset).
class OffsetClock final : public vigil::Clock {
 public:
  explicit OffsetClock(std::int64_t offset_s) : offset_s_(offset_s) {}
  std::int64_t NowUnixSeconds() const override { return real_.NowUnixSeconds() + offset_s_; }
  std::int64_t MonotonicMillis() const override { return real_.MonotonicMillis(); }

 private:
  vigil::RealClock real_;
  std::int64_t offset_s_;
};

using vigil::Bytes;
using vigil::ErrorCode;
using vigil::Fail;
using vigil::Result;
using vigil::Status;
namespace crypto = vigil::crypto;

constexpr char kUsage[] =
    "usage: vigild init --data DIR [--public-url URL]\n"
    "       vigild serve --data DIR [--listen HOST:PORT] [--insecure-http]\n";

struct Paths {
  std::string data;
  std::string Db() const { return data + "/metadata.db"; }
  std::string Blobs() const { return data + "/blobs"; }
  std::string ServerKey() const { return data + "/server.key"; }
  std::string Cert() const { return data + "/tls/cert.pem"; }
  std::string TlsKey() const { return data + "/tls/key.pem"; }
  std::string LogKey() const { return data + "/log.key"; }
  std::string LogVkey() const { return data + "/log.vkey"; }
};

// Writes `bytes` to a new file with `mode`, fsyncs it; refuses to overwrite.
Status WriteNewFile(const std::string& path, vigil::ByteSpan bytes, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Fail(vigil::FromErrno(errno, "create " + path));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return Fail(vigil::FromErrno(e, "write " + path));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    return Fail(vigil::FromErrno(e, "fsync " + path));
  }
  ::close(fd);
  return vigil::OkStatus();
}

Result<Bytes> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, "cannot read " + path);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// The C2SP signed-note verifier key: name+hex(keyhash)+base64(0x01 || key),
// keyhash = first 4 bytes of SHA-256(name || "\n" || 0x01 || key).
std::string VerifierKey(const std::string& name, vigil::ByteSpan public_key) {
  Bytes typed = {0x01};
  vigil::Append(typed, public_key);
  Bytes hashed(name.begin(), name.end());
  hashed.push_back('\n');
  vigil::Append(hashed, typed);
  const auto digest = crypto::Sha256(hashed);
  return name + "+" + vigil::HexEncode(vigil::ByteSpan(digest).first(4)) + "+" +
         vigil::Base64Encode(typed);
}

std::string HostOf(const std::string& url) {
  std::string rest = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
  return rest.substr(0, rest.find_first_of(":/"));
}

int Init(const vigil::ParsedFlags& flags) {
  auto data = flags.Require("data");
  if (!data) {
    std::fprintf(stderr, "vigild: %s\n%s", data.error().message.c_str(), kUsage);
    return 2;
  }
  const Paths paths{*data};
  const std::string public_url = flags.Get("public-url").value_or("https://localhost:8443");
  std::error_code ec;
  if (std::filesystem::exists(paths.ServerKey(), ec)) {
    std::fprintf(stderr, "vigild: %s is already initialised\n", paths.data.c_str());
    return 1;
  }
  std::filesystem::create_directories(paths.data + "/tls", ec);
  if (ec) {
    std::fprintf(stderr, "vigild: cannot create %s: %s\n", paths.data.c_str(),
                 ec.message().c_str());
    return 1;
  }
  std::filesystem::permissions(paths.data, std::filesystem::perms::owner_all, ec);
  auto fail = [](const vigil::Error& e) {
    std::fprintf(stderr, "vigild: %s\n", e.ToString().c_str());
    return 1;
  };
  const crypto::SecretBytes server_secret =
      crypto::SecretBytes::Random(vigil::server::kServerSecretBytes);
  if (auto s = WriteNewFile(paths.ServerKey(),
                            server_secret.Reveal(crypto::InsecureSecretAccess::Get()), 0600);
      !s) {
    return fail(s.error());
  }
  const crypto::SigningKey log_key = crypto::SigningKey::Generate();
  if (auto s = WriteNewFile(paths.LogKey(),
                            log_key.seed().Reveal(crypto::InsecureSecretAccess::Get()), 0600);
      !s) {
    return fail(s.error());
  }
  const std::string vkey = VerifierKey(HostOf(public_url) + "/log", log_key.verify_key().bytes());
  if (auto s = WriteNewFile(paths.LogVkey(), vigil::AsBytes(vkey + "\n"), 0644); !s)
    return fail(s.error());
  std::vector<std::string> hostnames = {"localhost", "127.0.0.1", "::1"};
  if (HostOf(public_url) != "localhost") hostnames.push_back(HostOf(public_url));
  vigil::net::SelfSignedCertificateOptions cert{paths.Cert(), paths.TlsKey(), hostnames};
  if (auto s = vigil::net::CreateSelfSignedCertificate(cert); !s) return fail(s.error());
  auto db = vigil::store::SqliteMetadataStore::Open(paths.Db());
  if (!db) return fail(db.error());
  auto blobs = vigil::store::LocalBlobStore::Open(paths.Blobs());
  if (!blobs) return fail(blobs.error());
  std::printf("initialised %s\n", paths.data.c_str());
  std::printf("TLS certificate (give it to clients with --ca): %s\n", paths.Cert().c_str());
  std::printf("log verifier key (%s):\n%s\n", paths.LogVkey().c_str(), vkey.c_str());
  return 0;
}

// The integer value of --name in [min, max], or `fallback` when absent; a
// malformed or out-of-range value is a usage error (printed; nullopt).
std::optional<std::int64_t> IntegerFlag(const vigil::ParsedFlags& flags, const char* name,
                                        std::int64_t fallback, std::int64_t min, std::int64_t max) {
  const auto text = flags.Get(name);
  if (!text) return fallback;
  std::int64_t value = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end || value < min || value > max) {
    std::fprintf(stderr, "vigild: --%s takes an integer in %lld..%lld, not '%s'\n", name,
                 static_cast<long long>(min), static_cast<long long>(max), text->c_str());
    return std::nullopt;
  }
  return value;
}

int Serve(const vigil::ParsedFlags& flags) {
  auto data = flags.Require("data");
  if (!data) {
    std::fprintf(stderr, "vigild: %s\n%s", data.error().message.c_str(), kUsage);
    return 2;
  }
  const Paths paths{*data};
  const std::string listen = flags.Get("listen").value_or("127.0.0.1:8443");
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "vigild: --listen takes HOST:PORT\n");
    return 2;
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
  }
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "vigild: --listen: bad port in %s\n", listen.c_str());
    return 2;
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const auto sweep_every_s = IntegerFlag(flags, "sweep-every", 60, 1, 86400);
  const auto clock_offset_s =
      IntegerFlag(flags, "testing-clock-offset", 0, -3153600000, 3153600000);
  const auto threads = IntegerFlag(flags, "threads", std::max(8, 4 * cores), 1, 256);
  if (!sweep_every_s || !clock_offset_s || !threads) return 2;
  auto fail = [](const vigil::Error& e) {
    std::fprintf(stderr, "vigild: %s\n", e.ToString().c_str());
    return 1;
  };
  auto secret_bytes = ReadFile(paths.ServerKey());
  if (!secret_bytes || secret_bytes->size() != vigil::server::kServerSecretBytes) {
    std::fprintf(stderr, "vigild: %s is not an initialised data directory (run vigild init)\n",
                 paths.data.c_str());
    return 1;
  }
  const crypto::SecretBytes server_secret(*secret_bytes, crypto::InsecureSecretAccess::Get());
  crypto::Wipe(*secret_bytes);
  auto db = vigil::store::SqliteMetadataStore::Open(paths.Db());
  if (!db) return fail(db.error());
  // --unsafe-no-fsync (benchmarks only): blobs are not fsync'd; SQLite keeps synchronous=FULL.
  const bool no_fsync = flags.Has("unsafe-no-fsync");
  if (no_fsync) {
    std::fprintf(stderr,
                 "vigild: WARNING: --unsafe-no-fsync: acknowledged clips can be lost on a crash "
                 "(benchmarks only)\n");
  }
  auto blobs = vigil::store::LocalBlobStore::Open(
      paths.Blobs(), no_fsync ? vigil::store::LocalBlobStore::Durability::kUnsafeNoFsync
                              : vigil::store::LocalBlobStore::Durability::kFsync);
  if (!blobs) return fail(blobs.error());
  // A crash between blob rename and row insert leaves an orphan: drop it.
  if (auto orphans = vigil::store::RemoveOrphanBlobs(**blobs, **db); !orphans) {
    return fail(orphans.error());
  }

  if (*clock_offset_s != 0) {
    std::fprintf(stderr,
                 "vigild: WARNING: clock moved by %lld s (--testing-clock-offset, tests only)\n",
                 static_cast<long long>(*clock_offset_s));
  }
  const OffsetClock clock(*clock_offset_s);
  vigil::server::Api api(vigil::server::Services{**db, **blobs, clock, server_secret});
  vigil::net::ServerOptions options;
  options.host = host;
  options.port = static_cast<std::uint16_t>(port);
  options.insecure_plain_http = flags.Has("insecure-http");
  // Handlers block on fsync (blobs, SQLite): more threads than cores keep the
  // disk busy with several uploads while others wait on it.
  options.threads = static_cast<int>(*threads);
  if (!options.insecure_plain_http) {
    options.certificate_pem_path = paths.Cert();
    options.private_key_pem_path = paths.TlsKey();
  }
  options.route_limits = [&api](const vigil::net::HttpRequest& header) {
    return api.LimitsFor(header);
  };
  options.logger = vigil::net::StderrJsonLogger();
  auto server = vigil::net::HttpServer::Create(
      options,
      [&api](const vigil::net::HttpRequest& request, const vigil::net::PeerInfo& peer) {
        return api.Handle(request, peer);
      },
      [&api](const vigil::net::HttpRequest& request, const vigil::net::PeerInfo& peer) {
        return api.AuthorizeWebSocket(request, peer);
      });
  if (!server) return fail(server.error());
  api.Attach(&(*server)->hub(), &(*server)->metrics());
  (*server)->StopOnSignals();
  std::printf("listening on %s\n", (*server)->url().c_str());
  std::fflush(stdout);
  // Retention, stale uploads and expired pairing offers, every sweep_every_s.
  std::mutex sweep_mutex;
  std::condition_variable sweep_wake;
  bool stopping = false;
  std::thread sweeper([&] {
    std::unique_lock lock(sweep_mutex);
    while (!stopping) {
      lock.unlock();
      if (auto swept = api.Sweep(); !swept) {
        std::fprintf(stderr, "vigild: retention sweep failed: %s\n",
                     swept.error().ToString().c_str());
      } else if (swept->expired_clips + swept->stale_uploads > 0) {
        std::fprintf(stderr,
                     "vigild: retention sweep removed %lld expired clips, %lld stale uploads\n",
                     static_cast<long long>(swept->expired_clips),
                     static_cast<long long>(swept->stale_uploads));
      }
      lock.lock();
      sweep_wake.wait_for(lock, std::chrono::seconds(*sweep_every_s), [&] { return stopping; });
    }
  });
  auto ran = (*server)->Run();
  {
    std::lock_guard lock(sweep_mutex);
    stopping = true;
  }
  sweep_wake.notify_all();
  sweeper.join();
  if (!ran) return fail(ran.error());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::printf("%s", kUsage);
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  const std::vector<vigil::FlagSpec> specs = {
      {"data", true, "data directory (database, blobs, keys)"},
      {"public-url", true, "the URL clients use (init)"},
      {"listen", true, "HOST:PORT to listen on (serve; default 127.0.0.1:8443)"},
      {"insecure-http", false, "serve plain HTTP (tests behind a trusted proxy only)"},
      {"unsafe-no-fsync", false, "do not fsync clip blobs (serve; benchmarks only, loses data)"},
      {"threads", true, "worker threads (serve; default max(8, 4 x cores))"},
      {"sweep-every", true, "seconds between retention sweeps (serve; default 60)"},
      {"testing-clock-offset", true, "seconds added to the clock (tests of retention only)"},
      {"help", false, "show this help"}};
  auto flags = vigil::ParseFlags(args, specs);
  if (!flags) {
    std::fprintf(stderr, "vigild: %s\n", flags.error().message.c_str());
    return 2;
  }
  if (flags->Has("help")) {
    std::printf("%s\n%s", kUsage, vigil::FlagsHelp(specs).c_str());
    return 0;
  }
  if (command == "init") return Init(*flags);
  if (command == "serve") return Serve(*flags);
  std::fprintf(stderr, "vigild: unknown command '%s'\n%s", command.c_str(), kUsage);
  return 2;
}

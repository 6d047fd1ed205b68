// SPDX-License-Identifier: Apache-2.0
#include "servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <thread>

#include "vigil/core/os_error.h"
#include "vigil/crypto/hash.h"
#include "vigil/store/sqlite_metadata_store.h"

extern char** environ;

namespace vigil::bench {
namespace {

namespace fs = std::filesystem;

constexpr auto kStartTimeout = std::chrono::seconds(30);
constexpr auto kStopTimeout = std::chrono::seconds(10);
constexpr char kAccountId[] = "acct_bench000";
constexpr char kHouseholdId[] = "hh_bench0000";

// A fresh, empty directory below `parent`.
Result<fs::path> MakeScratch(const fs::path& parent, std::string_view what) {
  static std::atomic<int> counter{0};
  const fs::path dir = parent / ("vigil-bench-ingest-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(counter++) + "-" + std::string(what));
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec)
    return Fail(ErrorCode::kFailedPrecondition, "create " + dir.string() + ": " + ec.message());
  return dir;
}

// Starts `argv` with stdin closed, stderr appended to `log_path` and stdout
// either to the same log or, when `stdout_pipe` is set, to a new pipe whose
// read end is stored there.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const fs::path& log_path,
                    int* stdout_pipe) {
  int pipe_fds[2] = {-1, -1};
  if (stdout_pipe != nullptr && ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Fail(FromErrno(errno, "pipe"));
  }
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0600);
  if (stdout_pipe != nullptr) {
    ::posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  } else {
    ::posix_spawn_file_actions_adddup2(&actions, 2, 1);
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  if (stdout_pipe != nullptr) ::close(pipe_fds[1]);
  if (rc != 0) {
    if (stdout_pipe != nullptr) ::close(pipe_fds[0]);
    return Fail(FromErrno(rc, "spawn " + argv[0]));
  }
  if (stdout_pipe != nullptr) *stdout_pipe = pipe_fds[0];
  return pid;
}

// Waits for `pid` up to `timeout`; its exit status, or nullopt if it still runs.
std::optional<int> WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string Tail(const fs::path& log_path) {
  std::ifstream in(log_path);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
}

// Reads `fd` until a line starting with `prefix`; returns the rest of it.
Result<std::string> ReadLineAfter(int fd, std::string_view prefix) {
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  std::string buffer;
  for (;;) {
    for (std::size_t end; (end = buffer.find('\n')) != std::string::npos;) {
      std::string line = buffer.substr(0, end);
      buffer.erase(0, end + 1);
      if (line.starts_with(prefix)) return line.substr(prefix.size());
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Fail(ErrorCode::kDeadlineExceeded, "server did not start");
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char chunk[512];
    const ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Fail(ErrorCode::kUnavailable, "server exited before listening");
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

// A TCP port that was free a moment ago on 127.0.0.1 (for nginx, which cannot
// report an ephemeral port).
Result<int> FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(FromErrno(errno, "socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int e = errno;
    ::close(fd);
    return Fail(FromErrno(e, "bind 127.0.0.1:0"));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool CanConnect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// One account, one household without quota and `cameras` cameras, written
// straight into the store before vigild opens it. Returns the credentials.
Result<std::vector<std::string>> Provision(const fs::path& db_path, std::size_t cameras) {
  auto db = store::SqliteMetadataStore::Open(db_path.string());
  if (!db) return Fail(db.error());
  const std::int64_t now = std::time(nullptr);
  const store::Audit audit{now, kAccountId, "bench/ingest"};
  store::AccountRecord account;
  account.account_id = kAccountId;
  account.email = "bench@example.com";
  account.account_salt = Bytes(store::kAccountSaltBytes, 1);
  account.argon2_time_cost = 3;
  account.argon2_memory_kib = 65536;
  account.auth_verifier = Bytes(store::kHashBytes, 2);
  account.wrapped_keyring = Bytes(80, 3);
  account.recovery_wrapped_keyring = Bytes(80, 4);
  account.created_unix_s = now;
  if (auto s = (*db)->CreateAccount(account, audit); !s) return Fail(s.error());
  store::HouseholdRecord household;
  household.household_id = kHouseholdId;
  household.owner_account_id = kAccountId;
  household.epoch = 1;
  household.quota_bytes = std::nullopt;  // unlimited
  household.created_unix_s = now;
  if (auto s = (*db)->CreateHousehold(household, audit); !s) return Fail(s.error());
  if (auto s = (*db)->SetHouseholdQuota(kHouseholdId, std::nullopt, audit); !s) {
    return Fail(s.error());
  }
  std::vector<std::string> credentials;
  for (std::size_t i = 0; i < cameras; ++i) {
    char id[32];
    std::snprintf(id, sizeof(id), "cam_b%07zu", i);
    const std::string credential = "bench-camera-credential-" + std::to_string(i);
    const auto hash = crypto::Sha256(AsBytes(credential));
    store::CameraRecord camera;
    camera.camera_id = id;
    camera.household_id = kHouseholdId;
    camera.name = "bench";
    camera.sign_public_key = Bytes(32, 7);
    for (std::size_t b = 0; b < sizeof(i); ++b) {
      camera.sign_public_key[b] = static_cast<std::uint8_t>(i >> (8 * b));
    }
    camera.credential_hash = Bytes(hash.begin(), hash.end());
    camera.retention_days = std::nullopt;
    camera.created_unix_s = now;
    if (auto s = (*db)->CreateCamera(camera, audit); !s) return Fail(s.error());
    credentials.push_back(credential);
  }
  return credentials;
}

// utime + stime of /proc/<pid>/stat, and its parent pid.
bool ReadStat(const std::string& stat_path, pid_t* ppid, double* cpu_s) {
  std::ifstream in(stat_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  if (paren == std::string::npos) return false;
  std::istringstream fields(text.substr(paren + 1));
  std::vector<std::string> tokens;
  for (std::string token; fields >> token;) tokens.push_back(token);
  // tokens[0] is field 3 (state); ppid is field 4, utime 14, stime 15.
  if (tokens.size() < 13) return false;
  *ppid = static_cast<pid_t>(std::stol(tokens[1]));
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  *cpu_s = (std::stod(tokens[11]) + std::stod(tokens[12])) / ticks;
  return true;
}

}  // namespace

Result<RunningServer> RunningServer::StartVigild(const fs::path& parent,
                                                 const VigildOptions& options) {
  RunningServer server;
  server.kind_ = ServerKind::kVigild;
  VIGIL_TRY(dir, MakeScratch(parent, "vigild"));
  server.dir_ = dir;
  const fs::path data = dir / "data";
  const fs::path log = dir / "vigild.log";
  VIGIL_TRY(init_pid, Spawn({options.vigild_path, "init", "--data", data.string()}, log, nullptr));
  const auto init_status = WaitFor(init_pid, kStartTimeout);
  if (!init_status || !WIFEXITED(*init_status) || WEXITSTATUS(*init_status) != 0) {
    return Fail(ErrorCode::kInternal, "vigild init failed:\n" + Tail(log));
  }
  VIGIL_TRY(credentials, Provision(data / "metadata.db", options.cameras));
  server.credentials_ = std::move(credentials);

  std::vector<std::string> argv = {options.vigild_path, "serve",    "--data",
                                   data.string(),       "--listen", "127.0.0.1:0"};
  if (!options.tls) argv.push_back("--insecure-http");
  if (!options.fsync) argv.push_back("--unsafe-no-fsync");
  int out = -1;
  VIGIL_TRY(pid, Spawn(argv, log, &out));
  server.pid_ = pid;
  auto url = ReadLineAfter(out, "listening on ");
  ::close(out);
  if (!url) return Fail(url.error().code, url.error().message + ":\n" + Tail(log));
  server.base_url_ = *url;
  if (options.tls) server.ca_pem_path_ = (data / "tls" / "cert.pem").string();
  return server;
}

Result<RunningServer> RunningServer::StartNginx(const fs::path& parent,
                                                const std::string& nginx_path, int workers) {
  RunningServer server;
  server.kind_ = ServerKind::kNginx;
  VIGIL_TRY(dir, MakeScratch(parent, "nginx"));
  server.dir_ = dir;
  std::error_code ec;
  fs::create_directories(dir / "www" / "clips", ec);
  fs::create_directories(dir / "body_temp", ec);
  if (ec) return Fail(ErrorCode::kFailedPrecondition, "create nginx dirs: " + ec.message());
  VIGIL_TRY(port, FreePort());
  // The body is spooled to client_body_temp_path, then renamed into root: both
  // on the file system under test, as vigild's tmp/ and blob directories are.
  std::ostringstream conf;
  conf << "daemon off;\n"
       << "master_process on;\n"
       << "worker_processes " << workers << ";\n"
       << (::geteuid() == 0 ? "user root;\n" : "") << "pid " << (dir / "nginx.pid").string()
       << ";\n"
       << "error_log " << (dir / "error.log").string() << " warn;\n"
       << "events { worker_connections 1024; }\n"
       << "http {\n"
       << "  access_log off;\n"
       << "  client_body_temp_path " << (dir / "body_temp").string() << ";\n"
       << "  client_max_body_size 16m;\n"
       << "  client_body_buffer_size 16m;\n"
       << "  keepalive_requests 100000;\n"
       << "  server {\n"
       << "    listen 127.0.0.1:" << port << ";\n"
       << "    root " << (dir / "www").string() << ";\n"
       << "    location /clips/ {\n"
       << "      dav_methods PUT;\n"
       << "      dav_access user:rw;\n"
       << "    }\n"
       << "  }\n"
       << "}\n";
  const fs::path conf_path = dir / "nginx.conf";
  std::ofstream(conf_path) << conf.str();
  const fs::path log = dir / "nginx.log";
  VIGIL_TRY(pid, Spawn({nginx_path, "-c", conf_path.string(), "-p", dir.string() + "/", "-e",
                        (dir / "error.log").string()},
                       log, nullptr));
  server.pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!CanConnect(port)) {
    if (WaitFor(pid, std::chrono::milliseconds(0)).has_value()) {
      server.pid_ = -1;
      return Fail(ErrorCode::kInternal, "nginx exited:\n" + Tail(log) + Tail(dir / "error.log"));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Fail(ErrorCode::kDeadlineExceeded, "nginx did not start:\n" + Tail(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  server.base_url_ = "http://127.0.0.1:" + std::to_string(port);
  return server;
}

RunningServer::RunningServer(RunningServer&& other) noexcept
    : kind_(other.kind_),
      pid_(other.pid_),
      dir_(std::move(other.dir_)),
      base_url_(std::move(other.base_url_)),
      ca_pem_path_(std::move(other.ca_pem_path_)),
      credentials_(std::move(other.credentials_)) {
  other.pid_ = -1;
  other.dir_.clear();
}

RunningServer::~RunningServer() { Stop(); }

void RunningServer::Stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (!WaitFor(pid_, kStopTimeout)) {
      ::kill(pid_, SIGKILL);
      (void)WaitFor(pid_, kStopTimeout);
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
    ::sync();
  }
}

double RunningServer::CpuSeconds() const {
  if (pid_ <= 0) return 0;
  double total = 0;
  pid_t ppid = 0;
  double cpu = 0;
  if (ReadStat("/proc/" + std::to_string(pid_) + "/stat", &ppid, &cpu)) total += cpu;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (ReadStat(entry.path().string() + "/stat", &ppid, &cpu) && ppid == pid_) total += cpu;
  }
  return total;
}

}  // namespace vigil::bench

// SPDX-License-Identifier: Apache-2.0
#pragma once

// bench/ingest: the two servers under test, each a child process in its own
// scratch directory: vigild (provisioned with one household and N cameras
// before it starts) and the nginx WebDAV reference.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "vigil/core/result.h"

namespace vigil::bench {

enum class ServerKind { kNginx, kVigild };

struct VigildOptions {
  std::string vigild_path;  // the vigild binary
  std::size_t cameras = 1;  // one credential per camera
  bool fsync = true;        // false: serve --unsafe-no-fsync
  bool tls = true;          // false: serve --insecure-http
};

// A server running as a child process. Stop() (or the destructor) ends it,
// removes its scratch directory and syncs the file system, so the next run
// starts without the previous one's dirty pages.
class RunningServer {
 public:
  // `parent` must be on the file system being measured; each server gets a
  // fresh directory below it.
  static Result<RunningServer> StartVigild(const std::filesystem::path& parent,
                                           const VigildOptions& options);
  static Result<RunningServer> StartNginx(const std::filesystem::path& parent,
                                          const std::string& nginx_path, int workers);

  RunningServer(RunningServer&& other) noexcept;
  RunningServer& operator=(RunningServer&&) = delete;
  RunningServer(const RunningServer&) = delete;
  ~RunningServer();

  ServerKind kind() const { return kind_; }
  const std::string& base_url() const { return base_url_; }  // "https://127.0.0.1:PORT"
  const std::string& ca_pem_path() const { return ca_pem_path_; }
  // Camera i's bearer credential (vigild only).
  const std::vector<std::string>& credentials() const { return credentials_; }
  // CPU seconds (user + system) used so far by the server process and its
  // direct children (nginx workers).
  double CpuSeconds() const;

  // SIGTERM, a bounded wait, then SIGKILL; then the directory is removed.
  void Stop();

 private:
  RunningServer() = default;

  ServerKind kind_ = ServerKind::kVigild;
  pid_t pid_ = -1;
  std::filesystem::path dir_;
  std::string base_url_;
  std::string ca_pem_path_;
  std::vector<std::string> credentials_;
};

}  // namespace vigil::bench

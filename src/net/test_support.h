// SPDX-License-Identifier: Apache-2.0
#pragma once

// Helpers for the net module's tests: temporary directories, certificates
// made with CreateSelfSignedCertificate, a server on a background thread, and
// raw loopback sockets for byte-level HTTP.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "vigil/net/http_server.h"

namespace vigil::net::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct CertFiles {
  std::string certificate;
  std::string key;
};
// A fresh self-signed certificate in `dir`, named `<name>.crt` / `<name>.key`.
CertFiles MakeCertificate(const TempDir& dir, std::string_view name);

// Runs `server->Run()` on a thread; the destructor stops and joins.
class RunningServer {
 public:
  explicit RunningServer(std::unique_ptr<HttpServer> server);
  ~RunningServer();
  HttpServer& operator*() { return *server_; }
  HttpServer* operator->() { return server_.get(); }
  // Stops and waits for Run() to return; returns how long that took.
  std::chrono::milliseconds StopAndJoin();

 private:
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

// A blocking TCP socket to 127.0.0.1:port.
class RawSocket {
 public:
  explicit RawSocket(std::uint16_t port);
  ~RawSocket();
  bool connected() const { return fd_ >= 0; }
  // False once the peer has closed or reset the connection.
  bool Send(std::string_view bytes);
  // Reads until EOF, reset or `timeout`.
  std::string ReadAll(std::chrono::milliseconds timeout);
  // True if the peer has closed the connection (non-blocking check).
  bool PeerClosed();

 private:
  int fd_ = -1;
};

// Waits for a WebSocket count to reach `n` (the hub registers asynchronously).
bool WaitForCount(const WebSocketHub& hub, std::string_view key, std::size_t n,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

}  // namespace vigil::net::testing

// SPDX-License-Identifier: Apache-2.0
#include "test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <gtest/gtest.h>

#include "vigil/net/certificate.h"

namespace vigil::net::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "vigil-net-XXXXXX").string();
  char* made = ::mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CertFiles MakeCertificate(const TempDir& dir, std::string_view name) {
  CertFiles files{(dir.path() / (std::string(name) + ".crt")).string(),
                  (dir.path() / (std::string(name) + ".key")).string()};
  auto s = CreateSelfSignedCertificate({files.certificate, files.key, {"vigil.test"}});
  EXPECT_TRUE(s.has_value()) << s.error().ToString();
  return files;
}

RunningServer::RunningServer(std::unique_ptr<HttpServer> server) : server_(std::move(server)) {
  thread_ = std::thread([this] { EXPECT_TRUE(server_->Run().has_value()); });
}

RunningServer::~RunningServer() {
  if (thread_.joinable()) StopAndJoin();
}

std::chrono::milliseconds RunningServer::StopAndJoin() {
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  thread_.join();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

RawSocket::RawSocket(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
  int one = 1;
  if (fd_ >= 0) ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawSocket::~RawSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawSocket::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string RawSocket::ReadAll(std::chrono::milliseconds timeout) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

bool RawSocket::PeerClosed() {
  char buf[256];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  }
}

bool WaitForCount(const WebSocketHub& hub, std::string_view key, std::size_t n,
                  std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (hub.Count(key) == n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return hub.Count(key) == n;
}

}  // namespace vigil::net::testing

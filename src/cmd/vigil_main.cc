// SPDX-License-Identifier: Apache-2.0
// vigil: the owner's command-line client (../shared/design/CLI.md).
// Exit codes: 0 success, 1 refused or failed operation, 2 bad usage.
// Errors are one line on stderr; --json prints one JSON document on stdout.

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "vigil/client/owner_client.h"
#include "vigil/core/flags.h"
#include "vigil/wire/json.h"

namespace {

using vigil::Result;
namespace crypto = vigil::crypto;

constexpr char kUsage[] = R"(usage: vigil [--server URL] [--profile NAME] [--ca FILE] COMMAND ...
  account create --email E --kit FILE [--password-stdin]
  account delete [--password-stdin]
  login --email E [--kit FILE] [--password-stdin]
  logout
  password change [--password-stdin]     (stdin: current password, then the new one)
  login ... --totp CODE                   (when TOTP is on)
  totp enable [--code CODE]              (prints the otpauth:// URI; asks for the code)
  totp disable [--password-stdin]
  sessions list [--json]
  sessions revoke ID | sessions revoke --others
)";

const std::vector<vigil::FlagSpec> kFlags = {
    {"server", true, "vigild URL (remembered in the profile)"},
    {"profile", true, "profile name (default: default); state under $VIGIL_HOME"},
    {"ca", true, "CA certificate (PEM) to pin for the server"},
    {"email", true, "account email"},
    {"kit", true, "recovery kit file"},
    {"password-stdin", false, "read passwords from stdin, one per line"},
    {"json", false, "print one JSON document"},
    {"others", false, "with sessions revoke: every session but this one"},
    {"totp", true, "one-time code from the authenticator (login)"},
    {"code", true, "one-time code (totp enable), instead of asking"},
    {"help", false, "show this help"},
};

int UsageError(const std::string& message) {
  std::fprintf(stderr, "vigil: %s\n", message.c_str());
  std::fprintf(stderr, "%s", kUsage);
  return 2;
}

int Failed(const vigil::Error& error) {
  std::fprintf(stderr, "vigil: %s\n", error.message.c_str());
  return 1;
}

// Reads passwords: from stdin lines with --password-stdin, else from the
// terminal with echo off.
class PasswordReader {
 public:
  explicit PasswordReader(bool from_stdin) : from_stdin_(from_stdin) {}

  Result<crypto::SecretBytes> Read(const char* prompt) {
    std::string line;
    if (from_stdin_) {
      if (!std::getline(std::cin, line)) {
        return vigil::Fail(vigil::ErrorCode::kInvalidArgument, "expected a password on stdin");
      }
    } else {
      if (!isatty(STDIN_FILENO)) {
        return vigil::Fail(vigil::ErrorCode::kInvalidArgument,
                           "no terminal to ask for the password: use --password-stdin");
      }
      std::fprintf(stderr, "%s", prompt);
      termios old_mode{};
      tcgetattr(STDIN_FILENO, &old_mode);
      termios quiet = old_mode;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
      std::getline(std::cin, line);
      tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
      std::fprintf(stderr, "\n");
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return vigil::Fail(vigil::ErrorCode::kInvalidArgument, "empty password");
    crypto::SecretBytes secret(vigil::AsBytes(line), crypto::InsecureSecretAccess::Get());
    std::fill(line.begin(), line.end(), '\0');
    return secret;
  }

 private:
  bool from_stdin_;
};

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
  const std::string command = words[0] + (words.size() > 1 ? " " + words[1] : "");
  const bool json = flags->Has("json");

  auto profile = vigil::client::LoadProfile(flags->Get("profile").value_or("default"));
  if (!profile) return Failed(profile.error());
  auto client = vigil::client::OwnerClient::Create(*profile, flags->Get("server").value_or(""),
                                                   flags->Get("ca").value_or(""));
  if (!client) return Failed(client.error());
  auto& c = **client;
  PasswordReader passwords(flags->Has("password-stdin"));

  if (command == "account create") {
    auto email = flags->Require("email");
    auto kit = flags->Require("kit");
    if (!email || !kit) return UsageError((!email ? email : kit).error().message);
    auto password = passwords.Read("new password: ");
    if (!password) return Failed(password.error());
    if (auto s = c.CreateAccount(*email, *password, *kit); !s) return Failed(s.error());
    std::printf("account created for %s; recovery kit written to %s (keep it offline)\n",
                email->c_str(), kit->c_str());
    return 0;
  }
  if (command == "account delete") {
    auto password = passwords.Read("password: ");
    if (!password) return Failed(password.error());
    auto blobs = c.DeleteAccount(*password);
    if (!blobs) return Failed(blobs.error());
    std::printf("account deleted: keyrings, key envelopes and %zu encrypted clips were destroyed\n",
                *blobs);
    return 0;
  }
  if (words[0] == "login") {
    auto email = flags->Require("email");
    if (!email) return UsageError(email.error().message);
    auto password = passwords.Read("password: ");
    if (!password) return Failed(password.error());
    if (auto s = c.Login(*email, *password, flags->Get("kit"), flags->Get("totp")); !s) {
      return Failed(s.error());
    }
    std::printf("logged in as %s\n", email->c_str());
    return 0;
  }
  if (words[0] == "logout") {
    if (auto s = c.Logout(); !s) return Failed(s.error());
    std::printf("logged out\n");
    return 0;
  }
  if (command == "totp enable") {
    const auto given = flags->Get("code");
    auto enabled = c.EnableTotp([&](const std::string& uri) -> Result<std::string> {
      std::printf("add this to your authenticator app:\n%s\n", uri.c_str());
      std::printf("enter the 6-digit code it shows: ");
      std::fflush(stdout);
      if (given) return *given;
      std::string code;
      if (!std::getline(std::cin, code) || code.empty()) {
        return vigil::Fail(vigil::ErrorCode::kInvalidArgument, "no code given");
      }
      return code;
    });
    if (!enabled) return Failed(enabled.error());
    std::printf("\nTOTP is on: logins now need a code\n");
    return 0;
  }
  if (command == "totp disable") {
    auto password = passwords.Read("password: ");
    if (!password) return Failed(password.error());
    if (auto s = c.DisableTotp(*password); !s) return Failed(s.error());
    std::printf("TOTP is off\n");
    return 0;
  }
  if (command == "password change") {
    auto old_password = passwords.Read("current password: ");
    if (!old_password) return Failed(old_password.error());
    auto new_password = passwords.Read("new password: ");
    if (!new_password) return Failed(new_password.error());
    auto ended = c.ChangePassword(*old_password, *new_password);
    if (!ended) return Failed(ended.error());
    std::printf("password changed; %zu other session(s) ended\n", *ended);
    return 0;
  }
  if (command == "sessions list") {
    auto sessions = c.ListSessions();
    if (!sessions) return Failed(sessions.error());
    if (json) {
      vigil::wire::Json out = vigil::wire::Json::array();
      for (const auto& s : *sessions) {
        out.push_back({{"id", s.id},
                       {"device_id", s.device_id},
                       {"created", s.created},
                       {"last_used", s.last_used},
                       {"source", s.source},
                       {"current", s.current}});
      }
      std::printf("%s\n", out.dump().c_str());
      return 0;
    }
    std::printf("%-18s %-22s %-21s %-21s %s\n", "ID", "DEVICE", "CREATED", "LAST USED", "SOURCE");
    for (const auto& s : *sessions) {
      std::printf("%-18s %-22s %-21s %-21s %s%s\n", s.id.c_str(), s.device_id.c_str(),
                  s.created.c_str(), s.last_used.c_str(), s.source.c_str(),
                  s.current ? "  (this device)" : "");
    }
    return 0;
  }
  if (command == "sessions revoke") {
    if (flags->Has("others")) {
      auto n = c.RevokeOtherSessions();
      if (!n) return Failed(n.error());
      std::printf("%zu other session(s) ended\n", *n);
      return 0;
    }
    if (words.size() != 3) return UsageError("sessions revoke takes an ID or --others");
    if (auto s = c.RevokeSession(words[2]); !s) return Failed(s.error());
    std::printf("session %s ended\n", words[2].c_str());
    return 0;
  }
  return UsageError("unknown command '" + command + "'");
}

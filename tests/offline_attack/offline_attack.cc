// SPDX-License-Identifier: Apache-2.0
// vigil-offline-attack: the thief's side of "offline guessing with the whole
// database" (vigild/vigil issue, "Done when"; docs/design/002-vigild.md §Keys).
// It reads a stolen copy of vigild's DATA/metadata.db with plain SQLite (as a
// thief would, not through the store), and optionally the stolen
// DATA/server.key, and runs a dictionary attack on one account's password:
// every candidate costs one Argon2id at the account's own cost, then is tried
// against the login verifier (needs server.key) and the wrapped keyring.
//
// Without the Account Secret Key the thief must also guess the ASK; each
// candidate is tried with --ask-guesses random ASKs and the all-zero one.
// With --kit (the owner's recovery kit, i.e. the ASK) it is the control run
// that proves the attack code finds a weak password when the ASK is known.
//
// Prints one JSON object: candidates, ask_guesses_per_candidate,
// verifier_matches[], keyring_opened_by[], seconds. Exit 0 when the attack
// ran (whatever it found), 1 on a refused input, 2 on bad usage.
// Used by tests/integration/test_offline_guessing.py.

#include <sqlite3.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "vigil/core/flags.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/password_kdf.h"
#include "vigil/seal/account_keys.h"
#include "vigil/seal/keyring.h"
#include "vigil/wire/json.h"

namespace {

using vigil::Bytes;
using vigil::ErrorCode;
using vigil::Fail;
using vigil::Result;
using vigil::crypto::InsecureSecretAccess;
using vigil::crypto::SecretBytes;

// The row as the thief reads it.
struct StolenAccount {
  std::string account_id;
  Bytes salt;
  vigil::crypto::Argon2idCost cost;
  Bytes auth_verifier;
  Bytes wrapped_keyring;
};

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, "cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Bytes Column(sqlite3_stmt* stmt, int i) {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, i));
  return Bytes(p, p + sqlite3_column_bytes(stmt, i));
}

Result<StolenAccount> ReadRow(const std::string& db_path, const std::string& email) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return Fail(ErrorCode::kNotFound, "cannot open " + db_path);
  }
  sqlite3_stmt* stmt = nullptr;
  const char* sql =
      "SELECT account_id, account_salt, argon2_time_cost, argon2_memory_kib, auth_verifier, "
      "wrapped_keyring FROM accounts WHERE email = ?";
  Result<StolenAccount> out = Fail(ErrorCode::kNotFound, "no account row for " + email);
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_text(stmt, 1, email.data(), static_cast<int>(email.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      out = StolenAccount{reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                          Column(stmt, 1),
                          {static_cast<std::uint32_t>(sqlite3_column_int64(stmt, 2)),
                           static_cast<std::uint32_t>(sqlite3_column_int64(stmt, 3))},
                          Column(stmt, 4),
                          Column(stmt, 5)};
    }
  } else {
    out = Fail(ErrorCode::kInvalidArgument,
               std::string("not a vigild database: ") + sqlite3_errmsg(db));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

Result<std::vector<std::string>> ReadDictionary(const std::string& path) {
  VIGIL_TRY(text, ReadFile(path));
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (words.empty()) return Fail(ErrorCode::kInvalidArgument, "the dictionary is empty");
  return words;
}

int Refused(const vigil::Error& error) {
  std::fprintf(stderr, "vigil-offline-attack: %s\n", error.message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<vigil::FlagSpec> specs = {
      {"db", true, "stolen copy of DATA/metadata.db"},
      {"server-key", true, "stolen copy of DATA/server.key (for the verifier)"},
      {"email", true, "the victim's email"},
      {"dictionary", true, "candidate passwords, one a line"},
      {"kit", true, "control run: the owner's recovery kit (holds the ASK)"},
      {"ask-guesses", true, "random ASK guesses per candidate without --kit (default 4)"},
  };
  auto flags = vigil::ParseFlags(std::vector<std::string>(argv + 1, argv + argc), specs);
  if (!flags || !flags->positionals().empty()) {
    std::fprintf(stderr,
                 "usage: vigil-offline-attack --db F --email E --dictionary F "
                 "[--server-key F] [--kit F] [--ask-guesses N]\n%s",
                 vigil::FlagsHelp(specs).c_str());
    return 2;
  }
  auto db = flags->Require("db");
  auto email = flags->Require("email");
  auto dictionary_path = flags->Require("dictionary");
  for (const auto* required : {&db, &email, &dictionary_path}) {
    if (!*required) return Refused(required->error());
  }
  auto row = ReadRow(*db, *email);
  if (!row) return Refused(row.error());
  auto dictionary = ReadDictionary(*dictionary_path);
  if (!dictionary) return Refused(dictionary.error());

  std::optional<SecretBytes> server_secret;
  if (auto key_path = flags->Get("server-key")) {
    auto key = ReadFile(*key_path);
    if (!key) return Refused(key.error());
    server_secret.emplace(vigil::AsBytes(*key), InsecureSecretAccess::Get());
  }

  // The ASKs to try with every candidate: the real one (control) or guesses.
  std::vector<vigil::seal::AccountSecretKey> asks;
  if (auto kit_path = flags->Get("kit")) {
    auto text = ReadFile(*kit_path);
    if (!text) return Refused(text.error());
    auto kit = vigil::wire::ParseObject(*text);
    if (!kit) return Refused(kit.error());
    auto ask_text = vigil::wire::RequireString(*kit, "account_secret_key", 8, 256);
    if (!ask_text) return Refused(ask_text.error());
    auto ask = vigil::seal::AccountSecretKey::Decode(*ask_text);
    if (!ask) return Refused(ask.error());
    asks.push_back(std::move(*ask));
  } else {
    std::uint64_t guesses = 4;
    if (auto n = flags->Get("ask-guesses")) {
      const auto [end, ec] = std::from_chars(n->data(), n->data() + n->size(), guesses);
      if (ec != std::errc() || end != n->data() + n->size() || guesses > 1000) {
        return Refused(vigil::Error{ErrorCode::kInvalidArgument, "--ask-guesses takes 0..1000"});
      }
    }
    asks.push_back(vigil::seal::AccountSecretKey::FromSecret(
                       SecretBytes::Zeroed(vigil::seal::kAccountSecretKeyBytes))
                       .value());
    for (std::uint64_t i = 0; i < guesses; ++i) {
      asks.push_back(vigil::seal::AccountSecretKey::Generate());
    }
  }

  const auto started = std::chrono::steady_clock::now();
  vigil::wire::Json verifier_matches = vigil::wire::Json::array();
  vigil::wire::Json keyring_opened_by = vigil::wire::Json::array();
  for (const std::string& word : *dictionary) {
    const SecretBytes password(vigil::AsBytes(word), InsecureSecretAccess::Get());
    // The expensive step, once per candidate, at the account's own cost.
    auto pw_key = vigil::crypto::Argon2id(password, row->salt, row->cost, 32);
    if (!pw_key) return Refused(pw_key.error());
    for (const auto& ask : asks) {
      auto keys =
          vigil::seal::internal::DeriveAccountKeysFromPasswordKey(*pw_key, ask, row->salt, *email);
      if (!keys) return Refused(keys.error());
      if (server_secret) {
        const auto mac = vigil::crypto::HmacSha256(*server_secret, keys->auth_key.ProofBytes());
        if (Bytes(mac.begin(), mac.end()) == row->auth_verifier) verifier_matches.push_back(word);
      }
      if (vigil::seal::UnwrapKeyring(row->wrapped_keyring, keys->kek, row->account_id)) {
        keyring_opened_by.push_back(word);
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const vigil::wire::Json report = {{"account_id", row->account_id},
                                    {"argon2_time_cost", row->cost.time_cost},
                                    {"argon2_memory_kib", row->cost.memory_kib},
                                    {"candidates", dictionary->size()},
                                    {"ask_guesses_per_candidate", asks.size()},
                                    {"verifier_checked", server_secret.has_value()},
                                    {"verifier_matches", verifier_matches},
                                    {"keyring_opened_by", keyring_opened_by},
                                    {"seconds", seconds}};
  std::printf("%s\n", report.dump().c_str());
  return 0;
}

// SPDX-License-Identifier: Apache-2.0
#include "vigil/store/sqlite_metadata_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "internal/schema.h"
#include "internal/sqlite.h"
#include "internal/temp_dir_for_test.h"

namespace vigil::store {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000;
constexpr std::int64_t kDay = 86400;

Bytes Fill(std::size_t size, std::uint8_t value) { return Bytes(size, value); }

Audit By(std::string actor, std::int64_t now = kT0) { return Audit{now, std::move(actor), ""}; }

AccountRecord Account(std::string id, std::string email) {
  return AccountRecord{std::move(id), std::move(email), Fill(16, 1), 3,
                       65536,         Fill(32, 2),      Fill(80, 3), Fill(80, 4),
                       kT0,           Fill(16, 5),      Fill(32, 6)};
}

SessionRecord Session(std::uint8_t seed, std::string account_id, std::string device = "dev-1") {
  return SessionRecord{Fill(32, seed), std::move(account_id), std::move(device), kT0, kT0,
                       "198.51.100.7"};
}

CameraRecord Camera(std::string id, std::string household, std::uint8_t seed) {
  return CameraRecord{std::move(id),
                      std::move(household),
                      "Front door",
                      Fill(32, seed),
                      Fill(32, static_cast<std::uint8_t>(seed + 100)),
                      std::nullopt,
                      kT0};
}

ClipRecord Clip(std::string id, std::string household, std::string camera, std::int64_t size,
                std::uint8_t digest_seed = 9) {
  ClipRecord clip;
  clip.clip_id = std::move(id);
  clip.household_id = std::move(household);
  clip.camera_id = std::move(camera);
  clip.start_unix_min = kT0 / 60;
  clip.duration_s = 20;
  clip.size_bytes = size;
  clip.sha256 = Fill(32, digest_seed);
  clip.sequence = 1;
  clip.envelope = Fill(100, 5);
  clip.declared_unix_s = kT0;
  return clip;
}

// Counts rows with a separate, raw connection (what an attacker with the file sees).
std::int64_t CountRows(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  const std::int64_t count = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return count;
}

void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

class SqliteMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto opened = SqliteMetadataStore::Open(Path());
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    store_ = std::move(*opened);
  }
  std::string Path() const { return dir_.Sub("vigil.db"); }

  // An account "acct-1" with household "hh-1" and camera "cam-1".
  void SeedHousehold(const std::string& suffix = "1") {
    ASSERT_TRUE(
        store_->CreateAccount(Account("acct-" + suffix, "owner" + suffix + "@example.org"), By("x"))
            .has_value());
    ASSERT_TRUE(store_
                    ->CreateHousehold(
                        HouseholdRecord{"hh-" + suffix, "acct-" + suffix, 1, std::nullopt, kT0},
                        By("acct-" + suffix))
                    .has_value());
    ASSERT_TRUE(store_
                    ->CreateCamera(Camera("cam-" + suffix, "hh-" + suffix,
                                          static_cast<std::uint8_t>(suffix[0])),
                                   By("acct-" + suffix))
                    .has_value());
  }
  void CommitClip(const ClipRecord& clip, std::int64_t received = kT0 + 10) {
    ASSERT_TRUE(store_->DeclareClip(clip).has_value());
    ASSERT_TRUE(store_->MarkClipCommitted(clip.clip_id, By(clip.camera_id, received)).has_value());
  }
  std::vector<std::string> Actions(JournalScope scope, const std::string& id) {
    const std::vector<JournalRecord> records = store_->List(scope, id, 0, 1000).value();
    std::vector<std::string> actions;
    actions.reserve(records.size());
    for (const JournalRecord& r : records) {
      actions.push_back(r.action);
    }
    return actions;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteMetadataStore> store_;
};

// --- Opening and migrations ---

TEST_F(SqliteMetadataStoreTest, AppliesEveryMigrationOnceAndReopeningIsIdempotent) {
  const int newest = internal::Migrations().back().version;
  EXPECT_EQ(store_->SchemaVersion().value(), newest);
  EXPECT_EQ(CountRows(Path(), "SELECT count(*) FROM schema_version"), newest);
  Reopen();
  Reopen();
  EXPECT_EQ(store_->SchemaVersion().value(), newest);
  EXPECT_EQ(CountRows(Path(), "SELECT count(*) FROM schema_version"), newest);
  // The versions are 1..n in order.
  int expected = 1;
  for (const internal::Migration& m : internal::Migrations()) EXPECT_EQ(m.version, expected++);
}

// A database written by a binary that knew only migration 001 opens, is
// migrated, and keeps its rows; its accounts have no recovery verifier.
TEST_F(SqliteMetadataStoreTest, MigratesAVersionOneDatabaseKeepingItsAccounts) {
  store_.reset();
  const std::string old_path = dir_.Sub("v1.db");
  std::string v1(internal::BootstrapSql());
  v1 += internal::Migrations()[0].sql;
  v1 +=
      "INSERT INTO schema_version VALUES (1, 'initial', 0);"
      "INSERT INTO accounts VALUES ('acct-old', 'old@example.org', zeroblob(16), 3, 65536, "
      "zeroblob(32), x'0102', x'0304', 5);";
  RawExec(old_path, v1);
  auto opened = SqliteMetadataStore::Open(old_path);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  EXPECT_EQ((*opened)->SchemaVersion().value(), internal::Migrations().back().version);
  const AccountRecord old = (*opened)->GetAccountById("acct-old").value();
  EXPECT_EQ(old.recovery_wrapped_keyring, (Bytes{3, 4}));
  EXPECT_EQ(old.recovery_salt, std::nullopt);
  EXPECT_EQ(old.recovery_verifier, std::nullopt);
  // New accounts carry both; a verifier without a salt is refused.
  AccountRecord half = Account("acct-new", "new@example.org");
  half.recovery_salt.reset();
  EXPECT_EQ((*opened)->CreateAccount(half, By("x")).error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE((*opened)->CreateAccount(Account("acct-new", "new@example.org"), By("x")));
  EXPECT_EQ((*opened)->GetAccountById("acct-new").value().recovery_verifier, Fill(32, 6));
}

TEST_F(SqliteMetadataStoreTest, UsesWriteAheadLogging) {
  EXPECT_EQ(CountRows(Path(), "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode='wal'"),
            1);
}

TEST_F(SqliteMetadataStoreTest, RefusesADatabaseFromANewerBinary) {
  store_.reset();
  RawExec(Path(), "INSERT INTO schema_version VALUES (999, 'future', 0)");
  auto opened = SqliteMetadataStore::Open(Path());
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(SqliteMetadataStoreTest, AFileThatIsNotADatabaseIsDataLoss) {
  { std::ofstream(dir_.Sub("junk.db")) << std::string(8192, 'j'); }
  auto opened = SqliteMetadataStore::Open(dir_.Sub("junk.db"));
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kDataLoss);
}

TEST(FromSqliteTest, MapsResultCodesToCanonicalCodes) {
  using internal::FromSqlite;
  EXPECT_EQ(FromSqlite(SQLITE_BUSY, "x").code, ErrorCode::kUnavailable);
  EXPECT_EQ(FromSqlite(SQLITE_BUSY_SNAPSHOT, "x").code, ErrorCode::kUnavailable);
  EXPECT_EQ(FromSqlite(SQLITE_LOCKED, "x").code, ErrorCode::kUnavailable);
  EXPECT_EQ(FromSqlite(SQLITE_CORRUPT, "x").code, ErrorCode::kDataLoss);
  EXPECT_EQ(FromSqlite(SQLITE_NOTADB, "x").code, ErrorCode::kDataLoss);
  EXPECT_EQ(FromSqlite(SQLITE_IOERR_FSYNC, "x").code, ErrorCode::kDataLoss);
  EXPECT_EQ(FromSqlite(SQLITE_FULL, "x").code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(FromSqlite(SQLITE_NOMEM, "x").code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(FromSqlite(SQLITE_CONSTRAINT_UNIQUE, "x").code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(FromSqlite(SQLITE_CONSTRAINT_PRIMARYKEY, "x").code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(FromSqlite(SQLITE_CONSTRAINT_CHECK, "x").code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(FromSqlite(SQLITE_CONSTRAINT_NOTNULL, "x").code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(FromSqlite(SQLITE_CONSTRAINT_FOREIGNKEY, "x").code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(FromSqlite(SQLITE_READONLY, "x").code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(FromSqlite(SQLITE_INTERRUPT, "x").code, ErrorCode::kCancelled);
  EXPECT_EQ(FromSqlite(SQLITE_MISUSE, "x").code, ErrorCode::kInternal);
  EXPECT_EQ(FromSqlite(SQLITE_FULL, "insert clip").message,
            "insert clip: database or disk is full");
}

TEST_F(SqliteMetadataStoreTest, ABusyDatabaseIsUnavailable) {
  // Another process (here: connection) holds the write lock longer than the
  // busy timeout.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(Path().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto impatient = SqliteMetadataStore::Open(Path(), /*busy_timeout_ms=*/50);
  ASSERT_TRUE(impatient.has_value()) << impatient.error().ToString();
  const Status created = (*impatient)->CreateAccount(Account("a", "a@example.org"), By("a"));
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, ErrorCode::kUnavailable);
  // Readers are not blocked by a writer in WAL mode.
  EXPECT_EQ((*impatient)->GetAccountById("a").error().code, ErrorCode::kNotFound);
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_TRUE((*impatient)->CreateAccount(Account("a", "a@example.org"), By("a")).has_value());
}

// --- Accounts ---

TEST_F(SqliteMetadataStoreTest, CreatesAndFindsAccounts) {
  const AccountRecord account = Account("acct-1", "alice@example.org");
  ASSERT_TRUE(store_->CreateAccount(account, By("acct-1")).has_value());
  EXPECT_EQ(store_->GetAccountByEmail("alice@example.org").value(), account);
  EXPECT_EQ(store_->GetAccountById("acct-1").value(), account);
  EXPECT_EQ(store_->GetAccountByEmail("bob@example.org").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetAccountById("acct-2").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Actions(JournalScope::kAccount, "acct-1"), std::vector<std::string>{"account.create"});
}

TEST_F(SqliteMetadataStoreTest, RefusesDuplicateAndMalformedAccounts) {
  ASSERT_TRUE(store_->CreateAccount(Account("acct-1", "alice@example.org"), By("x")).has_value());
  EXPECT_EQ(store_->CreateAccount(Account("acct-2", "alice@example.org"), By("x")).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateAccount(Account("acct-1", "other@example.org"), By("x")).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateAccount(Account("acct-3", "Upper@example.org"), By("x")).error().code,
            ErrorCode::kInvalidArgument);
  AccountRecord bad = Account("acct-4", "four@example.org");
  bad.auth_verifier = Fill(31, 0);
  EXPECT_EQ(store_->CreateAccount(bad, By("x")).error().code, ErrorCode::kInvalidArgument);
  bad = Account("acct-5", "five@example.org");
  bad.account_salt = Fill(15, 0);
  EXPECT_EQ(store_->CreateAccount(bad, By("x")).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateAccount(Account("", "six@example.org"), By("x")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      store_->CreateAccount(Account(std::string(65, 'a'), "s@example.org"), By("x")).error().code,
      ErrorCode::kInvalidArgument);
  // A journal record without an actor is refused, and with it the mutation.
  EXPECT_EQ(store_->CreateAccount(Account("acct-7", "seven@example.org"), By("")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->GetAccountById("acct-7").error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteMetadataStoreTest, UpdateCredentialsRevokesEveryOtherSessionAtomically) {
  ASSERT_TRUE(store_->CreateAccount(Account("acct-1", "a@example.org"), By("x")).has_value());
  ASSERT_TRUE(store_->CreateAccount(Account("acct-2", "b@example.org"), By("x")).has_value());
  for (std::uint8_t seed : {1, 2, 3}) {
    ASSERT_TRUE(store_->CreateSession(Session(seed, "acct-1"), By("dev-1")).has_value());
  }
  ASSERT_TRUE(store_->CreateSession(Session(9, "acct-2"), By("dev-9")).has_value());

  CredentialUpdate update{"acct-1",     Fill(16, 7),  4,           131072, Fill(32, 8), Fill(90, 9),
                          std::nullopt, std::nullopt, std::nullopt};
  // A malformed update changes nothing, sessions included.
  CredentialUpdate bad = update;
  bad.auth_verifier = Fill(31, 0);
  EXPECT_EQ(store_->UpdateCredentials(bad, Fill(32, 2), By("acct-1")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->ListSessions("acct-1").value().size(), 3u);
  EXPECT_EQ(store_->GetAccountById("acct-1").value(), Account("acct-1", "a@example.org"));

  auto revoked = store_->UpdateCredentials(update, Fill(32, 2), By("acct-1", kT0 + 5));
  ASSERT_TRUE(revoked.has_value()) << revoked.error().ToString();
  EXPECT_EQ(*revoked, (std::vector<Bytes>{Fill(32, 1), Fill(32, 3)}));
  const auto left = store_->ListSessions("acct-1").value();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].session_hash, Fill(32, 2));
  EXPECT_EQ(store_->LookupSession(Fill(32, 1)).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->LookupSession(Fill(32, 9)).has_value());  // another account's

  const AccountRecord after = store_->GetAccountById("acct-1").value();
  EXPECT_EQ(after.account_salt, Fill(16, 7));
  EXPECT_EQ(after.argon2_time_cost, 4u);
  EXPECT_EQ(after.argon2_memory_kib, 131072u);
  EXPECT_EQ(after.auth_verifier, Fill(32, 8));
  EXPECT_EQ(after.wrapped_keyring, Fill(90, 9));
  EXPECT_EQ(after.recovery_wrapped_keyring, Fill(80, 4));  // kept when not given
  EXPECT_EQ(after.recovery_salt, Fill(16, 5));
  EXPECT_EQ(after.recovery_verifier, Fill(32, 6));
  EXPECT_EQ(Actions(JournalScope::kAccount, "acct-1"),
            (std::vector<std::string>{"account.create", "session.create", "session.create",
                                      "session.create", "session.revoke", "session.revoke",
                                      "password.change"}));

  // Recovery: the recovery copy is replaced whole or not at all.
  update.recovery_wrapped_keyring = Fill(70, 6);
  EXPECT_EQ(store_->UpdateCredentials(update, {}, By("acct-1")).error().code,
            ErrorCode::kInvalidArgument);
  update.recovery_salt = Fill(16, 11);
  EXPECT_EQ(store_->UpdateCredentials(update, {}, By("acct-1")).error().code,
            ErrorCode::kInvalidArgument);
  update.recovery_verifier = Fill(31, 12);  // the column's CHECK
  EXPECT_EQ(store_->UpdateCredentials(update, {}, By("acct-1")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->ListSessions("acct-1").value().size(), 1u);
  // No session kept, every recovery field replaced.
  update.recovery_verifier = Fill(32, 12);
  EXPECT_EQ(store_->UpdateCredentials(update, {}, By("acct-1")).value().size(), 1u);
  EXPECT_TRUE(store_->ListSessions("acct-1").value().empty());
  const AccountRecord recovered = store_->GetAccountById("acct-1").value();
  EXPECT_EQ(recovered.recovery_wrapped_keyring, Fill(70, 6));
  EXPECT_EQ(recovered.recovery_salt, Fill(16, 11));
  EXPECT_EQ(recovered.recovery_verifier, Fill(32, 12));
  EXPECT_EQ(Actions(JournalScope::kAccount, "acct-1").back(), "account.recover");
  update.account_id = "nobody";
  EXPECT_EQ(store_->UpdateCredentials(update, {}, By("x")).error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteMetadataStoreTest, DeletingAnAccountRemovesEverythingAndReturnsItsClips) {
  SeedHousehold("1");
  SeedHousehold("2");
  ASSERT_TRUE(store_->SetTotp("acct-1", Fill(40, 1), By("acct-1")).has_value());
  ASSERT_TRUE(store_->CreateSession(Session(1, "acct-1"), By("dev-1")).has_value());
  ASSERT_TRUE(store_->CreateSession(Session(2, "acct-2"), By("dev-2")).has_value());
  ASSERT_TRUE(store_
                  ->AppendKeyChainVersion(
                      KeyChainVersion{"acct-1", 1, Fill(100, 1), Fill(64, 2), kT0}, By("acct-1"))
                  .has_value());
  ASSERT_TRUE(
      store_->PutKeyEnvelope(KeyEnvelopeRecord{"hh-1", "dev-1", 1, Fill(90, 1), kT0}, By("acct-1"))
          .has_value());
  ASSERT_TRUE(store_
                  ->CreatePairingOffer(PairingOffer{"pair-1", Fill(32, 11), Fill(32, 12),
                                                    Fill(32, 13), "Garage", kT0, kT0 + 600})
                  .has_value());
  ASSERT_TRUE(store_
                  ->ClaimPairing(PairingClaim{"pair-1", "hh-1", "cam-garage", Fill(32, 14),
                                              Fill(50, 15), "acct-1", kT0 + 1},
                                 "Garage", By("acct-1"))
                  .has_value());
  CommitClip(Clip("clip-a", "hh-1", "cam-1", 100));
  CommitClip(Clip("clip-b", "hh-1", "cam-garage", 100));
  ASSERT_TRUE(store_->DeclareClip(Clip("clip-c", "hh-1", "cam-1", 100)).has_value());
  CommitClip(Clip("clip-other", "hh-2", "cam-2", 100));

  auto clips = store_->DeleteAccount("acct-1", By("acct-1", kT0 + 50));
  ASSERT_TRUE(clips.has_value()) << clips.error().ToString();
  EXPECT_EQ(*clips, (std::vector<std::string>{"clip-a", "clip-b", "clip-c"}));

  // Nothing of acct-1 is left in any table (read through a second connection).
  for (const std::string sql : {
           "SELECT count(*) FROM accounts WHERE account_id = 'acct-1'",
           "SELECT count(*) FROM account_totp",
           "SELECT count(*) FROM sessions WHERE account_id = 'acct-1'",
           "SELECT count(*) FROM key_chain",
           "SELECT count(*) FROM households WHERE owner_account_id = 'acct-1'",
           "SELECT count(*) FROM household_key_envelopes",
           "SELECT count(*) FROM cameras WHERE household_id = 'hh-1'",
           "SELECT count(*) FROM pairing_offers",
           "SELECT count(*) FROM clips WHERE household_id = 'hh-1'",
       }) {
    EXPECT_EQ(CountRows(Path(), sql), 0) << sql;
  }
  // The other account is untouched.
  EXPECT_TRUE(store_->GetAccountById("acct-2").has_value());
  EXPECT_TRUE(store_->LookupSession(Fill(32, 2)).has_value());
  EXPECT_TRUE(store_->GetClip("clip-other").value().committed());
  // The journal keeps the ids, including the deletion itself.
  const auto records = store_->List(JournalScope::kAccount, "acct-1", 0, 1000).value();
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.back().action, "account.delete");
  EXPECT_EQ(records.back().time_unix_s, kT0 + 50);
  EXPECT_EQ(CountRows(Path(), "SELECT count(*) FROM security_journal WHERE detail LIKE '%@%'"), 0);
  EXPECT_EQ(store_->DeleteAccount("acct-1", By("acct-1")).error().code, ErrorCode::kNotFound);
}

// --- TOTP ---

TEST_F(SqliteMetadataStoreTest, TotpStepsAreAcceptedOnceAndOnlyForward) {
  ASSERT_TRUE(store_->CreateAccount(Account("acct-1", "a@example.org"), By("x")).has_value());
  EXPECT_EQ(store_->GetTotp("acct-1").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->AcceptTotpStep("acct-1", 100).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->SetTotp("nobody", Fill(40, 1), By("x")).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(store_->SetTotp("acct-1", Fill(40, 1), By("acct-1", kT0 + 3)).has_value());
  EXPECT_EQ(store_->GetTotp("acct-1").value(), (TotpState{Fill(40, 1), std::nullopt, kT0 + 3}));

  EXPECT_TRUE(store_->AcceptTotpStep("acct-1", 100).value());
  EXPECT_FALSE(store_->AcceptTotpStep("acct-1", 100).value());  // replay
  EXPECT_FALSE(store_->AcceptTotpStep("acct-1", 99).value());
  EXPECT_TRUE(store_->AcceptTotpStep("acct-1", 101).value());
  EXPECT_EQ(store_->GetTotp("acct-1").value().last_accepted_step, 101);

  // Re-enrolling keeps the high-water mark.
  ASSERT_TRUE(store_->SetTotp("acct-1", Fill(40, 2), By("acct-1")).has_value());
  EXPECT_FALSE(store_->AcceptTotpStep("acct-1", 101).value());
  ASSERT_TRUE(store_->ClearTotp("acct-1", By("acct-1")).has_value());
  EXPECT_EQ(store_->ClearTotp("acct-1", By("acct-1")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->AcceptTotpStep("acct-1", 200).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(
      Actions(JournalScope::kAccount, "acct-1"),
      (std::vector<std::string>{"account.create", "totp.enable", "totp.enable", "totp.disable"}));
}

TEST_F(SqliteMetadataStoreTest, ConcurrentTotpChecksAcceptAStepExactlyOnce) {
  ASSERT_TRUE(store_->CreateAccount(Account("acct-1", "a@example.org"), By("x")).has_value());
  ASSERT_TRUE(store_->SetTotp("acct-1", Fill(40, 1), By("acct-1")).has_value());
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (store_->AcceptTotpStep("acct-1", 500).value()) ++accepted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 1);
}

// --- Sessions ---

TEST_F(SqliteMetadataStoreTest, SessionsAreCreatedFoundTouchedListedAndRevoked) {
  ASSERT_TRUE(store_->CreateAccount(Account("acct-1", "a@example.org"), By("x")).has_value());
  ASSERT_TRUE(store_->CreateAccount(Account("acct-2", "b@example.org"), By("x")).has_value());
  SessionRecord first = Session(1, "acct-1", "laptop");
  SessionRecord second = Session(2, "acct-1", "phone");
  second.created_unix_s = second.last_used_unix_s = kT0 + 100;
  ASSERT_TRUE(store_->CreateSession(first, By("laptop")).has_value());
  ASSERT_TRUE(store_->CreateSession(second, By("phone")).has_value());
  EXPECT_EQ(store_->CreateSession(first, By("laptop")).error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateSession(Session(3, "nobody"), By("x")).error().code,
            ErrorCode::kFailedPrecondition);

  EXPECT_EQ(store_->LookupSession(Fill(32, 1)).value(), first);
  ASSERT_TRUE(store_->TouchSession(Fill(32, 1), kT0 + 60).has_value());
  ASSERT_TRUE(store_->TouchSession(Fill(32, 1), kT0 + 30).has_value());  // never backwards
  EXPECT_EQ(store_->LookupSession(Fill(32, 1)).value().last_used_unix_s, kT0 + 60);
  EXPECT_EQ(store_->TouchSession(Fill(32, 7), kT0).error().code, ErrorCode::kNotFound);

  const auto listed = store_->ListSessions("acct-1").value();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].device_id, "phone");  // newest first

  EXPECT_EQ(SessionId(Fill(32, 1)), "0101010101010101");
  // Another account cannot revoke it; malformed prefixes are refused.
  EXPECT_EQ(store_->RevokeSession("acct-2", SessionId(Fill(32, 1)), By("acct-2")).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store_->RevokeSession("acct-1", "0101", By("acct-1")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->RevokeSession("acct-1", "0101010g", By("acct-1")).error().code,
            ErrorCode::kInvalidArgument);
  auto revoked = store_->RevokeSession("acct-1", "0101010101010101", By("phone"));
  ASSERT_TRUE(revoked.has_value()) << revoked.error().ToString();
  EXPECT_EQ(*revoked, Fill(32, 1));
  EXPECT_EQ(store_->LookupSession(Fill(32, 1)).error().code, ErrorCode::kNotFound);

  // Upper-case prefixes work; an ambiguous prefix names no session.
  Bytes a = Fill(32, 0xab);
  Bytes b = Fill(32, 0xab);
  b[31] = 0;
  ASSERT_TRUE(store_->CreateSession(SessionRecord{a, "acct-1", "d", kT0, kT0, ""}, By("d")));
  ASSERT_TRUE(store_->CreateSession(SessionRecord{b, "acct-1", "d", kT0, kT0, ""}, By("d")));
  EXPECT_EQ(store_->RevokeSession("acct-1", "ABABABAB", By("d")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->RevokeSession("acct-1", HexEncode(b), By("d")).value(), b);

  auto others = store_->RevokeOtherSessions("acct-1", Fill(32, 2), By("phone"));
  ASSERT_TRUE(others.has_value());
  EXPECT_EQ(*others, std::vector<Bytes>{a});
  EXPECT_EQ(store_->ListSessions("acct-1").value().size(), 1u);
}

// --- Key chain ---

TEST_F(SqliteMetadataStoreTest, KeyChainGrowsByExactlyOneVersion) {
  ASSERT_TRUE(store_->CreateAccount(Account("acct-1", "a@example.org"), By("x")).has_value());
  auto version = [](std::int64_t v) {
    return KeyChainVersion{"acct-1", v, Fill(100, static_cast<std::uint8_t>(v)), Fill(64, 1), kT0};
  };
  EXPECT_EQ(store_->AppendKeyChainVersion(version(2), By("acct-1")).error().code,
            ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(store_->AppendKeyChainVersion(version(1), By("acct-1")).has_value());
  ASSERT_TRUE(store_->AppendKeyChainVersion(version(2), By("acct-1")).has_value());
  EXPECT_EQ(store_->AppendKeyChainVersion(version(2), By("acct-1")).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->AppendKeyChainVersion(version(4), By("acct-1")).error().code,
            ErrorCode::kFailedPrecondition);
  KeyChainVersion bad = version(3);
  bad.signature = Fill(63, 0);
  EXPECT_EQ(store_->AppendKeyChainVersion(bad, By("acct-1")).error().code,
            ErrorCode::kInvalidArgument);
  KeyChainVersion orphan = version(1);
  orphan.account_id = "nobody";
  EXPECT_EQ(store_->AppendKeyChainVersion(orphan, By("x")).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->ListKeyChain("acct-1", 0).value(),
            (std::vector<KeyChainVersion>{version(1), version(2)}));
  EXPECT_EQ(store_->ListKeyChain("acct-1", 1).value(), std::vector<KeyChainVersion>{version(2)});
}

// --- Households ---

TEST_F(SqliteMetadataStoreTest, HouseholdsEpochsQuotasAndEnvelopes) {
  SeedHousehold("1");
  const HouseholdRecord expected{"hh-1", "acct-1", 1, std::nullopt, kT0};
  EXPECT_EQ(store_->GetHousehold("hh-1").value(), expected);
  EXPECT_EQ(store_->ListHouseholdsByOwner("acct-1").value(),
            std::vector<HouseholdRecord>{expected});
  EXPECT_TRUE(store_->ListHouseholdsByOwner("nobody").value().empty());
  EXPECT_EQ(store_->GetHousehold("hh-9").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(
      store_->CreateHousehold(HouseholdRecord{"hh-2", "nobody", 1, std::nullopt, kT0}, By("x"))
          .error()
          .code,
      ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->CreateHousehold(expected, By("acct-1")).error().code,
            ErrorCode::kAlreadyExists);

  ASSERT_TRUE(store_->SetHouseholdEpoch("hh-1", 2, By("acct-1")).has_value());
  EXPECT_EQ(store_->SetHouseholdEpoch("hh-1", 2, By("acct-1")).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->SetHouseholdEpoch("hh-9", 3, By("acct-1")).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(store_->SetHouseholdQuota("hh-1", 1000, By("acct-1")).has_value());
  EXPECT_EQ(store_->GetHousehold("hh-1").value().quota_bytes, 1000);
  EXPECT_EQ(store_->SetHouseholdQuota("hh-1", -1, By("acct-1")).error().code,
            ErrorCode::kInvalidArgument);

  const KeyEnvelopeRecord e1{"hh-1", "dev-a", 1, Fill(90, 1), kT0};
  const KeyEnvelopeRecord e2{"hh-1", "dev-b", 2, Fill(90, 2), kT0};
  KeyEnvelopeRecord e1_again{"hh-1", "dev-a", 1, Fill(90, 3), kT0 + 1};
  ASSERT_TRUE(store_->PutKeyEnvelope(e1, By("acct-1")).has_value());
  ASSERT_TRUE(store_->PutKeyEnvelope(e2, By("acct-1")).has_value());
  ASSERT_TRUE(store_->PutKeyEnvelope(e1_again, By("acct-1")).has_value());  // replaces
  EXPECT_EQ(store_->ListKeyEnvelopes("hh-1", std::nullopt).value(),
            (std::vector<KeyEnvelopeRecord>{e1_again, e2}));
  EXPECT_EQ(store_->ListKeyEnvelopes("hh-1", 2).value(), std::vector<KeyEnvelopeRecord>{e2});
  EXPECT_EQ(store_->PutKeyEnvelope(KeyEnvelopeRecord{"hh-9", "d", 1, Fill(9, 1), kT0}, By("x"))
                .error()
                .code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Actions(JournalScope::kHousehold, "hh-1"),
            (std::vector<std::string>{"household.create", "camera.create", "household.rotate",
                                      "household.quota", "envelope.put", "envelope.put",
                                      "envelope.put"}));
}

// --- Pairing ---

TEST_F(SqliteMetadataStoreTest, APairingOfferIsClaimedOnceAndCreatesTheCamera) {
  SeedHousehold("1");
  const PairingOffer offer{"pair-1", Fill(32, 11), Fill(32, 12), Fill(32, 13),
                           "Garage", kT0,          kT0 + 600};
  ASSERT_TRUE(store_->CreatePairingOffer(offer).has_value());
  EXPECT_EQ(store_->CreatePairingOffer(offer).error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->GetPairingOffer("pair-1").value(), offer);
  EXPECT_EQ(store_->GetPairingOffer("pair-9").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetPairingClaim("pair-1").error().code, ErrorCode::kNotFound);

  PairingClaim claim{"pair-1",     "hh-1",   "cam-garage", Fill(32, 14),
                     Fill(50, 15), "acct-1", kT0 + 10};
  PairingClaim late = claim;
  late.claimed_unix_s = kT0 + 600;
  EXPECT_EQ(store_->ClaimPairing(late, "Garage", By("acct-1")).error().code,
            ErrorCode::kFailedPrecondition);
  PairingClaim nowhere = claim;
  nowhere.household_id = "hh-9";
  EXPECT_EQ(store_->ClaimPairing(nowhere, "Garage", By("acct-1")).error().code,
            ErrorCode::kFailedPrecondition);
  // A camera id already taken fails the claim as a whole.
  PairingClaim taken = claim;
  taken.camera_id = "cam-1";
  EXPECT_EQ(store_->ClaimPairing(taken, "Garage", By("acct-1")).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->GetPairingClaim("pair-1").error().code, ErrorCode::kNotFound);

  // The camera row takes the owner's (sealed) name, not the offer's.
  ASSERT_TRUE(store_->ClaimPairing(claim, "sealed-name-of-garage", By("acct-1")).has_value());
  EXPECT_EQ(store_->GetPairingClaim("pair-1").value(), claim);
  PairingClaim second = claim;
  second.camera_id = "cam-other";
  second.camera_credential_hash = Fill(32, 99);
  EXPECT_EQ(store_->ClaimPairing(second, "Garage", By("acct-1")).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_
                ->ClaimPairing(
                    PairingClaim{"pair-9", "hh-1", "c", Fill(32, 1), Fill(5, 1), "acct-1", kT0},
                    "Garage", By("acct-1"))
                .error()
                .code,
            ErrorCode::kNotFound);

  const CameraRecord camera = store_->GetCameraByCredentialHash(Fill(32, 14)).value();
  EXPECT_EQ(camera, (CameraRecord{"cam-garage", "hh-1", "sealed-name-of-garage", Fill(32, 11),
                                  Fill(32, 14), std::nullopt, kT0 + 10}));

  ASSERT_TRUE(store_
                  ->CreatePairingOffer(PairingOffer{"pair-2", Fill(32, 21), Fill(32, 22),
                                                    Fill(32, 23), "Old", kT0, kT0 + 60})
                  .has_value());
  EXPECT_EQ(store_->DeleteExpiredPairingOffers(kT0 + 60).value(), 1);  // claimed ones stay
  EXPECT_EQ(store_->GetPairingOffer("pair-2").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->GetPairingClaim("pair-1").has_value());
}

// --- Cameras ---

TEST_F(SqliteMetadataStoreTest, CamerasAreCreatedFoundListedAndDeletedWithTheirClips) {
  SeedHousehold("1");
  const CameraRecord cam1 = Camera("cam-1", "hh-1", '1');
  EXPECT_EQ(store_->GetCamera("cam-1").value(), cam1);
  EXPECT_EQ(store_->GetCameraByCredentialHash(cam1.credential_hash).value(), cam1);
  EXPECT_EQ(store_->GetCameraByCredentialHash(Fill(32, 0)).error().code, ErrorCode::kNotFound);
  CameraRecord cam2 = Camera("cam-2", "hh-1", 2);
  cam2.created_unix_s = kT0 + 1;
  ASSERT_TRUE(store_->CreateCamera(cam2, By("acct-1")).has_value());
  CameraRecord same_credential = Camera("cam-3", "hh-1", 3);
  same_credential.credential_hash = cam1.credential_hash;
  EXPECT_EQ(store_->CreateCamera(same_credential, By("acct-1")).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateCamera(Camera("cam-4", "hh-9", 4), By("acct-1")).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->ListCameras("hh-1").value(), (std::vector<CameraRecord>{cam1, cam2}));

  ASSERT_TRUE(store_->SetCameraRetention("cam-1", 7, By("acct-1")).has_value());
  EXPECT_EQ(store_->GetCamera("cam-1").value().retention_days, 7);
  EXPECT_EQ(store_->SetCameraRetention("cam-1", 0, By("acct-1")).error().code,
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(store_->SetCameraRetention("cam-1", std::nullopt, By("acct-1")).has_value());
  EXPECT_EQ(store_->GetCamera("cam-1").value().retention_days, std::nullopt);
  EXPECT_EQ(store_->SetCameraRetention("cam-9", 1, By("acct-1")).error().code,
            ErrorCode::kNotFound);

  CommitClip(Clip("clip-1", "hh-1", "cam-1", 10));
  ASSERT_TRUE(store_->DeclareClip(Clip("clip-2", "hh-1", "cam-1", 10)).has_value());
  CommitClip(Clip("clip-3", "hh-1", "cam-2", 10));
  EXPECT_EQ(store_->DeleteCamera("cam-1", By("acct-1")).value(),
            (std::vector<std::string>{"clip-1", "clip-2"}));
  EXPECT_EQ(store_->GetCamera("cam-1").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetClip("clip-1").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->GetClip("clip-3").has_value());
  EXPECT_EQ(store_->DeleteCamera("cam-1", By("acct-1")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Actions(JournalScope::kHousehold, "hh-1").back(), "camera.delete");
}

// --- Clips ---

TEST_F(SqliteMetadataStoreTest, DeclaringAClipIsIdempotentForTheSameDigest) {
  SeedHousehold("1");
  const ClipRecord clip = Clip("clip-1", "hh-1", "cam-1", 100);
  auto declared = store_->DeclareClip(clip);
  ASSERT_TRUE(declared.has_value()) << declared.error().ToString();
  EXPECT_EQ(*declared, clip);
  EXPECT_FALSE(declared->committed());

  ClipRecord retry = clip;
  retry.declared_unix_s = kT0 + 30;  // a later retry returns the stored row
  EXPECT_EQ(store_->DeclareClip(retry).value(), clip);
  ClipRecord other = clip;
  other.sha256 = Fill(32, 10);
  EXPECT_EQ(store_->DeclareClip(other).error().code, ErrorCode::kAlreadyExists);

  ASSERT_TRUE(store_->MarkClipCommitted("clip-1", By("cam-1", kT0 + 20)).has_value());
  ASSERT_TRUE(store_->MarkClipCommitted("clip-1", By("cam-1", kT0 + 99)).has_value());
  EXPECT_EQ(store_->GetClip("clip-1").value().received_unix_s, kT0 + 20);
  // After a crash between the row and the reply, the retry sees it complete.
  EXPECT_TRUE(store_->DeclareClip(retry).value().committed());
  EXPECT_EQ(store_->MarkClipCommitted("clip-9", By("cam-1")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Actions(JournalScope::kHousehold, "hh-1").back(), "clip.commit");
}

TEST_F(SqliteMetadataStoreTest, AClipMustComeFromACameraOfItsHousehold) {
  SeedHousehold("1");
  SeedHousehold("2");
  EXPECT_EQ(store_->DeclareClip(Clip("clip-1", "hh-1", "cam-2", 10)).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->DeclareClip(Clip("clip-1", "hh-1", "cam-9", 10)).error().code,
            ErrorCode::kFailedPrecondition);
  ClipRecord bad = Clip("clip-1", "hh-1", "cam-1", 10);
  bad.sha256 = Fill(31, 0);
  EXPECT_EQ(store_->DeclareClip(bad).error().code, ErrorCode::kInvalidArgument);
  bad = Clip("clip-1", "hh-1", "cam-1", -1);
  EXPECT_EQ(store_->DeclareClip(bad).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SqliteMetadataStoreTest, TheQuotaCountsCommittedAndPendingBytes) {
  SeedHousehold("1");
  ASSERT_TRUE(store_->SetHouseholdQuota("hh-1", 250, By("acct-1")).has_value());
  CommitClip(Clip("clip-1", "hh-1", "cam-1", 100));
  ASSERT_TRUE(store_->DeclareClip(Clip("clip-2", "hh-1", "cam-1", 100)).has_value());
  EXPECT_EQ(store_->GetHouseholdUsage("hh-1").value(), (HouseholdUsage{100, 100, 250}));
  const auto refused = store_->DeclareClip(Clip("clip-3", "hh-1", "cam-1", 51));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(refused.error().message.find("quota"), std::string::npos);
  EXPECT_TRUE(store_->DeclareClip(Clip("clip-3", "hh-1", "cam-1", 50)).has_value());
  EXPECT_EQ(store_->GetHouseholdUsage("hh-9").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(store_->SetHouseholdQuota("hh-1", std::nullopt, By("acct-1")).has_value());
  EXPECT_TRUE(store_->DeclareClip(Clip("clip-4", "hh-1", "cam-1", 1'000'000)).has_value());
}

TEST_F(SqliteMetadataStoreTest, ListsCommittedClipsWithFilters) {
  SeedHousehold("1");
  ASSERT_TRUE(store_->CreateCamera(Camera("cam-b", "hh-1", 50), By("acct-1")).has_value());
  CommitClip(Clip("clip-1", "hh-1", "cam-1", 10), kT0 + 10);
  CommitClip(Clip("clip-2", "hh-1", "cam-b", 10), kT0 + 20);
  CommitClip(Clip("clip-3", "hh-1", "cam-1", 10), kT0 + 30);
  ASSERT_TRUE(store_->DeclareClip(Clip("clip-4", "hh-1", "cam-1", 10)).has_value());

  auto ids = [](const std::vector<ClipRecord>& clips) {
    std::vector<std::string> out;
    out.reserve(clips.size());
    for (const ClipRecord& c : clips) out.push_back(c.clip_id);
    return out;
  };
  EXPECT_EQ(ids(store_->ListClips("hh-1", {}).value()),
            (std::vector<std::string>{"clip-3", "clip-2", "clip-1"}));
  EXPECT_EQ(ids(store_->ListClips("hh-1", {"cam-1", std::nullopt, 100}).value()),
            (std::vector<std::string>{"clip-3", "clip-1"}));
  EXPECT_EQ(ids(store_->ListClips("hh-1", {std::nullopt, kT0 + 20, 100}).value()),
            (std::vector<std::string>{"clip-3", "clip-2"}));
  EXPECT_EQ(ids(store_->ListClips("hh-1", {std::nullopt, std::nullopt, 1}).value()),
            std::vector<std::string>{"clip-3"});
  EXPECT_TRUE(store_->ListClips("hh-2", {}).value().empty());
  EXPECT_EQ(store_->GetHouseholdUsage("hh-1").value(), (HouseholdUsage{30, 10, std::nullopt}));

  ASSERT_TRUE(store_->DeleteClip("clip-2", By("acct-1")).has_value());
  EXPECT_EQ(store_->DeleteClip("clip-2", By("acct-1")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetClip("clip-2").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Actions(JournalScope::kHousehold, "hh-1").back(), "clip.delete");
}

TEST_F(SqliteMetadataStoreTest, FindsClipsPastRetentionAndStaleUploads) {
  SeedHousehold("1");
  ASSERT_TRUE(store_->CreateCamera(Camera("cam-keep", "hh-1", 60), By("acct-1")).has_value());
  ASSERT_TRUE(store_->SetCameraRetention("cam-1", 2, By("acct-1")).has_value());
  CommitClip(Clip("old", "hh-1", "cam-1", 10), kT0);
  CommitClip(Clip("new", "hh-1", "cam-1", 10), kT0 + kDay);
  CommitClip(Clip("kept", "hh-1", "cam-keep", 10), kT0);
  ClipRecord stale = Clip("stale", "hh-1", "cam-1", 10);
  ASSERT_TRUE(store_->DeclareClip(stale).has_value());

  auto ids = [](const Result<std::vector<ClipRecord>>& clips) {
    std::vector<std::string> out;
    out.reserve(clips.value().size());
    for (const ClipRecord& c : clips.value()) out.push_back(c.clip_id);
    return out;
  };
  EXPECT_TRUE(ids(store_->ListExpiredClips(kT0 + 2 * kDay - 1, 100)).empty());
  EXPECT_EQ(ids(store_->ListExpiredClips(kT0 + 2 * kDay, 100)), std::vector<std::string>{"old"});
  EXPECT_EQ(ids(store_->ListExpiredClips(kT0 + 10 * kDay, 100)),
            (std::vector<std::string>{"old", "new"}));
  EXPECT_EQ(ids(store_->ListExpiredClips(kT0 + 10 * kDay, 1)), std::vector<std::string>{"old"});
  EXPECT_EQ(ids(store_->ListStaleUploads(kT0, 100)), std::vector<std::string>{"stale"});
  EXPECT_TRUE(ids(store_->ListStaleUploads(kT0 - 1, 100)).empty());
}

// --- Alerts and heartbeats ---

AlertRecord Alert(std::string id, std::string household, std::string camera, std::int64_t at,
                  std::uint8_t fill = 7) {
  return AlertRecord{std::move(id), std::move(household), std::move(camera), Fill(541, fill), at};
}

TEST_F(SqliteMetadataStoreTest, AlertsAreStoredOnceListedInOrderAndSwept) {
  SeedHousehold("1");
  SeedHousehold("2");
  auto first = store_->PutAlert(Alert("alr-1", "hh-1", "cam-1", kT0 + 5));
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_TRUE(first->created);
  // A retry stores nothing new and answers with the first row.
  auto retry = store_->PutAlert(Alert("alr-1", "hh-1", "cam-1", kT0 + 50));
  ASSERT_TRUE(retry.has_value());
  EXPECT_FALSE(retry->created);
  EXPECT_EQ(retry->stored.received_unix_s, kT0 + 5);
  EXPECT_EQ(store_->PutAlert(Alert("alr-1", "hh-1", "cam-1", kT0, 8)).error().code,
            ErrorCode::kAlreadyExists);
  // A camera cannot file an alert under another household.
  EXPECT_EQ(store_->PutAlert(Alert("alr-x", "hh-2", "cam-1", kT0)).error().code,
            ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(store_->PutAlert(Alert("alr-2", "hh-1", "cam-1", kT0 + 1)).has_value());
  ASSERT_TRUE(store_->PutAlert(Alert("alr-3", "hh-2", "cam-2", kT0 + 2)).has_value());

  auto all = store_->ListAlerts("hh-1", std::nullopt, 100).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].alert_id, "alr-2");  // oldest first
  EXPECT_EQ(all[1], first->stored);
  auto since = store_->ListAlerts("hh-1", kT0 + 5, 100).value();
  ASSERT_EQ(since.size(), 1u);
  EXPECT_EQ(since[0].alert_id, "alr-1");
  EXPECT_EQ(store_->ListAlerts("hh-1", std::nullopt, 1).value().size(), 1u);

  EXPECT_EQ(store_->DeleteAlertsReceivedBefore(kT0 + 3).value(), 2);
  EXPECT_EQ(store_->ListAlerts("hh-1", std::nullopt, 100).value().size(), 1u);
  EXPECT_TRUE(store_->ListAlerts("hh-2", std::nullopt, 100).value().empty());
  // Deleting the camera takes its alerts.
  ASSERT_TRUE(store_->DeleteCamera("cam-1", By("acct-1")).has_value());
  EXPECT_TRUE(store_->ListAlerts("hh-1", std::nullopt, 100).value().empty());
}

TEST_F(SqliteMetadataStoreTest, TheNewestHeartbeatPerCameraIsKept) {
  SeedHousehold("1");
  SeedHousehold("2");
  ASSERT_TRUE(store_->PutHeartbeat(HeartbeatRecord{"cam-1", Fill(120, 1), kT0}).has_value());
  ASSERT_TRUE(store_->PutHeartbeat(HeartbeatRecord{"cam-1", Fill(120, 2), kT0 + 60}).has_value());
  ASSERT_TRUE(store_->PutHeartbeat(HeartbeatRecord{"cam-2", Fill(120, 3), kT0}).has_value());
  EXPECT_EQ(store_->PutHeartbeat(HeartbeatRecord{"cam-9", Fill(120, 3), kT0}).error().code,
            ErrorCode::kFailedPrecondition);
  auto beats = store_->ListHeartbeats("hh-1").value();
  ASSERT_EQ(beats.size(), 1u);
  EXPECT_EQ(beats[0], (HeartbeatRecord{"cam-1", Fill(120, 2), kT0 + 60}));
  ASSERT_TRUE(store_->DeleteCamera("cam-1", By("acct-1")).has_value());
  EXPECT_TRUE(store_->ListHeartbeats("hh-1").value().empty());
}

TEST_F(SqliteMetadataStoreTest, CommittedRowsSurviveReopening) {
  SeedHousehold("1");
  CommitClip(Clip("clip-1", "hh-1", "cam-1", 10));
  ASSERT_TRUE(store_->CreateSession(Session(1, "acct-1"), By("dev-1")).has_value());
  Reopen();
  EXPECT_TRUE(store_->GetClip("clip-1").value().committed());
  EXPECT_TRUE(store_->LookupSession(Fill(32, 1)).has_value());
  EXPECT_EQ(store_->GetAccountById("acct-1").value(), Account("acct-1", "owner1@example.org"));
}

// --- Journal ---

TEST_F(SqliteMetadataStoreTest, TheJournalAppendsAndListsByScopeAndTime) {
  JournalRecord r{0, kT0, "acct-1", "hh-1", "dev-1", "login.fail", "", "from 192.0.2.1"};
  ASSERT_TRUE(store_->Append(r).has_value());
  r.time_unix_s = kT0 + 10;
  r.household_id = "";
  ASSERT_TRUE(store_->Append(r).has_value());
  const auto all = store_->List(JournalScope::kAccount, "acct-1", 0, 100).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_LT(all[0].seq, all[1].seq);
  EXPECT_EQ(all[1].detail, "from 192.0.2.1");
  EXPECT_EQ(store_->List(JournalScope::kAccount, "acct-1", kT0 + 1, 100).value().size(), 1u);
  EXPECT_EQ(store_->List(JournalScope::kAccount, "acct-1", 0, 1).value().size(), 1u);
  EXPECT_EQ(store_->List(JournalScope::kHousehold, "hh-1", 0, 100).value().size(), 1u);
  EXPECT_EQ(store_->List(JournalScope::kHousehold, "", 0, 100).error().code,
            ErrorCode::kInvalidArgument);
  r.action = "Bad Action";
  EXPECT_EQ(store_->Append(r).error().code, ErrorCode::kInvalidArgument);
  r.action = "login.fail";
  r.actor = "";
  EXPECT_EQ(store_->Append(r).error().code, ErrorCode::kInvalidArgument);
}

// --- Threads ---

TEST_F(SqliteMetadataStoreTest, ManyThreadsCanUseOneStore) {
  ASSERT_TRUE(store_->CreateAccount(Account("acct-1", "a@example.org"), By("x")).has_value());
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const auto seed = static_cast<std::uint8_t>(t * 10 + i);
        if (!store_->CreateSession(Session(seed, "acct-1"), By("dev")).has_value()) ++failures;
        if (!store_->LookupSession(Fill(32, seed)).has_value()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store_->ListSessions("acct-1").value().size(), 40u);
}

// --- Startup recovery ---

TEST_F(SqliteMetadataStoreTest, RemoveOrphanBlobsKeepsOnlyBlobsWithACommittedRow) {
  SeedHousehold("1");
  auto blobs = LocalBlobStore::Open(dir_.Sub("blobs")).value();
  auto put = [&](const std::string& id) {
    const Bytes data(10, 7);
    ASSERT_TRUE(blobs->Append(id, 0, data).has_value());
    ASSERT_TRUE(blobs->Commit(id, data.size(), crypto::Sha256(data)).has_value());
  };
  put("committed");
  CommitClip(Clip("committed", "hh-1", "cam-1", 10));
  put("declared");  // crash before MarkClipCommitted
  ASSERT_TRUE(store_->DeclareClip(Clip("declared", "hh-1", "cam-1", 10)).has_value());
  put("rowless");  // crash after a row deletion, before the blob deletion
  auto removed = RemoveOrphanBlobs(*blobs, *store_);
  ASSERT_TRUE(removed.has_value()) << removed.error().ToString();
  std::sort(removed->begin(), removed->end());
  EXPECT_EQ(*removed, (std::vector<std::string>{"declared", "rowless"}));
  EXPECT_EQ(blobs->ListCommitted().value(), std::vector<std::string>{"committed"});
}

}  // namespace
}  // namespace vigil::store

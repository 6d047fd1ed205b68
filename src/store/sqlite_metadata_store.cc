// SPDX-License-Identifier: Apache-2.0
#include "vigil/store/sqlite_metadata_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "internal/schema.h"
#include "internal/sqlite.h"

namespace vigil::store {
namespace {

using internal::Exec;
using internal::FromSqlite;
using internal::Statement;
using internal::Transaction;

constexpr std::int64_t kSecondsPerDay = 86400;

// Runs `body` (returning some Result<T>) inside BEGIN IMMEDIATE … COMMIT. An
// error from `body` rolls everything back, including journal records.
template <class F>
auto InTransaction(sqlite3* db, F&& body) -> decltype(body()) {
  auto txn = Transaction::Begin(db);
  if (!txn) return Fail(txn.error());
  auto result = body();
  if (!result) return result;  // ~Transaction rolls back
  Status committed = txn->Commit();
  if (!committed) return Fail(committed.error());
  return result;
}

// Reads the single row of `stmt` with `read`; kNotFound(`what`) if none.
template <class Read>
auto QueryOne(Statement& stmt, Read read, std::string_view what) -> Result<decltype(read(stmt))> {
  VIGIL_TRY(row, stmt.Step());
  if (!row) return Fail(ErrorCode::kNotFound, std::string(what));
  auto value = read(stmt);
  stmt.Reset();
  return value;
}

// Reads every row of `stmt` with `read`.
template <class Read>
auto QueryAll(Statement& stmt, Read read) -> Result<std::vector<decltype(read(stmt))>> {
  std::vector<decltype(read(stmt))> rows;
  for (;;) {
    VIGIL_TRY(row, stmt.Step());
    if (!row) break;
    rows.push_back(read(stmt));
  }
  return rows;
}

std::int64_t Changes(sqlite3* db) { return sqlite3_changes64(db); }

std::int64_t ClampLimit(std::size_t limit, std::size_t max) {
  return static_cast<std::int64_t>(std::min(limit, max));
}

// Built piecewise: g++ 12 at -O3 warns (-Wrestrict, a false positive) on
// "'" + std::string(id).
std::string Quoted(std::string_view id) {
  std::string out = "'";
  out.append(id).push_back('\'');
  return out;
}

// Appends a journal record inside the caller's transaction.
Status InsertJournal(sqlite3* db, const JournalRecord& record) {
  VIGIL_TRY(stmt, Statement::Prepare(db,
                                     "INSERT INTO security_journal (time_unix_s, account_id, "
                                     "household_id, actor, action, object_id, detail) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  return stmt
      .Bind(record.time_unix_s, record.account_id, record.household_id, record.actor, record.action,
            record.object_id, record.detail)
      .Run();
}

Status Journal(sqlite3* db, const Audit& audit, std::string_view action,
               std::string_view account_id, std::string_view household_id,
               std::string_view object_id, std::string_view what = {}) {
  JournalRecord record;
  record.time_unix_s = audit.now_unix_s;
  record.account_id = std::string(account_id);
  record.household_id = std::string(household_id);
  record.actor = audit.actor;
  record.action = std::string(action);
  record.object_id = std::string(object_id);
  record.detail = std::string(what);
  if (!audit.detail.empty()) {
    if (!record.detail.empty()) record.detail += "; ";
    record.detail += audit.detail;
  }
  return InsertJournal(db, record);
}

Status RequireAccount(sqlite3* db, std::string_view account_id, ErrorCode missing) {
  VIGIL_TRY(stmt, Statement::Prepare(db, "SELECT 1 FROM accounts WHERE account_id = ?"));
  stmt.Bind(account_id);
  VIGIL_TRY(row, stmt.Step());
  if (!row) return Fail(missing, "no account " + Quoted(account_id));
  return OkStatus();
}

// The owner account of a household (journal records of household events name it).
Result<std::string> HouseholdOwner(sqlite3* db, std::string_view household_id, ErrorCode missing) {
  VIGIL_TRY(stmt, Statement::Prepare(
                      db, "SELECT owner_account_id FROM households WHERE household_id = ?"));
  stmt.Bind(household_id);
  VIGIL_TRY(row, stmt.Step());
  if (!row) return Fail(missing, "no household " + Quoted(household_id));
  return stmt.Text(0);
}

constexpr std::string_view kAccountColumns =
    "account_id, email, account_salt, argon2_time_cost, argon2_memory_kib, auth_verifier, "
    "wrapped_keyring, recovery_wrapped_keyring, created_unix_s, recovery_salt, "
    "recovery_verifier";
AccountRecord ReadAccount(const Statement& s) {
  return AccountRecord{s.Text(0),
                       s.Text(1),
                       s.Blob(2),
                       static_cast<std::uint32_t>(s.Int(3)),
                       static_cast<std::uint32_t>(s.Int(4)),
                       s.Blob(5),
                       s.Blob(6),
                       s.Blob(7),
                       s.Int(8),
                       s.IsNull(9) ? std::nullopt : std::optional<Bytes>(s.Blob(9)),
                       s.IsNull(10) ? std::nullopt : std::optional<Bytes>(s.Blob(10))};
}

constexpr std::string_view kSessionColumns =
    "session_hash, account_id, device_id, created_unix_s, last_used_unix_s, source";
SessionRecord ReadSession(const Statement& s) {
  return SessionRecord{s.Blob(0), s.Text(1), s.Text(2), s.Int(3), s.Int(4), s.Text(5)};
}

constexpr std::string_view kHouseholdColumns =
    "household_id, owner_account_id, epoch, quota_bytes, created_unix_s";
HouseholdRecord ReadHousehold(const Statement& s) {
  return HouseholdRecord{s.Text(0), s.Text(1), s.Int(2), s.OptionalInt(3), s.Int(4)};
}

constexpr std::string_view kCameraColumns =
    "camera_id, household_id, name, sign_public_key, credential_hash, retention_days, "
    "created_unix_s";
CameraRecord ReadCamera(const Statement& s) {
  return CameraRecord{s.Text(0), s.Text(1),        s.Text(2), s.Blob(3),
                      s.Blob(4), s.OptionalInt(5), s.Int(6)};
}

constexpr std::string_view kClipColumns =
    "clip_id, household_id, camera_id, start_unix_min, duration_s, size_bytes, sha256, "
    "sequence, envelope, declared_unix_s, received_unix_s";
ClipRecord ReadClip(const Statement& s) {
  return ClipRecord{s.Text(0), s.Text(1), s.Text(2), s.Int(3), s.Int(4),         s.Int(5),
                    s.Blob(6), s.Int(7),  s.Blob(8), s.Int(9), s.OptionalInt(10)};
}

std::string Sql(std::string_view a, std::string_view b, std::string_view c = {}) {
  std::string sql(a);
  sql += b;
  sql += c;
  return sql;
}

// Deletes every session of `account_id` except `keep` (empty: none kept),
// journaling each; returns the deleted hashes.
Result<std::vector<Bytes>> DeleteSessionsExcept(sqlite3* db, std::string_view account_id,
                                                ByteSpan keep, const Audit& audit) {
  VIGIL_TRY(select, Statement::Prepare(db,
                                       "SELECT session_hash FROM sessions "
                                       "WHERE account_id = ? AND session_hash != ? "
                                       "ORDER BY session_hash"));
  select.Bind(account_id, keep);
  VIGIL_TRY(hashes, QueryAll(select, [](const Statement& s) { return s.Blob(0); }));
  VIGIL_TRY(erase, Statement::Prepare(
                       db, "DELETE FROM sessions WHERE account_id = ? AND session_hash != ?"));
  Status erased = erase.Bind(account_id, keep).Run();
  if (!erased) return Fail(erased.error());
  for (const Bytes& hash : hashes) {
    Status journaled =
        Journal(db, audit, journal_action::kSessionRevoke, account_id, "", SessionId(hash));
    if (!journaled) return Fail(journaled.error());
  }
  return hashes;
}

// Ids of the clips a DELETE is about to cascade to.
Result<std::vector<std::string>> ClipIds(sqlite3* db, std::string_view where, std::string_view id) {
  VIGIL_TRY(stmt, Statement::Prepare(
                      db, Sql("SELECT clip_id FROM clips WHERE ", where, " ORDER BY clip_id")));
  stmt.Bind(id);
  return QueryAll(stmt, [](const Statement& s) { return s.Text(0); });
}

// The newest applied migration, 0 for a new database.
Result<std::int64_t> AppliedVersion(sqlite3* db) {
  VIGIL_TRY(exists, Statement::Prepare(db,
                                       "SELECT count(*) FROM sqlite_schema "
                                       "WHERE type = 'table' AND name = 'schema_version'"));
  VIGIL_TRY(tables, QueryOne(
                        exists, [](const Statement& s) { return s.Int(0); }, "sqlite_schema"));
  if (tables == 0) return 0;
  VIGIL_TRY(current,
            Statement::Prepare(db, "SELECT coalesce(max(version), 0) FROM schema_version"));
  return QueryOne(
      current, [](const Statement& s) { return s.Int(0); }, "schema_version");
}

Status CheckNotNewer(std::int64_t current, int newest) {
  if (current > newest) {
    return Fail(ErrorCode::kFailedPrecondition,
                "database schema version " + std::to_string(current) +
                    " is newer than this binary's " + std::to_string(newest));
  }
  return OkStatus();
}

// Applies the pending migrations in one transaction. An up-to-date database
// is only read, so opening never waits for another process's write lock.
Status Migrate(sqlite3* db) {
  const auto migrations = internal::Migrations();
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  VIGIL_TRY(before, AppliedVersion(db));
  if (before == newest) return OkStatus();
  Status step = CheckNotNewer(before, newest);
  if (!step) return step;
  return InTransaction(db, [&]() -> Status {
    Status applied = Exec(db, internal::BootstrapSql());
    if (!applied) return applied;
    // Read again under the write lock: another process may have migrated.
    VIGIL_TRY(current, AppliedVersion(db));
    applied = CheckNotNewer(current, newest);
    if (!applied) return applied;
    for (const internal::Migration& migration : migrations) {
      if (migration.version <= current) continue;
      applied = Exec(db, migration.sql);
      if (!applied) {
        return Fail(applied.error().code, "migration " + std::to_string(migration.version) + ": " +
                                              applied.error().message);
      }
      VIGIL_TRY(record, Statement::Prepare(db,
                                           "INSERT INTO schema_version (version, name, "
                                           "applied_unix_s) VALUES (?, ?, unixepoch())"));
      applied = record.Bind(migration.version, migration.name).Run();
      if (!applied) return applied;
    }
    return OkStatus();
  });
}

Result<std::string> NormalizeSessionPrefix(std::string_view prefix) {
  if (prefix.size() < kMinSessionPrefixHex || prefix.size() > 2 * kHashBytes) {
    return Fail(ErrorCode::kInvalidArgument, "a session id prefix has 8 to 64 hex digits");
  }
  std::string lower;
  for (const char c : prefix) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return Fail(ErrorCode::kInvalidArgument, "a session id prefix has only hex digits");
    }
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return lower;
}

}  // namespace

Result<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::Open(const std::string& path,
                                                                       int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW,
      nullptr);
  // The store owns the handle from here on, even when opening failed.
  std::unique_ptr<SqliteMetadataStore> store(new SqliteMetadataStore(raw));
  if (rc != SQLITE_OK) return Fail(FromSqlite(rc, "open " + path, raw));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  // Refuse SQL that could corrupt the file, and schema-embedded functions.
  sqlite3_db_config(raw, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(raw, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);

  // The first statement reads the file header: a non-database fails here.
  VIGIL_TRY(wal, Statement::Prepare(raw, "PRAGMA journal_mode = WAL"));
  VIGIL_TRY(mode, QueryOne(
                      wal, [](const Statement& s) { return s.Text(0); }, "journal_mode"));
  if (mode != "wal") {
    return Fail(ErrorCode::kFailedPrecondition, "cannot use WAL journal mode for " + path);
  }
  Status pragmas = Exec(raw,
                        "PRAGMA synchronous = FULL;"
                        "PRAGMA secure_delete = ON;"
                        "PRAGMA foreign_keys = ON;");
  if (!pragmas) return Fail(pragmas.error());
  Status migrated = Migrate(raw);
  if (!migrated) return Fail(migrated.error());
  return store;
}

SqliteMetadataStore::~SqliteMetadataStore() { sqlite3_close_v2(db_); }

Result<int> SqliteMetadataStore::SchemaVersion() {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_, "SELECT coalesce(max(version), 0) FROM schema_version"));
  return QueryOne(
      stmt, [](const Statement& s) { return static_cast<int>(s.Int(0)); }, "schema_version");
}

// --- Accounts ---

Status SqliteMetadataStore::CreateAccount(const AccountRecord& a, const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    VIGIL_TRY(stmt, Statement::Prepare(db_, Sql("INSERT INTO accounts (", kAccountColumns,
                                                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")));
    Status inserted =
        stmt.Bind(a.account_id, a.email, a.account_salt, a.argon2_time_cost, a.argon2_memory_kib,
                  a.auth_verifier, a.wrapped_keyring, a.recovery_wrapped_keyring, a.created_unix_s,
                  a.recovery_salt, a.recovery_verifier)
            .Run();
    if (!inserted) return inserted;
    return Journal(db_, audit, journal_action::kAccountCreate, a.account_id, "", a.account_id);
  });
}

Result<AccountRecord> SqliteMetadataStore::GetAccountByEmail(std::string_view email) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(
                      db_, Sql("SELECT ", kAccountColumns, " FROM accounts WHERE email = ?")));
  stmt.Bind(email);
  return QueryOne(stmt, ReadAccount, "no account with this email");
}

Result<AccountRecord> SqliteMetadataStore::GetAccountById(std::string_view account_id) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(
                      db_, Sql("SELECT ", kAccountColumns, " FROM accounts WHERE account_id = ?")));
  stmt.Bind(account_id);
  return QueryOne(stmt, ReadAccount, "no account " + Quoted(account_id));
}

Result<std::vector<Bytes>> SqliteMetadataStore::UpdateCredentials(const CredentialUpdate& u,
                                                                  ByteSpan keep_session_hash,
                                                                  const Audit& audit) {
  const bool recovery = u.recovery_wrapped_keyring.has_value();
  if (u.recovery_salt.has_value() != recovery || u.recovery_verifier.has_value() != recovery) {
    return Fail(ErrorCode::kInvalidArgument,
                "the recovery keyring, salt and verifier are replaced together");
  }
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Result<std::vector<Bytes>> {
    VIGIL_TRY(update, Statement::Prepare(
                          db_,
                          "UPDATE accounts SET account_salt = ?, argon2_time_cost = ?, "
                          "argon2_memory_kib = ?, auth_verifier = ?, wrapped_keyring = ?, "
                          "recovery_wrapped_keyring = coalesce(?, recovery_wrapped_keyring), "
                          "recovery_salt = coalesce(?, recovery_salt), "
                          "recovery_verifier = coalesce(?, recovery_verifier) "
                          "WHERE account_id = ?"));
    Status updated = update
                         .Bind(u.account_salt, u.argon2_time_cost, u.argon2_memory_kib,
                               u.auth_verifier, u.wrapped_keyring, u.recovery_wrapped_keyring,
                               u.recovery_salt, u.recovery_verifier, u.account_id)
                         .Run();
    if (!updated) return Fail(updated.error());
    if (Changes(db_) == 0) return Fail(ErrorCode::kNotFound, "no account " + Quoted(u.account_id));
    VIGIL_TRY(revoked, DeleteSessionsExcept(db_, u.account_id, keep_session_hash, audit));
    Status journaled = Journal(
        db_, audit, recovery ? journal_action::kAccountRecover : journal_action::kPasswordChange,
        u.account_id, "", u.account_id,
        std::to_string(revoked.size()) +
            (recovery ? " sessions revoked" : " other sessions revoked"));
    if (!journaled) return Fail(journaled.error());
    return revoked;
  });
}

Result<std::vector<std::string>> SqliteMetadataStore::DeleteAccount(std::string_view account_id,
                                                                    const Audit& audit) {
  std::lock_guard lock(mu_);
  auto deleted = InTransaction(db_, [&]() -> Result<std::vector<std::string>> {
    Status exists = RequireAccount(db_, account_id, ErrorCode::kNotFound);
    if (!exists) return Fail(exists.error());
    VIGIL_TRY(clips, ClipIds(db_,
                             "household_id IN (SELECT household_id FROM households "
                             "WHERE owner_account_id = ?)",
                             account_id));
    // ON DELETE CASCADE removes everything the account owns (001_initial.sql).
    VIGIL_TRY(erase, Statement::Prepare(db_, "DELETE FROM accounts WHERE account_id = ?"));
    Status erased = erase.Bind(account_id).Run();
    if (!erased) return Fail(erased.error());
    Status journaled = Journal(db_, audit, journal_action::kAccountDelete, account_id, "",
                               account_id, std::to_string(clips.size()) + " clips deleted");
    if (!journaled) return Fail(journaled.error());
    return clips;
  });
  if (deleted) {
    // secure_delete zeroes the freed pages, but the old page images remain in
    // the WAL until a checkpoint; copy them back and truncate the WAL now.
    // Best effort: a reader holding a snapshot makes it partial (003 §Caveats).
    (void)Exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)");
  }
  return deleted;
}

// --- TOTP ---

Status SqliteMetadataStore::SetTotp(std::string_view account_id, ByteSpan seed_encrypted,
                                    const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    Status step = RequireAccount(db_, account_id, ErrorCode::kNotFound);
    if (!step) return step;
    // The last accepted step is kept, so no code works twice even across a
    // re-enrolment.
    VIGIL_TRY(stmt, Statement::Prepare(db_,
                                       "INSERT INTO account_totp (account_id, seed_encrypted, "
                                       "last_accepted_step, enabled_unix_s) VALUES (?, ?, NULL, ?) "
                                       "ON CONFLICT (account_id) DO UPDATE SET "
                                       "seed_encrypted = excluded.seed_encrypted, "
                                       "enabled_unix_s = excluded.enabled_unix_s"));
    step = stmt.Bind(account_id, seed_encrypted, audit.now_unix_s).Run();
    if (!step) return step;
    return Journal(db_, audit, journal_action::kTotpEnable, account_id, "", account_id);
  });
}

Status SqliteMetadataStore::ClearTotp(std::string_view account_id, const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    VIGIL_TRY(stmt, Statement::Prepare(db_, "DELETE FROM account_totp WHERE account_id = ?"));
    Status erased = stmt.Bind(account_id).Run();
    if (!erased) return erased;
    if (Changes(db_) == 0) return Fail(ErrorCode::kNotFound, "TOTP is not enabled");
    return Journal(db_, audit, journal_action::kTotpDisable, account_id, "", account_id);
  });
}

Result<TotpState> SqliteMetadataStore::GetTotp(std::string_view account_id) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_,
                                     "SELECT seed_encrypted, last_accepted_step, enabled_unix_s "
                                     "FROM account_totp WHERE account_id = ?"));
  stmt.Bind(account_id);
  return QueryOne(
      stmt,
      [](const Statement& s) {
        return TotpState{s.Blob(0), s.OptionalInt(1), s.Int(2)};
      },
      "TOTP is not enabled");
}

Result<bool> SqliteMetadataStore::AcceptTotpStep(std::string_view account_id,
                                                 std::int64_t time_step) {
  std::lock_guard lock(mu_);
  // One conditional UPDATE: the compare and the set are atomic.
  VIGIL_TRY(stmt, Statement::Prepare(db_,
                                     "UPDATE account_totp SET last_accepted_step = ? "
                                     "WHERE account_id = ? AND (last_accepted_step IS NULL "
                                     "OR last_accepted_step < ?)"));
  Status updated = stmt.Bind(time_step, account_id, time_step).Run();
  if (!updated) return Fail(updated.error());
  if (Changes(db_) == 1) return true;
  VIGIL_TRY(exists, Statement::Prepare(db_, "SELECT 1 FROM account_totp WHERE account_id = ?"));
  exists.Bind(account_id);
  VIGIL_TRY(row, exists.Step());
  if (!row) return Fail(ErrorCode::kNotFound, "TOTP is not enabled");
  return false;
}

// --- Sessions ---

Status SqliteMetadataStore::CreateSession(const SessionRecord& s, const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    VIGIL_TRY(stmt, Statement::Prepare(db_, Sql("INSERT INTO sessions (", kSessionColumns,
                                                ") VALUES (?, ?, ?, ?, ?, ?)")));
    Status inserted = stmt.Bind(s.session_hash, s.account_id, s.device_id, s.created_unix_s,
                                s.last_used_unix_s, s.source)
                          .Run();
    if (!inserted) return inserted;
    return Journal(db_, audit, journal_action::kSessionCreate, s.account_id, "",
                   SessionId(s.session_hash), "device " + s.device_id);
  });
}

Result<SessionRecord> SqliteMetadataStore::LookupSession(ByteSpan session_hash) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_, Sql("SELECT ", kSessionColumns,
                                              " FROM sessions WHERE session_hash = ?")));
  stmt.Bind(session_hash);
  return QueryOne(stmt, ReadSession, "no such session");
}

Status SqliteMetadataStore::TouchSession(ByteSpan session_hash, std::int64_t now_unix_s) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_,
                                     "UPDATE sessions SET last_used_unix_s = "
                                     "max(last_used_unix_s, ?) WHERE session_hash = ?"));
  Status updated = stmt.Bind(now_unix_s, session_hash).Run();
  if (!updated) return updated;
  if (Changes(db_) == 0) return Fail(ErrorCode::kNotFound, "no such session");
  return OkStatus();
}

Result<std::vector<SessionRecord>> SqliteMetadataStore::ListSessions(std::string_view account_id) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_, Sql("SELECT ", kSessionColumns,
                                              " FROM sessions WHERE account_id = ? "
                                              "ORDER BY created_unix_s DESC, session_hash")));
  stmt.Bind(account_id);
  return QueryAll(stmt, ReadSession);
}

Result<Bytes> SqliteMetadataStore::RevokeSession(std::string_view account_id,
                                                 std::string_view session_prefix_hex,
                                                 const Audit& audit) {
  VIGIL_TRY(prefix, NormalizeSessionPrefix(session_prefix_hex));
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Result<Bytes> {
    VIGIL_TRY(select, Statement::Prepare(db_,
                                         "SELECT session_hash FROM sessions WHERE account_id = ? "
                                         "AND substr(lower(hex(session_hash)), 1, ?) = ? LIMIT 2"));
    select.Bind(account_id, static_cast<std::int64_t>(prefix.size()), prefix);
    VIGIL_TRY(hashes, QueryAll(select, [](const Statement& s) { return s.Blob(0); }));
    if (hashes.empty()) return Fail(ErrorCode::kNotFound, "no such session");
    if (hashes.size() > 1) {
      return Fail(ErrorCode::kInvalidArgument, "session id prefix matches several sessions");
    }
    VIGIL_TRY(erase, Statement::Prepare(db_, "DELETE FROM sessions WHERE session_hash = ?"));
    Status erased = erase.Bind(hashes[0]).Run();
    if (!erased) return Fail(erased.error());
    Status journaled =
        Journal(db_, audit, journal_action::kSessionRevoke, account_id, "", SessionId(hashes[0]));
    if (!journaled) return Fail(journaled.error());
    return hashes[0];
  });
}

Result<std::vector<Bytes>> SqliteMetadataStore::RevokeOtherSessions(std::string_view account_id,
                                                                    ByteSpan keep_session_hash,
                                                                    const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Result<std::vector<Bytes>> {
    return DeleteSessionsExcept(db_, account_id, keep_session_hash, audit);
  });
}

// --- Key chain ---

Status SqliteMetadataStore::AppendKeyChainVersion(const KeyChainVersion& v, const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    Status step = RequireAccount(db_, v.account_id, ErrorCode::kFailedPrecondition);
    if (!step) return step;
    VIGIL_TRY(newest_stmt, Statement::Prepare(db_,
                                              "SELECT coalesce(max(version), 0) FROM key_chain "
                                              "WHERE account_id = ?"));
    newest_stmt.Bind(v.account_id);
    VIGIL_TRY(newest, QueryOne(
                          newest_stmt, [](const Statement& s) { return s.Int(0); }, "key chain"));
    if (v.version != newest + 1) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "key chain is at version " + std::to_string(newest) + "; the next version is " +
                      std::to_string(newest + 1) + ", not " + std::to_string(v.version));
    }
    VIGIL_TRY(insert, Statement::Prepare(db_,
                                         "INSERT INTO key_chain (account_id, version, payload, "
                                         "signature, created_unix_s) VALUES (?, ?, ?, ?, ?)"));
    step = insert.Bind(v.account_id, v.version, v.payload, v.signature, v.created_unix_s).Run();
    if (!step) return step;
    return Journal(db_, audit, journal_action::kKeychainAppend, v.account_id, "",
                   std::to_string(v.version));
  });
}

Result<std::vector<KeyChainVersion>> SqliteMetadataStore::ListKeyChain(std::string_view account_id,
                                                                       std::int64_t after_version) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_,
                                     "SELECT account_id, version, payload, signature, "
                                     "created_unix_s FROM key_chain WHERE account_id = ? "
                                     "AND version > ? ORDER BY version"));
  stmt.Bind(account_id, after_version);
  return QueryAll(stmt, [](const Statement& s) {
    return KeyChainVersion{s.Text(0), s.Int(1), s.Blob(2), s.Blob(3), s.Int(4)};
  });
}

// --- Households ---

Status SqliteMetadataStore::CreateHousehold(const HouseholdRecord& h, const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    VIGIL_TRY(stmt, Statement::Prepare(db_, Sql("INSERT INTO households (", kHouseholdColumns,
                                                ") VALUES (?, ?, ?, ?, ?)")));
    Status inserted =
        stmt.Bind(h.household_id, h.owner_account_id, h.epoch, h.quota_bytes, h.created_unix_s)
            .Run();
    if (!inserted) return inserted;
    return Journal(db_, audit, journal_action::kHouseholdCreate, h.owner_account_id, h.household_id,
                   h.household_id);
  });
}

Result<HouseholdRecord> SqliteMetadataStore::GetHousehold(std::string_view household_id) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_, Sql("SELECT ", kHouseholdColumns,
                                              " FROM households WHERE household_id = ?")));
  stmt.Bind(household_id);
  return QueryOne(stmt, ReadHousehold, "no household " + Quoted(household_id));
}

Result<std::vector<HouseholdRecord>> SqliteMetadataStore::ListHouseholdsByOwner(
    std::string_view owner_account_id) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_, Sql("SELECT ", kHouseholdColumns,
                                              " FROM households WHERE owner_account_id = ? "
                                              "ORDER BY created_unix_s, household_id")));
  stmt.Bind(owner_account_id);
  return QueryAll(stmt, ReadHousehold);
}

Status SqliteMetadataStore::SetHouseholdEpoch(std::string_view household_id, std::int64_t new_epoch,
                                              const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    VIGIL_TRY(owner, HouseholdOwner(db_, household_id, ErrorCode::kNotFound));
    VIGIL_TRY(stmt, Statement::Prepare(db_,
                                       "UPDATE households SET epoch = ? "
                                       "WHERE household_id = ? AND epoch < ?"));
    Status updated = stmt.Bind(new_epoch, household_id, new_epoch).Run();
    if (!updated) return updated;
    if (Changes(db_) == 0) {
      return Fail(ErrorCode::kFailedPrecondition, "a household epoch only grows");
    }
    return Journal(db_, audit, journal_action::kHouseholdRotate, owner, household_id, household_id,
                   "epoch " + std::to_string(new_epoch));
  });
}

Status SqliteMetadataStore::SetHouseholdQuota(std::string_view household_id,
                                              std::optional<std::int64_t> quota_bytes,
                                              const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    VIGIL_TRY(owner, HouseholdOwner(db_, household_id, ErrorCode::kNotFound));
    VIGIL_TRY(stmt, Statement::Prepare(
                        db_, "UPDATE households SET quota_bytes = ? WHERE household_id = ?"));
    Status updated = stmt.Bind(quota_bytes, household_id).Run();
    if (!updated) return updated;
    return Journal(db_, audit, journal_action::kHouseholdQuota, owner, household_id, household_id,
                   quota_bytes ? std::to_string(*quota_bytes) + " bytes" : "unlimited");
  });
}

Result<HouseholdUsage> SqliteMetadataStore::GetHouseholdUsage(std::string_view household_id) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(
                      db_,
                      "SELECT "
                      "(SELECT coalesce(sum(size_bytes), 0) FROM clips WHERE household_id = ?1 "
                      "AND received_unix_s IS NOT NULL), "
                      "(SELECT coalesce(sum(size_bytes), 0) FROM clips WHERE household_id = ?1 "
                      "AND received_unix_s IS NULL), "
                      "quota_bytes FROM households WHERE household_id = ?1"));
  stmt.Bind(household_id);
  return QueryOne(
      stmt,
      [](const Statement& s) {
        return HouseholdUsage{s.Int(0), s.Int(1), s.OptionalInt(2)};
      },
      "no household " + Quoted(household_id));
}

Status SqliteMetadataStore::PutKeyEnvelope(const KeyEnvelopeRecord& e, const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    VIGIL_TRY(owner, HouseholdOwner(db_, e.household_id, ErrorCode::kFailedPrecondition));
    VIGIL_TRY(stmt, Statement::Prepare(
                        db_,
                        "INSERT INTO household_key_envelopes (household_id, device_id, epoch, "
                        "envelope, created_unix_s) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT (household_id, device_id, epoch) DO UPDATE SET "
                        "envelope = excluded.envelope, created_unix_s = excluded.created_unix_s"));
    Status put =
        stmt.Bind(e.household_id, e.device_id, e.epoch, e.envelope, e.created_unix_s).Run();
    if (!put) return put;
    return Journal(db_, audit, journal_action::kEnvelopePut, owner, e.household_id, e.device_id,
                   "epoch " + std::to_string(e.epoch));
  });
}

Result<std::vector<KeyEnvelopeRecord>> SqliteMetadataStore::ListKeyEnvelopes(
    std::string_view household_id, std::optional<std::int64_t> epoch) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_,
                                     "SELECT household_id, device_id, epoch, envelope, "
                                     "created_unix_s FROM household_key_envelopes "
                                     "WHERE household_id = ?1 AND (?2 IS NULL OR epoch = ?2) "
                                     "ORDER BY epoch, device_id"));
  stmt.Bind(household_id, epoch);
  return QueryAll(stmt, [](const Statement& s) {
    return KeyEnvelopeRecord{s.Text(0), s.Text(1), s.Int(2), s.Blob(3), s.Int(4)};
  });
}

// --- Pairing ---

Status SqliteMetadataStore::CreatePairingOffer(const PairingOffer& o) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_,
                                     "INSERT INTO pairing_offers (pairing_id, "
                                     "camera_sign_public_key, camera_box_public_key, mac, name, "
                                     "created_unix_s, expires_unix_s) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  return stmt
      .Bind(o.pairing_id, o.camera_sign_public_key, o.camera_box_public_key, o.mac, o.name,
            o.created_unix_s, o.expires_unix_s)
      .Run();
}

Result<PairingOffer> SqliteMetadataStore::GetPairingOffer(std::string_view pairing_id) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_,
                                     "SELECT pairing_id, camera_sign_public_key, "
                                     "camera_box_public_key, mac, name, created_unix_s, "
                                     "expires_unix_s FROM pairing_offers WHERE pairing_id = ?"));
  stmt.Bind(pairing_id);
  return QueryOne(
      stmt,
      [](const Statement& s) {
        return PairingOffer{s.Text(0), s.Blob(1), s.Blob(2), s.Blob(3),
                            s.Text(4), s.Int(5),  s.Int(6)};
      },
      "no pairing offer " + Quoted(pairing_id));
}

Status SqliteMetadataStore::ClaimPairing(const PairingClaim& c, std::string_view camera_name,
                                         const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    VIGIL_TRY(offer_stmt, Statement::Prepare(db_,
                                             "SELECT expires_unix_s, claim_payload IS NOT NULL, "
                                             "camera_sign_public_key FROM pairing_offers "
                                             "WHERE pairing_id = ?"));
    offer_stmt.Bind(c.pairing_id);
    VIGIL_TRY(row, offer_stmt.Step());
    if (!row) return Fail(ErrorCode::kNotFound, "no pairing offer " + Quoted(c.pairing_id));
    if (offer_stmt.Int(1) != 0) {
      return Fail(ErrorCode::kAlreadyExists, "pairing offer is already claimed");
    }
    if (c.claimed_unix_s >= offer_stmt.Int(0)) {
      return Fail(ErrorCode::kFailedPrecondition, "pairing offer has expired");
    }
    const Bytes sign_public_key = offer_stmt.Blob(2);
    VIGIL_TRY(owner, HouseholdOwner(db_, c.household_id, ErrorCode::kFailedPrecondition));

    VIGIL_TRY(claim, Statement::Prepare(db_,
                                        "UPDATE pairing_offers SET claim_payload = ?, "
                                        "household_id = ?, camera_id = ?, "
                                        "camera_credential_hash = ?, claimed_by_account_id = ?, "
                                        "claimed_unix_s = ? WHERE pairing_id = ?"));
    Status step = claim
                      .Bind(c.claim_payload, c.household_id, c.camera_id, c.camera_credential_hash,
                            c.claimed_by_account_id, c.claimed_unix_s, c.pairing_id)
                      .Run();
    if (!step) return step;
    VIGIL_TRY(camera, Statement::Prepare(db_, Sql("INSERT INTO cameras (", kCameraColumns,
                                                  ") VALUES (?, ?, ?, ?, ?, NULL, ?)")));
    step = camera
               .Bind(c.camera_id, c.household_id, camera_name, sign_public_key,
                     c.camera_credential_hash, c.claimed_unix_s)
               .Run();
    if (!step) return step;
    return Journal(db_, audit, journal_action::kPairingClaim, owner, c.household_id, c.camera_id);
  });
}

// One claim by pairing id or by camera id: the same row, two keys.
Result<PairingClaim> SqliteMetadataStore::QueryPairingClaim(const char* key_column,
                                                            std::string_view key,
                                                            const std::string& missing) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_, std::string("SELECT pairing_id, household_id, camera_id, "
                                                      "camera_credential_hash, claim_payload, "
                                                      "claimed_by_account_id, claimed_unix_s "
                                                      "FROM pairing_offers WHERE ") +
                                              key_column + " = ? AND claim_payload IS NOT NULL"));
  stmt.Bind(key);
  return QueryOne(
      stmt,
      [](const Statement& s) {
        return PairingClaim{s.Text(0), s.Text(1), s.Text(2), s.Blob(3),
                            s.Blob(4), s.Text(5), s.Int(6)};
      },
      missing);
}

Result<PairingClaim> SqliteMetadataStore::GetPairingClaim(std::string_view pairing_id) {
  return QueryPairingClaim("pairing_id", pairing_id,
                           "no claim for pairing offer " + Quoted(pairing_id));
}

Result<PairingClaim> SqliteMetadataStore::GetPairingClaimForCamera(std::string_view camera_id) {
  return QueryPairingClaim("camera_id", camera_id, "no claim for camera " + Quoted(camera_id));
}

Result<std::int64_t> SqliteMetadataStore::DeleteExpiredPairingOffers(std::int64_t now_unix_s) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_,
                                     "DELETE FROM pairing_offers WHERE claim_payload IS NULL "
                                     "AND expires_unix_s <= ?"));
  Status erased = stmt.Bind(now_unix_s).Run();
  if (!erased) return Fail(erased.error());
  return Changes(db_);
}

// --- Cameras ---

Status SqliteMetadataStore::CreateCamera(const CameraRecord& c, const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    VIGIL_TRY(owner, HouseholdOwner(db_, c.household_id, ErrorCode::kFailedPrecondition));
    VIGIL_TRY(stmt, Statement::Prepare(db_, Sql("INSERT INTO cameras (", kCameraColumns,
                                                ") VALUES (?, ?, ?, ?, ?, ?, ?)")));
    Status inserted = stmt.Bind(c.camera_id, c.household_id, c.name, c.sign_public_key,
                                c.credential_hash, c.retention_days, c.created_unix_s)
                          .Run();
    if (!inserted) return inserted;
    return Journal(db_, audit, journal_action::kCameraCreate, owner, c.household_id, c.camera_id);
  });
}

Result<CameraRecord> SqliteMetadataStore::GetCamera(std::string_view camera_id) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(
                      db_, Sql("SELECT ", kCameraColumns, " FROM cameras WHERE camera_id = ?")));
  stmt.Bind(camera_id);
  return QueryOne(stmt, ReadCamera, "no camera " + Quoted(camera_id));
}

Result<CameraRecord> SqliteMetadataStore::GetCameraByCredentialHash(ByteSpan credential_hash) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_, Sql("SELECT ", kCameraColumns,
                                              " FROM cameras WHERE credential_hash = ?")));
  stmt.Bind(credential_hash);
  return QueryOne(stmt, ReadCamera, "no camera with this credential");
}

Result<std::vector<CameraRecord>> SqliteMetadataStore::ListCameras(std::string_view household_id) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_, Sql("SELECT ", kCameraColumns,
                                              " FROM cameras WHERE household_id = ? "
                                              "ORDER BY created_unix_s, camera_id")));
  stmt.Bind(household_id);
  return QueryAll(stmt, ReadCamera);
}

Status SqliteMetadataStore::SetCameraRetention(std::string_view camera_id,
                                               std::optional<std::int64_t> retention_days,
                                               const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    VIGIL_TRY(find, Statement::Prepare(db_,
                                       "SELECT k.household_id, h.owner_account_id FROM cameras k "
                                       "JOIN households h USING (household_id) "
                                       "WHERE k.camera_id = ?"));
    find.Bind(camera_id);
    VIGIL_TRY(row, find.Step());
    if (!row) return Fail(ErrorCode::kNotFound, "no camera " + Quoted(camera_id));
    const std::string household_id = find.Text(0);
    const std::string owner = find.Text(1);
    VIGIL_TRY(stmt,
              Statement::Prepare(db_, "UPDATE cameras SET retention_days = ? WHERE camera_id = ?"));
    Status updated = stmt.Bind(retention_days, camera_id).Run();
    if (!updated) return updated;
    return Journal(db_, audit, journal_action::kCameraRetention, owner, household_id, camera_id,
                   retention_days ? std::to_string(*retention_days) + " days" : "keep");
  });
}

Result<std::vector<std::string>> SqliteMetadataStore::DeleteCamera(std::string_view camera_id,
                                                                   const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Result<std::vector<std::string>> {
    VIGIL_TRY(find, Statement::Prepare(db_,
                                       "SELECT k.household_id, h.owner_account_id FROM cameras k "
                                       "JOIN households h USING (household_id) "
                                       "WHERE k.camera_id = ?"));
    find.Bind(camera_id);
    VIGIL_TRY(row, find.Step());
    if (!row) return Fail(ErrorCode::kNotFound, "no camera " + Quoted(camera_id));
    const std::string household_id = find.Text(0);
    const std::string owner = find.Text(1);
    VIGIL_TRY(clips, ClipIds(db_, "camera_id = ?", camera_id));
    VIGIL_TRY(erase, Statement::Prepare(db_, "DELETE FROM cameras WHERE camera_id = ?"));
    Status erased = erase.Bind(camera_id).Run();
    if (!erased) return Fail(erased.error());
    Status journaled = Journal(db_, audit, journal_action::kCameraDelete, owner, household_id,
                               camera_id, std::to_string(clips.size()) + " clips deleted");
    if (!journaled) return Fail(journaled.error());
    return clips;
  });
}

// --- Clips ---

Result<ClipRecord> SqliteMetadataStore::DeclareClip(const ClipRecord& clip) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Result<ClipRecord> {
    VIGIL_TRY(existing_stmt, Statement::Prepare(db_, Sql("SELECT ", kClipColumns,
                                                         " FROM clips WHERE clip_id = ?")));
    existing_stmt.Bind(clip.clip_id);
    VIGIL_TRY(found, existing_stmt.Step());
    if (found) {
      ClipRecord existing = ReadClip(existing_stmt);
      if (existing.household_id == clip.household_id && existing.camera_id == clip.camera_id &&
          existing.size_bytes == clip.size_bytes && existing.sha256 == clip.sha256) {
        return existing;
      }
      return Fail(ErrorCode::kAlreadyExists,
                  "clip " + Quoted(clip.clip_id) + " was declared with other content");
    }
    VIGIL_TRY(camera_stmt,
              Statement::Prepare(db_, "SELECT household_id FROM cameras WHERE camera_id = ?"));
    camera_stmt.Bind(clip.camera_id);
    VIGIL_TRY(camera_row, camera_stmt.Step());
    if (!camera_row || camera_stmt.Text(0) != clip.household_id) {
      return Fail(
          ErrorCode::kFailedPrecondition,
          "camera " + Quoted(clip.camera_id) + " is not in household " + Quoted(clip.household_id));
    }
    VIGIL_TRY(quota_stmt,
              Statement::Prepare(db_,
                                 "SELECT quota_bytes, (SELECT coalesce(sum(size_bytes), 0) "
                                 "FROM clips WHERE household_id = ?1) "
                                 "FROM households WHERE household_id = ?1"));
    quota_stmt.Bind(clip.household_id);
    VIGIL_TRY(quota_row, quota_stmt.Step());
    if (!quota_row) {
      return Fail(ErrorCode::kFailedPrecondition, "no household " + Quoted(clip.household_id));
    }
    const std::optional<std::int64_t> quota = quota_stmt.OptionalInt(0);
    const std::int64_t used = quota_stmt.Int(1);
    // Pending uploads count, so concurrent declarations cannot overshoot.
    if (quota && (clip.size_bytes > *quota || used > *quota - clip.size_bytes)) {
      return Fail(ErrorCode::kResourceExhausted,
                  "household storage quota exceeded: " + std::to_string(used) + " of " +
                      std::to_string(*quota) + " bytes used, the clip needs " +
                      std::to_string(clip.size_bytes));
    }
    VIGIL_TRY(insert,
              Statement::Prepare(db_, Sql("INSERT INTO clips (", kClipColumns,
                                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)")));
    Status inserted = insert
                          .Bind(clip.clip_id, clip.household_id, clip.camera_id,
                                clip.start_unix_min, clip.duration_s, clip.size_bytes, clip.sha256,
                                clip.sequence, clip.envelope, clip.declared_unix_s)
                          .Run();
    if (!inserted) return Fail(inserted.error());
    ClipRecord stored = clip;
    stored.received_unix_s.reset();
    return stored;
  });
}

Status SqliteMetadataStore::MarkClipCommitted(std::string_view clip_id, const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    VIGIL_TRY(find, Statement::Prepare(db_,
                                       "SELECT c.household_id, h.owner_account_id, "
                                       "c.received_unix_s IS NOT NULL FROM clips c "
                                       "JOIN households h USING (household_id) "
                                       "WHERE c.clip_id = ?"));
    find.Bind(clip_id);
    VIGIL_TRY(row, find.Step());
    if (!row) return Fail(ErrorCode::kNotFound, "no clip " + Quoted(clip_id));
    if (find.Int(2) != 0) return OkStatus();  // a retry: already committed
    const std::string household_id = find.Text(0);
    const std::string owner = find.Text(1);
    VIGIL_TRY(stmt,
              Statement::Prepare(db_, "UPDATE clips SET received_unix_s = ? WHERE clip_id = ?"));
    Status updated = stmt.Bind(audit.now_unix_s, clip_id).Run();
    if (!updated) return updated;
    return Journal(db_, audit, journal_action::kClipCommit, owner, household_id, clip_id);
  });
}

Result<ClipRecord> SqliteMetadataStore::GetClip(std::string_view clip_id) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt,
            Statement::Prepare(db_, Sql("SELECT ", kClipColumns, " FROM clips WHERE clip_id = ?")));
  stmt.Bind(clip_id);
  return QueryOne(stmt, ReadClip, "no clip " + Quoted(clip_id));
}

Result<std::vector<ClipRecord>> SqliteMetadataStore::ListClips(std::string_view household_id,
                                                               const ClipFilter& filter) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_, Sql("SELECT ", kClipColumns,
                                              " FROM clips WHERE household_id = ?1 "
                                              "AND received_unix_s IS NOT NULL "
                                              "AND (?2 IS NULL OR camera_id = ?2) "
                                              "AND (?3 IS NULL OR received_unix_s >= ?3) "
                                              "ORDER BY received_unix_s DESC, clip_id LIMIT ?4")));
  stmt.Bind(household_id, filter.camera_id, filter.since_unix_s,
            ClampLimit(filter.limit, kMaxListRows));
  return QueryAll(stmt, ReadClip);
}

Status SqliteMetadataStore::DeleteClip(std::string_view clip_id, const Audit& audit) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    VIGIL_TRY(find, Statement::Prepare(db_,
                                       "SELECT c.household_id, h.owner_account_id FROM clips c "
                                       "JOIN households h USING (household_id) "
                                       "WHERE c.clip_id = ?"));
    find.Bind(clip_id);
    VIGIL_TRY(row, find.Step());
    if (!row) return Fail(ErrorCode::kNotFound, "no clip " + Quoted(clip_id));
    const std::string household_id = find.Text(0);
    const std::string owner = find.Text(1);
    VIGIL_TRY(erase, Statement::Prepare(db_, "DELETE FROM clips WHERE clip_id = ?"));
    Status erased = erase.Bind(clip_id).Run();
    if (!erased) return erased;
    return Journal(db_, audit, journal_action::kClipDelete, owner, household_id, clip_id);
  });
}

Result<std::vector<ClipRecord>> SqliteMetadataStore::ListExpiredClips(std::int64_t now_unix_s,
                                                                      std::size_t limit) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt,
            Statement::Prepare(db_, Sql("SELECT ", kClipColumns,
                                        " FROM clips WHERE received_unix_s IS NOT NULL AND "
                                        "received_unix_s + (SELECT retention_days FROM cameras "
                                        "WHERE cameras.camera_id = clips.camera_id) * ?1 <= ?2 "
                                        "ORDER BY received_unix_s, clip_id LIMIT ?3")));
  // A NULL retention makes the sum NULL, and NULL <= now is not true.
  stmt.Bind(kSecondsPerDay, now_unix_s, ClampLimit(limit, kMaxListRows));
  return QueryAll(stmt, ReadClip);
}

Result<std::vector<ClipRecord>> SqliteMetadataStore::ListStaleUploads(
    std::int64_t declared_before_unix_s, std::size_t limit) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_, Sql("SELECT ", kClipColumns,
                                              " FROM clips WHERE received_unix_s IS NULL "
                                              "AND declared_unix_s <= ? "
                                              "ORDER BY declared_unix_s, clip_id LIMIT ?")));
  stmt.Bind(declared_before_unix_s, ClampLimit(limit, kMaxListRows));
  return QueryAll(stmt, ReadClip);
}

// --- Alerts and heartbeats ---

namespace {

constexpr std::string_view kAlertColumns =
    "alert_id, household_id, camera_id, alert, received_unix_s";
AlertRecord ReadAlert(const Statement& s) {
  return AlertRecord{s.Text(0), s.Text(1), s.Text(2), s.Blob(3), s.Int(4)};
}

constexpr std::string_view kHeartbeatColumns = "camera_id, heartbeat, received_unix_s";
HeartbeatRecord ReadHeartbeat(const Statement& s) {
  return HeartbeatRecord{s.Text(0), s.Blob(1), s.Int(2)};
}

}  // namespace

Result<PutAlertResult> SqliteMetadataStore::PutAlert(const AlertRecord& alert) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Result<PutAlertResult> {
    VIGIL_TRY(existing, Statement::Prepare(
                            db_, Sql("SELECT ", kAlertColumns, " FROM alerts WHERE alert_id = ?")));
    existing.Bind(alert.alert_id);
    VIGIL_TRY(found, existing.Step());
    if (found) {
      AlertRecord stored = ReadAlert(existing);
      // A camera retrying after a lost reply: same bytes, same answer.
      if (stored.household_id == alert.household_id && stored.camera_id == alert.camera_id &&
          stored.alert == alert.alert) {
        return PutAlertResult{std::move(stored), false};
      }
      return Fail(ErrorCode::kAlreadyExists,
                  "alert " + Quoted(alert.alert_id) + " was stored with other content");
    }
    VIGIL_TRY(camera,
              Statement::Prepare(db_, "SELECT household_id FROM cameras WHERE camera_id = ?"));
    camera.Bind(alert.camera_id);
    VIGIL_TRY(camera_row, camera.Step());
    if (!camera_row || camera.Text(0) != alert.household_id) {
      return Fail(ErrorCode::kFailedPrecondition, "camera " + Quoted(alert.camera_id) +
                                                      " is not in household " +
                                                      Quoted(alert.household_id));
    }
    VIGIL_TRY(insert, Statement::Prepare(db_, Sql("INSERT INTO alerts (", kAlertColumns,
                                                  ") VALUES (?, ?, ?, ?, ?)")));
    Status inserted = insert
                          .Bind(alert.alert_id, alert.household_id, alert.camera_id, alert.alert,
                                alert.received_unix_s)
                          .Run();
    if (!inserted) return Fail(inserted.error());
    return PutAlertResult{alert, true};
  });
}

Result<std::vector<AlertRecord>> SqliteMetadataStore::ListAlerts(
    std::string_view household_id, std::optional<std::int64_t> since_unix_s, std::size_t limit) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_, Sql("SELECT ", kAlertColumns,
                                              " FROM alerts WHERE household_id = ?1 "
                                              "AND (?2 IS NULL OR received_unix_s >= ?2) "
                                              "ORDER BY received_unix_s, rowid LIMIT ?3")));
  stmt.Bind(household_id, since_unix_s, ClampLimit(limit, kMaxListRows));
  return QueryAll(stmt, ReadAlert);
}

Result<std::int64_t> SqliteMetadataStore::DeleteAlertsReceivedBefore(std::int64_t before_unix_s) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_, "DELETE FROM alerts WHERE received_unix_s < ?"));
  Status erased = stmt.Bind(before_unix_s).Run();
  if (!erased) return Fail(erased.error());
  return Changes(db_);
}

Status SqliteMetadataStore::PutHeartbeat(const HeartbeatRecord& h) {
  std::lock_guard lock(mu_);
  return InTransaction(db_, [&]() -> Status {
    VIGIL_TRY(camera, Statement::Prepare(db_, "SELECT 1 FROM cameras WHERE camera_id = ?"));
    camera.Bind(h.camera_id);
    VIGIL_TRY(camera_row, camera.Step());
    if (!camera_row) {
      return Fail(ErrorCode::kFailedPrecondition, "no camera " + Quoted(h.camera_id));
    }
    VIGIL_TRY(upsert, Statement::Prepare(db_, Sql("INSERT INTO heartbeats (", kHeartbeatColumns,
                                                  ") VALUES (?1, ?2, ?3) ON CONFLICT (camera_id) "
                                                  "DO UPDATE SET heartbeat = ?2, "
                                                  "received_unix_s = ?3")));
    return upsert.Bind(h.camera_id, h.heartbeat, h.received_unix_s).Run();
  });
}

Result<std::vector<HeartbeatRecord>> SqliteMetadataStore::ListHeartbeats(
    std::string_view household_id) {
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(db_,
                                     "SELECT b.camera_id, b.heartbeat, b.received_unix_s "
                                     "FROM heartbeats b JOIN cameras k USING (camera_id) "
                                     "WHERE k.household_id = ? ORDER BY b.camera_id"));
  stmt.Bind(household_id);
  return QueryAll(stmt, ReadHeartbeat);
}

// --- SecurityJournal ---

Status SqliteMetadataStore::Append(const JournalRecord& record) {
  std::lock_guard lock(mu_);
  return InsertJournal(db_, record);
}

Result<std::vector<JournalRecord>> SqliteMetadataStore::List(JournalScope scope,
                                                             std::string_view id,
                                                             std::int64_t since_unix_s,
                                                             std::size_t limit) {
  if (id.empty()) return Fail(ErrorCode::kInvalidArgument, "journal scope id is empty");
  const std::string_view column = scope == JournalScope::kAccount ? "account_id" : "household_id";
  std::lock_guard lock(mu_);
  VIGIL_TRY(stmt, Statement::Prepare(
                      db_, Sql("SELECT seq, time_unix_s, account_id, household_id, actor, action, "
                               "object_id, detail FROM security_journal WHERE ",
                               column, " = ? AND time_unix_s >= ? ORDER BY seq LIMIT ?")));
  stmt.Bind(id, since_unix_s, ClampLimit(limit, kMaxJournalListRecords));
  return QueryAll(stmt, [](const Statement& s) {
    return JournalRecord{s.Int(0),  s.Int(1),  s.Text(2), s.Text(3),
                         s.Text(4), s.Text(5), s.Text(6), s.Text(7)};
  });
}

}  // namespace vigil::store

// SPDX-License-Identifier: Apache-2.0
#include "internal/sqlite.h"

#include <climits>
#include <string>

namespace vigil::store::internal {
namespace {

ErrorCode CodeForSqlite(int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_ROWID: return ErrorCode::kAlreadyExists;
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_DATATYPE: return ErrorCode::kInvalidArgument;
    case SQLITE_CONSTRAINT_FOREIGNKEY: return ErrorCode::kFailedPrecondition;
    case SQLITE_IOERR_NOMEM: return ErrorCode::kResourceExhausted;
    default: break;
  }
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return ErrorCode::kInternal;  // not an error; a caller bug
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL: return ErrorCode::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_IOERR: return ErrorCode::kDataLoss;
    case SQLITE_FULL:
    case SQLITE_NOMEM: return ErrorCode::kResourceExhausted;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH: return ErrorCode::kPermissionDenied;
    case SQLITE_CANTOPEN: return ErrorCode::kNotFound;
    case SQLITE_CONSTRAINT: return ErrorCode::kFailedPrecondition;
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH: return ErrorCode::kInvalidArgument;
    case SQLITE_INTERRUPT: return ErrorCode::kCancelled;
    case SQLITE_NOLFS: return ErrorCode::kUnimplemented;
    default: return ErrorCode::kInternal;
  }
}

}  // namespace

Error FromSqlite(int rc, std::string_view what, sqlite3* db) {
  std::string message(what);
  message += ": ";
  // sqlite3_errmsg describes the most recent failure on `db`, which carries
  // detail (the constraint that failed); fall back to the generic text.
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) {
    message += sqlite3_errmsg(db);
  } else {
    message += sqlite3_errstr(rc);
  }
  return Error{CodeForSqlite(rc), std::move(message)};
}

Status Exec(sqlite3* db, std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Fail(FromSqlite(rc, "sqlite exec", db));
  return OkStatus();
}

Result<Statement> Statement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sql.size() > static_cast<std::size_t>(INT_MAX)) {
    return Fail(ErrorCode::kInternal, "sql text too long");
  }
  const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Fail(FromSqlite(rc, "sqlite prepare", db));
  }
  return Statement(db, stmt);
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::Record(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  ++next_index_;
}

void Statement::BindOne(std::int64_t value) {
  Record(sqlite3_bind_int64(stmt_, next_index_, value));
}

void Statement::BindOne(std::string_view value) {
  if (value.size() > static_cast<std::size_t>(INT_MAX)) {
    Record(SQLITE_TOOBIG);
    return;
  }
  // A null data pointer would bind NULL; an empty string stays a string.
  const char* data = value.data() != nullptr ? value.data() : "";
  Record(sqlite3_bind_text(stmt_, next_index_, data, static_cast<int>(value.size()),
                           SQLITE_TRANSIENT));
}

void Statement::BindOne(ByteSpan value) {
  if (value.size() > static_cast<std::size_t>(INT_MAX)) {
    Record(SQLITE_TOOBIG);
    return;
  }
  if (value.empty()) {
    // sqlite3_bind_blob with no data binds NULL; an empty BLOB is zeroblob(0).
    Record(sqlite3_bind_zeroblob(stmt_, next_index_, 0));
    return;
  }
  Record(sqlite3_bind_blob(stmt_, next_index_, value.data(), static_cast<int>(value.size()),
                           SQLITE_TRANSIENT));
}

void Statement::BindOne(std::nullopt_t) { Record(sqlite3_bind_null(stmt_, next_index_)); }

Result<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) return Fail(FromSqlite(bind_rc_, "sqlite bind", db_));
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Fail(FromSqlite(sqlite3_extended_errcode(db_), "sqlite step", db_));
}

Status Statement::Run() {
  VIGIL_TRY(row, Step());
  if (row) return Fail(ErrorCode::kInternal, "statement unexpectedly returned a row");
  return OkStatus();
}

void Statement::Reset() { sqlite3_reset(stmt_); }

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<std::int64_t> Statement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

std::string Statement::Text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

Bytes Statement::Blob(int column) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return Bytes(data, data + size);
}

Result<Transaction> Transaction::Begin(sqlite3* db) {
  Status begun = Exec(db, "BEGIN IMMEDIATE");
  if (!begun) return Fail(begun.error());
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) {
    // Nothing useful can be done if ROLLBACK fails: SQLite then rolls back
    // when the connection next starts a transaction or closes.
    (void)Exec(db_, "ROLLBACK");
  }
}

Status Transaction::Commit() {
  sqlite3* db = std::exchange(db_, nullptr);
  Status committed = Exec(db, "COMMIT");
  if (!committed) {
    // A failed COMMIT (e.g. SQLITE_BUSY or SQLITE_FULL) may leave the
    // transaction open; roll it back so the connection stays usable.
    if (!sqlite3_get_autocommit(db)) (void)Exec(db, "ROLLBACK");
  }
  return committed;
}

}  // namespace vigil::store::internal

// SPDX-License-Identifier: Apache-2.0
#pragma once

// A thin RAII layer over the SQLite C API for this module only: statements
// with typed binding, transactions, and the one mapping from SQLite result
// codes to Vigil errors (FromSqlite). Nothing here is thread-safe; the caller
// serializes (SqliteMetadataStore holds a mutex around every use).

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"

namespace vigil::store::internal {

// The one mapping from SQLite result codes (primary or extended) to Vigil
// errors: SQLITE_BUSY/LOCKED → kUnavailable, SQLITE_CORRUPT/NOTADB →
// kDataLoss, SQLITE_FULL/NOMEM → kResourceExhausted, UNIQUE/PRIMARY KEY
// constraint → kAlreadyExists, CHECK/NOT NULL/type constraint →
// kInvalidArgument, FOREIGN KEY constraint → kFailedPrecondition, SQLITE_IOERR →
// kDataLoss (as EIO in FromErrno), READONLY/PERM/AUTH → kPermissionDenied,
// SQLITE_INTERRUPT → kCancelled, anything else → kInternal. The message is
// "<what>: <sqlite message>"; `db` (optional) supplies the detailed message.
Error FromSqlite(int rc, std::string_view what, sqlite3* db = nullptr);

// Runs one or more SQL statements without parameters or results.
Status Exec(sqlite3* db, std::string_view sql);

// A prepared statement. Bind parameters in order with Bind(...), then Step()
// or Run(). Move-only; finalized on destruction.
class Statement {
 public:
  static Result<Statement> Prepare(sqlite3* db, std::string_view sql);

  Statement(Statement&& other) noexcept
      : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds the next parameters (1, 2, … in call order). Supported: integers,
  // strings, byte spans (an empty span binds an empty BLOB, not NULL),
  // std::optional of those (nullopt binds NULL). A failure is reported by the
  // next Step()/Run().
  template <class... Args>
  Statement& Bind(const Args&... args) {
    (BindOne(args), ...);
    return *this;
  }

  // Executes one step: true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion; fails with kInternal if the statement returns a row.
  Status Run();

  // Ends the current execution (releasing its read snapshot) so the
  // statement holds nothing open; bindings are kept.
  void Reset();

  // Column readers for the current row (0-based).
  bool IsNull(int column) const;
  std::int64_t Int(int column) const;
  std::optional<std::int64_t> OptionalInt(int column) const;
  std::string Text(int column) const;
  Bytes Blob(int column) const;

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  void BindOne(std::int64_t value);
  void BindOne(int value) { BindOne(static_cast<std::int64_t>(value)); }
  void BindOne(std::uint32_t value) { BindOne(static_cast<std::int64_t>(value)); }
  void BindOne(std::string_view value);
  void BindOne(const std::string& value) { BindOne(std::string_view(value)); }
  void BindOne(const char* value) { BindOne(std::string_view(value)); }
  void BindOne(ByteSpan value);
  void BindOne(const Bytes& value) { BindOne(ByteSpan(value)); }
  void BindOne(std::nullopt_t);
  template <class T>
  void BindOne(const std::optional<T>& value) {
    if (value) {
      BindOne(*value);
    } else {
      BindOne(std::nullopt);
    }
  }
  void Record(int rc);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int next_index_ = 1;
  int bind_rc_ = SQLITE_OK;
};

// BEGIN IMMEDIATE … COMMIT. The write lock is taken at Begin, so a busy
// database fails there (kUnavailable) and never half-way through. Destroying
// an uncommitted transaction rolls it back.
class Transaction {
 public:
  static Result<Transaction> Begin(sqlite3* db);
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status Commit();

 private:
  explicit Transaction(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace vigil::store::internal

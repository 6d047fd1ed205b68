// SPDX-License-Identifier: Apache-2.0
#pragma once

// The security journal: an append-only record of security-relevant events
// (logins, revocations, password changes, pairings, deletions) that the owner
// can list. SqliteMetadataStore implements it in the metadata database and
// writes each mutation's record in that mutation's transaction; the
// transparency-log issue will implement the same interface over a Merkle log.
// See docs/design/003-storage-schema.md §Journal.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/result.h"

namespace vigil::store {

// The actions the store itself records ("<object>.<verb>"). Append accepts
// any action of 3..64 characters of [a-z_.], so callers may add their own
// (e.g. "login.fail") without changing this module.
namespace journal_action {
inline constexpr std::string_view kAccountCreate = "account.create";
inline constexpr std::string_view kAccountDelete = "account.delete";
inline constexpr std::string_view kPasswordChange = "password.change";
inline constexpr std::string_view kAccountRecover = "account.recover";
inline constexpr std::string_view kTotpEnable = "totp.enable";
inline constexpr std::string_view kTotpDisable = "totp.disable";
inline constexpr std::string_view kSessionCreate = "session.create";
inline constexpr std::string_view kSessionRevoke = "session.revoke";
inline constexpr std::string_view kKeychainAppend = "keychain.append";
inline constexpr std::string_view kHouseholdCreate = "household.create";
inline constexpr std::string_view kHouseholdRotate = "household.rotate";
inline constexpr std::string_view kHouseholdQuota = "household.quota";
inline constexpr std::string_view kEnvelopePut = "envelope.put";
inline constexpr std::string_view kPairingClaim = "pairing.claim";
inline constexpr std::string_view kCameraCreate = "camera.create";
inline constexpr std::string_view kCameraRetention = "camera.retention";
inline constexpr std::string_view kCameraDelete = "camera.delete";
inline constexpr std::string_view kClipCommit = "clip.commit";
inline constexpr std::string_view kClipDelete = "clip.delete";
}  // namespace journal_action

// One journal record. Records hold ids only — never an email, key, token or
// anything that decrypts — so they may outlive the objects they name (an
// account's records survive its deletion).
struct JournalRecord {
  // Position in the journal, assigned by Append (ignored on input); strictly
  // increasing in append order.
  std::int64_t seq = 0;
  // When it happened, unix seconds UTC (the server's clock).
  std::int64_t time_unix_s = 0;
  // The account concerned ("" if none); household events carry the owner.
  std::string account_id;
  // The household concerned ("" if none).
  std::string household_id;
  // Who acted: an account, camera or device id (1..64 characters).
  std::string actor;
  // What happened: see journal_action.
  std::string action;
  // What it happened to: session id, camera id, clip id … ("" if none).
  std::string object_id;
  // Free text for people (source address, counts); no secrets; ≤ 1024 bytes.
  std::string detail;

  bool operator==(const JournalRecord&) const = default;
};

enum class JournalScope : std::uint8_t { kAccount, kHousehold };

inline constexpr std::size_t kMaxJournalListRecords = 1000;

// Append-only journal. Implementations are thread-safe.
class SecurityJournal {
 public:
  virtual ~SecurityJournal() = default;

  // Appends `record` (its `seq` is ignored). kInvalidArgument if a field is
  // out of its range (see JournalRecord).
  virtual Status Append(const JournalRecord& record) = 0;

  // Records of one account or household with time_unix_s >= since_unix_s, in
  // append order, at most `limit` (capped at kMaxJournalListRecords) — the
  // oldest first, so a caller pages on by passing the last record's time.
  virtual Result<std::vector<JournalRecord>> List(JournalScope scope, std::string_view id,
                                                  std::int64_t since_unix_s, std::size_t limit) = 0;
};

}  // namespace vigil::store

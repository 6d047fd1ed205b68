// SPDX-License-Identifier: Apache-2.0
#pragma once

// MetadataStore and SecurityJournal over one SQLite database file
// (normally DATA/vigil.db). See docs/design/003-storage-schema.md.

#include <memory>
#include <mutex>
#include <string>

#include "vigil/store/metadata_store.h"
#include "vigil/store/security_journal.h"

struct sqlite3;

namespace vigil::store {

// The connection runs with journal_mode=WAL, synchronous=FULL (a committed
// transaction survives power loss), secure_delete=ON (deleted rows are
// overwritten, which crypto-shredding relies on), foreign_keys=ON and a busy
// timeout (kDefaultBusyTimeoutMs): a transaction waits that long for another
// process's write lock (e.g. an online backup) before failing kUnavailable.
//
// Thread safety: thread-safe. One connection, and one mutex held for the
// whole of every method, so calls are serialized and each method is one
// transaction. Fine for a household-scale server (each call is well under a
// millisecond plus, for writes, one fsync); see the design doc for the
// connection-pool alternative.
class SqliteMetadataStore final : public MetadataStore, public SecurityJournal {
 public:
  static constexpr int kDefaultBusyTimeoutMs = 5000;

  // Opens (creating if absent) the database at `path` and applies every
  // pending migration of schema/ in one transaction. Fails with
  // kFailedPrecondition if the database has a schema version newer than this
  // binary knows, kDataLoss if the file is not a database or is corrupt.
  static Result<std::unique_ptr<SqliteMetadataStore>> Open(
      const std::string& path, int busy_timeout_ms = kDefaultBusyTimeoutMs);

  ~SqliteMetadataStore() override;
  SqliteMetadataStore(const SqliteMetadataStore&) = delete;
  SqliteMetadataStore& operator=(const SqliteMetadataStore&) = delete;

  // The newest applied migration (for diagnostics and tests).
  Result<int> SchemaVersion();

  // MetadataStore.
  Status CreateAccount(const AccountRecord& account, const Audit& audit) override;
  Result<AccountRecord> GetAccountByEmail(std::string_view email) override;
  Result<AccountRecord> GetAccountById(std::string_view account_id) override;
  Result<std::vector<Bytes>> UpdateCredentials(const CredentialUpdate& update,
                                               ByteSpan keep_session_hash,
                                               const Audit& audit) override;
  Result<std::vector<std::string>> DeleteAccount(std::string_view account_id,
                                                 const Audit& audit) override;
  Status SetTotp(std::string_view account_id, ByteSpan seed_encrypted, const Audit& audit) override;
  Status ClearTotp(std::string_view account_id, const Audit& audit) override;
  Result<TotpState> GetTotp(std::string_view account_id) override;
  Result<bool> AcceptTotpStep(std::string_view account_id, std::int64_t time_step) override;
  Status CreateSession(const SessionRecord& session, const Audit& audit) override;
  Result<SessionRecord> LookupSession(ByteSpan session_hash) override;
  Status TouchSession(ByteSpan session_hash, std::int64_t now_unix_s) override;
  Result<std::vector<SessionRecord>> ListSessions(std::string_view account_id) override;
  Result<Bytes> RevokeSession(std::string_view account_id, std::string_view session_prefix_hex,
                              const Audit& audit) override;
  Result<std::vector<Bytes>> RevokeOtherSessions(std::string_view account_id,
                                                 ByteSpan keep_session_hash,
                                                 const Audit& audit) override;
  Status AppendKeyChainVersion(const KeyChainVersion& version, const Audit& audit) override;
  Result<std::vector<KeyChainVersion>> ListKeyChain(std::string_view account_id,
                                                    std::int64_t after_version) override;
  Status CreateHousehold(const HouseholdRecord& household, const Audit& audit) override;
  Result<HouseholdRecord> GetHousehold(std::string_view household_id) override;
  Result<std::vector<HouseholdRecord>> ListHouseholdsByOwner(
      std::string_view owner_account_id) override;
  Status SetHouseholdEpoch(std::string_view household_id, std::int64_t new_epoch,
                           const Audit& audit) override;
  Status SetHouseholdQuota(std::string_view household_id, std::optional<std::int64_t> quota_bytes,
                           const Audit& audit) override;
  Result<HouseholdUsage> GetHouseholdUsage(std::string_view household_id) override;
  Status PutKeyEnvelope(const KeyEnvelopeRecord& envelope, const Audit& audit) override;
  Result<std::vector<KeyEnvelopeRecord>> ListKeyEnvelopes(
      std::string_view household_id, std::optional<std::int64_t> epoch) override;
  Status CreatePairingOffer(const PairingOffer& offer) override;
  Result<PairingOffer> GetPairingOffer(std::string_view pairing_id) override;
  Status ClaimPairing(const PairingClaim& claim, std::string_view camera_name,
                      const Audit& audit) override;
  Result<PairingClaim> GetPairingClaim(std::string_view pairing_id) override;
  Result<PairingClaim> GetPairingClaimForCamera(std::string_view camera_id) override;
  Result<std::int64_t> DeleteExpiredPairingOffers(std::int64_t now_unix_s) override;
  Status CreateCamera(const CameraRecord& camera, const Audit& audit) override;
  Result<CameraRecord> GetCamera(std::string_view camera_id) override;
  Result<CameraRecord> GetCameraByCredentialHash(ByteSpan credential_hash) override;
  Result<std::vector<CameraRecord>> ListCameras(std::string_view household_id) override;
  Status SetCameraRetention(std::string_view camera_id, std::optional<std::int64_t> retention_days,
                            const Audit& audit) override;
  Result<std::vector<std::string>> DeleteCamera(std::string_view camera_id,
                                                const Audit& audit) override;
  Result<ClipRecord> DeclareClip(const ClipRecord& clip) override;
  Status MarkClipCommitted(std::string_view clip_id, const Audit& audit) override;
  Result<ClipRecord> GetClip(std::string_view clip_id) override;
  Result<std::vector<ClipRecord>> ListClips(std::string_view household_id,
                                            const ClipFilter& filter) override;
  Status DeleteClip(std::string_view clip_id, const Audit& audit) override;
  Result<std::vector<ClipRecord>> ListExpiredClips(std::int64_t now_unix_s,
                                                   std::size_t limit) override;
  Result<std::vector<ClipRecord>> ListStaleUploads(std::int64_t declared_before_unix_s,
                                                   std::size_t limit) override;
  Result<PutAlertResult> PutAlert(const AlertRecord& alert) override;
  Result<std::vector<AlertRecord>> ListAlerts(std::string_view household_id,
                                              std::optional<std::int64_t> since_unix_s,
                                              std::size_t limit) override;
  Result<std::int64_t> DeleteAlertsReceivedBefore(std::int64_t before_unix_s) override;
  Status PutHeartbeat(const HeartbeatRecord& heartbeat) override;
  Result<std::vector<HeartbeatRecord>> ListHeartbeats(std::string_view household_id) override;

  // SecurityJournal.
  Status Append(const JournalRecord& record) override;
  Result<std::vector<JournalRecord>> List(JournalScope scope, std::string_view id,
                                          std::int64_t since_unix_s, std::size_t limit) override;

 private:
  Result<PairingClaim> QueryPairingClaim(const char* key_column, std::string_view key,
                                         const std::string& missing);
  explicit SqliteMetadataStore(sqlite3* db) : db_(db) {}

  std::mutex mu_;
  sqlite3* db_;  // guarded by mu_
};

}  // namespace vigil::store

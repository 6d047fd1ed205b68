// SPDX-License-Identifier: Apache-2.0
#pragma once

// MetadataStore: every row vigild keeps — accounts, TOTP, sessions, key
// chains, households and their key envelopes, pairing offers, cameras, clips.
// Value-typed: plain structs, std::string ids, Bytes for opaque blobs, times
// as int64 unix seconds UTC (`*_unix_s`; `start_unix_min` is unix minutes).
// The server never gives the store a value that decrypts anything (002 §Keys).
// Schema and procedures: docs/design/003-storage-schema.md.
//
// Errors (every method): kNotFound (no such row), kAlreadyExists (unique id,
// email, credential taken), kInvalidArgument (a value outside its column's
// CHECK: id 1..64 chars, hash 32 bytes …), kFailedPrecondition (a referenced
// row is missing, or the state forbids it), kResourceExhausted (quota, disk
// full), kUnavailable (database busy: retry), kDataLoss (corrupt database or
// I/O error).
//
// Methods marked [journal] append a SecurityJournal record in the same
// transaction as the change, with time, actor and detail from `Audit`.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/store/blob_store.h"

namespace vigil::store {

inline constexpr std::size_t kAccountSaltBytes = 16;
inline constexpr std::size_t kHashBytes = 32;  // session/credential hashes, verifiers, digests
// Session ids shown to owners are the first 16 hex digits of the session hash;
// revocation accepts any unique prefix of at least kMinSessionPrefixHex digits.
inline constexpr std::size_t kSessionIdHex = 16;
inline constexpr std::size_t kMinSessionPrefixHex = 8;
// Largest page returned by a List… method.
inline constexpr std::size_t kMaxListRows = 1000;

// Who performs a mutation, for its journal record.
struct Audit {
  std::int64_t now_unix_s = 0;  // also the mutation's time where it needs one
  std::string actor;            // account, camera or device id (1..64 chars)
  std::string detail;           // free text, no secrets (source address …)
};

struct AccountRecord {
  std::string account_id;
  std::string email;   // lower-cased by the caller
  Bytes account_salt;  // kAccountSaltBytes
  std::uint32_t argon2_time_cost = 0;
  std::uint32_t argon2_memory_kib = 0;
  Bytes auth_verifier;  // kHashBytes
  Bytes wrapped_keyring;
  Bytes recovery_wrapped_keyring;
  std::int64_t created_unix_s = 0;
  // The recovery code's salt (kAccountSaltBytes) and HMAC-SHA256(server_secret,
  // recovery_auth_key) (kHashBytes): both set, or both nullopt for an account
  // made before migration 002 (whose recovery code the server cannot check).
  std::optional<Bytes> recovery_salt;
  std::optional<Bytes> recovery_verifier;
  bool operator==(const AccountRecord&) const = default;
};

// New login credentials after a password change or recovery.
struct CredentialUpdate {
  std::string account_id;
  Bytes account_salt;
  std::uint32_t argon2_time_cost = 0;
  std::uint32_t argon2_memory_kib = 0;
  Bytes auth_verifier;
  Bytes wrapped_keyring;
  // The recovery copy: replaced only when all three are set (a recovery
  // re-wraps under a new recovery code); a password change leaves them as
  // they are. Setting some but not all is kInvalidArgument.
  std::optional<Bytes> recovery_wrapped_keyring;
  std::optional<Bytes> recovery_salt;
  std::optional<Bytes> recovery_verifier;
};

struct TotpState {
  Bytes seed_encrypted;
  std::optional<std::int64_t> last_accepted_step;  // RFC 6238 step of the last accepted code
  std::int64_t enabled_unix_s = 0;
  bool operator==(const TotpState&) const = default;
};

struct SessionRecord {
  Bytes session_hash;  // SHA-256 of the bearer token, kHashBytes
  std::string account_id;
  std::string device_id;
  std::int64_t created_unix_s = 0;
  std::int64_t last_used_unix_s = 0;
  std::string source;
  bool operator==(const SessionRecord&) const = default;
};

// The id shown to owners for a session: HexEncode(hash) truncated to kSessionIdHex.
std::string SessionId(ByteSpan session_hash);

struct KeyChainVersion {
  std::string account_id;
  std::int64_t version = 0;  // 1, 2, 3 …
  Bytes payload;
  Bytes signature;  // Ed25519, 64 bytes
  std::int64_t created_unix_s = 0;
  bool operator==(const KeyChainVersion&) const = default;
};

struct HouseholdRecord {
  std::string household_id;
  std::string owner_account_id;
  std::int64_t epoch = 1;
  std::optional<std::int64_t> quota_bytes;  // nullopt = unlimited
  std::int64_t created_unix_s = 0;
  bool operator==(const HouseholdRecord&) const = default;
};

struct KeyEnvelopeRecord {
  std::string household_id;
  std::string device_id;
  std::int64_t epoch = 0;
  Bytes envelope;
  std::int64_t created_unix_s = 0;
  bool operator==(const KeyEnvelopeRecord&) const = default;
};

struct HouseholdUsage {
  std::int64_t committed_bytes = 0;  // sum of committed clips' size_bytes
  std::int64_t pending_bytes = 0;    // declared, not yet committed
  std::optional<std::int64_t> quota_bytes;
  bool operator==(const HouseholdUsage&) const = default;
};

struct PairingOffer {
  std::string pairing_id;
  Bytes camera_sign_public_key;  // 32 bytes
  Bytes camera_box_public_key;   // 32 bytes
  Bytes mac;                     // 32 bytes
  std::string name;
  std::int64_t created_unix_s = 0;
  std::int64_t expires_unix_s = 0;
  bool operator==(const PairingOffer&) const = default;
};

struct PairingClaim {
  std::string pairing_id;
  std::string household_id;
  std::string camera_id;
  Bytes camera_credential_hash;  // kHashBytes
  Bytes claim_payload;
  std::string claimed_by_account_id;
  std::int64_t claimed_unix_s = 0;
  bool operator==(const PairingClaim&) const = default;
};

struct CameraRecord {
  std::string camera_id;
  std::string household_id;
  std::string name;
  Bytes sign_public_key;                       // Ed25519, 32 bytes
  Bytes credential_hash;                       // kHashBytes
  std::optional<std::int64_t> retention_days;  // nullopt = keep until deleted
  std::int64_t created_unix_s = 0;
  bool operator==(const CameraRecord&) const = default;
};

struct ClipRecord {
  std::string clip_id;
  std::string household_id;
  std::string camera_id;
  std::int64_t start_unix_min = 0;
  std::int64_t duration_s = 0;
  std::int64_t size_bytes = 0;
  Bytes sha256;  // kHashBytes
  std::int64_t sequence = 0;
  Bytes envelope;
  std::int64_t declared_unix_s = 0;
  // Set by MarkClipCommitted: the server's receipt time; nullopt while uploading.
  std::optional<std::int64_t> received_unix_s;

  bool committed() const { return received_unix_s.has_value(); }
  bool operator==(const ClipRecord&) const = default;
};

struct ClipFilter {
  std::optional<std::string> camera_id;      // only this camera
  std::optional<std::int64_t> since_unix_s;  // received_unix_s >= since
  std::size_t limit = kMaxListRows;          // capped at kMaxListRows
};

// A sealed, camera-signed alert as vigild keeps it (opaque bytes).
struct AlertRecord {
  std::string alert_id;  // 1..64 chars, chosen by the camera
  std::string household_id;
  std::string camera_id;
  Bytes alert;                       // 1..4096 bytes
  std::int64_t received_unix_s = 0;  // server receipt time
  bool operator==(const AlertRecord&) const = default;
};

struct PutAlertResult {
  AlertRecord stored;    // the row as stored (the earlier one on a retry)
  bool created = false;  // false when the same alert was stored before
};

// The newest camera-signed heartbeat of a camera (opaque bytes).
struct HeartbeatRecord {
  std::string camera_id;
  Bytes heartbeat;  // 1..1024 bytes
  std::int64_t received_unix_s = 0;
  bool operator==(const HeartbeatRecord&) const = default;
};

// Metadata of vigild. Implementations are thread-safe.
class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // --- Accounts ---
  // [journal account.create] kAlreadyExists if the id or email is taken.
  virtual Status CreateAccount(const AccountRecord& account, const Audit& audit) = 0;
  virtual Result<AccountRecord> GetAccountByEmail(std::string_view email) = 0;
  virtual Result<AccountRecord> GetAccountById(std::string_view account_id) = 0;
  // [journal password.change, or account.recover when the recovery copy is
  // replaced; session.revoke per session] In one transaction:
  // replaces the credentials and deletes every session of the account except
  // `keep_session_hash` (empty: delete all). Returns the deleted session
  // hashes so the caller closes their connections. kNotFound if no account.
  virtual Result<std::vector<Bytes>> UpdateCredentials(const CredentialUpdate& update,
                                                       ByteSpan keep_session_hash,
                                                       const Audit& audit) = 0;
  // [journal account.delete] Crypto-shred: deletes the account and every row
  // it owns (TOTP, sessions, key chain, households, envelopes, cameras,
  // pairing claims, clips). Returns the ids of the deleted clips (committed or
  // not); the caller then deletes those blobs (BlobStore::Delete). Journal
  // records survive. kNotFound if no account.
  virtual Result<std::vector<std::string>> DeleteAccount(std::string_view account_id,
                                                         const Audit& audit) = 0;

  // --- TOTP ---
  // [journal totp.enable] Sets (or replaces) the encrypted seed. The last
  // accepted step is kept, so no code works twice even across re-enrolment.
  // kNotFound if no account.
  virtual Status SetTotp(std::string_view account_id, ByteSpan seed_encrypted,
                         const Audit& audit) = 0;
  // [journal totp.disable] kNotFound if TOTP is not enabled.
  virtual Status ClearTotp(std::string_view account_id, const Audit& audit) = 0;
  // kNotFound if TOTP is not enabled.
  virtual Result<TotpState> GetTotp(std::string_view account_id) = 0;
  // Atomically records `time_step` as used iff it is greater than the last
  // accepted step. Returns true if accepted (the code may be honoured), false
  // on a replay. kNotFound if TOTP is not enabled.
  virtual Result<bool> AcceptTotpStep(std::string_view account_id, std::int64_t time_step) = 0;

  // --- Sessions ---
  // [journal session.create] kFailedPrecondition if the account is missing.
  virtual Status CreateSession(const SessionRecord& session, const Audit& audit) = 0;
  // kNotFound if no session has this hash (the token is invalid).
  virtual Result<SessionRecord> LookupSession(ByteSpan session_hash) = 0;
  // Sets last_used_unix_s = max(last_used_unix_s, now_unix_s). kNotFound if absent.
  virtual Status TouchSession(ByteSpan session_hash, std::int64_t now_unix_s) = 0;
  // Newest first.
  virtual Result<std::vector<SessionRecord>> ListSessions(std::string_view account_id) = 0;
  // [journal session.revoke] Deletes the account's one session whose hex hash
  // starts with `session_prefix_hex` (≥ kMinSessionPrefixHex digits; SessionId
  // gives one). Returns its full hash. kNotFound if none, kInvalidArgument if
  // the prefix is malformed or matches several.
  virtual Result<Bytes> RevokeSession(std::string_view account_id,
                                      std::string_view session_prefix_hex, const Audit& audit) = 0;
  // [journal session.revoke per session] Deletes every session of the account
  // except `keep_session_hash`; returns the deleted hashes.
  virtual Result<std::vector<Bytes>> RevokeOtherSessions(std::string_view account_id,
                                                         ByteSpan keep_session_hash,
                                                         const Audit& audit) = 0;

  // --- Key chain ---
  // [journal keychain.append] `version.version` must be the current newest
  // version + 1 (1 for the first), else kFailedPrecondition (the client must
  // re-read the chain). kFailedPrecondition if the account is missing.
  virtual Status AppendKeyChainVersion(const KeyChainVersion& version, const Audit& audit) = 0;
  // Versions with version > after_version, oldest first.
  virtual Result<std::vector<KeyChainVersion>> ListKeyChain(std::string_view account_id,
                                                            std::int64_t after_version) = 0;

  // --- Households ---
  // [journal household.create] kFailedPrecondition if the owner is missing.
  virtual Status CreateHousehold(const HouseholdRecord& household, const Audit& audit) = 0;
  virtual Result<HouseholdRecord> GetHousehold(std::string_view household_id) = 0;
  // Households owned by the account, oldest first.
  virtual Result<std::vector<HouseholdRecord>> ListHouseholdsByOwner(
      std::string_view owner_account_id) = 0;
  // [journal household.rotate] `new_epoch` must be greater than the current
  // epoch, else kFailedPrecondition.
  virtual Status SetHouseholdEpoch(std::string_view household_id, std::int64_t new_epoch,
                                   const Audit& audit) = 0;
  // [journal household.quota] nullopt = unlimited.
  virtual Status SetHouseholdQuota(std::string_view household_id,
                                   std::optional<std::int64_t> quota_bytes, const Audit& audit) = 0;
  virtual Result<HouseholdUsage> GetHouseholdUsage(std::string_view household_id) = 0;
  // [journal envelope.put] Inserts or replaces the envelope of
  // (household, device, epoch).
  virtual Status PutKeyEnvelope(const KeyEnvelopeRecord& envelope, const Audit& audit) = 0;
  // Envelopes of the household, all epochs or one; ordered by epoch, device.
  virtual Result<std::vector<KeyEnvelopeRecord>> ListKeyEnvelopes(
      std::string_view household_id, std::optional<std::int64_t> epoch) = 0;

  // --- Pairing ---
  // kAlreadyExists if the pairing id is taken.
  virtual Status CreatePairingOffer(const PairingOffer& offer) = 0;
  virtual Result<PairingOffer> GetPairingOffer(std::string_view pairing_id) = 0;
  // [journal pairing.claim] Claims the offer once and, in the same
  // transaction, creates the camera row {claim.camera_id, claim.household_id,
  // `camera_name`, offer sign key, claim.camera_credential_hash, retention
  // nullopt, created = claimed}. `camera_name` is the owner's name for the
  // camera as the owner's client sealed it (1..128 characters; never the
  // offer's name, which the camera chose in the clear). kNotFound if no offer;
  // kAlreadyExists if already claimed (or the camera id/credential is taken);
  // kFailedPrecondition if expired (claimed_unix_s >= expires_unix_s) or the
  // household is missing.
  virtual Status ClaimPairing(const PairingClaim& claim, std::string_view camera_name,
                              const Audit& audit) = 0;
  // kNotFound if no offer or not claimed yet.
  virtual Result<PairingClaim> GetPairingClaim(std::string_view pairing_id) = 0;
  // The claim that created camera `camera_id` (its owner-signed pairing
  // claim, which other devices of the owner verify the camera key with).
  // kNotFound if none is kept.
  virtual Result<PairingClaim> GetPairingClaimForCamera(std::string_view camera_id) = 0;
  // Deletes unclaimed offers with expires_unix_s <= now; returns how many.
  virtual Result<std::int64_t> DeleteExpiredPairingOffers(std::int64_t now_unix_s) = 0;

  // --- Cameras ---
  // [journal camera.create] kAlreadyExists if the id or credential is taken;
  // kFailedPrecondition if the household is missing.
  virtual Status CreateCamera(const CameraRecord& camera, const Audit& audit) = 0;
  virtual Result<CameraRecord> GetCamera(std::string_view camera_id) = 0;
  // kNotFound if no camera holds this credential.
  virtual Result<CameraRecord> GetCameraByCredentialHash(ByteSpan credential_hash) = 0;
  virtual Result<std::vector<CameraRecord>> ListCameras(std::string_view household_id) = 0;
  // [journal camera.retention] nullopt = keep until deleted.
  virtual Status SetCameraRetention(std::string_view camera_id,
                                    std::optional<std::int64_t> retention_days,
                                    const Audit& audit) = 0;
  // [journal camera.delete] Deletes the camera and its clip rows; returns the
  // deleted clip ids (the caller deletes the blobs).
  virtual Result<std::vector<std::string>> DeleteCamera(std::string_view camera_id,
                                                        const Audit& audit) = 0;

  // --- Clips ---
  // Declares an upload (row without received_unix_s). Idempotent: if
  // clip_id exists with the same household, camera, size and sha256, returns
  // the stored row unchanged (possibly committed already); any other
  // existing clip_id is kAlreadyExists. kResourceExhausted if the household's
  // committed + pending bytes plus size_bytes would exceed its quota.
  // kFailedPrecondition if the camera is not in the household.
  virtual Result<ClipRecord> DeclareClip(const ClipRecord& clip) = 0;
  // [journal clip.commit] Sets received_unix_s = audit.now_unix_s. Call only
  // after BlobStore::Commit succeeded (003 §Procedures). Idempotent: an
  // already committed clip returns ok unchanged. kNotFound if not declared.
  virtual Status MarkClipCommitted(std::string_view clip_id, const Audit& audit) = 0;
  virtual Result<ClipRecord> GetClip(std::string_view clip_id) = 0;
  // Committed clips of the household, newest receipt first.
  virtual Result<std::vector<ClipRecord>> ListClips(std::string_view household_id,
                                                    const ClipFilter& filter) = 0;
  // [journal clip.delete] Deletes the row (committed or not); the caller then
  // deletes the blob. kNotFound if absent.
  virtual Status DeleteClip(std::string_view clip_id, const Audit& audit) = 0;
  // Committed clips whose camera has a retention and whose
  // received_unix_s + retention_days * 86400 <= now_unix_s; oldest first, at
  // most `limit` (capped at kMaxListRows).
  virtual Result<std::vector<ClipRecord>> ListExpiredClips(std::int64_t now_unix_s,
                                                           std::size_t limit) = 0;
  // Uncommitted clips declared at or before `declared_before_unix_s` (stale
  // uploads a sweeper may delete), oldest first, at most `limit`.
  virtual Result<std::vector<ClipRecord>> ListStaleUploads(std::int64_t declared_before_unix_s,
                                                           std::size_t limit) = 0;

  // --- Alerts and heartbeats (migration 003) ---
  // Stores an alert. Idempotent: an alert_id already stored with the same
  // household, camera and bytes returns that row with created = false; any
  // other content under the id is kAlreadyExists. kFailedPrecondition if the
  // camera is not in the household.
  virtual Result<PutAlertResult> PutAlert(const AlertRecord& alert) = 0;
  // The household's alerts with received_unix_s >= since (all when nullopt),
  // oldest first, at most `limit` (capped at kMaxListRows).
  virtual Result<std::vector<AlertRecord>> ListAlerts(std::string_view household_id,
                                                      std::optional<std::int64_t> since_unix_s,
                                                      std::size_t limit) = 0;
  // Deletes alerts with received_unix_s < before_unix_s; returns how many.
  virtual Result<std::int64_t> DeleteAlertsReceivedBefore(std::int64_t before_unix_s) = 0;
  // Inserts or replaces the camera's heartbeat. kFailedPrecondition if no
  // such camera.
  virtual Status PutHeartbeat(const HeartbeatRecord& heartbeat) = 0;
  // The latest heartbeat of each camera of the household that sent one.
  virtual Result<std::vector<HeartbeatRecord>> ListHeartbeats(std::string_view household_id) = 0;
};

// Startup recovery (003 §Procedures, "Startup"): deletes every committed blob
// that has no committed clip row — what a crash between BlobStore::Commit and
// MarkClipCommitted, or between a row deletion and the blob deletion, leaves
// behind. Returns the ids it deleted. Run before serving requests.
Result<std::vector<std::string>> RemoveOrphanBlobs(BlobStore& blobs, MetadataStore& metadata);

}  // namespace vigil::store

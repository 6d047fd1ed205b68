// SPDX-License-Identifier: Apache-2.0
#pragma once

// The owner's operations against vigild, as the `vigil` command runs them.
// Every key is made and opened here, on the client: the server receives the
// auth key (a proof), wrapped keyrings and public keys only.
// Design: docs/design/002-vigild.md.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vigil/client/profile.h"
#include "vigil/core/result.h"
#include "vigil/crypto/password_kdf.h"
#include "vigil/crypto/secret.h"
#include "vigil/net/http_client.h"
#include "vigil/seal/account_keys.h"
#include "vigil/seal/clip_manifest.h"
#include "vigil/seal/key_chain.h"
#include "vigil/seal/keyring.h"
#include "vigil/seal/keys.h"
#include "vigil/wire/json.h"

namespace vigil::client {

struct AlertWatchOptions;  // alerts.h
struct AlertNotice;        // alerts.h

struct SessionInfo {
  std::string id;
  std::string device_id;
  std::string created;
  std::string last_used;
  std::string source;
  bool current = false;
};

// One stored clip as the event list shows it (brief §4: only this much is
// visible to the server; labels and names are sealed).
struct EventInfo {
  std::string id;
  std::string camera_id;
  std::string start;  // RFC 3339, minute resolution
  std::uint64_t duration_s = 0;
  std::uint64_t size_bytes = 0;
  std::uint64_t sequence = 0;
  std::string received;  // server receipt time, RFC 3339
};

struct EventFilter {
  std::optional<std::string> camera_id;
  std::optional<std::string> since;  // RFC 3339
};

// An inclusive byte range of a download.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

// One camera of the household, its name opened on this device.
struct CameraInfo {
  std::string id;
  std::string name;                            // decrypted; "(unreadable name)" if it does not open
  bool name_ok = false;                        // false when the sealed name failed to open
  std::optional<std::int64_t> retention_days;  // nullopt = keep until deleted
  std::string created;                         // RFC 3339
};

// A camera and the signing key this device trusts for its manifests.
struct TrustedCamera {
  CameraInfo info;
  std::optional<crypto::VerifyKey> key;  // nullopt: "camera key not verified"
  std::string trust;                     // how the key was trusted, one line (evidence bundle)
  std::string problem;                   // why it is not trusted, when `key` is nullopt
  // The camera's latest signed heartbeat, verified with `key`, when vigild
  // relays one; `heartbeat_problem` when one was sent but did not verify.
  std::optional<seal::Heartbeat> heartbeat;
  std::string heartbeat_problem;
};

// One event, verified and decrypted on this device.
struct VerifiedEvent {
  EventInfo event;
  std::string camera_name;
  bool verified = false;
  std::string problem;  // when !verified: what failed
  std::uint64_t start_unix_s = 0;
  std::uint32_t duration_ms = 0;
  std::vector<std::string> labels;  // "motion" when nothing was detected
  std::vector<std::string> zones;
  std::uint16_t motion_score = 0;  // 1/10000
};

struct EventListing {
  std::vector<VerifiedEvent> events;  // newest first, as the server lists them
  std::vector<std::string> warnings;  // chain problems, one line each
};

// What `clip get` wrote.
struct ClipDownload {
  std::string camera_name;
  std::uint64_t sequence = 0;
  std::uint64_t video_bytes = 0;
  std::uint64_t thumbnail_bytes = 0;
  std::vector<std::string> labels;
};

// Not thread-safe; one per command.
class OwnerClient {
 public:
  // Uses `profile` for the server, CA and stored state; `server_url` / `ca`
  // override the profile when non-empty. Fails with kFailedPrecondition when
  // no server is known.
  static Result<std::unique_ptr<OwnerClient>> Create(Profile profile, const std::string& server_url,
                                                     const std::string& ca_path);

  const Profile& profile() const { return profile_; }

  // Creates the account and the first device; writes the recovery kit (Account
  // Secret Key + recovery code) to `kit_path`, mode 0600, refusing to
  // overwrite. Logs this profile in.
  Status CreateAccount(const std::string& email, const crypto::SecretBytes& password,
                       const std::string& kit_path,
                       const crypto::Argon2idCost& cost = crypto::kDefaultArgon2idCost);
  // Logs in. A profile without the Account Secret Key needs `kit_path`.
  Status Login(const std::string& email, const crypto::SecretBytes& password,
               const std::optional<std::string>& kit_path,
               const std::optional<std::string>& totp_code = std::nullopt);
  Status Logout();
  Result<std::vector<SessionInfo>> ListSessions();
  Status RevokeSession(const std::string& id);
  Result<std::size_t> RevokeOtherSessions();
  // Re-wraps the keyring under the new password; every other session ends.
  Result<std::size_t> ChangePassword(const crypto::SecretBytes& old_password,
                                     const crypto::SecretBytes& new_password);
  // Turns on TOTP: the server makes a seed; `ask_code` is shown the otpauth://
  // URI (for the authenticator app) and returns the code it now displays.
  Status EnableTotp(const std::function<Result<std::string>(const std::string& uri)>& ask_code);
  Status DisableTotp(const crypto::SecretBytes& password);

  // ---- households and cameras (src/client/household.cc) ----
  // Pairs the camera showing `code` (002 §Households and pairing): checks the
  // offer against the code's fingerprint and MAC, then claims it into this
  // account's household with `name` sealed to the household key. A swapped
  // camera key fails with kDataLoss "camera verification failed: …" and
  // claims nothing.
  Result<CameraInfo> AddCamera(const std::string& code, const std::string& name);
  Result<std::vector<CameraInfo>> ListCameras();
  // Removes the camera called `name` with its clips.
  Status RemoveCamera(const std::string& name);
  // Sets (days > 0) or clears (nullopt) the retention of the camera `name`.
  Result<CameraInfo> SetCameraRetention(const std::string& name, std::optional<std::int64_t> days);
  // Clips (src/client/clips.cc): the household's events, newest first; a
  // clip's stored ciphertext, whole or one byte range; deletion.
  Result<std::vector<EventInfo>> ListEvents(const EventFilter& filter);
  Result<std::string> DownloadClipCiphertext(const std::string& clip_id,
                                             std::optional<ByteRange> range);
  Status DeleteClip(const std::string& clip_id);

  // ---- sealed clips, verified on this device (src/client/clips.cc) ----
  // The household's cameras with the key this device trusts for each (pinned
  // at `camera add`, or the owner's pairing claim verified against the
  // account key of the verified key chain, then pinned).
  Result<std::vector<TrustedCamera>> TrustedCameras();
  // Events with each manifest verified against the trusted camera key and
  // the metadata decrypted (`filter.camera_id` may be a camera name too);
  // per-camera chain problems as warnings. The
  // newest verified chain point per camera is kept in the profile.
  Result<EventListing> ListVerifiedEvents(const EventFilter& filter);
  // Downloads in ranges, verifies and decrypts the video into `mp4_path`
  // (and the thumbnail into `thumbnail_path`); nothing is written unless
  // every segment verified.
  Result<ClipDownload> GetClip(const std::string& clip_id, const std::string& mp4_path,
                               const std::optional<std::string>& thumbnail_path);
  // Writes the evidence bundle (docs/formats/evidence-bundle.md) into `dir`.
  Result<ClipDownload> ExportClip(const std::string& clip_id, const std::string& dir);

  // ---- alerts and heartbeats (src/client/alerts.cc, alerts.h) ----
  // `vigil events watch`: alerts since the cursor kept next to the profile,
  // then live ones from the owner WebSocket, each verified against the
  // trusted camera key and decrypted with the household key; and cameras
  // whose verified heartbeats stop. Calls `emit` for each; runs until `stop`
  // is set, or (options.once) until what is pending has been reported.
  Status WatchAlerts(const AlertWatchOptions& options,
                     const std::function<void(const AlertNotice&)>& emit,
                     const std::atomic<bool>& stop);

  // Crypto-shreds the account and its household on the server.
  Result<std::size_t> DeleteAccount(const crypto::SecretBytes& password);
  // Recovers the account when the password is lost (src/client/recovery.cc):
  // reads the Account Secret Key and recovery code from the kit at
  // `kit_path`, opens the recovery copy of the keyring, wraps it under
  // `new_password` (same ASK) and under a new recovery code, writes the new
  // kit to `new_kit_path` (0600, refusing to overwrite) before the server
  // hears of it, then replaces the credentials on the server, which ends every
  // session. Logs this profile in; returns how many sessions ended.
  // kUnauthenticated "wrong email or recovery code" for a wrong or outdated
  // code.
  Result<std::size_t> Recover(const std::string& email, const std::string& kit_path,
                              const std::string& new_kit_path,
                              const crypto::SecretBytes& new_password,
                              const crypto::Argon2idCost& cost = crypto::kDefaultArgon2idCost);

 private:
  OwnerClient(Profile profile, std::unique_ptr<net::HttpClient> http)
      : profile_(std::move(profile)), http_(std::move(http)) {}
  // Sends a JSON request; an error status becomes the server's Error.
  Result<wire::Json> Call(std::string_view method, std::string_view target, const wire::Json* body,
                          bool authenticated);
  Status RequireLogin() const;
  // This account's keys for `password`, from the salt and cost the server
  // holds (refusing costs below the floor); `cost_out` receives the cost.
  Result<seal::AccountKeys> CurrentAccountKeys(const crypto::SecretBytes& password,
                                               crypto::Argon2idCost* cost_out = nullptr);

  // After the keyring is open (account creation, login): makes this
  // profile's device keys if it has none, verifies the key chain (appending
  // version 1, or a version that adds this device), makes sure the household
  // exists with an envelope for this device, and saves the keys, household
  // and pin in the profile (household.cc).
  Status EnrollDevice(const seal::Keyring& keyring);
  // Clears the key-chain pin, household and account key of the profile's
  // previous account (the device keys stay).
  void ForgetAccountPins();
  // The key chain from the server, verified against the profile's pin; the
  // pin moves forward.
  Result<seal::VerifiedKeyChain> VerifiedKeyChain();
  // The household key for camera operations: this device's envelope, opened
  // with the device key and checked against the pinned household public key.
  struct HouseholdAccess {
    std::string household_id;
    std::int64_t epoch = 0;
    seal::HouseholdPrivateKey key;
  };
  Result<HouseholdAccess> OpenHousehold();
  Result<std::vector<TrustedCamera>> TrustedCameras(const HouseholdAccess& household,
                                                    const seal::VerifiedKeyChain& chain);
  // A clip checked up to its key: trusted camera, trailer, signed manifest,
  // ids, sequence, chain position, envelope (clips.cc).
  struct OpenedClip;
  Result<OpenedClip> OpenClip(const std::string& clip_id);
  Result<CameraInfo> FindCamera(const std::string& name);
  // The state of one WatchAlerts run (alerts.cc).
  class AlertWatcher;

  Profile profile_;
  std::unique_ptr<net::HttpClient> http_;
};

}  // namespace vigil::client

-- SPDX-License-Identifier: Apache-2.0
-- Migration 001: the initial schema of vigild's metadata database.
-- Design: docs/design/003-storage-schema.md. The server stores no byte that
-- decrypts without a household key or a client-held secret (002 §Keys).
--
-- Conventions: every time is unix seconds UTC (`*_unix_s`) unless the name
-- says otherwise; ids are opaque strings of 1..64 characters chosen by the
-- server or a client; *_hash and sha256 columns are raw 32-byte SHA-256
-- values; every table is STRICT so a value of the wrong type is refused.
-- Ownership: deleting an account cascades to everything it owns (households →
-- cameras, clips, envelopes, pairing claims; sessions; key chain; TOTP), except
-- security_journal, which has no foreign keys on purpose.

-- One row per owner account. The server cannot open anything in it: the
-- keyrings are wrapped by keys derived on the client from the password and the
-- Account Secret Key (or the recovery code).
CREATE TABLE accounts (
  -- Server-chosen random id.
  account_id TEXT PRIMARY KEY CHECK (length(account_id) BETWEEN 1 AND 64),
  -- Login name, lower-cased by the caller before it reaches the store.
  email TEXT NOT NULL UNIQUE
    CHECK (length(email) BETWEEN 3 AND 254 AND email = lower(email)),
  -- Argon2id and HKDF salt of this account (16 random bytes, same length as
  -- the fake salt served for unknown emails).
  account_salt BLOB NOT NULL CHECK (length(account_salt) = 16),
  -- Argon2id passes (t) chosen by the client; clients refuse t < 2 or t > 16.
  argon2_time_cost INTEGER NOT NULL CHECK (argon2_time_cost BETWEEN 1 AND 64),
  -- Argon2id memory (m) in KiB chosen by the client.
  argon2_memory_kib INTEGER NOT NULL
    CHECK (argon2_memory_kib BETWEEN 8 AND 4194304),
  -- HMAC-SHA256(server_secret, auth_key): checks a login without storing
  -- anything that guesses a password offline.
  auth_verifier BLOB NOT NULL CHECK (length(auth_verifier) = 32),
  -- The keyring sealed under kek (password + ASK); opaque to the server.
  wrapped_keyring BLOB NOT NULL CHECK (length(wrapped_keyring) BETWEEN 1 AND 1048576),
  -- The same keyring sealed under recovery_kek (recovery code); opaque.
  recovery_wrapped_keyring BLOB NOT NULL
    CHECK (length(recovery_wrapped_keyring) BETWEEN 1 AND 1048576),
  -- When the account was created.
  created_unix_s INTEGER NOT NULL
) STRICT;

-- TOTP second factor (RFC 6238), at most one per account; a row exists iff
-- TOTP is enabled.
CREATE TABLE account_totp (
  account_id TEXT PRIMARY KEY
    REFERENCES accounts (account_id) ON DELETE CASCADE,
  -- The TOTP seed encrypted under a key derived from server_secret (the
  -- server must read it to check codes; a stolen database alone does not).
  seed_encrypted BLOB NOT NULL CHECK (length(seed_encrypted) BETWEEN 1 AND 1024),
  -- The RFC 6238 time step (unix seconds / 30) of the last accepted code, so
  -- a code works once; NULL until the first code is accepted. Only grows.
  last_accepted_step INTEGER CHECK (last_accepted_step IS NULL OR last_accepted_step >= 0),
  -- When TOTP was (re-)enabled.
  enabled_unix_s INTEGER NOT NULL
) STRICT;

-- Login sessions. A bearer token is valid iff SHA-256(token) is a row here.
CREATE TABLE sessions (
  -- SHA-256 of the 32-byte random token; the token itself is never stored.
  session_hash BLOB PRIMARY KEY CHECK (length(session_hash) = 32),
  account_id TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  -- The client profile (device) that logged in.
  device_id TEXT NOT NULL CHECK (length(device_id) BETWEEN 1 AND 64),
  -- When the session was created (login time).
  created_unix_s INTEGER NOT NULL,
  -- Last authenticated request; never before creation.
  last_used_unix_s INTEGER NOT NULL CHECK (last_used_unix_s >= created_unix_s),
  -- Where the login came from (remote address, client name) for the owner's
  -- session list; free text, no secret.
  source TEXT NOT NULL CHECK (length(source) <= 256)
) STRICT;
CREATE INDEX sessions_by_account ON sessions (account_id);

-- The account key chain (002 §Devices and key chains): version 1 is signed by
-- the account signing key, each later version by the previous version's key.
-- The server stores it; clients verify it from version 1.
CREATE TABLE key_chain (
  account_id TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  -- 1, 2, 3 … without gaps (the store appends only previous + 1).
  version INTEGER NOT NULL CHECK (version >= 1),
  -- The signed chain entry {version, prev_hash, devices[], signing key}, opaque.
  payload BLOB NOT NULL CHECK (length(payload) BETWEEN 1 AND 65536),
  -- Ed25519 signature over the payload (64 bytes).
  signature BLOB NOT NULL CHECK (length(signature) = 64),
  -- When the server stored this version.
  created_unix_s INTEGER NOT NULL,
  PRIMARY KEY (account_id, version)
) STRICT, WITHOUT ROWID;

-- Households: the unit that cameras, clips and the household key belong to.
CREATE TABLE households (
  household_id TEXT PRIMARY KEY CHECK (length(household_id) BETWEEN 1 AND 64),
  owner_account_id TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  -- Current household key epoch; grows by one at every key rotation.
  epoch INTEGER NOT NULL CHECK (epoch >= 1),
  -- Storage quota for committed and pending clip bytes; NULL = unlimited.
  quota_bytes INTEGER CHECK (quota_bytes IS NULL OR quota_bytes >= 0),
  created_unix_s INTEGER NOT NULL
) STRICT;
CREATE INDEX households_by_owner ON households (owner_account_id);

-- The household private key of one epoch sealed (HPKE) to one member device.
CREATE TABLE household_key_envelopes (
  household_id TEXT NOT NULL REFERENCES households (household_id) ON DELETE CASCADE,
  -- The member device the envelope is sealed to.
  device_id TEXT NOT NULL CHECK (length(device_id) BETWEEN 1 AND 64),
  epoch INTEGER NOT NULL CHECK (epoch >= 1),
  -- HPKE envelope, opaque to the server.
  envelope BLOB NOT NULL CHECK (length(envelope) BETWEEN 1 AND 65536),
  created_unix_s INTEGER NOT NULL,
  PRIMARY KEY (household_id, device_id, epoch)
) STRICT, WITHOUT ROWID;

-- Cameras paired into a household.
CREATE TABLE cameras (
  camera_id TEXT PRIMARY KEY CHECK (length(camera_id) BETWEEN 1 AND 64),
  household_id TEXT NOT NULL REFERENCES households (household_id) ON DELETE CASCADE,
  -- Owner-given name; free text shown in the owner's client.
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
  -- The camera's Ed25519 public key (32 bytes).
  sign_public_key BLOB NOT NULL CHECK (length(sign_public_key) = 32),
  -- SHA-256 of the camera's bearer credential; the credential is not stored.
  credential_hash BLOB NOT NULL UNIQUE CHECK (length(credential_hash) = 32),
  -- Days a clip is kept, counted from its receipt; NULL = keep until deleted.
  retention_days INTEGER CHECK (retention_days IS NULL OR retention_days BETWEEN 1 AND 36500),
  created_unix_s INTEGER NOT NULL,
  -- Target of clips' composite foreign key (a clip's camera is in its household).
  UNIQUE (camera_id, household_id)
) STRICT;
CREATE INDEX cameras_by_household ON cameras (household_id);

-- Pairing offers posted by cameras (002 §Households and pairing), claimed at
-- most once by an owner. The claim columns are all NULL or all set.
CREATE TABLE pairing_offers (
  -- DeriveKey(s, "vigil/v1/pairing-id") in a text encoding chosen by the server.
  pairing_id TEXT PRIMARY KEY CHECK (length(pairing_id) BETWEEN 1 AND 64),
  -- The camera's Ed25519 public key (32 bytes).
  camera_sign_public_key BLOB NOT NULL CHECK (length(camera_sign_public_key) = 32),
  -- The camera's X25519 public key (32 bytes).
  camera_box_public_key BLOB NOT NULL CHECK (length(camera_box_public_key) = 32),
  -- mac_c = HMAC(mac_key, "camera" ‖ keys) (32 bytes); checked by the owner.
  mac BLOB NOT NULL CHECK (length(mac) = 32),
  -- Camera-suggested name.
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
  created_unix_s INTEGER NOT NULL,
  -- The offer cannot be claimed at or after this time.
  expires_unix_s INTEGER NOT NULL CHECK (expires_unix_s > created_unix_s),
  -- The owner's signed claim (owner key, household key, epoch, mac_o); opaque.
  claim_payload BLOB CHECK (claim_payload IS NULL OR length(claim_payload) BETWEEN 1 AND 65536),
  -- Household the camera joins.
  household_id TEXT REFERENCES households (household_id) ON DELETE CASCADE,
  -- Camera id assigned at the claim (the cameras row is created with it).
  camera_id TEXT CHECK (camera_id IS NULL OR length(camera_id) BETWEEN 1 AND 64),
  -- SHA-256 of the credential issued to the camera (32 bytes).
  camera_credential_hash BLOB
    CHECK (camera_credential_hash IS NULL OR length(camera_credential_hash) = 32),
  -- The owner account that claimed.
  claimed_by_account_id TEXT CHECK (claimed_by_account_id IS NULL OR length(claimed_by_account_id) BETWEEN 1 AND 64),
  claimed_unix_s INTEGER,
  CHECK ((claim_payload IS NULL) = (household_id IS NULL)
     AND (claim_payload IS NULL) = (camera_id IS NULL)
     AND (claim_payload IS NULL) = (camera_credential_hash IS NULL)
     AND (claim_payload IS NULL) = (claimed_by_account_id IS NULL)
     AND (claim_payload IS NULL) = (claimed_unix_s IS NULL))
) STRICT;

-- Encrypted clips. A row is "declared" (received_unix_s NULL) from the
-- upload's declaration until its blob is durable, then "committed". Only a
-- committed row promises a blob (invariant 2 of 003).
CREATE TABLE clips (
  clip_id TEXT PRIMARY KEY CHECK (length(clip_id) BETWEEN 1 AND 64),
  household_id TEXT NOT NULL,
  camera_id TEXT NOT NULL,
  -- Clip start, minute resolution: unix seconds / 60 (brief §4).
  start_unix_min INTEGER NOT NULL CHECK (start_unix_min >= 0),
  -- Clip duration in whole seconds.
  duration_s INTEGER NOT NULL CHECK (duration_s BETWEEN 0 AND 86400),
  -- Size of the (padded) sealed blob in bytes.
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
  -- SHA-256 of the sealed blob (32 bytes), checked before commit.
  sha256 BLOB NOT NULL CHECK (length(sha256) = 32),
  -- The camera's clip sequence number.
  sequence INTEGER NOT NULL CHECK (sequence >= 0),
  -- The clip key sealed (HPKE) to the household key; opaque.
  envelope BLOB NOT NULL CHECK (length(envelope) BETWEEN 1 AND 65536),
  -- When the upload was declared (server clock).
  declared_unix_s INTEGER NOT NULL,
  -- When the blob became durable (server receipt time; retention counts from
  -- it); NULL while the upload is in progress.
  received_unix_s INTEGER CHECK (received_unix_s IS NULL OR received_unix_s >= declared_unix_s),
  FOREIGN KEY (household_id) REFERENCES households (household_id) ON DELETE CASCADE,
  FOREIGN KEY (camera_id, household_id) REFERENCES cameras (camera_id, household_id)
    ON DELETE CASCADE
) STRICT;
CREATE INDEX clips_by_household ON clips (household_id, received_unix_s);
CREATE INDEX clips_by_camera ON clips (camera_id, received_unix_s);

-- Security journal (003 §Journal): who did what to which object. No foreign
-- keys: records outlive the accounts, households and objects they name, and
-- hold ids only (never an email, key or token).
CREATE TABLE security_journal (
  -- Append order; never reused (AUTOINCREMENT).
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  -- When it happened (server clock).
  time_unix_s INTEGER NOT NULL,
  -- The account the record concerns ('' if none); household records carry
  -- the household owner's account.
  account_id TEXT NOT NULL CHECK (length(account_id) <= 64),
  -- The household the record concerns ('' if none).
  household_id TEXT NOT NULL CHECK (length(household_id) <= 64),
  -- Who acted: an account, camera or device id.
  actor TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 64),
  -- What happened: "<object>.<verb>", e.g. "session.revoke".
  action TEXT NOT NULL
    CHECK (length(action) BETWEEN 3 AND 64 AND action NOT GLOB '*[^a-z_.]*'),
  -- The object acted on (session id prefix, camera id, clip id, ...).
  object_id TEXT NOT NULL CHECK (length(object_id) <= 64),
  -- Free text for people (counts, source address); no secrets.
  detail TEXT NOT NULL CHECK (length(detail) <= 1024)
) STRICT;
CREATE INDEX security_journal_by_account ON security_journal (account_id, time_unix_s);
CREATE INDEX security_journal_by_household ON security_journal (household_id, time_unix_s);

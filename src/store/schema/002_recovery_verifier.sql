-- SPDX-License-Identifier: Apache-2.0
-- Migration 002: a proof of the recovery code the server can check
-- (docs/design/002-vigild.md §Recovery). Before it, anyone who knew an email
-- could not reset the account, but neither could its owner: the server had no
-- way to tell the recovery code apart from a guess.
--
-- Both columns are NULL for accounts made before this migration (their
-- recovery-wrapped keyring stays, but the server cannot check a code for
-- them, so recovery answers as for a wrong code) and both are set for every
-- account made or recovered since. ALTER TABLE ADD COLUMN keeps the table
-- STRICT and needs no table rebuild.

-- The HKDF salt of the recovery code (16 random bytes, made by the client
-- with the recovery code). Separate from account_salt on purpose: a password
-- change replaces account_salt but cannot re-wrap the recovery copy of the
-- keyring (the client does not hold the recovery code then), so the recovery
-- KEK must not depend on it.
ALTER TABLE accounts ADD COLUMN recovery_salt BLOB
  CHECK (recovery_salt IS NULL OR length(recovery_salt) = 16);

-- HMAC-SHA256(server_secret, recovery_auth_key), where recovery_auth_key =
-- DeriveKey(recovery code, recovery_salt, "vigil/v1/recovery-auth", email):
-- checks a recovery without storing anything that guesses the code or opens
-- the recovery-wrapped keyring. Set iff recovery_salt is.
ALTER TABLE accounts ADD COLUMN recovery_verifier BLOB
  CHECK ((recovery_verifier IS NULL AND recovery_salt IS NULL)
         OR (length(recovery_verifier) = 32 AND recovery_salt IS NOT NULL));

-- SPDX-License-Identifier: Apache-2.0
-- Bootstrap, run (idempotently) by the migration runner before any numbered
-- migration, inside the same transaction. Not a migration itself: it records
-- which migrations have been applied. See docs/design/003-storage-schema.md.

CREATE TABLE IF NOT EXISTS schema_version (
  -- The number NNN of schema/NNN_<name>.sql; one row per applied migration.
  version INTEGER PRIMARY KEY CHECK (version >= 1),
  -- The <name> part of the file name, for people reading the database.
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
  -- When the migration was applied (database clock), unix seconds UTC.
  applied_unix_s INTEGER NOT NULL
) STRICT;

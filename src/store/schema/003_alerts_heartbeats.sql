-- SPDX-License-Identifier: Apache-2.0
-- Migration 003: alerts and heartbeats (docs/design/002-vigild.md §Alerts and
-- heartbeats). Both are opaque to the server: an alert is sealed to the
-- household key and signed by the camera; a heartbeat is signed by the camera.
-- The server keeps them so owner devices that were offline can catch up.

CREATE TABLE alerts (
  -- Chosen by the camera; a retry with the same id and bytes is a no-op.
  alert_id TEXT PRIMARY KEY CHECK (length(alert_id) BETWEEN 1 AND 64),
  household_id TEXT NOT NULL,
  camera_id TEXT NOT NULL,
  -- The sealed, signed alert (docs/formats/alert.md); opaque.
  alert BLOB NOT NULL CHECK (length(alert) BETWEEN 1 AND 4096),
  -- Server receipt time, unix seconds UTC; alerts are kept 7 days from it.
  received_unix_s INTEGER NOT NULL,
  FOREIGN KEY (household_id) REFERENCES households (household_id) ON DELETE CASCADE,
  FOREIGN KEY (camera_id, household_id) REFERENCES cameras (camera_id, household_id)
    ON DELETE CASCADE
) STRICT;

-- GET /v1/alerts?since=…: one household's alerts in receipt order.
CREATE INDEX alerts_by_household ON alerts (household_id, received_unix_s);
-- The retention sweep.
CREATE INDEX alerts_by_receipt ON alerts (received_unix_s);

-- The newest heartbeat of each camera (older ones are replaced).
CREATE TABLE heartbeats (
  camera_id TEXT PRIMARY KEY REFERENCES cameras (camera_id) ON DELETE CASCADE,
  -- The camera-signed heartbeat (docs/formats/clip.md §Heartbeat); the server
  -- cannot check the signature (it has no seal code) and does not try.
  heartbeat BLOB NOT NULL CHECK (length(heartbeat) BETWEEN 1 AND 1024),
  -- Server receipt time, unix seconds UTC.
  received_unix_s INTEGER NOT NULL
) STRICT;

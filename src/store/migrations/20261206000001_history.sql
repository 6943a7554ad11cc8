-- The flight recorder: what every backend reported, as it changed. Per
-- backend, a row is one stretch of polls that saw the same model: from `at`
-- (the first poll that saw it) to `until` (the last). A `key` row holds the
-- whole model, a `delta` row a JSON patch against the row before it, an
-- `error` row the poll's error; bodies are deflated JSON or text, masked
-- as the screen shows them.
CREATE TABLE history_frames (
    id          INTEGER PRIMARY KEY,
    backend     TEXT NOT NULL,           -- kind:name, e.g. docker:local
    kind        TEXT NOT NULL,           -- key, delta or error
    at          TEXT NOT NULL,           -- RFC 3339 UTC, the poll's time
    until       TEXT NOT NULL,
    body        BLOB NOT NULL
);
CREATE INDEX history_frames_by_backend ON history_frames (backend, kind, at);
CREATE INDEX history_frames_by_time ON history_frames (at);
-- Every backend ever recorded: the list `state at T` walks.
CREATE TABLE history_backends (
    backend     TEXT PRIMARY KEY
);
-- Every alert seen, once per episode: from the first poll that listed it to
-- the first that found it gone from every member of its source.
CREATE TABLE history_alerts (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,           -- the cluster, or the Alertmanager's name
    fingerprint TEXT NOT NULL,
    alertname   TEXT NOT NULL,
    severity    TEXT NOT NULL,
    labels      TEXT NOT NULL,           -- JSON object
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,           -- while firing: see history_alert_sources
    resolved_at TEXT                     -- NULL while it fires
);
CREATE UNIQUE INDEX history_alerts_firing ON history_alerts (source, fingerprint) WHERE resolved_at IS NULL;
CREATE INDEX history_alerts_by_time ON history_alerts (last_seen);
-- Each source's last answer: a firing alert was last seen then (one row
-- written per poll, not one per alert).
CREATE TABLE history_alert_sources (
    source      TEXT PRIMARY KEY,
    seen_at     TEXT NOT NULL
);
-- Who records: one holder at a time, until `expires_at` unless renewed.
CREATE TABLE history_lease (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    holder      TEXT NOT NULL,           -- the store instance name
    role        TEXT NOT NULL,           -- record (opsdeck record) or console
    expires_at  TEXT NOT NULL
);

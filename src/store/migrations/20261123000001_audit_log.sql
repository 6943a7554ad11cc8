-- Append-only, hash-chained audit log. Each row's hash covers the previous
-- row's hash and this row's canonical bytes; `opsdeck audit verify` recomputes it.
CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY,       -- 1, 2, 3 ... no gaps
    ts            TEXT    NOT NULL,          -- RFC 3339 UTC, microseconds
    operator      TEXT    NOT NULL,
    ssh_client    TEXT,
    host          TEXT    NOT NULL,
    pane          TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    target        TEXT,
    justification TEXT,
    outcome       TEXT    NOT NULL,          -- intent, ok, failed, refused, info
    details       TEXT    NOT NULL,          -- JSON object
    prev_hash     TEXT    NOT NULL,
    hash          TEXT    NOT NULL
);

-- The chain head, written in the same transaction as each append, so that
-- removing the newest rows is detected too.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);

-- Guard rails against accidents. They do not stop a determined editor (who
-- can drop them); the hash chain is what detects that.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Small UI settings restored on the next start (view, focus).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Team store (PostgreSQL): the same tables as the SQLite store, with the
-- same columns and meanings; see ../migrations for the comments. Times are
-- RFC 3339 text compared byte by byte (COLLATE "C"), as SQLite does.
CREATE TABLE audit_log (
    seq           BIGINT PRIMARY KEY,
    ts            TEXT COLLATE "C" NOT NULL,
    operator      TEXT NOT NULL,
    ssh_client    TEXT,
    host          TEXT NOT NULL,
    pane          TEXT NOT NULL,
    action        TEXT NOT NULL,
    target        TEXT,
    justification TEXT,
    outcome       TEXT NOT NULL,
    details       TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);

CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT   NOT NULL
);

CREATE FUNCTION opsdeck_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION opsdeck_append_only();

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE presence (
    instance    TEXT PRIMARY KEY,
    operator    TEXT NOT NULL,
    host        TEXT NOT NULL,
    subject     TEXT,
    seen_at     TEXT COLLATE "C" NOT NULL
);

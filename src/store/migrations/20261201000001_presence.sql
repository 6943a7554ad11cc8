-- Who has opsdeck open on this store, and on what: each running opsdeck
-- keeps its row fresh (seen_at) and removes it when it stops; a row not
-- refreshed for a while is a process that died and is not shown.
CREATE TABLE presence (
    instance    TEXT PRIMARY KEY,        -- opsdeck-<pid>-<random>
    operator    TEXT NOT NULL,
    host        TEXT NOT NULL,
    subject     TEXT,                    -- session:<id> or campaign:<id>, or none
    seen_at     TEXT NOT NULL            -- RFC 3339 UTC
);

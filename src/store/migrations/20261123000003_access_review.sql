-- Access reviews. A campaign is a snapshot of the access sources taken when
-- the review starts: the evidence stays as it was reviewed while the
-- sources change. Decisions are appended, never edited; an item's current
-- decision is its newest.
CREATE TABLE review_campaigns (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,           -- RFC 3339 UTC
    created_by  TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    sources     TEXT NOT NULL            -- JSON: each source's rows and skipped bad rows at snapshot time
);

CREATE TABLE review_items (
    id            INTEGER PRIMARY KEY,
    campaign_id   INTEGER NOT NULL REFERENCES review_campaigns (id),
    position      INTEGER NOT NULL,      -- queue order at snapshot time
    source        TEXT NOT NULL,
    subject       TEXT NOT NULL,
    role          TEXT NOT NULL,
    status        TEXT,
    last_login    TEXT NOT NULL,         -- JSON: unknown, never, or a time
    created_at    TEXT,
    mfa_enabled   INTEGER,
    organization  TEXT,
    granted_by    TEXT,
    extra         TEXT NOT NULL,         -- JSON object: the source's other columns
    flags         TEXT NOT NULL,         -- JSON array: kind and reason, judged at snapshot time
    UNIQUE (campaign_id, position)
);

CREATE TABLE review_decisions (
    id             INTEGER PRIMARY KEY,
    campaign_id    INTEGER NOT NULL REFERENCES review_campaigns (id),
    item_id        INTEGER NOT NULL REFERENCES review_items (id),
    decision       TEXT NOT NULL,        -- keep, revoke, defer
    outcome        TEXT NOT NULL,        -- kept, revoked, revocation requested, revoke failed, deferred
    justification  TEXT NOT NULL,
    reviewer       TEXT NOT NULL,
    decided_at     TEXT NOT NULL,
    item_snapshot  TEXT NOT NULL,        -- JSON: the item as the reviewer saw it
    details        TEXT NOT NULL         -- JSON: rows affected, errors
);
CREATE INDEX review_decisions_by_item ON review_decisions (campaign_id, item_id);

CREATE TRIGGER review_decisions_no_update BEFORE UPDATE ON review_decisions
BEGIN SELECT RAISE(ABORT, 'review_decisions is append-only'); END;
CREATE TRIGGER review_decisions_no_delete BEFORE DELETE ON review_decisions
BEGIN SELECT RAISE(ABORT, 'review_decisions is append-only'); END;

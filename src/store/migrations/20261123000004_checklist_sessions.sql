-- Checklist sessions. A session keeps the runbook it was started with (a
-- later edit of the file does not change what was walked through) and every
-- event in order: ticks, skips, failures, check results, notes, closing.
CREATE TABLE checklist_sessions (
    id          TEXT PRIMARY KEY,        -- INC-20261122-031502
    runbook_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    severity    TEXT,
    runbook     TEXT NOT NULL,           -- the runbook as JSON
    started_at  TEXT NOT NULL,
    started_by  TEXT NOT NULL,
    closed_at   TEXT,
    closed_by   TEXT,
    resolution  TEXT
);

CREATE TABLE checklist_events (
    seq         INTEGER PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES checklist_sessions (id),
    at          TEXT NOT NULL,
    operator    TEXT NOT NULL,
    step        TEXT,
    event       TEXT NOT NULL            -- the event as JSON
);
CREATE INDEX checklist_events_by_session ON checklist_events (session_id, seq);

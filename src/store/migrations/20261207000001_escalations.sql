-- Escalation: each alert (source, fingerprint, start) and level notified
-- once. The row is claimed before the first attempt, so a second recorder
-- or a restarted one does not send it again; sent_at is set once the
-- destination accepted it.
CREATE TABLE alert_escalations (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,           -- the Alertmanager's name, or its cluster's
    fingerprint TEXT NOT NULL,
    starts_at   TEXT NOT NULL,           -- RFC 3339 UTC: a refired alert is a new one
    level       TEXT NOT NULL,
    alertname   TEXT NOT NULL,
    severity    TEXT NOT NULL,
    holder      TEXT NOT NULL,           -- the process that claimed it
    claimed_at  TEXT NOT NULL,
    sent_at     TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    UNIQUE (source, fingerprint, starts_at, level)
);
CREATE INDEX alert_escalations_by_claim ON alert_escalations (claimed_at);

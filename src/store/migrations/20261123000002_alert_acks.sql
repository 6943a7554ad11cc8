-- Acknowledgements made from opsdeck: of Alertmanager alerts (a silence, whose
-- id is kept) and of opsdeck's own alerts (which have no silence: this row is
-- the acknowledgement). Kept after they end, as the alert's history.
CREATE TABLE alert_acks (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,           -- "opsdeck" or the Alertmanager's name
    fingerprint TEXT NOT NULL,
    alertname   TEXT NOT NULL,
    operator    TEXT NOT NULL,
    comment     TEXT NOT NULL,
    acked_at    TEXT NOT NULL,           -- RFC 3339 UTC
    until       TEXT NOT NULL,
    silence_id  TEXT
);
CREATE INDEX alert_acks_by_alert ON alert_acks (source, fingerprint);

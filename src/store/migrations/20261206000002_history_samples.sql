-- Trends: a few numbers of every report (database size, connections, host
-- memory and disks, firing alerts, container restarts), one row a metric a
-- minute, the minute's last value. Pruned with the frames.
CREATE TABLE history_samples (
    id          INTEGER PRIMARY KEY,
    metric      TEXT NOT NULL,           -- e.g. pg:main:size, host:local:disk:/
    at          TEXT NOT NULL,           -- RFC 3339 UTC, the minute's start
    value       REAL NOT NULL
);
CREATE INDEX history_samples_by_time ON history_samples (at);

-- Live updates: every change another opsdeck must see is announced on the
-- channel "opsdeck" when its transaction commits, as a small JSON object:
-- t = the table, k = what changed (a session, a campaign, an alert, an
-- audit row, a presence subject), o = the application_name of the opsdeck
-- that made it (so it can ignore its own). PostgreSQL folds identical
-- payloads of one transaction into one notification.
-- The trigger's argument names the column that says what changed.
CREATE FUNCTION opsdeck_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    PERFORM pg_notify('opsdeck', json_build_object(
        't', TG_TABLE_NAME,
        'k', COALESCE(to_jsonb(r) ->> TG_ARGV[0], ''),
        'o', current_setting('application_name'))::text);
    RETURN NULL;
END $$;

CREATE TRIGGER checklist_events_notify AFTER INSERT ON checklist_events
FOR EACH ROW EXECUTE FUNCTION opsdeck_notify('session_id');
CREATE TRIGGER checklist_sessions_notify AFTER INSERT OR UPDATE ON checklist_sessions
FOR EACH ROW EXECUTE FUNCTION opsdeck_notify('id');
CREATE TRIGGER review_decisions_notify AFTER INSERT ON review_decisions
FOR EACH ROW EXECUTE FUNCTION opsdeck_notify('campaign_id');
CREATE TRIGGER review_campaigns_notify AFTER INSERT ON review_campaigns
FOR EACH ROW EXECUTE FUNCTION opsdeck_notify('id');
CREATE TRIGGER alert_acks_notify AFTER INSERT OR UPDATE ON alert_acks
FOR EACH ROW EXECUTE FUNCTION opsdeck_notify('fingerprint');
CREATE TRIGGER audit_log_notify AFTER INSERT ON audit_log
FOR EACH ROW EXECUTE FUNCTION opsdeck_notify('seq');
-- Presence: only arrivals, departures and moves, not each heartbeat.
CREATE TRIGGER presence_notify_change AFTER INSERT OR DELETE ON presence
FOR EACH ROW EXECUTE FUNCTION opsdeck_notify('subject');
CREATE TRIGGER presence_notify_move AFTER UPDATE ON presence
FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject) EXECUTE FUNCTION opsdeck_notify('subject');

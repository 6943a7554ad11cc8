-- Live updates: every change another opsdeck must see is announced on the
-- channel "opsdeck" when its transaction commits, as a small JSON object:
-- t = the table, k = what changed (a session, a campaign, an alert, an
-- audit row, a presence subject), o = the application_name of the opsdeck
-- that made it (so it can ignore its own). PostgreSQL folds identical
-- payloads of one transaction into one notification.
CREATE FUNCTION opsdeck_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r   record;
    key text;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    key := CASE TG_TABLE_NAME
        WHEN 'checklist_events'   THEN r.session_id
        WHEN 'checklist_sessions' THEN r.id::text
        WHEN 'review_decisions'   THEN r.campaign_id::text
        WHEN 'review_campaigns'   THEN r.id::text
        WHEN 'alert_acks'         THEN r.fingerprint
        WHEN 'audit_log'          THEN r.seq::text
        WHEN 'presence'           THEN COALESCE(r.subject, '')
    END;
    PERFORM pg_notify('opsdeck', json_build_object(
        't', TG_TABLE_NAME, 'k', key, 'o', current_setting('application_name'))::text);
    RETURN NULL;
END $$;

CREATE TRIGGER checklist_events_notify AFTER INSERT ON checklist_events
FOR EACH ROW EXECUTE FUNCTION opsdeck_notify();
CREATE TRIGGER checklist_sessions_notify AFTER INSERT OR UPDATE ON checklist_sessions
FOR EACH ROW EXECUTE FUNCTION opsdeck_notify();
CREATE TRIGGER review_decisions_notify AFTER INSERT ON review_decisions
FOR EACH ROW EXECUTE FUNCTION opsdeck_notify();
CREATE TRIGGER review_campaigns_notify AFTER INSERT ON review_campaigns
FOR EACH ROW EXECUTE FUNCTION opsdeck_notify();
CREATE TRIGGER alert_acks_notify AFTER INSERT OR UPDATE ON alert_acks
FOR EACH ROW EXECUTE FUNCTION opsdeck_notify();
CREATE TRIGGER audit_log_notify AFTER INSERT ON audit_log
FOR EACH ROW EXECUTE FUNCTION opsdeck_notify();
-- Presence: only arrivals, departures and moves, not each heartbeat.
CREATE TRIGGER presence_notify_change AFTER INSERT OR DELETE ON presence
FOR EACH ROW EXECUTE FUNCTION opsdeck_notify();
CREATE TRIGGER presence_notify_move AFTER UPDATE ON presence
FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject) EXECUTE FUNCTION opsdeck_notify();

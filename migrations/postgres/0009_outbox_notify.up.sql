-- Wakes the outbox relays as soon as the CRM commits: every statement that inserts into
-- switchboard_outbox announces on the channel `switchboard_outbox` (NOTIFY is transactional:
-- the announcement is sent on commit, never for a rolled-back insert). Relays LISTEN there and
-- still poll every OUTBOX_POLL_INTERVAL_MS, so a missed announcement costs at most that.
CREATE FUNCTION switchboard_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('switchboard_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER switchboard_outbox_notify AFTER INSERT ON switchboard_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION switchboard_outbox_notify();

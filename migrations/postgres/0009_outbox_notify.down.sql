DROP TRIGGER IF EXISTS switchboard_outbox_notify ON switchboard_outbox;
DROP FUNCTION IF EXISTS switchboard_outbox_notify();

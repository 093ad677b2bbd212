DROP TABLE IF EXISTS switchboard_outbox_rejected;
DROP TABLE IF EXISTS switchboard_outbox;

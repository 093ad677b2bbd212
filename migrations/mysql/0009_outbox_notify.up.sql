-- PostgreSQL only: a trigger that wakes the outbox relays when the CRM commits (LISTEN/NOTIFY).
-- This database has no such announcement; its relays poll every OUTBOX_POLL_INTERVAL_MS. The
-- version exists so that every database has the same list of migrations.
SELECT 1;

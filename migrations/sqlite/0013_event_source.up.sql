-- Where an event came from, as compact JSON sent to receivers beside its data: for an event
-- the gateway published from a CRM write, the request (method, path, the record's id, the
-- key) and the CRM's status. Null for events published through the API or the outbox.
ALTER TABLE events ADD COLUMN source TEXT;

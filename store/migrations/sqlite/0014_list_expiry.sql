-- List entries may last until a time: an attack's network blocked for a week, a tester's
-- email allowed for a day. Ingest skips an entry from its expiry on, on every server.
ALTER TABLE tenant_lists ADD COLUMN expires_at BIGINT;

-- Events without a phone, payload or email (most events have no phone) get no entry in the
-- indexes that find events by one: every query on these columns asks for a value (`= $n`),
-- which excludes NULL, so the planner still uses them.
DROP INDEX events_phone_range;
CREATE INDEX events_phone_range ON events (tenant_id, phone_range, created_at) WHERE phone_range IS NOT NULL;
DROP INDEX events_payload;
CREATE INDEX events_payload ON events (tenant_id, payload_id) WHERE payload_id IS NOT NULL;
DROP INDEX events_email;
CREATE INDEX events_email ON events (tenant_id, email_normalized) WHERE email_normalized IS NOT NULL;

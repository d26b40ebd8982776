-- The normalised email (lowercase, no +tags, Gmail without dots), for EMAIL_ALIAS_REUSED.
ALTER TABLE events ADD COLUMN email_normalized TEXT;
CREATE INDEX events_email ON events (tenant_id, email_normalized);

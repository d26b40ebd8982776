-- Velocity: the addresses, countries and users of a device's events of the last day, and the
-- devices of an address's, read from the indexes alone (an event row is kilobytes of JSON).
DROP INDEX events_visitor;
CREATE INDEX events_visitor ON events
    (tenant_id, visitor_id, event_type, created_at, user_key, outcome, promo_code, ip, ip_country);
DROP INDEX events_ip;
CREATE INDEX events_ip ON events (tenant_id, ip, event_type, created_at, user_key, outcome, visitor_id);

-- The devices that gave an email of one domain, newest first, from the index alone. The
-- writer fills the column from the normalised email (an index on a virtual column would read
-- every row it matches); events of the last day get it here, older ones are past every window.
ALTER TABLE events ADD COLUMN email_domain TEXT;
UPDATE events SET email_domain = substr(email_normalized, instr(email_normalized, '@') + 1)
    WHERE instr(email_normalized, '@') > 0 AND created_at >= CAST(unixepoch('subsec') * 1000 AS INTEGER) - 86400000;
CREATE INDEX events_email_domain ON events (tenant_id, email_domain, created_at, visitor_id)
    WHERE email_domain IS NOT NULL;

-- Velocity per email domain: the devices that gave an email of one domain over the last day,
-- newest first. A virtual column costs the rows nothing; only the index holds the domain, and
-- only for events with an email.
ALTER TABLE events ADD COLUMN email_domain TEXT
    GENERATED ALWAYS AS (CASE WHEN instr(email_normalized, '@') > 0
        THEN substr(email_normalized, instr(email_normalized, '@') + 1) END) VIRTUAL;
CREATE INDEX events_email_domain ON events (tenant_id, email_domain, created_at, visitor_id)
    WHERE email_domain IS NOT NULL;

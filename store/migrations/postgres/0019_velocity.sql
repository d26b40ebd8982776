-- Velocity per email domain: the devices that gave an email of one domain over the last day,
-- newest first. Generated from the normalised email, so the event writer is unchanged.
ALTER TABLE events ADD COLUMN email_domain text
    GENERATED ALWAYS AS (CASE WHEN strpos(email_normalized, '@') > 0
        THEN substr(email_normalized, strpos(email_normalized, '@') + 1) END) STORED;
CREATE INDEX events_email_domain ON events (tenant_id, email_domain, created_at, visitor_id)
    WHERE email_domain IS NOT NULL;

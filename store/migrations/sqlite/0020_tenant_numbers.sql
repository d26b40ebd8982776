-- Events name their tenant by a small number instead of its id: every index of the events
-- table begins with the tenant, and the id's 12 characters in the row and in twelve index
-- entries were about a tenth of an event's bytes. Other tables keep the id; they hold a
-- row per visitor or less. Queries find the number from the id in a subquery.
ALTER TABLE tenants ADD COLUMN number INTEGER;
UPDATE tenants SET number = rowid;
CREATE UNIQUE INDEX tenants_number ON tenants (number);
-- The next number is one more than the largest. A number is never given twice, since a
-- tenant keeps its number and is never deleted; the store keeps the numbers it has read (see
-- `store/src/tenants.rs`), so the two triggers after this one make that a rule.
CREATE TRIGGER tenants_numbered AFTER INSERT ON tenants WHEN NEW.number IS NULL
BEGIN
    UPDATE tenants SET number = (SELECT COALESCE(MAX(number), 0) + 1 FROM tenants) WHERE id = NEW.id;
END;
CREATE TRIGGER tenants_kept BEFORE DELETE ON tenants
BEGIN
    SELECT RAISE(ABORT, 'tenants are not deleted: their events name them by number');
END;
CREATE TRIGGER tenants_number_kept BEFORE UPDATE OF number ON tenants WHEN OLD.number IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a tenant keeps its number');
END;

-- SQLite cannot change a column in place: the table is copied (about 30 s for a million
-- events), its columns in the order of the store's migrations so far. The old table's pages
-- are free afterwards but stay in the file until new events fill them or a `VACUUM` (or
-- `doorman backup`, a compacted copy) gives them back.
CREATE TABLE events_numbered (
    tenant_number     INTEGER NOT NULL REFERENCES tenants (number),
    id                TEXT NOT NULL,
    event_type        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    external_user_id  TEXT,
    email             TEXT,
    user_key          TEXT NOT NULL,
    ip                TEXT,
    visitor_id        TEXT NOT NULL,
    payload_id        TEXT,
    risk_score        INTEGER NOT NULL,
    risk_band         TEXT NOT NULL,
    decision          TEXT NOT NULL,
    triggered_rules   TEXT NOT NULL,
    device_json       TEXT NOT NULL,
    checks_json       TEXT NOT NULL,
    signals_json      TEXT NOT NULL,
    email_normalized  TEXT,
    ip_country        TEXT,
    phone             TEXT,
    phone_range       TEXT,
    referrer_user_id  TEXT,
    promo_code        TEXT,
    outcome           TEXT,
    label             TEXT,
    feedback_at       BIGINT,
    email_domain      TEXT,
    PRIMARY KEY (tenant_number, id)
);
-- An event whose tenant is missing gets no number and stops the migration (NOT NULL).
INSERT INTO events_numbered
    SELECT t.number, e.id, e.event_type, e.created_at, e.external_user_id, e.email, e.user_key, e.ip,
        e.visitor_id, e.payload_id, e.risk_score, e.risk_band, e.decision, e.triggered_rules,
        e.device_json, e.checks_json, e.signals_json, e.email_normalized, e.ip_country, e.phone,
        e.phone_range, e.referrer_user_id, e.promo_code, e.outcome, e.label, e.feedback_at,
        e.email_domain
    FROM events e LEFT JOIN tenants t ON t.id = e.tenant_id
    ORDER BY e.rowid;
DROP TABLE events;
ALTER TABLE events_numbered RENAME TO events;

CREATE INDEX events_recent ON events (tenant_number, created_at);
CREATE INDEX events_global_recent ON events (created_at);
CREATE INDEX events_labeled ON events (tenant_number, label) WHERE label IS NOT NULL;
CREATE INDEX events_user ON events (tenant_number, user_key, event_type, created_at, ip_country);
CREATE INDEX events_challenged ON events (tenant_number, created_at) WHERE decision = 'CHALLENGE';
CREATE INDEX events_visitor ON events
    (tenant_number, visitor_id, event_type, created_at, user_key, outcome, promo_code, ip, ip_country);
CREATE INDEX events_ip ON events (tenant_number, ip, event_type, created_at, user_key, outcome, visitor_id);
CREATE INDEX events_email_domain ON events (tenant_number, email_domain, created_at, visitor_id)
    WHERE email_domain IS NOT NULL;
CREATE INDEX events_phone_range ON events (tenant_number, phone_range, created_at) WHERE phone_range IS NOT NULL;
CREATE INDEX events_payload ON events (tenant_number, payload_id) WHERE payload_id IS NOT NULL;
CREATE INDEX events_email ON events (tenant_number, email_normalized, event_type, user_key)
    WHERE email_normalized IS NOT NULL;

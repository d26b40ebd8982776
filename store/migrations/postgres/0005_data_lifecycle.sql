-- Retention: how long a tenant keeps its events (set by its client admins), the most it may
-- choose (set by super admins), and what the purge task has removed so far.
ALTER TABLE tenants ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 180;
ALTER TABLE tenants ADD COLUMN max_retention_days INTEGER NOT NULL DEFAULT 365;
ALTER TABLE tenants ADD COLUMN purged_events BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN last_purge_at BIGINT;

-- Erasure and export find a user's rows; the purge finds expired links and visitors.
CREATE INDEX events_user ON events (tenant_id, user_key);
CREATE INDEX device_users_user ON device_users (tenant_id, user_key);
CREATE INDEX device_users_seen ON device_users (tenant_id, last_seen_at);
CREATE INDEX visitors_seen ON visitors (tenant_id, last_seen_at);
CREATE INDEX visitor_keys_visitor ON visitor_keys (tenant_id, visitor_id);

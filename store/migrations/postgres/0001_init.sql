-- Times are UTC epoch milliseconds (BIGINT) so both backends share one set of queries.
-- Every tenant-owned table has tenant_id first in its primary key and indexes.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'SUSPENDED')),
    created_at  BIGINT NOT NULL
);

CREATE TABLE admin_users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('SUPER_ADMIN', 'CLIENT_ADMIN')),
    tenant_id      TEXT REFERENCES tenants (id),
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL,
    CHECK ((role = 'SUPER_ADMIN' AND tenant_id IS NULL) OR (role = 'CLIENT_ADMIN' AND tenant_id IS NOT NULL))
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    id            TEXT NOT NULL,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE visitors (
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    id             TEXT NOT NULL,
    first_seen_at  BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- The identifiers that lead to a visitor: device tokens, exact fingerprints, hardware keys.
CREATE TABLE visitor_keys (
    tenant_id   TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('token', 'fingerprint', 'hardware')),
    value       TEXT NOT NULL,
    visitor_id  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind, value)
);

CREATE TABLE events (
    tenant_id         TEXT NOT NULL REFERENCES tenants (id),
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
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX events_recent ON events (tenant_id, created_at);
CREATE INDEX events_visitor ON events (tenant_id, visitor_id, event_type, created_at);
CREATE INDEX events_ip ON events (tenant_id, ip, event_type, created_at);
CREATE INDEX events_payload ON events (tenant_id, payload_id);
CREATE INDEX events_global_recent ON events (created_at);

-- Which users were seen on which device: the linkage behind DEVICE_REUSED.
CREATE TABLE device_users (
    tenant_id      TEXT NOT NULL,
    visitor_id     TEXT NOT NULL,
    user_key       TEXT NOT NULL,
    first_seen_at  BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, visitor_id, user_key)
);

-- Global reputation lists (disposable email domains, high-risk ASNs, TOR exits).
CREATE TABLE reputation_entries (
    list      TEXT NOT NULL,
    value     TEXT NOT NULL,
    source    TEXT NOT NULL,
    added_at  BIGINT NOT NULL,
    PRIMARY KEY (list, value)
);

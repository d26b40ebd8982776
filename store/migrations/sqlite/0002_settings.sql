-- Rule settings: the global defaults (one row), and each tenant's overrides of them, both as
-- JSON documents of the engine's configuration types.
CREATE TABLE global_settings (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    config_json  TEXT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE tenant_settings (
    tenant_id       TEXT PRIMARY KEY REFERENCES tenants (id),
    overrides_json  TEXT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- A rule silenced for one user, device (visitor) or IP address until a time, with the
-- reason: what an analyst does when a rule keeps firing on a customer it has cleared.
CREATE TABLE rule_snoozes (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    rule        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('user', 'visitor', 'ip')),
    value       TEXT NOT NULL,
    until       BIGINT NOT NULL,
    reason      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX rule_snoozes_target ON rule_snoozes (tenant_id, kind, value, until);

-- Who changed what in the dashboard or the CLI, and when. tenant_id is set for changes
-- inside one tenant, so a client admin sees its own tenant's entries only.
CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    at           BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    tenant_id    TEXT,
    action       TEXT NOT NULL,
    target       TEXT NOT NULL,
    detail       TEXT NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, at);
CREATE INDEX audit_log_at ON audit_log (at);

-- Failed dashboard logins, per account ("email:…") and per client address ("ip:…"), for
-- throttling password guessing.
CREATE TABLE login_failures (
    subject  TEXT NOT NULL,
    at       BIGINT NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures (subject, at);

-- Webhooks a tenant registers for BLOCK and CHALLENGE decisions, and the outbox of their
-- deliveries: written in the transaction that stores the event, so no decision is lost
-- between scoring and notifying, and retried until delivered or out of attempts.
CREATE TABLE webhooks (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    id           TEXT NOT NULL,
    url          TEXT NOT NULL,
    -- The signing secret: kept to sign every delivery, shown to the client admin once.
    secret       TEXT NOT NULL,
    -- Comma-separated decisions that trigger a delivery.
    decisions    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE webhook_deliveries (
    tenant_id        TEXT NOT NULL,
    id               TEXT NOT NULL,
    webhook_id       TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    user_key         TEXT NOT NULL DEFAULT '',
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    last_status      INTEGER,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    delivered_at     BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (tenant_id, webhook_id, created_at);
CREATE INDEX webhook_deliveries_user ON webhook_deliveries (tenant_id, user_key);

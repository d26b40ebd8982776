-- The review queue. Which events wait is a query over `events` (challenged, near misses a
-- tenant opts into, events an analyst sent, none with a label yet); this table keeps what
-- the events do not: who sent one, who holds it and until when, and the decision's comment.
CREATE TABLE review_items (
    tenant_id      TEXT NOT NULL,
    event_id       TEXT NOT NULL,
    sent_by        TEXT,
    sent_at        BIGINT,
    assignee       TEXT,
    claimed_until  BIGINT,
    decided_by     TEXT,
    decided_at     BIGINT,
    comment        TEXT,
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX review_items_sent ON review_items (tenant_id, sent_at) WHERE sent_at IS NOT NULL;

-- Challenged events are most of the queue. A partial index keeps its reads off the allowed
-- and blocked traffic, and ingest writes to it only for the events it challenges.
CREATE INDEX events_challenged ON events (tenant_id, created_at) WHERE decision = 'CHALLENGE';

CREATE TABLE review_settings (
    tenant_id        TEXT PRIMARY KEY REFERENCES tenants (id),
    -- Also queue allowed events of the last 7 days that scored at least this much.
    near_miss_score  INTEGER,
    claim_minutes    INTEGER NOT NULL,
    updated_at       BIGINT NOT NULL
);

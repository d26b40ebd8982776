-- How often each rule on trial (shadow mode) fired, by hour, and which decisions it would
-- have changed: what the rules page shows before a rule is promoted. Kept 8 days.
CREATE TABLE rule_shadow_counts (
    tenant_id  TEXT NOT NULL,
    rule       TEXT NOT NULL,
    hour       BIGINT NOT NULL,
    -- '' when the decision would have been the same, else e.g. 'ALLOW>CHALLENGE'.
    change     TEXT NOT NULL,
    hits       BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, rule, hour, change)
);

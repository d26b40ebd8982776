-- A tenant's own allow and block lists. One entry per value and kind, so an address cannot
-- be allowed and blocked at once; IPs and CIDR ranges keep their first and last address as
-- 32 hex digits of the IPv6 form, so a range lookup is an indexed text comparison.
CREATE TABLE tenant_lists (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    kind         TEXT NOT NULL,
    value        TEXT NOT NULL,
    action       TEXT NOT NULL,
    range_start  TEXT,
    range_end    TEXT,
    note         TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind, value)
);
CREATE INDEX tenant_lists_range ON tenant_lists (tenant_id, kind, range_start);

-- Labeled events are few: an index over them alone keeps per-rule precision cheap.
CREATE INDEX events_labeled ON events (tenant_id, label) WHERE label IS NOT NULL;

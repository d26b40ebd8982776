-- How long a tenant's backends wait for a decision, and the decision they get when scoring
-- cannot finish in time (the database stalled, the server overloaded). Unset: 800 ms, ALLOW.
ALTER TABLE tenants ADD COLUMN deadline_ms INTEGER;
ALTER TABLE tenants ADD COLUMN fail_decision TEXT;

-- The linkage counts read the user, outcome, promo code and country of every earlier event
-- on the same IP, device, email or user. With those columns in the index they are read from
-- the index alone: before, each matching event cost a lookup of its row, whose JSON columns
-- put every row on a page of its own, and an IP or email seen thousands of times cost
-- thousands.
DROP INDEX events_ip;
CREATE INDEX events_ip ON events (tenant_id, ip, event_type, created_at, user_key, outcome);
DROP INDEX events_visitor;
CREATE INDEX events_visitor ON events (tenant_id, visitor_id, event_type, created_at, user_key, outcome, promo_code);
DROP INDEX events_email;
CREATE INDEX events_email ON events (tenant_id, email_normalized, event_type, user_key);
DROP INDEX events_user;
CREATE INDEX events_user ON events (tenant_id, user_key, event_type, created_at, ip_country);

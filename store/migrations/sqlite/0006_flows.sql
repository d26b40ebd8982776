-- What the flows beyond signup count on: the IP country of each event (impossible travel),
-- the number and its range of SMS codes, referrers, promo codes, and the feedback a client
-- backend reports on an event.
ALTER TABLE events ADD COLUMN ip_country TEXT;
ALTER TABLE events ADD COLUMN phone TEXT;
ALTER TABLE events ADD COLUMN phone_range TEXT;
ALTER TABLE events ADD COLUMN referrer_user_id TEXT;
ALTER TABLE events ADD COLUMN promo_code TEXT;
ALTER TABLE events ADD COLUMN outcome TEXT;
ALTER TABLE events ADD COLUMN label TEXT;
ALTER TABLE events ADD COLUMN feedback_at BIGINT;
CREATE INDEX events_phone_range ON events (tenant_id, phone_range, created_at);
-- A user's latest login and resets per user need the type and time after the user.
DROP INDEX events_user;
CREATE INDEX events_user ON events (tenant_id, user_key, event_type, created_at);
-- A user's other devices (NEW_DEVICE_FOR_USER) read from the index alone.
DROP INDEX device_users_user;
CREATE INDEX device_users_user ON device_users (tenant_id, user_key, visitor_id);

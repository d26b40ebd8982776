-- The events table's primary key filled its pages half. An index that leads with the
-- tenant takes each tenant's new entries at that tenant's own end, in the middle of the
-- index, and PostgreSQL splits a full page there in two halves that no later entry fills
-- (it packs pages full only at the index's right end, or where the rows come from one
-- writer in heap order, and every tenant's events interleave in the table).
--
-- The primary key leads with the event id instead: ids grow with time, so every new entry
-- goes to the right end and pages fill to nine tenths (59 bytes an event at 100 thousand,
-- against 103). The tenant stays in the key, so a distributed table can keep it.
ALTER TABLE events DROP CONSTRAINT events_pkey, ADD CONSTRAINT events_pkey PRIMARY KEY (id, tenant_number);

-- The email domain's velocity reads the visitor of each of its newest events: on PostgreSQL
-- the rows of the last day are not yet all-visible, so that read visits each row anyway,
-- and the visitor's 31 bytes in the key only made every entry twice as wide (70 bytes an
-- event against 134).
DROP INDEX events_email_domain;
CREATE INDEX events_email_domain ON events (tenant_number, email_domain, created_at)
    WHERE email_domain IS NOT NULL;

-- Replay detection only asks whether a payload id was seen before, and payload ids are
-- random, so a B-tree took each new one at a random place in pages little over half full. A
-- hash index keeps a 4-byte hash of each instead of the id (38 bytes an event at a million,
-- against 52); the tenant is checked on the row it finds.
DROP INDEX events_payload;
CREATE INDEX events_payload ON events USING hash (payload_id) WHERE payload_id IS NOT NULL;

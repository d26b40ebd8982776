-- The tenant's time index and the review queue's filled their pages half. Both are
-- (tenant, time): each tenant's new entries go to that tenant's own end of the index, and
-- PostgreSQL packs a page it splits there only while every entry on the page has the same
-- width. Two events of a tenant in the same millisecond are equal keys, which deduplication
-- merges into one wider entry as the page fills, so nearly every split fell back to two
-- halves that no later entry fills. Equal keys are rare here, so merging them saved nothing.
-- Without it (simulated: 200 thousand events of 20 tenants, request times a few ms out of
-- order) pages fill to 84 % instead of 51 %. The rebuild packs the existing entries too.
ALTER INDEX events_recent SET (deduplicate_items = off);
REINDEX INDEX events_recent;
ALTER INDEX events_challenged SET (deduplicate_items = off);
REINDEX INDEX events_challenged;

-- Only CIDR entries have a range to search. An index over every kind gave the planner a
-- second way to find an email or IP entry, by scanning all entries of that kind, which it
-- chose on a new table; a plan cached per connection then stays that slow as lists grow.
DROP INDEX tenant_lists_range;
CREATE INDEX tenant_lists_cidr ON tenant_lists (tenant_id, range_start) WHERE kind = 'cidr';

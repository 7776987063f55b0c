-- 0025: money allocated to a region (issue 18, item 6).  A payment ("out")
-- may name the region it is allocated to (拨付到县区、乡镇); its reversal
-- names the same region, so the allocations of a region net to what it kept.
-- Rolled up per county from here (fund_allocations_json), no counter.
ALTER TABLE fund_entries ADD COLUMN recipient_region TEXT REFERENCES regions(code);
CREATE INDEX fund_entries_recipient ON fund_entries(recipient_region);

-- 0031: the audit log's region index is by county (issue 20).  audit_region
-- (region_code, id) put each new row at its grid's place in the index: a
-- batch of health reports from all over the city dirtied one index page per
-- report, a third of the write-ahead log's frames on the report path (B1,
-- 2026-12-07: 939 of 2,758 frames; the roll-up counters were the other
-- third).  Keyed by the county (the first six digits) a batch appends to at
-- most one page per county.  It also answers better: a county's newest rows
-- come in index order with no sort, where the old index sorted every row of
-- the range; a wider scope (the city) reads the table newest first, and a
-- township, village or grid is read within its county (core/audit.c,
-- audit_list).
DROP INDEX audit_region;
CREATE INDEX audit_county ON audit_log ((substr(region_code, 1, 6)), id);

-- 0020: regions found by name and by the codes they had (issue #18).
-- (0019 is left to a migration written at the same time on another branch.)
--
-- Name paths of the region and grid imports (东安县/白牙市镇/茶亭社区) look a
-- region up by its name: one index read instead of a scan of ~17,000 rows --
-- the first name anywhere in a subtree, the next ones among a parent's
-- children (also the check that a new grid's name is not taken: a city has
-- thousands of grids called 第一网格, so not by the name alone).
CREATE INDEX regions_name ON regions(name, code);
CREATE INDEX regions_parent_name ON regions(parent_code, name, code);

-- Codes change (祁阳县 431121 became 祁阳市 431181 in 2021); ID numbers,
-- old files and people keep the old ones.  A former code names the region
-- that has it now, so a lookup by the former code finds the region.
CREATE TABLE region_former_codes (
    former_code TEXT PRIMARY KEY,                      -- no region has it any more
    code        TEXT NOT NULL REFERENCES regions(code), -- the region that had it
    former_name TEXT NOT NULL,                          -- its name under that code
    changed_on  TEXT,                                   -- YYYY-MM-DD, when known
    created_at  TEXT NOT NULL
);
CREATE INDEX region_former_codes_code ON region_former_codes(code, former_code);

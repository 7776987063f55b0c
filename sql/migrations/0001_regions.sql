-- 0001: the region spine (DESIGN §2) and roll-up counters.
-- A code contains its parents' codes: city 4 digits, county 6, township 9,
-- village/community 12, grid 15.  "Everything under X" is the range
-- code >= X AND code < X-with-last-digit-incremented.
CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    parent_code TEXT REFERENCES regions(code),
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX regions_parent ON regions(parent_code, code);

-- One row per (region, metric): maintained as facts arrive, for every
-- ancestor of the fact's grid, so a roll-up at any level is one row read.
CREATE TABLE region_counters (
    code   TEXT NOT NULL REFERENCES regions(code),
    metric TEXT NOT NULL,
    value  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (code, metric)
);

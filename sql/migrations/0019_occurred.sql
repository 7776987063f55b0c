-- 0019: time (issue 17).  A fact happens at a time the user knows
-- (occurred) and reaches us later (recorded).  Both are kept:
--
--  * the profile's outbreak_start is the earliest day a fact may be dated
--    (a past outbreak loads with its own dates, nothing before it);
--  * case_history.at / at_unix / at_day stay the occurred time of a change
--    (every roll-up is by the day it happened); recorded_at / recorded_unix
--    are the server's time of writing it, immutable.  Rows written before
--    this migration have them NULL: they were recorded when they occurred;
--  * bulletins issued (published) for a region and a day are frozen here,
--    with who issued them and when, so that a later view shows what was
--    published and the corrections since.
ALTER TABLE disease_profile ADD COLUMN outbreak_start TEXT NOT NULL DEFAULT '2019-12-01';

ALTER TABLE case_history ADD COLUMN recorded_at TEXT;
ALTER TABLE case_history ADD COLUMN recorded_unix INTEGER;

CREATE TABLE bulletins (
    id          INTEGER PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions(code),
    day         TEXT NOT NULL,                 -- YYYY-MM-DD: the bulletin's date D
    issued_at   TEXT NOT NULL,                 -- recorded: when it was published
    issued_unix INTEGER NOT NULL,
    issued_by   TEXT NOT NULL,                 -- username
    body        TEXT NOT NULL                  -- the bulletin as JSON, as published
);
CREATE UNIQUE INDEX bulletins_day ON bulletins(region_code, day);
CREATE TRIGGER bulletins_no_update BEFORE UPDATE ON bulletins
BEGIN SELECT RAISE(ABORT, 'bulletins are immutable once issued'); END;
CREATE TRIGGER bulletins_no_delete BEFORE DELETE ON bulletins
BEGIN SELECT RAISE(ABORT, 'bulletins are immutable once issued'); END;

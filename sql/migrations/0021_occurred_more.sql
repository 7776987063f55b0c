-- 0021: more facts carry the time they happened (issue 17, item 1).
--
--  * observations: released_at is when the observation ended (occurred: the
--    release's occurred_at, or the case's change that converted it);
--    released_recorded_at is the server's time of writing it, immutable.
--    Rows ended before this migration were recorded when they ended.
ALTER TABLE observations ADD COLUMN released_recorded_at TEXT;
UPDATE observations SET released_recorded_at = released_at WHERE released_at IS NOT NULL;

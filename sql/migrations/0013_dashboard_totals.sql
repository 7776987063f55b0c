-- 0013: cumulative counters for the command dashboard, so that it reads a
-- bounded set of rows by key instead of summing a family that grows:
--   cases_confirmed_total  = the sum of cases_confirmed.<day> (one per day)
--   teams_total            = the sum of teams.<type>
-- From now on case.c and team.c maintain them with the fact.  An existing
-- database gets them from its own counters: the families already hold every
-- level (the fact's grid and each ancestor), so the sum per region is the
-- region's total.  A new database has no rows here and inserts nothing.
INSERT INTO region_counters (code, metric, value)
SELECT code, 'cases_confirmed_total', SUM(value) FROM region_counters
WHERE substr(metric, 1, 16) = 'cases_confirmed.'
GROUP BY code;

INSERT INTO region_counters (code, metric, value)
SELECT code, 'teams_total', SUM(value) FROM region_counters
WHERE substr(metric, 1, 6) = 'teams.'
GROUP BY code;

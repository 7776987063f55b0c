-- 0028: the day counters of health reports count the reports received that
-- day (China date of reported_at), no longer the reports for that day's
-- slots (issue 19 item 4: after two fever reports at 07:00 for yesterday's
-- 16:00 slot the dashboard still read "今日健康报告 0 · 异常 0").  The two
-- families are recounted from the current (not replaced) reports, for each
-- report's grid and every ancestor (codes of 4, 6, 9, 12 and 15 digits), as
-- observation_counters_rebuild() does.
DELETE FROM region_counters
WHERE substr(metric, 1, 8) = 'reports.' OR substr(metric, 1, 17) = 'reports_abnormal.';

INSERT INTO region_counters (code, metric, value)
SELECT substr(r.grid_code, 1, l.n), 'reports.' || substr(r.reported_at, 1, 10), count(*)
FROM health_reports r
JOIN (SELECT 4 AS n UNION ALL SELECT 6 UNION ALL SELECT 9 UNION ALL SELECT 12
      UNION ALL SELECT 15) l ON length(r.grid_code) >= l.n
WHERE r.replaced_by IS NULL
GROUP BY substr(r.grid_code, 1, l.n), substr(r.reported_at, 1, 10);

INSERT INTO region_counters (code, metric, value)
SELECT substr(r.grid_code, 1, l.n), 'reports_abnormal.' || substr(r.reported_at, 1, 10), count(*)
FROM health_reports r
JOIN (SELECT 4 AS n UNION ALL SELECT 6 UNION ALL SELECT 9 UNION ALL SELECT 12
      UNION ALL SELECT 15) l ON length(r.grid_code) >= l.n
WHERE r.replaced_by IS NULL AND r.abnormal = 1
GROUP BY substr(r.grid_code, 1, l.n), substr(r.reported_at, 1, 10);

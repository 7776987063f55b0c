-- 0033 (PostgreSQL; see 0033_reports_person_by_observation.sqlite.sql for
-- why): health_reports.person_id is no longer a foreign key.
ALTER TABLE health_reports DROP CONSTRAINT IF EXISTS health_reports_person_id_fkey;

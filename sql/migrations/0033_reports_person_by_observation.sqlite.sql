-- 0033 (SQLite; 0033_reports_person_by_observation.pg.sql is PostgreSQL's):
-- health_reports.person_id is no longer a foreign key.  It is a copy of the
-- report's observation's person, written from the observation row the same
-- transaction reads (observation_report_add), and the observation's own key
-- to persons keeps the chain report -> observation -> person whole; `epigrid
-- check` verifies that every report's person is its observation's.  The key
-- checked nothing more and cost a lookup in persons for every report: on
-- PostgreSQL a row lock on the person, which dirties the person's page
-- (issue 20, B1pg1: 1,020-1,149 req/s with the key, 1,270-1,347 without, on
-- the same cluster in alternation).  SQLite cannot drop a constraint: the
-- table is built again, rows and ids unchanged.  Nothing references
-- health_reports, and its one index is made again.
CREATE TABLE health_reports_0033 (
    id             INTEGER PRIMARY KEY,
    observation_id INTEGER NOT NULL REFERENCES observations(id),
    person_id      INTEGER NOT NULL,                         -- the observation's person (a copy)
    grid_code      TEXT NOT NULL,
    slot_day       INTEGER NOT NULL,
    slot_index     INTEGER NOT NULL,
    slot           TEXT NOT NULL,                            -- YYYY-MM-DDTHH:MM
    temperature_dc INTEGER NOT NULL CHECK (temperature_dc BETWEEN 340 AND 430),
    symptoms       TEXT NOT NULL DEFAULT '[]',               -- JSON array of symptom names
    abnormal       INTEGER NOT NULL CHECK (abnormal IN (0, 1)),
    reporter_id    INTEGER NOT NULL,                         -- users.id (0 = CLI)
    reporter       TEXT NOT NULL,                            -- username
    reported_at    TEXT NOT NULL,
    replaces       INTEGER,                                  -- the report this one replaced
    replaced_by    INTEGER,                                  -- set when a later report replaced it
    created_at     TEXT NOT NULL
);
INSERT INTO health_reports_0033 (id, observation_id, person_id, grid_code, slot_day, slot_index,
                                 slot, temperature_dc, symptoms, abnormal, reporter_id, reporter,
                                 reported_at, replaces, replaced_by, created_at)
SELECT id, observation_id, person_id, grid_code, slot_day, slot_index, slot, temperature_dc,
       symptoms, abnormal, reporter_id, reporter, reported_at, replaces, replaced_by, created_at
FROM health_reports;
DROP TABLE health_reports;
ALTER TABLE health_reports_0033 RENAME TO health_reports;
CREATE UNIQUE INDEX health_reports_current
    ON health_reports(observation_id, slot_day, slot_index) WHERE replaced_by IS NULL;

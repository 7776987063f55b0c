-- 0007: observations (居家隔离 / 集中隔离 / 医学观察), their health reports at
-- the profile's slots, and overdue follow-ups.
--
-- Slots are (slot_day, slot_index): the day number (days since 1970-01-01,
-- China time) and the index into the profile's slot times; "slot" keeps the
-- same moment as text ("YYYY-MM-DDTHH:MM", +08:00) for people and for the
-- per-day counters.  Temperatures are integer tenths of a degree Celsius.
CREATE TABLE observations (
    id              INTEGER PRIMARY KEY,
    person_id       INTEGER NOT NULL REFERENCES persons(id),
    grid_code       TEXT NOT NULL REFERENCES regions(code),  -- the person's grid when opened
    kind            TEXT NOT NULL CHECK (kind IN ('home', 'centralized', 'medical')),
    site            TEXT,                                    -- centralized: the site's name
    reason          TEXT NOT NULL CHECK (reason IN ('travel', 'contact', 'fever', 'other')),
    start_date      TEXT NOT NULL,                           -- YYYY-MM-DD
    planned_end     TEXT NOT NULL,                           -- start + profile days: release from this day
    status          TEXT NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'released', 'converted', 'transferred')),
    released_at     TEXT,                                    -- when it stopped being active
    release_note    TEXT,
    override_by     TEXT,                                    -- health user who released early
    override_reason TEXT,
    source          TEXT,                                    -- "visit:12", "contact:4"; NULL = manual
    created_by      TEXT NOT NULL,                           -- username
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
-- At most one active observation per person.
CREATE UNIQUE INDEX observations_one_active ON observations(person_id) WHERE status = 'active';
CREATE INDEX observations_grid ON observations(grid_code, id);
CREATE INDEX observations_grid_status ON observations(status, grid_code, id);

CREATE TABLE health_reports (
    id             INTEGER PRIMARY KEY,
    observation_id INTEGER NOT NULL REFERENCES observations(id),
    person_id      INTEGER NOT NULL REFERENCES persons(id),
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
-- One current report per observation and slot; replaced ones stay as history.
-- (No index by grid: nothing reads reports by region -- the figures are
-- counters -- and every index costs pages on the hot write path.)
CREATE UNIQUE INDEX health_reports_current
    ON health_reports(observation_id, slot_day, slot_index) WHERE replaced_by IS NULL;

-- A follow-up that was due and did not come: one row per observation and
-- slot found overdue by the sweep; closed by the report, the next slot, or
-- the end of the observation.
CREATE TABLE overdue (
    id             INTEGER PRIMARY KEY,
    observation_id INTEGER NOT NULL REFERENCES observations(id),
    person_id      INTEGER NOT NULL,
    grid_code      TEXT NOT NULL,
    slot_day       INTEGER NOT NULL,
    slot_index     INTEGER NOT NULL,
    slot           TEXT NOT NULL,
    opened_at      TEXT NOT NULL,
    closed_at      TEXT,
    close_reason   TEXT                                      -- reported, slot_passed, ended
);
CREATE UNIQUE INDEX overdue_one_open ON overdue(observation_id) WHERE closed_at IS NULL;
CREATE INDEX overdue_open_grid ON overdue(grid_code, observation_id) WHERE closed_at IS NULL;

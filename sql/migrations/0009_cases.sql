-- 0009: cases, their history, sites (designated hospitals, fever clinics,
-- centralized quarantine sites) and close contacts.
--
-- A case lives in the grid of its person when it was reported (grid_code,
-- copied so that every read is a range on the code).  Its state is
-- "status": suspected, confirmed, asymptomatic, excluded, discharged or
-- deceased; "classification" keeps what the case was classified as when an
-- outcome (discharged, deceased) ended it.  Every change appends a row to
-- case_history holding the whole state after the change, so that the state
-- of any case at the end of any day is the last row of that day or before:
-- the daily bulletin is computed from this table alone and can be re-issued
-- for any past date.
CREATE TABLE sites (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL
                CHECK (kind IN ('designated_hospital', 'fever_clinic', 'quarantine_site')),
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),    -- any level: a city hospital is '4311'
    capacity    INTEGER NOT NULL CHECK (capacity >= 0),    -- beds or rooms
    address     TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX sites_name ON sites(region_code, name);

CREATE TABLE cases (
    id             INTEGER PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES persons(id),
    grid_code      TEXT NOT NULL REFERENCES regions(code),  -- the person's grid when reported
    status         TEXT NOT NULL CHECK (status IN ('suspected', 'confirmed', 'asymptomatic',
                                                   'excluded', 'discharged', 'deceased')),
    classification TEXT NOT NULL
                   CHECK (classification IN ('suspected', 'confirmed', 'asymptomatic', 'excluded')),
    severity       TEXT CHECK (severity IN ('mild', 'moderate', 'severe', 'critical')),
    onset_date     TEXT,                                    -- YYYY-MM-DD, optional
    report_date    TEXT NOT NULL,                           -- YYYY-MM-DD
    confirmed_date TEXT,                                    -- the day it became confirmed
    outcome_date   TEXT,                                    -- the day of discharge or death
    site_id        INTEGER REFERENCES sites(id),            -- where the case is placed now
    observation_id INTEGER REFERENCES observations(id),     -- the observation it was converted from
    note           TEXT,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
-- At most one open case per person (a person may be excluded and later fall ill).
CREATE UNIQUE INDEX cases_one_open ON cases(person_id)
    WHERE status IN ('suspected', 'confirmed', 'asymptomatic');
CREATE INDEX cases_grid ON cases(grid_code, id);
CREATE INDEX cases_person ON cases(person_id);
CREATE INDEX cases_site ON cases(site_id) WHERE site_id IS NOT NULL;
CREATE INDEX cases_observation ON cases(observation_id) WHERE observation_id IS NOT NULL;

CREATE TABLE case_history (
    id             INTEGER PRIMARY KEY,
    case_id        INTEGER NOT NULL REFERENCES cases(id),
    grid_code      TEXT NOT NULL,                           -- the case's grid
    at             TEXT NOT NULL,                           -- ISO 8601 +08:00
    at_unix        INTEGER NOT NULL,
    at_day         TEXT NOT NULL,                           -- YYYY-MM-DD of "at" in China
    actor          TEXT NOT NULL,                           -- username
    from_status    TEXT,                                    -- NULL when the case was reported
    to_status      TEXT NOT NULL,                           -- the status after the change
    classification TEXT NOT NULL,                           -- state after the change ...
    severity       TEXT,
    site_id        INTEGER,
    fields         TEXT NOT NULL,                           -- JSON array of the fields changed
    note           TEXT
);
CREATE INDEX case_history_case ON case_history(case_id, id);
CREATE INDEX case_history_grid ON case_history(grid_code, case_id, id);
CREATE TRIGGER case_history_no_update BEFORE UPDATE ON case_history
BEGIN SELECT RAISE(ABORT, 'case_history is append-only'); END;
CREATE TRIGGER case_history_no_delete BEFORE DELETE ON case_history
BEGIN SELECT RAISE(ABORT, 'case_history is append-only'); END;

-- A close contact (密切接触者) of a case, or of another contact (次密接).
CREATE TABLE contacts (
    id                INTEGER PRIMARY KEY,
    person_id         INTEGER NOT NULL REFERENCES persons(id),
    grid_code         TEXT NOT NULL REFERENCES regions(code), -- the contact's grid
    source_case_id    INTEGER REFERENCES cases(id),
    source_contact_id INTEGER REFERENCES contacts(id),
    source_grid       TEXT NOT NULL,                          -- the source's grid (scope)
    contact_type      TEXT NOT NULL CHECK (contact_type IN ('household', 'work', 'social',
                                                            'medical', 'transport', 'other')),
    last_contact_date TEXT NOT NULL,                          -- YYYY-MM-DD
    observation_id    INTEGER REFERENCES observations(id),    -- the observation it opened or joined
    note              TEXT,
    traced_at         TEXT NOT NULL,                          -- when it was recorded
    traced_day        TEXT NOT NULL,                          -- YYYY-MM-DD of traced_at
    created_by        TEXT NOT NULL,
    CHECK ((source_case_id IS NULL) <> (source_contact_id IS NULL))
);
CREATE UNIQUE INDEX contacts_of_case ON contacts(source_case_id, person_id)
    WHERE source_case_id IS NOT NULL;
CREATE UNIQUE INDEX contacts_of_contact ON contacts(source_contact_id, person_id)
    WHERE source_contact_id IS NOT NULL;
CREATE INDEX contacts_grid ON contacts(grid_code, id);
CREATE INDEX contacts_source_grid ON contacts(source_grid, id);
CREATE INDEX contacts_person ON contacts(person_id);
CREATE INDEX contacts_observation ON contacts(observation_id);

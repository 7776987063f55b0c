-- 0006: screening rounds (排查轮次) and household visits (入户排查).
-- A round covers the subtree of region_code for a date range.  One visit per
-- household and round; a later visit updates the row (version + 1) and the
-- previous version is kept in visit_history as JSON.
CREATE TABLE rounds (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),   -- subtree root
    start_date  TEXT NOT NULL,                            -- inclusive, China date
    end_date    TEXT NOT NULL,                            -- inclusive
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by  TEXT NOT NULL,                            -- username
    created_at  TEXT NOT NULL
);
CREATE INDEX rounds_region ON rounds(region_code, id);

CREATE TABLE visits (
    id              INTEGER PRIMARY KEY,
    round_id        INTEGER NOT NULL REFERENCES rounds(id),
    household_id    INTEGER NOT NULL REFERENCES households(id),
    grid_code       TEXT NOT NULL REFERENCES regions(code), -- the household's grid
    visitor_id      INTEGER NOT NULL,                       -- users.id; 0 = the CLI operator
    visitor         TEXT NOT NULL,                          -- username
    visited_at      TEXT NOT NULL,                          -- ISO 8601, +08:00
    members_present INTEGER NOT NULL,
    note            TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    returnees       INTEGER NOT NULL DEFAULT 0,             -- persons derived as returnees
    fevers          INTEGER NOT NULL DEFAULT 0,             -- persons derived as febrile
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (round_id, household_id)
);
CREATE INDEX visits_round_grid ON visits(round_id, grid_code, id);
CREATE INDEX visits_grid ON visits(grid_code, id);

-- Per person of a visit: what was found, and what the rules derived from it
-- (returnee: back from a risk area within the profile's look-back; febrile:
-- fever flag or temperature at/above the threshold) with the observation and
-- alert they caused.
CREATE TABLE visit_persons (
    visit_id           INTEGER NOT NULL REFERENCES visits(id),
    person_id          INTEGER NOT NULL REFERENCES persons(id),
    returned_from_risk INTEGER NOT NULL,
    origin             TEXT,
    arrival_date       TEXT,
    transport          TEXT,
    fever              INTEGER NOT NULL,
    cough              INTEGER NOT NULL,
    other_symptoms     TEXT,
    temperature_dc     INTEGER,                -- tenths of °C; NULL = not measured
    contact_with_case  INTEGER NOT NULL,
    returnee           INTEGER NOT NULL,
    febrile            INTEGER NOT NULL,
    observation_id     INTEGER,
    alert_id           INTEGER,
    PRIMARY KEY (visit_id, person_id)
);
CREATE INDEX visit_persons_person ON visit_persons(person_id);

CREATE TABLE visit_history (
    id          INTEGER PRIMARY KEY,
    visit_id    INTEGER NOT NULL REFERENCES visits(id),
    version     INTEGER NOT NULL,              -- the version this row preserves
    snapshot    TEXT NOT NULL,                 -- JSON: the visit and its persons as they were
    replaced_at TEXT NOT NULL,
    replaced_by TEXT NOT NULL,                 -- username
    UNIQUE (visit_id, version)
);

-- 0010: mobilisation -- party organisations (regular, temporary 临时党支部,
-- mobile 流动党组织) and their members, teams (党员突击队 ...) from an
-- extensible catalogue, applications to serve (请命书), grid responsibility
-- (包片包网格), duty places and rosters (24 小时值守) with check-in and
-- check-out, checkpoints (卡口) and their entries.
CREATE TABLE orgs (
    id             INTEGER PRIMARY KEY,
    parent_id      INTEGER REFERENCES orgs(id),            -- NULL for a root (the city committee)
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('regular', 'temporary', 'mobile')),
    region_code    TEXT NOT NULL REFERENCES regions(code), -- inside the parent's region
    location       TEXT,                                   -- front line or place outside the city
    founded_date   TEXT NOT NULL,
    dissolved_date TEXT,                                   -- NULL while active
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX orgs_region ON orgs(region_code, id);
CREATE INDEX orgs_parent ON orgs(parent_id, id);

-- A person in an organisation.  At most one active membership of a regular
-- organisation per person; temporary and mobile ones come on top.
CREATE TABLE org_members (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs(id),
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    kind        TEXT NOT NULL,                             -- the organisation's kind, denormalised
    region_code TEXT NOT NULL,                             -- the organisation's region
    role        TEXT NOT NULL CHECK (role IN ('secretary', 'deputy_secretary', 'committee',
                                              'member', 'probationary')),
    joined_date TEXT NOT NULL,
    left_date   TEXT,                                      -- NULL while a member
    created_at  TEXT NOT NULL
);
CREATE INDEX org_members_org ON org_members(org_id, person_id);
CREATE INDEX org_members_person ON org_members(person_id);

CREATE TABLE team_types (
    code    TEXT PRIMARY KEY,                              -- machine name
    name_zh TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL,
    sort    INTEGER NOT NULL DEFAULT 100
);
INSERT INTO team_types (code, name_zh, name_en, sort) VALUES
    ('commando', '党员突击队', 'Party commando team', 10),
    ('vanguard', '党员先锋队', 'Party vanguard team', 20),
    ('volunteer', '志愿服务队', 'Volunteer service team', 30),
    ('patrol', '巡防排查队', 'Patrol and screening team', 40),
    ('sanitation', '卫生清洁队', 'Sanitation team', 50),
    ('emergency', '应急小分队', 'Emergency squad', 60);

-- Places people are on duty at: a checkpoint, a grid, a hospital, a site.
CREATE TABLE duty_places (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('checkpoint', 'grid', 'hospital', 'site')),
    region_code TEXT NOT NULL REFERENCES regions(code),
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX duty_places_region ON duty_places(region_code, id);

CREATE TABLE teams (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    type_code        TEXT NOT NULL REFERENCES team_types(code),
    org_id           INTEGER NOT NULL REFERENCES orgs(id),
    region_code      TEXT NOT NULL,                        -- the organisation's region
    leader_person_id INTEGER NOT NULL REFERENCES persons(id),
    active_from      TEXT NOT NULL,
    active_to        TEXT,                                 -- NULL = open
    application_id   INTEGER,                              -- the 请命书 it came from
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX teams_region ON teams(region_code, id);
CREATE INDEX teams_org ON teams(org_id);

CREATE TABLE team_members (
    team_id   INTEGER NOT NULL REFERENCES teams(id),
    person_id INTEGER NOT NULL REFERENCES persons(id),
    PRIMARY KEY (team_id, person_id)
);
CREATE INDEX team_members_person ON team_members(person_id);

CREATE TABLE team_places (
    team_id  INTEGER NOT NULL REFERENCES teams(id),
    place_id INTEGER NOT NULL REFERENCES duty_places(id),
    PRIMARY KEY (team_id, place_id)
);

-- 请命书: one or more members apply to an organisation to serve at the front.
CREATE TABLE applications (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs(id),
    region_code TEXT NOT NULL,                             -- the organisation's region
    group_name  TEXT,                                      -- a group's name, NULL for one person
    pledge      TEXT NOT NULL,
    wish        TEXT,                                      -- where or how they offer to serve
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'declined')),
    decided_by  TEXT,
    decided_at  TEXT,
    decision_note TEXT,
    team_id     INTEGER REFERENCES teams(id),             -- the team approval created
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX applications_region ON applications(region_code, id);

CREATE TABLE application_persons (
    application_id INTEGER NOT NULL REFERENCES applications(id),
    person_id      INTEGER NOT NULL REFERENCES persons(id),
    PRIMARY KEY (application_id, person_id)
);

-- 包片包网格: exactly one responsible person per grid, any number of helpers.
CREATE TABLE grid_duties (
    grid_code  TEXT NOT NULL REFERENCES regions(code),
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    role       TEXT NOT NULL CHECK (role IN ('responsible', 'helper')),
    since      TEXT NOT NULL,
    PRIMARY KEY (grid_code, person_id)
);
CREATE UNIQUE INDEX grid_duties_responsible ON grid_duties(grid_code) WHERE role = 'responsible';

-- Duty rosters: a shift at a place from start to end (unix seconds, and the
-- same as ISO text in +08:00 for people) with the persons on it.
CREATE TABLE shifts (
    id          INTEGER PRIMARY KEY,
    place_id    INTEGER NOT NULL REFERENCES duty_places(id),
    region_code TEXT NOT NULL,                             -- the place's region
    team_id     INTEGER REFERENCES teams(id),
    start_unix  INTEGER NOT NULL,
    end_unix    INTEGER NOT NULL CHECK (end_unix > start_unix),
    start_at    TEXT NOT NULL,
    end_at      TEXT NOT NULL,
    note        TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX shifts_place ON shifts(place_id, start_unix);
CREATE INDEX shifts_team ON shifts(team_id);

CREATE TABLE shift_people (
    shift_id      INTEGER NOT NULL REFERENCES shifts(id),
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    checkin_unix  INTEGER,                                 -- NULL until checked in
    checkout_unix INTEGER,                                 -- NULL until checked out
    PRIMARY KEY (shift_id, person_id)
);
CREATE INDEX shift_people_person ON shift_people(person_id);

-- 卡口: a checkpoint is a duty place of kind checkpoint, in a grid.
CREATE TABLE checkpoints (
    id          INTEGER PRIMARY KEY,
    place_id    INTEGER NOT NULL UNIQUE REFERENCES duty_places(id),
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),    -- a grid
    hours       TEXT NOT NULL,                             -- "24h" or "HH:MM-HH:MM"
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX checkpoints_region ON checkpoints(region_code, id);

CREATE TABLE checkpoint_entries (
    id             INTEGER PRIMARY KEY,
    checkpoint_id  INTEGER NOT NULL REFERENCES checkpoints(id),
    region_code    TEXT NOT NULL,                          -- the checkpoint's grid
    person_id      INTEGER REFERENCES persons(id),         -- when the person is registered
    id_number      TEXT,
    name           TEXT,
    phone          TEXT,
    plate          TEXT,
    entered_unix   INTEGER NOT NULL,
    entered_at     TEXT NOT NULL,
    day            TEXT NOT NULL,                          -- China date of entered_at
    origin         TEXT,
    destination    TEXT,
    temperature_dc INTEGER,                                -- tenths of °C; NULL = not measured
    outcome        TEXT NOT NULL CHECK (outcome IN ('pass', 'refer', 'turn_back')),
    from_risk      INTEGER NOT NULL,
    febrile        INTEGER NOT NULL,
    observation_id INTEGER,
    alert_id       INTEGER,
    recorder       TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX checkpoint_entries_cp ON checkpoint_entries(checkpoint_id, id);
CREATE INDEX checkpoint_entries_day ON checkpoint_entries(checkpoint_id, day); -- entries today
CREATE INDEX checkpoint_entries_region ON checkpoint_entries(region_code, id);

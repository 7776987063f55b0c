-- 0012: the command's own facts: response levels (应急响应级别), leaders
-- linked to the regions they supervise (市级领导联系督导县区), directives sent
-- down a subtree with deliveries, read receipts and replies (通知/指令),
-- inspections with findings and their rectification (督查/整改), and
-- broadcast notices for village loudspeakers (村村响) with play receipts.
--
-- Every table carries the region code it concerns, so that a subtree is a
-- range on the code.  Response levels are append-only: a change is a new row
-- with its effective date, so the level on any past date can be re-read.
CREATE TABLE directives (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    issuing_region TEXT NOT NULL REFERENCES regions(code),  -- the issuer's unit
    target_region  TEXT NOT NULL REFERENCES regions(code),  -- root of the subtree addressed
    target_level   INTEGER NOT NULL CHECK (target_level BETWEEN 1 AND 5), -- delivered down to
    deadline       TEXT NOT NULL,                           -- YYYY-MM-DD: read (and act) by then
    units          INTEGER NOT NULL,                        -- deliveries made
    issued_by      TEXT NOT NULL,
    issued_at      TEXT NOT NULL
);
CREATE INDEX directives_target ON directives(target_region, id);

-- One row per unit (region) of the subtree down to target_level.
CREATE TABLE directive_deliveries (
    directive_id INTEGER NOT NULL REFERENCES directives(id),
    region_code  TEXT NOT NULL REFERENCES regions(code),
    read_at      TEXT,                                       -- first read by a user of the unit
    read_by      TEXT,
    PRIMARY KEY (directive_id, region_code)
);
CREATE INDEX directive_deliveries_region ON directive_deliveries(region_code, directive_id);

-- One row per user who opened the directive and said so.
CREATE TABLE directive_reads (
    directive_id INTEGER NOT NULL REFERENCES directives(id),
    user_id      INTEGER NOT NULL,
    username     TEXT NOT NULL,
    unit_code    TEXT,                                       -- the delivery unit it counted for
    read_at      TEXT NOT NULL,
    PRIMARY KEY (directive_id, user_id)
);
CREATE INDEX directive_reads_user ON directive_reads(user_id, directive_id);

CREATE TABLE directive_replies (
    id           INTEGER PRIMARY KEY,
    directive_id INTEGER NOT NULL REFERENCES directives(id),
    region_code  TEXT NOT NULL,                              -- the replying user's scope
    username     TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX directive_replies_directive ON directive_replies(directive_id, id);

CREATE TABLE response_levels (
    id             INTEGER PRIMARY KEY,
    region_code    TEXT NOT NULL REFERENCES regions(code),
    level          INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4), -- 1 = 一级响应 (highest)
    effective_date TEXT NOT NULL,                                   -- YYYY-MM-DD
    directive_id   INTEGER REFERENCES directives(id),               -- the directive that set it
    note           TEXT,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX response_levels_day ON response_levels(region_code, effective_date);

CREATE TABLE leader_links (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    region_code TEXT NOT NULL REFERENCES regions(code),
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX leader_links_pair ON leader_links(user_id, region_code);
CREATE INDEX leader_links_region ON leader_links(region_code);

CREATE TABLE inspections (
    id           INTEGER PRIMARY KEY,
    region_code  TEXT NOT NULL REFERENCES regions(code),     -- the region inspected
    unit         TEXT,                                       -- a unit inside it, by name
    inspector    TEXT NOT NULL,                              -- username
    inspected_on TEXT NOT NULL,                              -- YYYY-MM-DD
    summary      TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX inspections_region ON inspections(region_code, id);

CREATE TABLE inspection_findings (
    id               INTEGER PRIMARY KEY,
    inspection_id    INTEGER NOT NULL REFERENCES inspections(id),
    region_code      TEXT NOT NULL REFERENCES regions(code), -- where it must be rectified
    category         TEXT NOT NULL,
    description      TEXT NOT NULL,
    responsible_unit TEXT NOT NULL,
    deadline         TEXT NOT NULL,                          -- rectify by (YYYY-MM-DD)
    status           TEXT NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'rectified', 'verified')),
    evidence_note    TEXT,
    rectified_by     TEXT,
    rectified_at     TEXT,
    verified_by      TEXT,
    verified_at      TEXT
);
CREATE INDEX inspection_findings_inspection ON inspection_findings(inspection_id, id);
CREATE INDEX inspection_findings_open ON inspection_findings(status, region_code, deadline);

CREATE TABLE broadcasts (
    id           INTEGER PRIMARY KEY,
    region_code  TEXT NOT NULL REFERENCES regions(code),     -- the subtree it is for
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,                              -- the text spoken
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL
);
CREATE INDEX broadcasts_region ON broadcasts(region_code, id);

CREATE TABLE broadcast_acks (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id),
    region_code  TEXT NOT NULL REFERENCES regions(code),     -- the village that played it
    username     TEXT NOT NULL,
    played_at    TEXT NOT NULL,
    PRIMARY KEY (broadcast_id, region_code)
);

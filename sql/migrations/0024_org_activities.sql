-- 0024: an organisation's activities (issue 18, item 6): a branch's pledge
-- meeting (誓师大会), a meeting, a study session, a service day -- dated (when
-- it happened: occurred_at; when it was written: created_at) with the number
-- of participants and the registered persons among them.
CREATE TABLE org_activities (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES orgs(id),
    region_code  TEXT NOT NULL REFERENCES regions(code),  -- the organisation's region
    kind         TEXT NOT NULL
                 CHECK (kind IN ('pledge', 'meeting', 'study', 'service', 'other')),
    title        TEXT NOT NULL,
    place        TEXT,
    note         TEXT,
    participants INTEGER NOT NULL CHECK (participants >= 1),  -- head count
    occurred_at  TEXT NOT NULL,                               -- ISO 8601, +08:00
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX org_activities_org ON org_activities(org_id, id);
CREATE INDEX org_activities_region ON org_activities(region_code, id);

CREATE TABLE org_activity_persons (
    activity_id INTEGER NOT NULL REFERENCES org_activities(id),
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    PRIMARY KEY (activity_id, person_id)
);

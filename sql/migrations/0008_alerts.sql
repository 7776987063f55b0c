-- 0008: alerts raised by rules (fever at a visit, abnormal or overdue health
-- report, ...), acknowledged and resolved by people, with the seconds each
-- step took so that timeliness can be measured per region and day.
CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY,
    rule            TEXT NOT NULL,                           -- report_abnormal, report_overdue, ...
    severity        TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    grid_code       TEXT NOT NULL REFERENCES regions(code),
    person_id       INTEGER,
    household_id    INTEGER,
    source          TEXT,                                    -- the fact: "report:7"
    dedup_key       TEXT NOT NULL UNIQUE,                    -- raising the same key twice is a no-op
    title_zh        TEXT NOT NULL,
    title_en        TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'acknowledged', 'resolved')),
    raised_at       TEXT NOT NULL,                           -- ISO 8601 +08:00
    raised_unix     INTEGER NOT NULL,
    raised_day      TEXT NOT NULL,                           -- YYYY-MM-DD of raised_at (histograms)
    ack_by          TEXT,
    ack_at          TEXT,
    ack_seconds     INTEGER,
    resolved_by     TEXT,
    resolved_at     TEXT,
    resolve_seconds INTEGER,
    note            TEXT
);
CREATE INDEX alerts_grid_status ON alerts(grid_code, status, id);
CREATE INDEX alerts_grid_raised ON alerts(grid_code, raised_unix);

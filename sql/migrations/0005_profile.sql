-- 0005: the disease profile (one row, admin-editable) and risk areas.
-- Every number of the daily loop that depends on the disease is read from
-- disease_profile; nothing of it is hard-coded.  Temperatures are integer
-- tenths of a degree Celsius (373 = 37.3 °C); report slots are minutes after
-- midnight in China time, comma-separated and ascending ("480,960" = 08:00 and
-- 16:00).
CREATE TABLE disease_profile (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    name               TEXT NOT NULL,
    observation_days   INTEGER NOT NULL,
    fever_threshold_dc INTEGER NOT NULL,
    slot_minutes       TEXT NOT NULL,
    grace_minutes      INTEGER NOT NULL,
    lookback_days      INTEGER NOT NULL,
    updated_at         TEXT NOT NULL
);
INSERT INTO disease_profile (id, name, observation_days, fever_threshold_dc, slot_minutes,
                             grace_minutes, lookback_days, updated_at)
VALUES (1, '新型冠状病毒肺炎', 14, 373, '480,960', 120, 14, '2020-01-23T00:00:00+08:00');

-- A place that makes travel history relevant: a region code (of this city or
-- elsewhere, GB/T 2260: 2 to 15 digits) or a named place outside the city
-- (e.g. 湖北省武汉市), a level, and an inclusive date range (to_date NULL =
-- still in force).
CREATE TABLE risk_areas (
    id          INTEGER PRIMARY KEY,
    region_code TEXT,
    place       TEXT,
    level       TEXT NOT NULL CHECK (level IN ('high', 'medium', 'low')),
    from_date   TEXT NOT NULL,
    to_date     TEXT,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    CHECK ((region_code IS NULL) <> (place IS NULL))
);
CREATE INDEX risk_areas_dates ON risk_areas(from_date);

-- 0004: the event stream behind GET /api/v1/events (server-sent events).
-- Rows are written in the same transaction as the fact they announce (an
-- alert raised, acknowledged, resolved ...), so a stream never shows an event
-- whose fact was rolled back, and a client resuming with Last-Event-ID gets
-- exactly what it missed.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    region_code TEXT NOT NULL,               -- for scoping the stream
    type        TEXT NOT NULL,               -- e.g. alert.raised, alert.acknowledged
    payload     TEXT NOT NULL                -- JSON
);
CREATE INDEX events_region ON events(region_code, id);

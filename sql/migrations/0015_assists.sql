-- 0015: cross-jurisdiction requests (协查函).  A contact tracer names a close
-- contact who lives outside the tracer's jurisdiction; the request goes to
-- the jurisdiction where the contact lives, which acknowledges it and opens
-- the observation there.  The sender follows the request's status and sees
-- what it entered itself, never the record it was matched to: region_given
-- is the sender's, to_region and person_id are the receiver's.
CREATE TABLE assist_requests (
    id                INTEGER PRIMARY KEY,
    source_case_id    INTEGER NOT NULL REFERENCES cases(id),
    from_region       TEXT NOT NULL,                          -- the sender's scope
    region_given      TEXT NOT NULL REFERENCES regions(code), -- where the sender says the contact lives
    to_region         TEXT NOT NULL REFERENCES regions(code), -- routed: the matched person's grid, else region_given
    person_id         INTEGER REFERENCES persons(id),         -- matched by ID number (receiver's side only)
    name              TEXT NOT NULL,
    id_number         TEXT,
    phone             TEXT,
    contact_type      TEXT NOT NULL,
    last_contact_date TEXT NOT NULL,                          -- occurred: the day of the contact
    note              TEXT,
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'acknowledged', 'observing', 'not_found')),
    requested_by      TEXT NOT NULL,
    requested_at      TEXT NOT NULL,                          -- recorded
    requested_unix    INTEGER NOT NULL,
    acknowledged_by   TEXT,
    acknowledged_at   TEXT,
    ack_seconds       INTEGER,                                -- time from request to acknowledgement
    observation_id    INTEGER REFERENCES observations(id),
    reply             TEXT,                                   -- the receiver's answer to the sender
    closed_by         TEXT,
    closed_at         TEXT
);
CREATE INDEX assist_requests_to ON assist_requests(to_region, id);
CREATE INDEX assist_requests_from ON assist_requests(from_region, id);

-- 0003: the registry -- households and persons -- and idempotency keys for
-- writes from the field (offline queues retry with the same client UUID).
CREATE TABLE households (
    id             INTEGER PRIMARY KEY,
    grid_code      TEXT NOT NULL REFERENCES regions(code),
    address        TEXT NOT NULL,
    head_person_id INTEGER,                 -- persons.id, set once the head is registered
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX households_grid ON households(grid_code, id);

CREATE TABLE persons (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER REFERENCES households(id),
    grid_code    TEXT NOT NULL REFERENCES regions(code),  -- the household's grid, denormalised for range scans
    name         TEXT NOT NULL,
    sex          TEXT NOT NULL CHECK (sex IN ('M', 'F')),
    birth_date   TEXT NOT NULL,             -- YYYY-MM-DD, agrees with the ID number
    id_number    TEXT NOT NULL UNIQUE,      -- GB 11643, 18 characters, check digit verified
    phone        TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX persons_grid ON persons(grid_code, id);
CREATE INDEX persons_name ON persons(name, grid_code, id);
CREATE INDEX persons_household ON persons(household_id);

-- One row per client-generated UUID: the same UUID with the same body hash
-- returns the first result; with a different hash it is a 409.
CREATE TABLE idempotency_keys (
    client_uuid TEXT PRIMARY KEY,
    entity      TEXT NOT NULL,              -- person, household, visit, ...
    entity_id   INTEGER NOT NULL,
    body_hash   TEXT NOT NULL,              -- hex BLAKE2b of the canonical request body
    created_at  TEXT NOT NULL
);

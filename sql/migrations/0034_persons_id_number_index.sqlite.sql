-- 0034 (SQLite; 0034_persons_id_number_index.pg.sql is PostgreSQL's):
-- persons.id_number stays unique, but through a named index
-- (persons_id_number) instead of the column's UNIQUE constraint.  The same
-- rows are refused with the same message ("UNIQUE constraint failed:
-- persons.id_number", a 409 on id_number).  SQLite cannot drop a
-- constraint's index, and a bulk load that keeps an index maintains it row
-- by row; a named index can be dropped and built again in one sort.  The
-- demo city at --scale 1.0 (issue 20, B6): 34-37 s with the constraint,
-- 19-21 s with the index dropped during the load (BENCH.md).  `epigrid import
-- persons` keeps the unique index during its load (it refuses duplicates row
-- by row); only the demo, whose rows are distinct by construction, drops it.
--
-- Other tables reference persons, so the table is built again with the
-- foreign keys off (SQLite's procedure for a changed table: they cannot be
-- turned off inside the transaction; migrate.c does it around this file, on
-- the marker below, and runs PRAGMA foreign_key_check before the commit).
-- Rows and ids are unchanged; the indexes are made again.
-- epigrid:foreign-keys-off
CREATE TABLE persons_0034 (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER REFERENCES households(id),
    grid_code    TEXT NOT NULL REFERENCES regions(code),  -- the household's grid, denormalised for range scans
    name         TEXT NOT NULL,
    sex          TEXT NOT NULL CHECK (sex IN ('M', 'F')),
    birth_date   TEXT NOT NULL,             -- YYYY-MM-DD, agrees with the ID number
    id_number    TEXT NOT NULL,             -- GB 11643, 18 characters, check digit verified; unique (persons_id_number)
    phone        TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
INSERT INTO persons_0034 (id, household_id, grid_code, name, sex, birth_date, id_number, phone,
                          created_at, updated_at)
SELECT id, household_id, grid_code, name, sex, birth_date, id_number, phone, created_at, updated_at
FROM persons ORDER BY id;
DROP TABLE persons;
ALTER TABLE persons_0034 RENAME TO persons;
CREATE UNIQUE INDEX persons_id_number ON persons(id_number);
CREATE INDEX persons_grid ON persons(grid_code, id);
CREATE INDEX persons_name ON persons(name, grid_code, id);
CREATE INDEX persons_household ON persons(household_id);

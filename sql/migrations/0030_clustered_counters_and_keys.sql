-- 0030: the roll-up counters and the idempotency keys are stored in the
-- order of their key (SQLite: WITHOUT ROWID; PostgreSQL keeps its heap and
-- primary key index: the dialect drops the clause).  As rowid tables each
-- upsert of a counter and each new key touched two B-trees -- the key's
-- index and the table -- and on the health-report path (issue 20, B1) the
-- counters' flush was 14 % of the writer and the log's frames, one per page
-- a commit dirtied, most of COMMIT's 19 %.  Keyed storage is one B-tree and
-- one page per row.  Nothing reads either table by rowid.
CREATE TABLE region_counters_keyed (
    code   TEXT NOT NULL REFERENCES regions(code),
    metric TEXT NOT NULL,
    value  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (code, metric)
) WITHOUT ROWID;
INSERT INTO region_counters_keyed (code, metric, value)
SELECT code, metric, value FROM region_counters;
DROP TABLE region_counters;
ALTER TABLE region_counters_keyed RENAME TO region_counters;

CREATE TABLE idempotency_keys_keyed (
    client_uuid TEXT PRIMARY KEY,
    entity      TEXT NOT NULL,              -- person, household, visit, ...
    entity_id   INTEGER NOT NULL,
    body_hash   TEXT NOT NULL,              -- hex BLAKE2b of the canonical request body
    created_at  TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO idempotency_keys_keyed (client_uuid, entity, entity_id, body_hash, created_at)
SELECT client_uuid, entity, entity_id, body_hash, created_at FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_keyed RENAME TO idempotency_keys;

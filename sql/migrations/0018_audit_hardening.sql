-- 0018: security hardening (issue #16).  The audit log becomes
-- tamper-evident: each row carries hash = BLAKE2b-256(previous row's hash,
-- the row's own fields) in hex (see src/core/audit.c for the exact
-- encoding), and audit_chain holds the head:
-- the id and hash of the last row.  audit.c reads the head, inserts the row
-- with id = last_id + 1 and moves the head, all in the writer's transaction
-- (which holds the write lock on both engines), so the chain stays one line
-- across processes.  `epigrid check` recomputes it and names the first row
-- edited, missing (a gap in the ids, or rows after the last one deleted) or
-- added outside the chain.
--
-- Rows that predate this migration are not hashed: nothing can vouch for
-- what they held before it ran, and hashing them now would vouch for it
-- anyway.  The chain starts at the first row written after it; their number
-- is kept in unchained_through, and `epigrid check` reports them as not
-- verifiable.
ALTER TABLE audit_log ADD COLUMN hash TEXT;

CREATE TABLE audit_chain (
    last_id           INTEGER NOT NULL, -- id of the newest audit row
    last_hash         TEXT NOT NULL,    -- its hash ('' before the first chained row)
    unchained_through INTEGER NOT NULL  -- rows with id <= this predate the chain
);
INSERT INTO audit_chain (last_id, last_hash, unchained_through)
SELECT COALESCE(MAX(id), 0), '', COALESCE(MAX(id), 0) FROM audit_log;

CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'audit_chain keeps one row'); END;

-- The public pages (issue #16, finding 10): how deep anyone without a login
-- may drill down, as a region level (1 city, 2 county, 3 township, 4 village,
-- 5 grid; default county), and the small-cell threshold: below the city,
-- a public figure from 1 to public_min_cell - 1 is shown as "<N" (and one
-- more figure of its column hidden, so that it cannot be recovered by
-- subtraction); 1 shows every figure exactly.
ALTER TABLE disease_profile ADD COLUMN public_depth INTEGER NOT NULL DEFAULT 2;
ALTER TABLE disease_profile ADD COLUMN public_min_cell INTEGER NOT NULL DEFAULT 3;

-- 0018: the audit log becomes tamper-evident (issue #16).  Each row carries
-- hash = BLAKE2b-256(previous row's hash, the row's own fields) in hex (see
-- src/core/audit.c for the exact encoding), and audit_chain holds the head:
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

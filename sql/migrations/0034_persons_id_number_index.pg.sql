-- 0034 (PostgreSQL; see 0034_persons_id_number_index.sqlite.sql): nothing to
-- change.  PostgreSQL drops a unique constraint like any index (the demo's
-- bulk load drops persons' keys and makes them again, STORE_DEFER_KEYS), so
-- persons.id_number keeps its constraint, persons_id_number_key.
SELECT 1;

-- C3pg-rt: one round trip to PostgreSQL and back (pgbench -M prepared, one
-- connection): the floor of every statement the group-commit writer sends.
SELECT 1;

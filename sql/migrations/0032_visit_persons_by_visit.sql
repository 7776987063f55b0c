-- 0032: visit_persons loses its index by person (issue 20).  No query reads
-- visit rows by person (a visit's persons are read by its key, visit_id
-- first), and persons are never deleted, so the index served no foreign-key
-- check either; yet each person of a visit put an entry at that person's
-- place in it, and under B2 (visits, 2026-12-07) a third of the write-ahead
-- log's frames were its pages (851 of 2,607).  A person's screening history,
-- when a page asks for it, brings the index back with the query that needs it.
DROP INDEX visit_persons_person;

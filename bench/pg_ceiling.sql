-- C3: PostgreSQL's own write ceiling for B1, run by pgbench (-f, -n): one row
-- shaped like a health report (the table of bench/sqlite_ceiling.c, created by
-- bench/run.mjs) per transaction, each commit durable (fsync=on,
-- synchronous_commit=on).
\set p random(1, 5000000)
INSERT INTO reports (observation_id, person_id, grid_code, slot_day, slot_index, temperature_dc,
                     symptoms, abnormal, reported_at, client_uuid)
VALUES (:p, :p, '431122101001', 20786, :p % 2, 365, '[]', 0, '2026-11-29T08:05:00+08:00',
        gen_random_uuid()::text);

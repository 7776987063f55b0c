-- 0029: the overdue sweep walks the active observations in id order, a job
-- of OBSERVATION_SWEEP_BATCH at a time, each job going on after the last
-- one's id.  With only observations_grid_status (status, grid_code, id) the
-- planner read every active observation and sorted them for each job: a
-- city of 20,000 under observation took 7 s of the writer to sweep, 70 % of
-- it in that query (issue 20, B1/B7).  This index gives the walk directly.
CREATE INDEX observations_status_id ON observations(status, id);

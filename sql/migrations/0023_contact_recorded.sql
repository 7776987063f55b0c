-- 0023: a close contact traced from paper records keeps both times (issue 17):
-- traced_at/traced_day are when it was traced (occurred), recorded_at when it
-- reached us (the server's time, immutable).  Earlier rows were recorded
-- when they were traced.
ALTER TABLE contacts ADD COLUMN recorded_at TEXT;
UPDATE contacts SET recorded_at = traced_at;

-- 0014: the moment an observation was opened.  The overdue sweep counts a
-- report slot as due only if the observation was already open when the slot
-- started: one opened at 20:25 owes nothing for that day's 16:00 slot.  The
-- moment is that of the fact that opened it (a visit's visited_at, a
-- checkpoint entry's entered_at, a contact's tracing, or the request's
-- opened_at / now), which can precede created_at when a fact is recorded
-- late.  Existing rows take created_at, the moment they were recorded.
-- Same text form as the other timestamps ("YYYY-MM-DDTHH:MM:SS+08:00"), so
-- that text order is time order.
ALTER TABLE observations ADD COLUMN opened_at TEXT NOT NULL DEFAULT '';
UPDATE observations SET opened_at = created_at;

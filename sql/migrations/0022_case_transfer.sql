-- 0022: a case transferred out (转出) to care outside the jurisdiction
-- (issue 17, item 5).  The receiving institution's name and the day of the
-- transfer; NULL while the case is in the jurisdiction's own care.  A
-- transferred case stays in its region's bulletin figures (cases count where
-- they were reported) but is no longer "outside a designated hospital": the
-- four-concentrations alert resolves itself.
ALTER TABLE cases ADD COLUMN transferred_to TEXT;
ALTER TABLE cases ADD COLUMN transferred_date TEXT;

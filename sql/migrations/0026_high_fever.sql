-- 0026: one fever severity rule for every alert (issue 19 item 6): a
-- temperature at or above high_fever_dc (高热, 39.1 °C by default) makes a
-- fever alert high wherever it was measured (checkpoint, household visit,
-- health report), as does a risk (travel from a risk area, a close contact);
-- any other fever is medium.
ALTER TABLE disease_profile ADD COLUMN high_fever_dc INTEGER NOT NULL DEFAULT 391;

-- Migration 0013: version 12 to 13 (issue 18). The office's settings
-- (docs/api.md §16), stored with the data so a backup or `calllog migrate`
-- carries them: one row. The time zone is NULL until an admin sets it (UTC
-- is in force meanwhile, and the console reminds admins to set it); a
-- server started with `--timezone` stores that zone here if none is set.
CREATE TABLE office_settings (
    only_row    INTEGER PRIMARY KEY CHECK (only_row = 1),
    time_zone   TEXT,
    office_name TEXT
);
INSERT INTO office_settings (only_row) VALUES (1);

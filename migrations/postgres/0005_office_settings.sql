-- Migration 0005: version 4 to 5 (issue 18). The office's settings
-- (docs/api.md §16), stored with the data: one row. The time zone is NULL
-- until an admin sets it (UTC is in force meanwhile); a server started
-- with `--timezone` stores that zone here if none is set. A change is
-- announced on the channel every instance listens on (as credential
-- changes are), so each rereads the settings within a second.
CREATE TABLE office_settings (
    only_row    smallint PRIMARY KEY CHECK (only_row = 1),
    time_zone   text,
    office_name text
);
INSERT INTO office_settings (only_row) VALUES (1);
CREATE TRIGGER credentials_changed_settings AFTER UPDATE ON office_settings
    FOR EACH STATEMENT EXECUTE FUNCTION credentials_changed();

-- calllog schema, version 11: the whole current schema in one readable place.
-- src/store/schema.rs builds a new, empty file from it; an older file is
-- stepped up by migrations/sqlite/ instead. A change here comes with a new
-- migration that makes the same change (tests/schema_upgrades.rs compares).
--
-- Times are INTEGER 100-nanosecond ticks since the Unix epoch (UTC), the
-- resolution of the API's seven fractional digits; the HTTP layer renders
-- them in the configured time zone.

-- Directory: a copy of the outside accounting system; ids come from there.
CREATE TABLE IF NOT EXISTS properties (
    property_id      INTEGER PRIMARY KEY,
    c4_uid           TEXT,
    property_name    TEXT    NOT NULL,
    address1         TEXT,
    address2         TEXT,
    city             TEXT,
    state            TEXT,
    zip              TEXT,
    entity_number    TEXT,
    legal_name       TEXT,
    property_type_id INTEGER,
    property_status  INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS units (
    unit_id       INTEGER PRIMARY KEY,
    property_id   INTEGER NOT NULL REFERENCES properties(property_id),
    unit_number   TEXT    NOT NULL,
    address1      TEXT,
    address2      TEXT,
    city          TEXT,
    state         TEXT,
    zip           TEXT,
    display_order INTEGER,
    floor         TEXT,
    latitude      REAL,
    longitude     REAL
);
CREATE INDEX IF NOT EXISTS units_by_property ON units(property_id, display_order, unit_number);

CREATE TABLE IF NOT EXISTS residents (
    resident_id    INTEGER PRIMARY KEY,
    property_id    INTEGER NOT NULL REFERENCES properties(property_id),
    unit_id        INTEGER NOT NULL REFERENCES units(unit_id),
    first_name     TEXT,
    middle_initial TEXT,
    last_name      TEXT,
    email          TEXT,
    unit_phone     TEXT,
    cell_phone     TEXT,
    work_phone     TEXT,
    other_phone    TEXT,
    occupancy_type TEXT,
    resident_type  INTEGER,
    move_in_date   INTEGER,
    -- The digits of all four phones, for the lookup (written by the store).
    phone_digits   TEXT,
    -- docs/api.md §6: from this instant on the resident has moved out (NULL: lives there).
    move_out_date  INTEGER
);
CREATE INDEX IF NOT EXISTS residents_by_unit ON residents(unit_id);
CREATE INDEX IF NOT EXISTS residents_by_property ON residents(property_id);

-- Users, their property links and their bearer tokens.
CREATE TABLE IF NOT EXISTS users (
    user_id       INTEGER PRIMARY KEY,
    user_name     TEXT    NOT NULL,
    -- user_name in Unicode lower case: names are unique ignoring case, and
    -- SQLite's NOCASE folds ASCII only (Zoë = ZOË must collide).
    name_key      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    first_name    TEXT,
    last_name     TEXT,
    email         TEXT,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'agent', 'viewer')),
    active        INTEGER NOT NULL DEFAULT 1,
    created_on    INTEGER NOT NULL
);

-- Links may name a property before the directory import brings it, so no
-- foreign key to properties here; the API validates ids when it writes links.
CREATE TABLE IF NOT EXISTS user_properties (
    user_id     INTEGER NOT NULL REFERENCES users(user_id),
    property_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, property_id)
) WITHOUT ROWID;

-- Only the SHA-256 of a token is kept; kind is 'session' (login) or 'api'.
CREATE TABLE IF NOT EXISTS tokens (
    token_id   INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(user_id),
    token_hash BLOB    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL CHECK (kind IN ('session', 'api')),
    name       TEXT,
    created_on INTEGER NOT NULL,
    expires_on INTEGER,
    revoked_on INTEGER
);
CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens(user_id);

-- Call-log catalog: statuses and reasons are never deleted, only deactivated.
CREATE TABLE IF NOT EXISTS statuses (
    status_id     INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    category      TEXT    NOT NULL CHECK (category IN ('open', 'pending', 'closed')),
    is_default    INTEGER NOT NULL DEFAULT 0,
    active        INTEGER NOT NULL DEFAULT 1,
    display_order INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS reasons (
    reason_id     INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    active        INTEGER NOT NULL DEFAULT 1,
    display_order INTEGER NOT NULL DEFAULT 0
);

-- Call logs. last_event_no numbers this log's events (and so is its ETag).
CREATE TABLE IF NOT EXISTS call_logs (
    log_id        INTEGER PRIMARY KEY,
    property_id   INTEGER NOT NULL REFERENCES properties(property_id),
    unit_id       INTEGER REFERENCES units(unit_id),
    resident_id   INTEGER REFERENCES residents(resident_id),
    call_from     TEXT    NOT NULL,
    status_id     INTEGER NOT NULL REFERENCES statuses(status_id),
    subject       TEXT    NOT NULL,
    notes         TEXT,
    taken_by      TEXT    NOT NULL,
    created_on    INTEGER NOT NULL,
    modified_on   INTEGER NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users(user_id),
    deleted       INTEGER NOT NULL DEFAULT 0,
    last_event_no INTEGER NOT NULL DEFAULT 0,
    -- Comments in the thread, bumped by each append (the export's CommentCount).
    comment_count INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS call_log_reasons (
    log_id    INTEGER NOT NULL REFERENCES call_logs(log_id),
    reason_id INTEGER NOT NULL REFERENCES reasons(reason_id),
    PRIMARY KEY (log_id, reason_id)
) WITHOUT ROWID;

-- One append-only table for comments and history: OldComments and the
-- history are two readings of the same rows. Keyed by (log_id, event_no) so
-- that an append dirties one B-tree, and a log's events sit together.
-- kind: created | updated | commented | deleted | restored.
-- For 'commented', new_value is the comment and status_name the status name
-- at that moment; for 'updated', field/old_value/new_value tell the change.
CREATE TABLE IF NOT EXISTS log_events (
    log_id      INTEGER NOT NULL,
    event_no    INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    user_name   TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    field       TEXT,
    old_value   TEXT,
    new_value   TEXT,
    status_name TEXT,
    PRIMARY KEY (log_id, event_no)
) WITHOUT ROWID;

-- Idempotency-Key replays of POST /api/calllogs, per user, for 24 hours.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    user_id     INTEGER NOT NULL,
    key         TEXT    NOT NULL,
    log_id      INTEGER NOT NULL,
    created_on  INTEGER NOT NULL,
    -- Hex SHA-256 of the create's canonical input: a repeat with another body is refused.
    fingerprint TEXT,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;

-- List indexes: each list route filters on one of these and reads it in
-- (created_on, log_id) order, log_id being the implicit rowid tail. Partial
-- on deleted = 0 (every list has that condition), so counts are answered from
-- the index alone. No index on subject/notes/taken_by: nothing seeks on them.
CREATE INDEX IF NOT EXISTS call_logs_by_created ON call_logs(created_on) WHERE deleted = 0;
CREATE INDEX IF NOT EXISTS call_logs_by_modified ON call_logs(modified_on) WHERE deleted = 0;
CREATE INDEX IF NOT EXISTS call_logs_by_property ON call_logs(property_id, created_on) WHERE deleted = 0;
CREATE INDEX IF NOT EXISTS call_logs_by_unit ON call_logs(unit_id, created_on) WHERE unit_id IS NOT NULL AND deleted = 0;
CREATE INDEX IF NOT EXISTS call_logs_by_resident ON call_logs(resident_id, created_on) WHERE resident_id IS NOT NULL AND deleted = 0;
-- Counting a property's logs by status (its dashboard): index-only. Comment
-- appends never change status_id, so this costs nothing on the hot path.
CREATE INDEX IF NOT EXISTS call_logs_by_property_status ON call_logs(property_id, status_id) WHERE deleted = 0;
-- A user's own calls by status (the console's "my open calls"): the few open
-- ones are sought, not found among every log the user ever took.
CREATE INDEX IF NOT EXISTS call_logs_by_taker ON call_logs(taken_by, status_id, created_on) WHERE deleted = 0;
-- The reason filter probes call_log_reasons by (log_id, reason_id), its primary key.
-- Deleted logs by id (they are few): a search no other filter narrows counts
-- its matches minus these.
CREATE INDEX IF NOT EXISTS call_logs_deleted ON call_logs(log_id) WHERE deleted = 1;

-- Full-text search (q). Contentless (the text lives in call_logs and
-- log_events; the index keeps only terms). Per call log, one header row at
-- rowid = log_id << 24 (subject, caller, taker, notes; replaced when the
-- notes change) and one row per comment at (log_id << 24) | event_no, so a
-- comment is one small append, never a rewrite of the log's document.
-- unicode61 with remove_diacritics folds case and accents ('creme' = 'Crème').
-- Each word's first one and two characters are terms too (prefix indexes):
-- a one- or two-letter search word reads one doclist, and can seek in it.
CREATE VIRTUAL TABLE IF NOT EXISTS call_log_search USING fts5(
    body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2'
);
-- The stems of those rows' words (Snowball English, computed by calllog,
-- the same code as on PostgreSQL), where a stem is not the word itself,
-- at the same rowids: `leaks` finds `leaking` by the stem `leak`. Words
-- only: no prefix index.
CREATE VIRTUAL TABLE IF NOT EXISTS call_log_stems USING fts5(
    body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
-- The names a search word matches besides a log's text: each reason's
-- name, unit's number and property's name as its folded words and its
-- stems (marked '~'), written with the name. A search finds the named
-- reasons, units and properties here, then their logs by the indexes
-- below, so a rename changes what matches without indexing a log again.
CREATE TABLE IF NOT EXISTS search_names (
    kind      TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    term      TEXT NOT NULL,
    PRIMARY KEY (kind, entity_id, term)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS search_names_by_term ON search_names(term);
-- The logs of a reason a search word names.
CREATE INDEX IF NOT EXISTS call_log_reasons_by_reason ON call_log_reasons(reason_id, log_id);

-- The lookup (docs/console.md §2, docs/api.md §9): external-content FTS5 indexes over
-- the directory, kept in step by triggers on every write path. Names and
-- numbers match by word prefix with case and accents folded; phones by any
-- run of their digits (trigram).
CREATE VIRTUAL TABLE resident_names USING fts5(
    first_name, last_name,
    content = 'residents', content_rowid = 'resident_id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE resident_phones USING fts5(
    phone_digits,
    content = 'residents', content_rowid = 'resident_id',
    tokenize = 'trigram'
);
CREATE VIRTUAL TABLE unit_numbers USING fts5(
    unit_number,
    content = 'units', content_rowid = 'unit_id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE property_names USING fts5(
    property_name,
    content = 'properties', content_rowid = 'property_id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER residents_lookup_insert AFTER INSERT ON residents BEGIN
    INSERT INTO resident_names (rowid, first_name, last_name) VALUES (new.resident_id, new.first_name, new.last_name);
    INSERT INTO resident_phones (rowid, phone_digits) VALUES (new.resident_id, new.phone_digits);
END;
CREATE TRIGGER residents_lookup_delete AFTER DELETE ON residents BEGIN
    INSERT INTO resident_names (resident_names, rowid, first_name, last_name)
        VALUES ('delete', old.resident_id, old.first_name, old.last_name);
    INSERT INTO resident_phones (resident_phones, rowid, phone_digits) VALUES ('delete', old.resident_id, old.phone_digits);
END;
CREATE TRIGGER residents_lookup_update AFTER UPDATE ON residents BEGIN
    INSERT INTO resident_names (resident_names, rowid, first_name, last_name)
        VALUES ('delete', old.resident_id, old.first_name, old.last_name);
    INSERT INTO resident_phones (resident_phones, rowid, phone_digits) VALUES ('delete', old.resident_id, old.phone_digits);
    INSERT INTO resident_names (rowid, first_name, last_name) VALUES (new.resident_id, new.first_name, new.last_name);
    INSERT INTO resident_phones (rowid, phone_digits) VALUES (new.resident_id, new.phone_digits);
END;
CREATE TRIGGER units_lookup_insert AFTER INSERT ON units BEGIN
    INSERT INTO unit_numbers (rowid, unit_number) VALUES (new.unit_id, new.unit_number);
END;
CREATE TRIGGER units_lookup_delete AFTER DELETE ON units BEGIN
    INSERT INTO unit_numbers (unit_numbers, rowid, unit_number) VALUES ('delete', old.unit_id, old.unit_number);
END;
CREATE TRIGGER units_lookup_update AFTER UPDATE ON units BEGIN
    INSERT INTO unit_numbers (unit_numbers, rowid, unit_number) VALUES ('delete', old.unit_id, old.unit_number);
    INSERT INTO unit_numbers (rowid, unit_number) VALUES (new.unit_id, new.unit_number);
END;
CREATE TRIGGER properties_lookup_insert AFTER INSERT ON properties BEGIN
    INSERT INTO property_names (rowid, property_name) VALUES (new.property_id, new.property_name);
END;
CREATE TRIGGER properties_lookup_delete AFTER DELETE ON properties BEGIN
    INSERT INTO property_names (property_names, rowid, property_name) VALUES ('delete', old.property_id, old.property_name);
END;
CREATE TRIGGER properties_lookup_update AFTER UPDATE ON properties BEGIN
    INSERT INTO property_names (property_names, rowid, property_name) VALUES ('delete', old.property_id, old.property_name);
    INSERT INTO property_names (rowid, property_name) VALUES (new.property_id, new.property_name);
END;

-- Live logs counted per property, unit and status, kept in step by triggers
-- on every write path: a property's board and summaries read a few rows per
-- unit instead of scanning every log of the property. Per status, not per
-- category, so moving a status to another category changes no stored number.
CREATE TABLE call_log_counts (
    property_id INTEGER NOT NULL,
    unit_key    INTEGER NOT NULL, -- the log's unit_id, 0 for a log without a unit
    status_id   INTEGER NOT NULL,
    live        INTEGER NOT NULL, -- logs with deleted = 0
    PRIMARY KEY (property_id, unit_key, status_id)
) WITHOUT ROWID;

CREATE TRIGGER call_log_counts_insert AFTER INSERT ON call_logs WHEN new.deleted = 0 BEGIN
    INSERT INTO call_log_counts (property_id, unit_key, status_id, live)
        VALUES (new.property_id, coalesce(new.unit_id, 0), new.status_id, 1)
        ON CONFLICT DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER call_log_counts_update AFTER UPDATE OF property_id, unit_id, status_id, deleted ON call_logs
WHEN old.property_id IS NOT new.property_id OR old.unit_id IS NOT new.unit_id
  OR old.status_id IS NOT new.status_id OR old.deleted IS NOT new.deleted BEGIN
    UPDATE call_log_counts SET live = live - 1
        WHERE old.deleted = 0 AND property_id = old.property_id AND unit_key = coalesce(old.unit_id, 0)
          AND status_id = old.status_id;
    INSERT INTO call_log_counts (property_id, unit_key, status_id, live)
        SELECT new.property_id, coalesce(new.unit_id, 0), new.status_id, 1 WHERE new.deleted = 0
        ON CONFLICT DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER call_log_counts_delete AFTER DELETE ON call_logs WHEN old.deleted = 0 BEGIN
    UPDATE call_log_counts SET live = live - 1
        WHERE property_id = old.property_id AND unit_key = coalesce(old.unit_id, 0) AND status_id = old.status_id;
END;

-- The admin audit (docs/api.md §3): who changed a user (created it, its role,
-- property links, activity, password), a token (created, revoked), a
-- reason, a status or the directory (an import's counts), and how. Each row
-- is written in the same transaction as the change it records. user_id is
-- the actor; NULL for the command line, whose user_name is "command line".
-- Target and details are text for a person; never a password or a token.
CREATE TABLE admin_audit (
    audit_id  INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL, -- 100 ns ticks since the Unix epoch (UTC)
    user_id   INTEGER REFERENCES users(user_id),
    user_name TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    target    TEXT    NOT NULL,
    details   TEXT
);
-- Newest first, optionally within from/to; and the same for one actor.
CREATE INDEX admin_audit_by_time ON admin_audit(at);
CREATE INDEX admin_audit_by_user ON admin_audit(user_id, at);

-- A counter of changes to credentials: a token revoked, a user changed (role,
-- activity, password, name), a property link added or removed. A running
-- server trusts a verified token from its memory for a while; it rereads
-- this counter at most a second apart and forgets what it trusted when the
-- counter moved, so a change made by another process (the command line's
-- `user passwd` or `token revoke`) is honoured within a second.
CREATE TABLE credential_changes (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    changes  INTEGER NOT NULL
);
CREATE TRIGGER credential_changes_token AFTER UPDATE OF revoked_on ON tokens BEGIN
    INSERT INTO credential_changes (only_row, changes) VALUES (1, 1) ON CONFLICT DO UPDATE SET changes = changes + 1;
END;
CREATE TRIGGER credential_changes_user AFTER UPDATE ON users BEGIN
    INSERT INTO credential_changes (only_row, changes) VALUES (1, 1) ON CONFLICT DO UPDATE SET changes = changes + 1;
END;
CREATE TRIGGER credential_changes_link_added AFTER INSERT ON user_properties BEGIN
    INSERT INTO credential_changes (only_row, changes) VALUES (1, 1) ON CONFLICT DO UPDATE SET changes = changes + 1;
END;
CREATE TRIGGER credential_changes_link_removed AFTER DELETE ON user_properties BEGIN
    INSERT INTO credential_changes (only_row, changes) VALUES (1, 1) ON CONFLICT DO UPDATE SET changes = changes + 1;
END;

-- The sign-in throttle (docs/api.md §3): failed password checks by user name and
-- client address, and the addresses each user signed in from. In the
-- database, so the command line (`user unlock`) and a restarted server see
-- them. A failure written deletes those older than the 15-minute window; a
-- known address is kept 30 days after its last success, at most 100 a user.
CREATE TABLE login_failures (
    name_key BLOB    NOT NULL, -- SHA-256 of the trimmed lower-case user name
    address  TEXT    NOT NULL, -- the client address: IPv4 whole, IPv6 by its /64
    at       INTEGER NOT NULL, -- 100 ns ticks since the Unix epoch (UTC)
    -- A later success from the same address forgives the failure for the
    -- (name, address) limit; the name's own limit still counts it.
    forgiven INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX login_failures_by_name ON login_failures(name_key, at);
CREATE INDEX login_failures_by_address ON login_failures(name_key, address, at);
CREATE INDEX login_failures_by_time ON login_failures(at);
CREATE TABLE known_addresses (
    user_id      INTEGER NOT NULL REFERENCES users(user_id),
    address      TEXT    NOT NULL,
    last_success INTEGER NOT NULL,
    PRIMARY KEY (user_id, address)
) WITHOUT ROWID;
CREATE INDEX known_addresses_by_time ON known_addresses(last_success);

-- The lookup's "Did you mean" (docs/console.md §7): every word of the
-- residents' first and last names and of the property names, folded, with
-- its length in characters and written backwards. A word one edit from the
-- typed one begins with its first half or ends with its second (less a
-- letter): two index ranges; two edits read the words of the lengths
-- within two. Added as names are written, never removed (a word no row
-- holds any more finds nothing when offered).
CREATE TABLE name_words (
    word     TEXT    PRIMARY KEY,
    letters  INTEGER NOT NULL,
    reversed TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX name_words_by_letters ON name_words(letters, word);
CREATE INDEX name_words_by_reversed ON name_words(reversed);

-- The office's settings (docs/api.md §16), one row. The time zone is NULL
-- until an admin sets it (UTC is in force meanwhile, and the console
-- reminds admins to set it); a server started with `--timezone` stores that
-- zone here if none is set.
CREATE TABLE office_settings (
    only_row    INTEGER PRIMARY KEY CHECK (only_row = 1),
    time_zone   TEXT,
    office_name TEXT
);
INSERT INTO office_settings (only_row) VALUES (1);

-- Migration 0001: an empty file (user_version 0) to schema version 1, the
-- schema of the first release. Frozen: never edit a migration that has
-- shipped; a change to the schema is a new NNNN file plus the same change in
-- schema.sql (tests/schema_upgrades.rs proves both roads give one schema).
--
-- calllog builds a new file from schema.sql and never runs this on a file
-- that has data; it is the first rung of the ladder, so the ladder can be
-- checked from the bottom. The runner (src/store/schema.rs) wraps it in a
-- transaction and sets user_version; this file does neither.
--
-- Times are INTEGER 100-nanosecond ticks since the Unix epoch (UTC), the
-- resolution of the API's seven fractional digits; the HTTP layer renders
-- them in the configured time zone.

-- Directory: a copy of the outside accounting system; ids come from there.
CREATE TABLE properties (
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

CREATE TABLE units (
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
CREATE INDEX units_by_property ON units(property_id, display_order, unit_number);

CREATE TABLE residents (
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
    move_in_date   INTEGER
);
CREATE INDEX residents_by_unit ON residents(unit_id);
CREATE INDEX residents_by_property ON residents(property_id);

-- Users, their property links and their bearer tokens.
CREATE TABLE users (
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
CREATE TABLE user_properties (
    user_id     INTEGER NOT NULL REFERENCES users(user_id),
    property_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, property_id)
) WITHOUT ROWID;

-- Only the SHA-256 of a token is kept; kind is 'session' (login) or 'api'.
CREATE TABLE tokens (
    token_id   INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(user_id),
    token_hash BLOB    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL CHECK (kind IN ('session', 'api')),
    name       TEXT,
    created_on INTEGER NOT NULL,
    expires_on INTEGER,
    revoked_on INTEGER
);
CREATE INDEX tokens_by_user ON tokens(user_id);

-- Call-log catalog: statuses and reasons are never deleted, only deactivated.
CREATE TABLE statuses (
    status_id     INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    category      TEXT    NOT NULL CHECK (category IN ('open', 'pending', 'closed')),
    is_default    INTEGER NOT NULL DEFAULT 0,
    active        INTEGER NOT NULL DEFAULT 1,
    display_order INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE reasons (
    reason_id     INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    active        INTEGER NOT NULL DEFAULT 1,
    display_order INTEGER NOT NULL DEFAULT 0
);

-- Call logs. last_event_no numbers this log's events (and so is its ETag).
CREATE TABLE call_logs (
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
    last_event_no INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE call_log_reasons (
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
CREATE TABLE log_events (
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
CREATE TABLE idempotency_keys (
    user_id    INTEGER NOT NULL,
    key        TEXT    NOT NULL,
    log_id     INTEGER NOT NULL,
    created_on INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;

-- List indexes: each list route filters on one of these and reads it in
-- (created_on, log_id) order, log_id being the implicit rowid tail. Partial
-- on deleted = 0 (every list has that condition), so counts are answered from
-- the index alone. No index on subject/notes/taken_by: nothing seeks on them.
CREATE INDEX call_logs_by_created ON call_logs(created_on) WHERE deleted = 0;
CREATE INDEX call_logs_by_modified ON call_logs(modified_on) WHERE deleted = 0;
CREATE INDEX call_logs_by_property ON call_logs(property_id, created_on) WHERE deleted = 0;
CREATE INDEX call_logs_by_unit ON call_logs(unit_id, created_on) WHERE unit_id IS NOT NULL AND deleted = 0;
CREATE INDEX call_logs_by_resident ON call_logs(resident_id, created_on) WHERE resident_id IS NOT NULL AND deleted = 0;
-- Counting a property's logs by status (its dashboard): index-only. Comment
-- appends never change status_id, so this costs nothing on the hot path.
CREATE INDEX call_logs_by_property_status ON call_logs(property_id, status_id) WHERE deleted = 0;
-- The reason filter probes call_log_reasons by (log_id, reason_id), its primary key.

-- Full-text search (q). Contentless (the text lives in call_logs and
-- log_events; the index keeps only terms). Per call log, one header row at
-- rowid = log_id << 24 (subject, caller, taker, notes; replaced when the
-- notes change) and one row per comment at (log_id << 24) | event_no, so a
-- comment is one small append, never a rewrite of the log's document.
-- unicode61 with remove_diacritics folds case and accents ('creme' = 'Crème').
CREATE VIRTUAL TABLE call_log_search USING fts5(
    body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- The seeded catalog (docs/api.md §5), as schema.rs seeds a fresh file.
INSERT INTO statuses (status_id, name, category, is_default, active, display_order) VALUES
    (1, 'Open', 'open', 1, 1, 1),
    (2, 'In Progress', 'pending', 0, 1, 2),
    (3, 'Closed', 'closed', 0, 1, 3);
INSERT INTO reasons (reason_id, name, active, display_order) VALUES
    (1, 'Maintenance request', 1, 1),
    (2, 'Billing / assessments', 1, 2),
    (3, 'Violation inquiry', 1, 3),
    (4, 'Architectural request', 1, 4),
    (5, 'Amenity reservation', 1, 5),
    (6, 'Noise or neighbor complaint', 1, 6),
    (7, 'General information', 1, 7),
    (8, 'Emergency', 1, 8);

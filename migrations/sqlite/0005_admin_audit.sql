-- Migration 0005: version 4 to 5.
--
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

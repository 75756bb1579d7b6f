-- Migration 0009: version 8 to 9. The sign-in throttle moves from the
-- server's memory into the database (issue 16), with each user's known
-- addresses: the command line can clear a locked-out name, and a restart
-- no longer forgets the failures (so it no longer lifts a lock either).
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

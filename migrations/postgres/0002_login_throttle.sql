-- Migration 0002: version 1 to 2 (issue 16). The sign-in throttle keys IPv6
-- client addresses by their /64 (IPv4 whole, as before), and lets a user
-- through the per-name limit from an address where it signed in within 30
-- days: `known_addresses`. Its times now come from calllog's clock (the
-- same ticks), so every engine and the tests measure the window alike.
-- Failures recorded under whole IPv6 addresses would never match a /64 key
-- again; they are at most 15 minutes' worth, and are dropped here.
DELETE FROM login_failures WHERE address LIKE '%:%';
CREATE INDEX login_failures_by_address ON login_failures(name_key, address, at);
CREATE TABLE known_addresses (
    user_id      bigint NOT NULL REFERENCES users(user_id),
    address      text   NOT NULL, -- the client address: IPv4 whole, IPv6 by its /64
    last_success bigint NOT NULL,
    PRIMARY KEY (user_id, address)
);
CREATE INDEX known_addresses_by_time ON known_addresses(last_success);

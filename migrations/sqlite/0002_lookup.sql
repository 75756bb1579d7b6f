-- Migration 0002: version 1 to 2. The lookup (docs/console.md §2, docs/api.md §9):
-- one box that finds whoever is on the phone by name, unit number, property
-- name or phone digits, in milliseconds over 100,000 residents.
--
-- External-content FTS5 indexes over the directory tables (the text stays in
-- the tables; the indexes hold terms), kept in step by triggers, so every
-- write path (import, CLI, API) updates them in its own transaction.
-- unicode61 with remove_diacritics folds case and accents; queries match
-- word prefixes. Phones are searched by their digits (phone_digits, the
-- digits of all four numbers, written by the store) with the trigram
-- tokenizer, which matches any run of 3 or more characters inside them.

ALTER TABLE residents ADD COLUMN phone_digits TEXT;

-- Existing rows: each phone without its usual separators, the phones
-- apart by one space (as the store writes them: see Resident::phone_digits).
UPDATE residents SET phone_digits = nullif(trim(
    coalesce(nullif(replace(replace(replace(replace(replace(replace(replace(unit_phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', ''), '/', ''), '') || ' ', '') ||
    coalesce(nullif(replace(replace(replace(replace(replace(replace(replace(cell_phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', ''), '/', ''), '') || ' ', '') ||
    coalesce(nullif(replace(replace(replace(replace(replace(replace(replace(work_phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', ''), '/', ''), '') || ' ', '') ||
    coalesce(nullif(replace(replace(replace(replace(replace(replace(replace(other_phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', ''), '/', ''), ''), '')), '');

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

-- Index what the directory already holds.
INSERT INTO resident_names (resident_names) VALUES ('rebuild');
INSERT INTO resident_phones (resident_phones) VALUES ('rebuild');
INSERT INTO unit_numbers (unit_numbers) VALUES ('rebuild');
INSERT INTO property_names (property_names) VALUES ('rebuild');

-- Migration 0012: version 11 to 12 (issue 18). The lookup's "Did you mean"
-- (docs/console.md §7) compares a word that matches no name with the name
-- words there are: every word of the residents' first and last names and
-- of the property names, folded, with its length in characters and the
-- word written backwards. A word one edit from the typed one begins with
-- its first half or ends with its second (less a letter), so those two
-- index ranges are all it reads; two edits read the words of the lengths
-- within two. Words are added as names are written and never removed (a
-- word no row holds any more finds nothing when offered, and costs one
-- row). Filled here from the lookup's own FTS5 indexes, which hold exactly
-- those words, folded; written backwards a character at a time.
CREATE TABLE name_words (
    word     TEXT    PRIMARY KEY,
    letters  INTEGER NOT NULL,
    reversed TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX name_words_by_letters ON name_words(letters, word);
CREATE INDEX name_words_by_reversed ON name_words(reversed);
CREATE VIRTUAL TABLE temp.resident_name_terms USING fts5vocab(main, resident_names, 'row');
CREATE VIRTUAL TABLE temp.property_name_terms USING fts5vocab(main, property_names, 'row');
WITH RECURSIVE
    words(word) AS (SELECT term FROM temp.resident_name_terms UNION SELECT term FROM temp.property_name_terms),
    backwards(word, rest, reversed) AS (
        SELECT word, word, '' FROM words
        UNION ALL
        SELECT word, substr(rest, 2), substr(rest, 1, 1) || reversed FROM backwards WHERE rest <> ''
    )
INSERT INTO name_words (word, letters, reversed)
    SELECT word, length(word), reversed FROM backwards WHERE rest = '' ON CONFLICT (word) DO NOTHING;
DROP TABLE temp.resident_name_terms;
DROP TABLE temp.property_name_terms;

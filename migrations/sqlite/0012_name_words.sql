-- Migration 0012: version 11 to 12 (issue 18). The lookup's "Did you mean"
-- (docs/console.md §7) compares a word that matches no name with the name
-- words there are: every word of the residents' first and last names and
-- of the property names, folded, with its length in characters, so only
-- the words of lengths within two of the typed one are read. Words are
-- added as names are written and never removed (a word no row holds any
-- more finds nothing when offered, and costs one row). Filled here from
-- the lookup's own FTS5 indexes, which hold exactly those words, folded.
CREATE TABLE name_words (
    word    TEXT    PRIMARY KEY,
    letters INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX name_words_by_letters ON name_words(letters, word);
CREATE VIRTUAL TABLE temp.resident_name_terms USING fts5vocab(main, resident_names, 'row');
CREATE VIRTUAL TABLE temp.property_name_terms USING fts5vocab(main, property_names, 'row');
INSERT OR IGNORE INTO name_words (word, letters)
    SELECT term, length(term) FROM temp.resident_name_terms
    UNION SELECT term, length(term) FROM temp.property_name_terms;
DROP TABLE temp.resident_name_terms;
DROP TABLE temp.property_name_terms;

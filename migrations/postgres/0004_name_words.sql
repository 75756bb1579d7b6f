-- Migration 0004: version 3 to 4 (issue 18). The lookup's "Did you mean"
-- (docs/console.md §7) compares a word that matches no name with the name
-- words there are: every word of the residents' first and last names and
-- of the property names, folded, with its length in characters, so only
-- the words of lengths within two of the typed one are read. Words are
-- added as names are written and never removed. Filled here from the rows'
-- lookup terms, which hold exactly those words, folded.
CREATE TABLE name_words (
    word    text    COLLATE "C" PRIMARY KEY,
    letters bigint  NOT NULL
);
CREATE INDEX name_words_by_letters ON name_words (letters, word);
INSERT INTO name_words (word, letters)
    SELECT word, char_length(word) FROM (
        SELECT unnest(tsvector_to_array(name_terms)) AS word FROM residents
        UNION SELECT unnest(tsvector_to_array(name_terms)) FROM properties
    ) AS words
    ON CONFLICT DO NOTHING;

-- Migration 0004: version 3 to 4 (issue 18). The lookup's "Did you mean"
-- (docs/console.md §7) compares a word that matches no name with the name
-- words there are: every word of the residents' first and last names and
-- of the property names, folded, with its length in characters and the
-- word written backwards. A word one edit from the typed one begins with
-- its first half or ends with its second (less a letter), so those two
-- index ranges are all it reads; two edits read the words of the lengths
-- within two. Words are added as names are written and never removed.
-- Filled here from the rows' lookup terms, which hold exactly those words,
-- folded.
CREATE TABLE name_words (
    word     text   COLLATE "C" PRIMARY KEY,
    letters  bigint NOT NULL,
    reversed text   COLLATE "C" NOT NULL
);
CREATE INDEX name_words_by_letters ON name_words (letters, word);
CREATE INDEX name_words_by_reversed ON name_words (reversed);
INSERT INTO name_words (word, letters, reversed)
    SELECT word, char_length(word), reverse(word) FROM (
        SELECT unnest(tsvector_to_array(name_terms)) AS word FROM residents
        UNION SELECT unnest(tsvector_to_array(name_terms)) FROM properties
    ) AS words
    ON CONFLICT DO NOTHING;

-- Version 5 to 6. A search word also matches the names of a log's
-- reasons, its unit's number and its property's name, and English words
-- match their other forms by their Snowball stem (issue 18). PostgreSQL
-- cannot stem as calllog does, so calllog fills what this step creates
-- right after it, in the same transaction (schema.rs, `index_for_search`):
-- every name's terms, and every row of call_log_search again with its
-- stems.
-- A name's folded words and its stems marked '~', in code point order
-- (COLLATE "C"), so the words a search word begins are one range.
CREATE TABLE search_names (
    kind      text   NOT NULL,
    entity_id bigint NOT NULL,
    term      text   COLLATE "C" NOT NULL,
    PRIMARY KEY (kind, entity_id, term)
);
CREATE INDEX search_names_by_term ON search_names (term);
-- The logs of a reason a search word names.
CREATE INDEX call_log_reasons_by_reason ON call_log_reasons (reason_id, log_id);

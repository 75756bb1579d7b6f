-- Migration 0014: version 13 to 14. A search word also matches the names
-- of a log's reasons, its unit's number and its property's name, and
-- English words match their other forms by their Snowball stem (issue 18).
-- The stems of the text already indexed are computed by calllog's own
-- function (search_stems, the code that indexes new rows and that the
-- PostgreSQL engine uses), as are the names' terms (search_name_terms).
CREATE VIRTUAL TABLE call_log_stems USING fts5(
    body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO call_log_stems (rowid, body)
    SELECT rowid, stems FROM (
        SELECT log_id << 24 AS rowid,
               search_stems(subject || char(10) || call_from || char(10) || taken_by || char(10) || coalesce(notes, '')) AS stems
        FROM call_logs ORDER BY log_id)
    WHERE stems <> '';
INSERT INTO call_log_stems (rowid, body)
    SELECT rowid, stems FROM (
        SELECT (log_id << 24) | (event_no & 16777215) AS rowid, search_stems(new_value) AS stems
        FROM log_events WHERE kind = 'commented' AND new_value IS NOT NULL ORDER BY log_id, event_no)
    WHERE stems <> '';
CREATE TABLE search_names (
    kind      TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    term      TEXT NOT NULL,
    PRIMARY KEY (kind, entity_id, term)
) WITHOUT ROWID;
CREATE INDEX search_names_by_term ON search_names(term);
INSERT OR IGNORE INTO search_names (kind, entity_id, term)
    SELECT 'reason', reason_id, t.value FROM reasons, json_each(search_name_terms(name)) t;
INSERT OR IGNORE INTO search_names (kind, entity_id, term)
    SELECT 'unit', unit_id, t.value FROM units, json_each(search_name_terms(unit_number)) t;
INSERT OR IGNORE INTO search_names (kind, entity_id, term)
    SELECT 'property', property_id, t.value FROM properties, json_each(search_name_terms(property_name)) t;
CREATE INDEX call_log_reasons_by_reason ON call_log_reasons(reason_id, log_id);

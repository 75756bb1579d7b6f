-- Migration 0011: version 10 to 11. The search index keeps every word's first
-- character and first two characters as terms of their own (FTS5 prefix
-- indexes, issue 16): a one- or two-letter search word was the union of
-- every term it begins, which FTS5 merges whole before answering (0.15-1 s a
-- letter at a million logs, sixteen of them 7 s), and its rows could not be
-- sought among a few logs. An FTS5 table's options are fixed when it is
-- made, and this one is contentless, so it is made again and refilled from
-- the text it indexes: each log's header row (subject, caller, taker,
-- notes) and each comment, at the rowids the writer gives them.
DROP TABLE call_log_search;
CREATE VIRTUAL TABLE call_log_search USING fts5(
    body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2'
);
INSERT INTO call_log_search (rowid, body)
    SELECT log_id << 24, subject || char(10) || call_from || char(10) || taken_by || char(10) || coalesce(notes, '')
    FROM call_logs ORDER BY log_id;
INSERT INTO call_log_search (rowid, body)
    SELECT (log_id << 24) | (event_no & 16777215), new_value
    FROM log_events WHERE kind = 'commented' AND new_value IS NOT NULL ORDER BY log_id, event_no;

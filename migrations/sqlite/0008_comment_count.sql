-- Migration 0008: version 7 to 8. A log's comment count kept on its row
-- (issue 9): the export's CommentCount counted every event of each log it
-- wrote, a cost that grew with the thread. Each append already updates the
-- log's row (last_event_no, modified_on), so keeping the count there adds
-- nothing to a write; existing logs are counted once here.
ALTER TABLE call_logs ADD COLUMN comment_count INTEGER NOT NULL DEFAULT 0;
UPDATE call_logs SET comment_count =
    (SELECT count(*) FROM log_events e WHERE e.log_id = call_logs.log_id AND e.kind = 'commented');

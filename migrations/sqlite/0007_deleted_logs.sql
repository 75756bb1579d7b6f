-- Migration 0007: version 6 to 7. Deleted call logs listed by id (issue 9):
-- a search that no other filter narrows counts its matches as the matches
-- minus the deleted logs among them, and deleted logs are few, so this
-- partial index holds only them and costs nothing on the write path until a
-- log is deleted.
CREATE INDEX IF NOT EXISTS call_logs_deleted ON call_logs(log_id) WHERE deleted = 1;

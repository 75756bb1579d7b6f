-- Migration 0004: version 3 to 4. A property's board and its summaries
-- (docs/api.md §7, docs/console.md §1) count live logs by status for the property and
-- for each of its units. Counting the logs themselves costs a scan of every
-- log of the property on each load (0.3 s at 150,000 logs); these counters,
-- kept in step by triggers on every write path, make it a read of a few rows
-- per unit. Counts are kept per status, not per category, so an admin
-- moving a status to another category changes no stored number.
CREATE TABLE call_log_counts (
    property_id INTEGER NOT NULL,
    unit_key    INTEGER NOT NULL, -- the log's unit_id, 0 for a log without a unit
    status_id   INTEGER NOT NULL,
    live        INTEGER NOT NULL, -- logs with deleted = 0
    PRIMARY KEY (property_id, unit_key, status_id)
) WITHOUT ROWID;

INSERT INTO call_log_counts (property_id, unit_key, status_id, live)
SELECT property_id, coalesce(unit_id, 0), status_id, count(*) FROM call_logs WHERE deleted = 0 GROUP BY 1, 2, 3;

CREATE TRIGGER call_log_counts_insert AFTER INSERT ON call_logs WHEN new.deleted = 0 BEGIN
    INSERT INTO call_log_counts (property_id, unit_key, status_id, live)
        VALUES (new.property_id, coalesce(new.unit_id, 0), new.status_id, 1)
        ON CONFLICT DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER call_log_counts_update AFTER UPDATE OF property_id, unit_id, status_id, deleted ON call_logs
WHEN old.property_id IS NOT new.property_id OR old.unit_id IS NOT new.unit_id
  OR old.status_id IS NOT new.status_id OR old.deleted IS NOT new.deleted BEGIN
    UPDATE call_log_counts SET live = live - 1
        WHERE old.deleted = 0 AND property_id = old.property_id AND unit_key = coalesce(old.unit_id, 0)
          AND status_id = old.status_id;
    INSERT INTO call_log_counts (property_id, unit_key, status_id, live)
        SELECT new.property_id, coalesce(new.unit_id, 0), new.status_id, 1 WHERE new.deleted = 0
        ON CONFLICT DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER call_log_counts_delete AFTER DELETE ON call_logs WHEN old.deleted = 0 BEGIN
    UPDATE call_log_counts SET live = live - 1
        WHERE property_id = old.property_id AND unit_key = coalesce(old.unit_id, 0) AND status_id = old.status_id;
END;

-- "My open calls" counts and lists a user's logs in the open statuses: with
-- the status in the taker's index, both seek the few open ones instead of
-- reading every log the user ever took.
DROP INDEX call_logs_by_taker;
CREATE INDEX call_logs_by_taker ON call_logs(taken_by, status_id, created_on) WHERE deleted = 0;

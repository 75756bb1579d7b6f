-- Migration 0003: version 2 to 3. The console's "my open calls" (docs/console.md
-- §1) lists the logs a user took, oldest first, on every load of /desk: an
-- index on the taker, in date order, so that costs a seek, not a scan.
CREATE INDEX call_logs_by_taker ON call_logs(taken_by, created_on) WHERE deleted = 0;

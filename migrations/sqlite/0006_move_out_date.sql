-- Migration 0006: version 5 to 6. A resident's move-out date (docs/api.md §6):
-- one whose MoveOutDate is in the past has moved out. Old logs keep them;
-- the lookup no longer offers them and a new log may not name them. The
-- date is stored like move_in_date (the instant, in 100 ns ticks); NULL
-- means the resident lives there. The lookup leaves moved-out residents out
-- at query time (a date in the future takes effect on its day with no
-- write), so the lookup's indexes and triggers are unchanged.
ALTER TABLE residents ADD COLUMN move_out_date INTEGER;

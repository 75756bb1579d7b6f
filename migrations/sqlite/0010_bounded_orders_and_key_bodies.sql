-- Migration 0010: version 9 to 10 (issue 16).
--
-- docs/api.md §1: every integer a client sends is bounded, DisplayOrder to
-- 0..1,000,000. Before, any 64-bit value was stored, and a reason or status
-- at the top of the range made every later create without a DisplayOrder
-- fail (the next order overflowed). Values out of range come back to the
-- nearest bound; the order among those in range is unchanged.
UPDATE reasons SET display_order = max(0, min(display_order, 1000000))
    WHERE display_order < 0 OR display_order > 1000000;
UPDATE statuses SET display_order = max(0, min(display_order, 1000000))
    WHERE display_order < 0 OR display_order > 1000000;
UPDATE units SET display_order = max(0, min(display_order, 1000000))
    WHERE display_order < 0 OR display_order > 1000000;

-- docs/api.md §4: an Idempotency-Key is bound to the body it came with; a repeat
-- with another body is refused. The fingerprint of that body (hex SHA-256 of
-- the create's canonical input); NULL for keys remembered before this step,
-- which replay as they did (they are forgotten within 24 hours).
ALTER TABLE idempotency_keys ADD COLUMN fingerprint TEXT;

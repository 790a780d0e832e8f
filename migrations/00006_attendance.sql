-- +goose Up
-- When the personal data of a booking was removed, by the retention job
-- (RETENTION_DAYS after its session) or at the person's request. The row
-- stays, with its mode, status, attendance and times, so the counts do.
ALTER TABLE bookings ADD COLUMN anonymised_at timestamptz;

-- The retention job looks for bookings not yet anonymised of sessions that
-- ended long ago: both sides of that join stay small this way.
CREATE INDEX bookings_not_anonymised ON bookings (session_id) WHERE anonymised_at IS NULL;
CREATE INDEX sessions_ends_at ON sessions (ends_at);

-- +goose Down
DROP INDEX sessions_ends_at;
DROP INDEX bookings_not_anonymised;
ALTER TABLE bookings DROP COLUMN anonymised_at;

-- +goose Up
-- An archived workshop is done with: the public lists leave it out, its
-- sessions and their bookings stay as they are for the organisers. NULL
-- while it is current.
ALTER TABLE workshops ADD COLUMN archived_at timestamptz;

-- +goose Down
ALTER TABLE workshops DROP COLUMN archived_at;

-- +goose Up
-- A companion or carer (booking/companion.go): a place of their own, a
-- booking row like any other (so every count of places is a count of rows),
-- linked to the booking of the person they come with. Same session and mode
-- as that booking; at most one live companion per booking. A companion may
-- have no email address: the person booking is told for them.
ALTER TABLE bookings ADD COLUMN companion_of bigint REFERENCES bookings (id);
CREATE UNIQUE INDEX bookings_one_live_companion ON bookings (companion_of)
    WHERE companion_of IS NOT NULL AND status <> 'cancelled';

-- +goose Down
DROP INDEX bookings_one_live_companion;
ALTER TABLE bookings DROP COLUMN companion_of;

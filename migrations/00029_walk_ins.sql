-- +goose Up
-- Walk-ins (booking/walkin.go): people a facilitator registers at the door,
-- ticked in at once. When the room had space, a walk-in took a place like
-- any booking. When it was full, the walk-in is still recorded, marked
-- over_capacity, and takes no place: session_capacity.booked counts the
-- live bookings that are not over capacity (postgres.CountedPlace says so
-- in one place), so booked + offered <= capacity still holds.
ALTER TABLE bookings ADD COLUMN walk_in boolean NOT NULL DEFAULT false,
	ADD COLUMN over_capacity boolean NOT NULL DEFAULT false,
	ADD CONSTRAINT bookings_over_capacity_walk_in CHECK (walk_in OR NOT over_capacity);

-- +goose Down
ALTER TABLE bookings DROP CONSTRAINT bookings_over_capacity_walk_in,
	DROP COLUMN over_capacity, DROP COLUMN walk_in;

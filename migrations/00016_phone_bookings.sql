-- +goose Up
-- Bookings taken by phone: the number to ring when the session moves or is
-- cancelled (a UK number, stored as +44 and the national number), and a
-- postal address for the confirmation. Personal data like the name: the
-- retention job and an erasure blank them. Waiting-list entries get the
-- columns too, always empty for now, so one SET list blanks both tables.
ALTER TABLE bookings ADD COLUMN phone text NOT NULL DEFAULT '',
	ADD COLUMN postal_address text NOT NULL DEFAULT '';
ALTER TABLE waitlist_entries ADD COLUMN phone text NOT NULL DEFAULT '',
	ADD COLUMN postal_address text NOT NULL DEFAULT '';
-- Export and erasure find a person by their number.
CREATE INDEX bookings_phone ON bookings (phone) WHERE phone <> '';

-- +goose Down
DROP INDEX bookings_phone;
ALTER TABLE waitlist_entries DROP COLUMN phone, DROP COLUMN postal_address;
ALTER TABLE bookings DROP COLUMN phone, DROP COLUMN postal_address;

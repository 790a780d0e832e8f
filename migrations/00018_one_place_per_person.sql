-- +goose Up
-- One live booking, and one place on the waiting list, per person per
-- session, a person being a name at an email address: two people who share
-- an address (a couple, a family) can each book under their own name, and a
-- second click on "Book my place" still finds the first booking.
DROP INDEX bookings_one_live_per_email;
CREATE UNIQUE INDEX bookings_one_live_per_person ON bookings (session_id, lower(email), lower(name))
    WHERE status <> 'cancelled' AND email <> '';
DROP INDEX waitlist_one_active_per_email;
CREATE UNIQUE INDEX waitlist_one_active_per_person ON waitlist_entries (session_id, lower(email), lower(name))
    WHERE status IN ('waiting', 'offered');

-- +goose Down
DROP INDEX waitlist_one_active_per_person;
CREATE UNIQUE INDEX waitlist_one_active_per_email ON waitlist_entries (session_id, lower(email))
    WHERE status IN ('waiting', 'offered');
DROP INDEX bookings_one_live_per_person;
CREATE UNIQUE INDEX bookings_one_live_per_email ON bookings (session_id, lower(email))
    WHERE status <> 'cancelled' AND email <> '';

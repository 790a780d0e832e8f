-- +goose Up
-- The answers people give in their calendars (Yes or Maybe) to a booking's
-- invite, read from the organiser mailbox: the latest per booking, with the
-- SEQUENCE of the invite it answered. A No cancels the booking instead.
CREATE TABLE calendar_replies (
    booking_id bigint PRIMARY KEY REFERENCES bookings (id) ON DELETE CASCADE,
    status     text NOT NULL CHECK (status IN ('accepted', 'tentative')),
    sequence   integer NOT NULL CHECK (sequence >= 0),
    replied_at timestamptz NOT NULL
);

-- The changes a calendar reply makes (a decline cancels, an answer is
-- recorded) are audited in the name of the calendar reply.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_check
    CHECK (actor IN ('organiser', 'api-token', 'command-line', 'calendar-reply'));

-- +goose Down
DELETE FROM audit_log WHERE actor = 'calendar-reply';
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_check
    CHECK (actor IN ('organiser', 'api-token', 'command-line'));
DROP TABLE calendar_replies;

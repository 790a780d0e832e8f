-- +goose Up
-- When the personal data of a booking was removed, by the retention job
-- (RETENTION_DAYS after its session) or at the person's request. The row
-- stays, with its mode, status, attendance and times, so the counts do.
ALTER TABLE bookings ADD COLUMN anonymised_at timestamptz;

-- The retention job looks for bookings not yet anonymised of sessions that
-- ended long ago: both sides of that join stay small this way.
CREATE INDEX bookings_not_anonymised ON bookings (session_id) WHERE anonymised_at IS NULL;
CREATE INDEX sessions_ends_at ON sessions (ends_at);

-- Waiting-list entries hold the same personal data and lose it the same
-- way; an anonymised entry is the only one without an email address.
ALTER TABLE waitlist_entries ADD COLUMN anonymised_at timestamptz;
ALTER TABLE waitlist_entries DROP CONSTRAINT waitlist_entries_email_check;
ALTER TABLE waitlist_entries ADD CONSTRAINT waitlist_entries_email_check
    CHECK (email <> '' OR anonymised_at IS NOT NULL);
CREATE INDEX waitlist_entries_not_anonymised ON waitlist_entries (session_id) WHERE anonymised_at IS NULL;
-- Finding everything held about one address (an export, an erasure).
CREATE INDEX waitlist_entries_email ON waitlist_entries (lower(email));

-- +goose Down
DROP INDEX waitlist_entries_email;
DROP INDEX waitlist_entries_not_anonymised;
ALTER TABLE waitlist_entries DROP CONSTRAINT waitlist_entries_email_check;
UPDATE waitlist_entries SET email = 'removed@invalid' WHERE email = '';
ALTER TABLE waitlist_entries ADD CONSTRAINT waitlist_entries_email_check CHECK (email <> '');
ALTER TABLE waitlist_entries DROP COLUMN anonymised_at;
DROP INDEX sessions_ends_at;
DROP INDEX bookings_not_anonymised;
ALTER TABLE bookings DROP COLUMN anonymised_at;

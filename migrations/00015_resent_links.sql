-- +goose Up
-- "Send me my booking link" (issue 10): fresh manage links for the bookings
-- and waiting-list entries of an email address. The links already sent go
-- on working (someone else typing your address must not break them), so a
-- fresh link's token is kept here, as a SHA-256 hash like every other, next
-- to the one in bookings or waitlist_entries. Rows go with what they open.
CREATE TABLE resent_links (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    booking_id bigint REFERENCES bookings (id) ON DELETE CASCADE,
    waitlist_entry_id bigint REFERENCES waitlist_entries (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    CHECK ((booking_id IS NULL) <> (waitlist_entry_id IS NULL))
);
CREATE INDEX resent_links_booking ON resent_links (booking_id) WHERE booking_id IS NOT NULL;
CREATE INDEX resent_links_entry ON resent_links (waitlist_entry_id) WHERE waitlist_entry_id IS NOT NULL;

-- A person changes the email address of their booking (issue 10, item 3):
-- the new address waits here until the link sent to it is followed; only
-- the link's SHA-256 hash is kept, as for every other link.
ALTER TABLE bookings
    ADD COLUMN new_email text,
    ADD COLUMN new_email_token_hash bytea CHECK (length(new_email_token_hash) = 32),
    ADD COLUMN new_email_expires_at timestamptz;
CREATE UNIQUE INDEX bookings_new_email_token ON bookings (new_email_token_hash) WHERE new_email_token_hash IS NOT NULL;

-- +goose Down
DROP INDEX bookings_new_email_token;
ALTER TABLE bookings DROP COLUMN new_email, DROP COLUMN new_email_token_hash, DROP COLUMN new_email_expires_at;
DROP TABLE resent_links;

-- +goose Up
-- Workforce bookings wait for their email link: the booking is made
-- pending_verification, holding its place, and the link confirms it. Only
-- the SHA-256 of the link's token is kept, so a copy of the database
-- confirms nobody. The hash stays after the link is used or has lapsed, so
-- that following it again is answered clearly rather than as unknown.
ALTER TABLE bookings
    ADD COLUMN verify_token_hash bytea UNIQUE CHECK (length(verify_token_hash) = 32),
    ADD COLUMN verify_expires_at timestamptz;
-- The sweep that gives back the places of links never followed.
CREATE INDEX bookings_verify_expires ON bookings (verify_expires_at)
    WHERE status = 'pending_verification';

-- +goose Down
DROP INDEX bookings_verify_expires;
ALTER TABLE bookings
    DROP COLUMN verify_expires_at,
    DROP COLUMN verify_token_hash;

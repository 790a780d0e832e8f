-- +goose Up
-- Every invite for a booking carries one UID, fixed when the booking is made
-- (issue 9): calendars match updates and cancellations to the entry they
-- hold by it, so it must not change when BASE_URL does. Bookings made before
-- this column were sent UIDs built from BASE_URL's host; workshopd fills
-- those in at start (postgres.DB.KeepInviteUIDs) from the BASE_URL it runs
-- under, since SQL cannot know it. NULL means "not yet filled in".
ALTER TABLE bookings ADD COLUMN invite_uid text;
CREATE UNIQUE INDEX bookings_invite_uid ON bookings (invite_uid);

-- +goose Down
DROP INDEX bookings_invite_uid;
ALTER TABLE bookings DROP COLUMN invite_uid;

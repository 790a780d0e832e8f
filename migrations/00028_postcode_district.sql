-- +goose Up
-- The first half of a booking's postcode ("CV1"), written when retention
-- removes the booking's details (AnonymiseEnded), so that participation
-- by area of the city (booking/participation.go) still counts the
-- bookings of sessions long over. A district alone names nobody, and the
-- privacy notice says summary figures by postcode area may be kept. NULL
-- while the details are held, and for details removed before this column
-- or erased at the person's request; '' where no postcode was given.
ALTER TABLE bookings ADD COLUMN postcode_district text;

-- +goose Down
ALTER TABLE bookings DROP COLUMN postcode_district;

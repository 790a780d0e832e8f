-- +goose Up
-- Finding a booking by name ignores accents: an officer who types "Zoe"
-- or "Sinead" finds "Zoë" and "Sinéad". unaccent is a trusted extension
-- (PostgreSQL 13 and later): the database's owner can create it without
-- being a superuser.
CREATE EXTENSION IF NOT EXISTS unaccent;

-- +goose Down
DROP EXTENSION IF EXISTS unaccent;

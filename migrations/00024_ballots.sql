-- +goose Up
-- Ballot sessions (issue 12): people apply until applications close, then
-- one draw gives out the places (booking/ballot). Until the draw a ballot
-- session takes no holds, bookings or waiting-list entries.
ALTER TABLE sessions
    ADD COLUMN allocation text NOT NULL DEFAULT 'first_come'
        CONSTRAINT sessions_allocation_known CHECK (allocation IN ('first_come', 'ballot')),
    ADD COLUMN applications_close_at timestamptz,
    -- Set by the draw, in the draw's transaction: the session takes bookings
    -- from then on, first come, first served, for any places left.
    ADD COLUMN drawn_at timestamptz,
    ADD CONSTRAINT sessions_ballot_closes CHECK (allocation = 'first_come' OR applications_close_at IS NOT NULL);

CREATE TABLE ballot_applications (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The reference the draw knows the application by: published with the
    -- draw's inputs, so it carries nothing personal.
    reference    text NOT NULL UNIQUE,
    session_id   bigint NOT NULL,
    mode         text NOT NULL,
    area         text NOT NULL,
    -- The person, as for a booking; blanked by the draw once the booking or
    -- waiting-list entry holds them, and by retention and erasure.
    name         text NOT NULL,
    email        text NOT NULL,
    organisation text NOT NULL DEFAULT '',
    postcode     text NOT NULL DEFAULT '',
    access_needs text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    -- What the draw gave: a place or a place on the waiting list.
    outcome      text CHECK (outcome IN ('place', 'waiting')),
    booking_id   bigint UNIQUE REFERENCES bookings (id),
    waitlist_entry_id bigint UNIQUE REFERENCES waitlist_entries (id),
    FOREIGN KEY (session_id, mode) REFERENCES session_capacity (session_id, mode)
);
-- One application per person per session; the draw blanks the addresses,
-- so the index only bites before it.
CREATE UNIQUE INDEX ballot_applications_one_per_email ON ballot_applications (session_id, lower(email))
    WHERE email <> '';
CREATE INDEX ballot_applications_session ON ballot_applications (session_id, reference);

-- One row per session drawn: the primary key makes the draw happen once.
-- inputs and result are what GET /api/v1/admin/sessions/{id}/draw shows:
-- references, areas and modes, nothing personal.
CREATE TABLE ballot_draws (
    session_id bigint PRIMARY KEY REFERENCES sessions (id),
    seed       text NOT NULL,
    drawn_at   timestamptz NOT NULL,
    inputs     jsonb NOT NULL,
    result     jsonb NOT NULL
);

-- +goose Down
DROP TABLE ballot_draws;
DROP TABLE ballot_applications;
ALTER TABLE sessions DROP CONSTRAINT sessions_ballot_closes,
    DROP COLUMN drawn_at, DROP COLUMN applications_close_at, DROP COLUMN allocation;

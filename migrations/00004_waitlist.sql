-- +goose Up
-- The waiting list of a session, one list per way of taking part. A person
-- waits, may be offered a freed place (kept for them, counted in
-- session_capacity.offered, until offer_expires_at), and then accepts it
-- (a booking), declines it, or lets it lapse; or leaves the list.
CREATE TABLE waitlist_entries (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Short and human-friendly like a booking reference; the links carry
    -- it with a token.
    reference         text NOT NULL UNIQUE,
    session_id        bigint NOT NULL,
    mode              text NOT NULL,
    name              text NOT NULL,
    email             text NOT NULL CHECK (email <> ''),
    organisation      text NOT NULL DEFAULT '',
    postcode          text NOT NULL DEFAULT '',
    access_needs      text NOT NULL DEFAULT '',
    status            text NOT NULL DEFAULT 'waiting'
        CHECK (status IN ('waiting', 'offered', 'accepted', 'declined', 'lapsed', 'left')),
    -- SHA-256 of the token in the link emailed on joining (see the place,
    -- leave); the token itself is never stored.
    manage_token_hash bytea NOT NULL UNIQUE CHECK (length(manage_token_hash) = 32),
    -- SHA-256 of the token in the offer email, set with the offer.
    offer_token_hash  bytea UNIQUE CHECK (length(offer_token_hash) = 32),
    offered_at        timestamptz,
    offer_expires_at  timestamptz,
    -- The booking an accepted offer became.
    booking_id        bigint UNIQUE REFERENCES bookings (id),
    created_at        timestamptz NOT NULL,
    ended_at          timestamptz,
    FOREIGN KEY (session_id, mode) REFERENCES session_capacity (session_id, mode),
    CONSTRAINT waitlist_offer_dated CHECK (status <> 'offered' OR offer_expires_at IS NOT NULL),
    CONSTRAINT waitlist_accepted_booked CHECK ((status = 'accepted') = (booking_id IS NOT NULL))
);
-- One place on the waiting lists of a session per person, whichever way of
-- taking part: one place per person per session, as for bookings.
CREATE UNIQUE INDEX waitlist_one_active_per_email ON waitlist_entries (session_id, lower(email))
    WHERE status IN ('waiting', 'offered');
-- The order of the list: first come, first offered.
CREATE INDEX waitlist_queue ON waitlist_entries (session_id, mode, id) WHERE status = 'waiting';
-- Offers the lapse worker looks at.
CREATE INDEX waitlist_offers_due ON waitlist_entries (offer_expires_at) WHERE status = 'offered';

-- Waiting-list emails have no booking yet: the row names the entry instead.
ALTER TABLE outbox ADD COLUMN waitlist_entry_id bigint REFERENCES waitlist_entries (id);
CREATE INDEX outbox_waitlist_entry ON outbox (waitlist_entry_id) WHERE waitlist_entry_id IS NOT NULL;

-- +goose Down
DROP INDEX outbox_waitlist_entry;
ALTER TABLE outbox DROP COLUMN waitlist_entry_id;
DROP TABLE waitlist_entries;

-- +goose Up
CREATE TABLE workshops (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary    text NOT NULL DEFAULT '',
    audience   text NOT NULL CHECK (audience IN ('public', 'workforce')),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workshop_id   bigint NOT NULL REFERENCES workshops (id),
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    venue_name    text NOT NULL DEFAULT '',
    venue_address text NOT NULL DEFAULT '',
    online_url    text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    cancel_reason text NOT NULL DEFAULT '',
    -- iCalendar SEQUENCE of the session: rises with every change people are told about.
    sequence      integer NOT NULL DEFAULT 0 CHECK (sequence >= 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sessions_ends_after_start CHECK (ends_at > starts_at)
);
CREATE INDEX sessions_workshop_starts ON sessions (workshop_id, starts_at);
CREATE INDEX sessions_upcoming ON sessions (starts_at) WHERE status = 'scheduled';

-- One row per session and way of taking part. The CHECK is the last line of
-- defence: whatever the code does, the database refuses an overbooking.
CREATE TABLE session_capacity (
    session_id bigint NOT NULL REFERENCES sessions (id),
    mode       text NOT NULL CHECK (mode IN ('in_person', 'online')),
    capacity   integer NOT NULL CHECK (capacity >= 0),
    booked     integer NOT NULL DEFAULT 0 CHECK (booked >= 0),
    offered    integer NOT NULL DEFAULT 0 CHECK (offered >= 0),
    -- Rises with every change, so the Redis mirror never goes backwards.
    version    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, mode),
    CONSTRAINT session_capacity_not_overbooked CHECK (booked + offered <= capacity)
);

CREATE TABLE bookings (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference         text NOT NULL UNIQUE,
    session_id        bigint NOT NULL,
    mode              text NOT NULL,
    name              text NOT NULL,
    email             text NOT NULL,
    organisation      text NOT NULL DEFAULT '',
    postcode          text NOT NULL DEFAULT '',
    access_needs      text NOT NULL DEFAULT '',
    status            text NOT NULL CHECK (status IN ('confirmed', 'pending_verification', 'cancelled')),
    manage_token_hash bytea NOT NULL CHECK (length(manage_token_hash) = 32),
    -- SEQUENCE of the last invite sent for this booking.
    invite_sequence   integer NOT NULL DEFAULT 0,
    attended          boolean,
    created_at        timestamptz NOT NULL DEFAULT now(),
    cancelled_at      timestamptz,
    FOREIGN KEY (session_id, mode) REFERENCES session_capacity (session_id, mode),
    CONSTRAINT bookings_cancelled_at CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);
-- One live booking per person per session. Bookings taken by phone may have
-- no email address, and those are not held to it.
CREATE UNIQUE INDEX bookings_one_live_per_email ON bookings (session_id, lower(email))
    WHERE status <> 'cancelled' AND email <> '';
CREATE INDEX bookings_session ON bookings (session_id, status);
CREATE INDEX bookings_email ON bookings (lower(email));

-- Every email is written here in the transaction of the change that causes it.
CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL,
    booking_id      bigint REFERENCES bookings (id),
    session_id      bigint REFERENCES sessions (id),
    payload         jsonb NOT NULL DEFAULT '{}',
    -- Stable, so a resend after a crash is recognisable.
    message_id      text NOT NULL UNIQUE,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_booking ON outbox (booking_id);

-- Secrets every instance shares, made once by the database itself.
CREATE TABLE service_secrets (
    name  text PRIMARY KEY,
    value bytea NOT NULL CHECK (length(value) >= 32)
);
INSERT INTO service_secrets (name, value)
VALUES ('hold_signing_key',
        decode(replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''), 'hex'));

-- +goose Down
DROP TABLE service_secrets;
DROP TABLE outbox;
DROP TABLE bookings;
DROP TABLE session_capacity;
DROP TABLE sessions;
DROP TABLE workshops;

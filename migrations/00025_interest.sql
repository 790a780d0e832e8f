-- +goose Up
-- Registering interest (booking/interest.go): people who want to hear when
-- sessions open that suit them. A registration counts only once its address
-- is confirmed (double opt-in); until then it is sent nothing but the email
-- that asks. Personal data: the retention job deletes registrations never
-- confirmed once their link lapses, and confirmed ones after a year;
-- stopping or an erasure deletes them at once.
CREATE TABLE interests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL,
    email        text NOT NULL,
    audience     text NOT NULL CHECK (audience IN ('public', 'workforce')),
    modes        text[] NOT NULL CHECK (cardinality(modes) > 0 AND modes <@ array['in_person', 'online']),
    area         text NOT NULL,
    times        text[] NOT NULL DEFAULT '{}'
        CHECK (times <@ array['weekday_daytime', 'evenings', 'weekends']),
    created_at   timestamptz NOT NULL,
    confirmed_at timestamptz
);
-- One confirmed registration per address and audience: confirming a new one
-- replaces the old.
CREATE UNIQUE INDEX interests_one_per_email ON interests (audience, lower(email))
    WHERE confirmed_at IS NOT NULL;
CREATE INDEX interests_email ON interests (lower(email));

-- The sessions each registration has been told about: the key that makes
-- "never twice about the same session" hold across instances and racing
-- sweeps (the second insert waits for the first and then does nothing).
CREATE TABLE interest_notices (
    interest_id bigint NOT NULL REFERENCES interests (id) ON DELETE CASCADE,
    session_id  bigint NOT NULL REFERENCES sessions (id),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (interest_id, session_id)
);

-- Emails about a registration name it; stopping deletes it and them.
ALTER TABLE outbox ADD COLUMN interest_id bigint REFERENCES interests (id) ON DELETE CASCADE;
CREATE INDEX outbox_interest ON outbox (interest_id) WHERE interest_id IS NOT NULL;

-- The links in these emails (confirm, stop) are an HMAC of the
-- registration's id under this key, so no token is stored at all and every
-- later email can carry the same stop link.
INSERT INTO service_secrets (name, value)
VALUES ('interest_link_key',
        decode(replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''), 'hex'));

-- +goose Down
DELETE FROM service_secrets WHERE name = 'interest_link_key';
DROP INDEX outbox_interest;
ALTER TABLE outbox DROP COLUMN interest_id;
DROP TABLE interest_notices;
DROP TABLE interests;

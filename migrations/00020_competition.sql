-- +goose Up
-- The young people's poster competition. Entries are children's personal
-- data: first name, age and area only, and for under-13s a parent's or
-- carer's address. The poster is kept as the service re-encoded it, with a
-- thumbnail, in the database (any instance serves it), bounded in size.
CREATE TABLE competition_entries (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference           text NOT NULL UNIQUE,
    first_name          text NOT NULL,
    age                 integer NOT NULL CHECK (age BETWEEN 4 AND 17),
    area                text NOT NULL,
    title               text NOT NULL,
    guardian_email      text,
    -- SHA-256 of the link the parent or carer confirms with; cleared once used.
    guardian_token_hash bytea UNIQUE,
    status              text NOT NULL CHECK (status IN ('awaiting_guardian', 'entered')),
    created_at          timestamptz NOT NULL,
    confirmed_at        timestamptz,
    shortlisted         boolean NOT NULL DEFAULT false,
    score               integer CHECK (score BETWEEN 0 AND 10),
    winner              boolean NOT NULL DEFAULT false,
    image_type          text NOT NULL CHECK (image_type IN ('image/jpeg', 'image/png')),
    width               integer NOT NULL,
    height              integer NOT NULL,
    image               bytea NOT NULL CHECK (octet_length(image) <= 4194304),
    thumbnail           bytea NOT NULL CHECK (octet_length(thumbnail) <= 262144),
    -- Under 13: a parent or carer must confirm; nobody older gives an address.
    CHECK ((age < 13) = (guardian_email IS NOT NULL)),
    CHECK (status = 'entered' OR age < 13),
    CHECK (NOT winner OR status = 'entered')
);
CREATE INDEX competition_entries_created ON competition_entries (created_at);
CREATE INDEX competition_entries_guardian ON competition_entries (lower(guardian_email))
    WHERE guardian_email IS NOT NULL;

-- Whether the winners page is public: one row.
CREATE TABLE competition_publication (
    one          boolean PRIMARY KEY DEFAULT true CHECK (one),
    published_at timestamptz
);
INSERT INTO competition_publication DEFAULT VALUES;

-- The email asking a parent or carer to confirm is the entry's: erasing
-- the entry takes it too.
ALTER TABLE outbox ADD COLUMN competition_entry_id bigint
    REFERENCES competition_entries (id) ON DELETE CASCADE;
CREATE INDEX outbox_competition_entry ON outbox (competition_entry_id) WHERE competition_entry_id IS NOT NULL;

-- +goose Down
ALTER TABLE outbox DROP COLUMN competition_entry_id;
DROP TABLE competition_publication;
DROP TABLE competition_entries;

-- +goose Up
-- People who run the workshops: admins do everything, facilitators only the
-- sessions they are assigned to. Accounts are disabled, never deleted, so the
-- audit log keeps saying who did what.
CREATE TABLE organisers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name        text NOT NULL DEFAULT '' CHECK (length(name) <= 100),
    role        text NOT NULL CHECK (role IN ('admin', 'facilitator')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
);
-- One account per address, whatever its case.
CREATE UNIQUE INDEX organisers_email ON organisers (lower(email));

-- One-time sign-in links. Only the SHA-256 of the token is kept: a copy of
-- the database signs nobody in.
CREATE TABLE signin_links (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    organiser_id bigint NOT NULL REFERENCES organisers (id),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    CONSTRAINT signin_links_expire_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX signin_links_organiser ON signin_links (organiser_id, created_at);

-- Signed-in browsers. The cookie holds a random id; only its SHA-256 is
-- kept. A session ends after a spell of inactivity (last_seen_at) or at
-- expires_at, whichever comes first; signing out deletes the row.
CREATE TABLE organiser_sessions (
    id_hash      bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    organiser_id bigint NOT NULL REFERENCES organisers (id),
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    CONSTRAINT organiser_sessions_expire_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX organiser_sessions_organiser ON organiser_sessions (organiser_id);

-- Which facilitators run which workshop sessions.
CREATE TABLE session_facilitators (
    session_id   bigint NOT NULL REFERENCES sessions (id),
    organiser_id bigint NOT NULL REFERENCES organisers (id),
    assigned_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, organiser_id)
);
CREATE INDEX session_facilitators_organiser ON session_facilitators (organiser_id);

-- Every change an organiser, the API token or the command line makes: who,
-- what, when, and the subject before and after. Snapshots hold references
-- and settings, not residents' personal details.
CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor        text NOT NULL CHECK (actor IN ('organiser', 'api-token', 'command-line')),
    organiser_id bigint REFERENCES organisers (id),
    action       text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
    subject_type text NOT NULL CHECK (length(subject_type) BETWEEN 1 AND 50),
    subject_id   text NOT NULL CHECK (length(subject_id) <= 100),
    before       jsonb,
    after        jsonb,
    CONSTRAINT audit_log_organiser_named CHECK ((actor = 'organiser') = (organiser_id IS NOT NULL))
);
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id, id DESC);
CREATE INDEX audit_log_organiser ON audit_log (organiser_id, id DESC) WHERE organiser_id IS NOT NULL;

-- +goose Down
DROP TABLE audit_log;
DROP TABLE session_facilitators;
DROP TABLE organiser_sessions;
DROP TABLE signin_links;
DROP TABLE organisers;

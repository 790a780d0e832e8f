-- +goose Up
-- The short survey. Questions are kept as the organiser built them (JSON:
-- id, type, text, options, required, max_length); a survey takes responses
-- from opens_at until closes_at.
CREATE TABLE surveys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    intro        text NOT NULL DEFAULT '',
    opens_at     timestamptz NOT NULL,
    closes_at    timestamptz NOT NULL,
    questions    jsonb NOT NULL CHECK (jsonb_typeof(questions) = 'array'),
    -- Ask the optional "about you" questions: the area of the city (the
    -- ids of booking.Areas, as every part of the consultation asks it) and age group.
    ask_area     boolean NOT NULL DEFAULT false,
    ask_age_band boolean NOT NULL DEFAULT false,
    -- Linked from the confirmation and reminder emails of this workshop.
    workshop_id  bigint REFERENCES workshops (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT surveys_closes_after_opening CHECK (closes_at > opens_at)
);
CREATE INDEX surveys_workshop ON surveys (workshop_id) WHERE workshop_id IS NOT NULL;

-- One row per submitted response: answers by question id. Not personal
-- data unless a question asks for it; free text may hold anything, so the
-- retention job removes the text answers (and the browser mark) once the
-- survey has been closed for RETENTION_DAYS (text_removed_at).
CREATE TABLE survey_responses (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id       bigint NOT NULL REFERENCES surveys (id),
    answers         jsonb NOT NULL CHECK (jsonb_typeof(answers) = 'object'),
    area            text NOT NULL DEFAULT '', -- an area id, or '' when not said
    age_band        text NOT NULL DEFAULT '',
    -- SHA-256 of the survey id and the browser's token: repeats show.
    browser         bytea,
    submitted_at    timestamptz NOT NULL,
    text_removed_at timestamptz
);
CREATE INDEX survey_responses_survey ON survey_responses (survey_id, id);
CREATE INDEX survey_responses_text_kept ON survey_responses (survey_id) WHERE text_removed_at IS NULL;

-- +goose Down
DROP TABLE survey_responses;
DROP TABLE surveys;

-- +goose Up
-- A reminder is keyed by its booking and the session start it is for, so a
-- booking gets one reminder per start time (a session moved after its
-- reminder went gets another for the new time).
ALTER TABLE outbox ADD COLUMN reminder_for timestamptz;
UPDATE outbox SET reminder_for = (payload->>'starts_at')::timestamptz
WHERE kind = 'reminder' AND payload ? 'starts_at';
UPDATE outbox SET payload = payload - 'starts_at' WHERE kind = 'reminder';
CREATE UNIQUE INDEX outbox_one_reminder ON outbox (booking_id, reminder_for) WHERE reminder_for IS NOT NULL;

-- The email to a person on the waiting list of a cancelled session has a
-- kind of its own, rather than a session_cancelled row with no booking.
UPDATE outbox SET kind = 'waitlist_session_cancelled'
WHERE kind = 'session_cancelled' AND booking_id IS NULL AND waitlist_entry_id IS NOT NULL;

-- Every instance's sender LISTENs on "outbox": a row written by one instance
-- wakes them all at its commit (notifications wait for it), not at their next
-- poll. One per statement, however many rows it writes.
-- +goose StatementBegin
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER outbox_queued AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- +goose Down
DROP TRIGGER outbox_queued ON outbox;
DROP FUNCTION outbox_notify();
UPDATE outbox SET kind = 'session_cancelled' WHERE kind = 'waitlist_session_cancelled';
UPDATE outbox SET payload = payload || jsonb_build_object('starts_at', reminder_for)
WHERE reminder_for IS NOT NULL;
DROP INDEX outbox_one_reminder;
ALTER TABLE outbox DROP COLUMN reminder_for;

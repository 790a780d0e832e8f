-- +goose Up
-- The Teams meeting made through Microsoft Graph for an online or hybrid
-- session, kept so the meeting can be moved with the session.
ALTER TABLE sessions ADD COLUMN teams_meeting_id text NOT NULL DEFAULT '';

-- 'skipped' is a message that no longer had a reason to go when its turn
-- came (a reminder for a booking cancelled or a session moved meanwhile):
-- neither sent nor a failure anyone need look at.
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('pending', 'sent', 'failed', 'skipped'));

-- Failed messages are few and looked at often (/metrics, the admin API);
-- this keeps counting them from reading every email ever sent.
CREATE INDEX outbox_failed ON outbox (created_at) WHERE status = 'failed';

-- +goose Down
DROP INDEX outbox_failed;
UPDATE outbox SET status = 'sent' WHERE status = 'skipped';
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('pending', 'sent', 'failed'));
ALTER TABLE sessions DROP COLUMN teams_meeting_id;

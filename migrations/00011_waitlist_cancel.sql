-- +goose Up
-- A cancelled session ends its waiting lists: the people still waiting, or
-- offered a place, are told in the transaction that cancels it, and their
-- entries end as 'cancelled' (not 'lapsed': no offer ran out).
ALTER TABLE waitlist_entries DROP CONSTRAINT waitlist_entries_status_check;
ALTER TABLE waitlist_entries ADD CONSTRAINT waitlist_entries_status_check
    CHECK (status IN ('waiting', 'offered', 'accepted', 'declined', 'lapsed', 'left', 'cancelled'));

-- +goose Down
UPDATE waitlist_entries SET status = 'lapsed' WHERE status = 'cancelled';
ALTER TABLE waitlist_entries DROP CONSTRAINT waitlist_entries_status_check;
ALTER TABLE waitlist_entries ADD CONSTRAINT waitlist_entries_status_check
    CHECK (status IN ('waiting', 'offered', 'accepted', 'declined', 'lapsed', 'left'));

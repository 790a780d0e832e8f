-- +goose Up
-- Holds redeemed while Redis could not be asked, so that one hold id books
-- one place even then. Rows are useful only until the hold would have
-- lapsed; each redemption clears the old ones.
CREATE TABLE stateless_redemptions (
    nonce      bytea PRIMARY KEY CHECK (length(nonce) = 16),
    expires_at timestamptz NOT NULL
);
CREATE INDEX stateless_redemptions_expires ON stateless_redemptions (expires_at);

-- +goose Down
DROP TABLE stateless_redemptions;

package postgres

import (
	"context"
	"fmt"
	"time"
)

// The single-use record of holds (holds.Ledger). Every hold redeemed is
// recorded, not only the stateless ones the table is named after: the
// record is what still refuses a second use once Redis has lost the hold.

// RecordRedemption records that a hold is being used, answering false when
// it already was. Records past their hold's expiry are cleared on the way.
func (db *DB) RecordRedemption(ctx context.Context, nonce []byte, expires time.Time) (bool, error) {
	tag, err := db.Pool.Exec(ctx, `
		WITH lapsed AS (DELETE FROM stateless_redemptions WHERE expires_at < now() - interval '1 hour')
		INSERT INTO stateless_redemptions (nonce, expires_at) VALUES ($1, $2)
		ON CONFLICT (nonce) DO NOTHING`, nonce, expires)
	if err != nil {
		return false, fmt.Errorf("record hold redemption: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ForgetRedemption undoes RecordRedemption, for a hold whose booking failed
// for a reason the person can correct.
func (db *DB) ForgetRedemption(ctx context.Context, nonce []byte) error {
	if _, err := db.Pool.Exec(ctx, `DELETE FROM stateless_redemptions WHERE nonce = $1`, nonce); err != nil {
		return fmt.Errorf("forget hold redemption: %w", err)
	}
	return nil
}

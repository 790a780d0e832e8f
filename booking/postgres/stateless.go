package postgres

import (
	"context"
	"fmt"
	"time"
)

// RedeemStateless records that a hold checked without Redis has been used,
// answering false when it already was. Redemptions past their hold's
// expiry are cleared on the way.
func (db *DB) RedeemStateless(ctx context.Context, nonce []byte, expires time.Time) (bool, error) {
	tag, err := db.Pool.Exec(ctx, `
		WITH lapsed AS (DELETE FROM stateless_redemptions WHERE expires_at < now() - interval '1 hour')
		INSERT INTO stateless_redemptions (nonce, expires_at) VALUES ($1, $2)
		ON CONFLICT (nonce) DO NOTHING`, nonce, expires)
	if err != nil {
		return false, fmt.Errorf("redeem stateless hold: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ForgetStateless undoes RedeemStateless, for a hold whose booking failed
// for a reason the person can correct.
func (db *DB) ForgetStateless(ctx context.Context, nonce []byte) error {
	if _, err := db.Pool.Exec(ctx, `DELETE FROM stateless_redemptions WHERE nonce = $1`, nonce); err != nil {
		return fmt.Errorf("forget stateless hold: %w", err)
	}
	return nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// HoldSigningKey returns the key every instance signs stateless holds with.
// The first migration makes it, so all instances share it without
// configuration.
func (db *DB) HoldSigningKey(ctx context.Context) ([]byte, error) {
	var key []byte
	err := db.Pool.QueryRow(ctx, `SELECT value FROM service_secrets WHERE name = 'hold_signing_key'`).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("hold signing key: missing from service_secrets")
	}
	if err != nil {
		return nil, fmt.Errorf("hold signing key: %w", err)
	}
	return key, nil
}

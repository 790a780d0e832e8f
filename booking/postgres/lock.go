package postgres

import (
	"fmt"

	"github.com/pressly/goose/v3/lock"
)

func lockerForMigrations() (lock.SessionLocker, error) {
	l, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, fmt.Errorf("migrate: locker: %w", err)
	}
	return l, nil
}

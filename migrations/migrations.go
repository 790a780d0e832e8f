// Package migrations holds the numbered SQL migrations, embedded in the binary.
package migrations

import "embed"

// FS holds the *.sql files, applied in order by goose.
//
//go:embed *.sql
var FS embed.FS

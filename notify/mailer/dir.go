package mailer

import (
	"context"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strings"

	"github.com/coventry/workshops/notify"
)

// Dir writes each message as an .eml file named after its Message-ID, for
// development and demos without a mail server. Writing the same message
// twice leaves one file.
type Dir struct {
	dir  string
	from *mail.Address
}

// NewDir creates dir if needed.
func NewDir(dir, from string) (*Dir, error) {
	a, err := parseFrom(from)
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, fmt.Errorf("MAIL_DIR: empty")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("MAIL_DIR: %w", err)
	}
	return &Dir{dir: dir, from: a}, nil
}

// Send writes m to a temporary file and renames it into place, so a reader
// never sees half a message.
func (d *Dir) Send(ctx context.Context, m *notify.Message) error {
	msg, err := Build(d.from, m)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(d.dir, ".writing-*")
	if err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := msg.WriteTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("mail dir: write: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mail dir: write: %w", err)
	}
	name := filepath.Join(d.dir, fileName(m.MessageID)+".eml")
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	return nil
}

// Close does nothing; Dir holds nothing open.
func (d *Dir) Close() error { return nil }

// fileName keeps the characters of a Message-ID that are safe in a file name.
func fileName(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_', r == '@':
			return r
		}
		return '_'
	}, id)
}

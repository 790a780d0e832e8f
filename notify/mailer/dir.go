package mailer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"strings"

	"github.com/coventry/workshops/notify"
)

// Dir writes each message as an .eml file named after its Message-ID, for
// development and demos without a mail server. It never overwrites a file:
// a second write of the same message gets a name of its own
// ("<id>-2.eml"), so a duplicate shows.
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

// Send writes m to a temporary file and links it into place, so a reader
// never sees half a message; a link, unlike a rename, refuses a name that
// is taken.
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
	base := filepath.Join(d.dir, fileName(m.MessageID))
	name := base + ".eml"
	for n := 2; ; n++ {
		err := os.Link(tmp.Name(), name)
		if err == nil {
			return nil
		}
		if !errors.Is(err, fs.ErrExist) || n > 1000 {
			return fmt.Errorf("mail dir: %w", err)
		}
		name = fmt.Sprintf("%s-%d.eml", base, n)
	}
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

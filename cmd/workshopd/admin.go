package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/postgres"
)

// createAdmin makes the account of an address an active admin: `workshopd
// create-admin EMAIL [NAME]`. It makes the first admin, and gets anyone
// locked out back in; running it twice changes nothing the second time.
// The audit log records it as done from the command line.
func createAdmin(ctx context.Context, cfg *Config, args []string, out io.Writer) error {
	if len(args) < 1 || len(args) > 2 {
		return errors.New("usage: workshopd create-admin EMAIL [NAME]")
	}
	email, name := args[0], ""
	if len(args) == 2 {
		name = args[1]
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	svc := &booking.Service{Store: db, Clock: booking.SystemClock, Accounts: db}
	o, outcome, err := svc.EnsureAdmin(ctx, email, name)
	if err != nil {
		return fmt.Errorf("create-admin: %s", describe(err))
	}
	switch outcome {
	case booking.AdminCreated:
		fmt.Fprintf(out, "Created admin account %d for %s.\n", o.ID, o.Email)
	case booking.AdminPromoted:
		fmt.Fprintf(out, "Made account %d (%s) an admin; it was a facilitator.\n", o.ID, o.Email)
	case booking.AdminEnabled:
		fmt.Fprintf(out, "Re-enabled admin account %d (%s); it was disabled.\n", o.ID, o.Email)
	case booking.AdminNamed:
		fmt.Fprintf(out, "Account %d (%s) is already an active admin; gave it the name you gave, as it had none.\n", o.ID, o.Email)
	default:
		fmt.Fprintf(out, "Account %d (%s) is already an active admin; nothing changed.\n", o.ID, o.Email)
	}
	if name != "" && o.Name != strings.TrimSpace(name) {
		// A name never replaces one: say so rather than seem to have used it.
		fmt.Fprintf(out, "It keeps the name it had; change names on the accounts page, %s/admin/organisers.\n", cfg.BaseURL)
	}
	fmt.Fprintf(out, "Sign in at %s/admin/sign-in with a link emailed to that address.\n", cfg.BaseURL)
	fmt.Fprintln(out, "(That address is BASE_URL's: set BASE_URL to where people reach this service.)")
	return nil
}

// describe is an error as one line for the person at the command line:
// the message, or what is wrong with each field.
func describe(err error) string {
	if booking.ErrorCode(err) == booking.EInternal {
		return err.Error() // the operator needs the cause; nothing here is personal
	}
	fields := booking.ErrorFields(err)
	if len(fields) == 0 {
		return booking.ErrorMessage(err)
	}
	var parts []string
	for f, msg := range fields {
		parts = append(parts, f+": "+msg)
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

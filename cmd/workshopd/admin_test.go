package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/postgres"
)

func TestCreateAdminIsSafeToRunTwice(t *testing.T) {
	ctx := context.Background()
	dbURL := database(t, "cmdadmin")
	cfg, err := LoadConfig(func(k string) string {
		if k == "DATABASE_URL" {
			return dbURL
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := createAdmin(ctx, cfg, []string{"First.Admin@coventry.gov.uk", "First Admin"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Created admin account") {
		t.Errorf("first run said %q", out.String())
	}
	out.Reset()
	if err := createAdmin(ctx, cfg, []string{"first.admin@COVENTRY.gov.uk"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "already an active admin; nothing changed") {
		t.Errorf("second run said %q", out.String())
	}

	db, err := postgres.Open(ctx, dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o, err := db.OrganiserByEmail(ctx, "first.admin@coventry.gov.uk")
	if err != nil || o.Role != booking.RoleAdmin || o.Name != "First Admin" {
		t.Fatalf("account = %+v, %v", o, err)
	}
	entries, err := db.AuditEntries(ctx, booking.AuditFilter{Limit: 10})
	if err != nil || len(entries) != 1 || entries[0].Actor != booking.ActorCommandLine {
		t.Fatalf("audit = %+v, %v; want one entry from the command line", entries, err)
	}

	err = createAdmin(ctx, cfg, []string{"not-an-address"}, &out)
	if err == nil || !strings.Contains(err.Error(), "email: ") {
		t.Errorf("bad address: %v", err)
	}
	if err := createAdmin(ctx, cfg, nil, &out); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("no address: %v", err)
	}
	if err := run(ctx, []string{"migrate", "extra"}, func(string) string { return "" }, &out); err == nil {
		t.Error("migrate with an extra argument was accepted")
	}
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/coventry/workshops/booking/postgres"
)

// create-admin says what it did with the name: given to an account that
// had none, or not used because the account has one.
func TestCreateAdminSaysWhatItDidWithTheName(t *testing.T) {
	ctx := context.Background()
	dbURL := database(t, "cmdadminname")
	cfg, err := LoadConfig(func(k string) string {
		switch k {
		case "DATABASE_URL":
			return dbURL
		case "BASE_URL":
			return "https://workshops.coventry.example.org"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := createAdmin(ctx, cfg, args, &out); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}

	out := run("priya.patel@coventry.gov.uk")
	if !strings.Contains(out, "Created admin account") ||
		!strings.Contains(out, "Sign in at https://workshops.coventry.example.org/admin/sign-in") || !strings.Contains(out, "BASE_URL") {
		t.Errorf("first run said %q", out)
	}
	out = run("priya.patel@coventry.gov.uk", "Priya Patel")
	if strings.Contains(out, "nothing changed") || !strings.Contains(out, "gave it the name you gave") {
		t.Errorf("naming run said %q", out)
	}
	out = run("priya.patel@coventry.gov.uk", "Someone Else")
	if !strings.Contains(out, "nothing changed") || !strings.Contains(out, "keeps the name it had") {
		t.Errorf("renaming run said %q", out)
	}
	out = run("priya.patel@coventry.gov.uk", "Priya Patel")
	if !strings.Contains(out, "nothing changed") || strings.Contains(out, "keeps the name") {
		t.Errorf("same-name run said %q", out)
	}

	db, err := postgres.Open(ctx, dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if o, err := db.OrganiserByEmail(ctx, "priya.patel@coventry.gov.uk"); err != nil || o.Name != "Priya Patel" {
		t.Fatalf("account = %+v, %v", o, err)
	}
}

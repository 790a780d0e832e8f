package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/postgres"
	"github.com/coventry/workshops/internal/testenv"
)

const baseURL = "https://workshops.example"

// accountsService is the service with the accounts store and a test clock:
// all the sign-in use cases need.
func accountsService(t *testing.T) (*booking.Service, *postgres.DB, *testenv.Clock) {
	t.Helper()
	db, _ := testenv.Postgres(t, "accounts")
	clock := testenv.NewClock(now)
	return &booking.Service{Store: db, Clock: clock, Accounts: db}, db, clock
}

// asAdmin is a context acting with the admin token.
func asAdmin() context.Context {
	return booking.WithActor(context.Background(), booking.Actor{Kind: booking.ActorAPIToken})
}

func addOrganiser(t *testing.T, svc *booking.Service, email string, role booking.Role) *booking.Organiser {
	t.Helper()
	o, err := svc.CreateOrganiser(asAdmin(), booking.OrganiserInput{Email: email, Name: "Sam " + string(role), Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

type signinEmail struct {
	BookingID *int64
	SessionID *int64
	Payload   map[string]any
	MessageID string
}

// signinEmails reads the sign-in emails queued, oldest first.
func signinEmails(t *testing.T, db *postgres.DB) []signinEmail {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `
		SELECT booking_id, session_id, payload, message_id FROM outbox WHERE kind = $1 ORDER BY id`,
		booking.MsgSignInLink)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []signinEmail
	for rows.Next() {
		var e signinEmail
		var payload []byte
		if err := rows.Scan(&e.BookingID, &e.SessionID, &payload, &e.MessageID); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(payload, &e.Payload); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// requestLink asks for a link for email and returns the token of the email
// it queued.
func requestLink(t *testing.T, svc *booking.Service, db *postgres.DB, email string) string {
	t.Helper()
	before := len(signinEmails(t, db))
	if err := svc.RequestSignIn(context.Background(), email, baseURL); err != nil {
		t.Fatal(err)
	}
	emails := signinEmails(t, db)
	if len(emails) != before+1 {
		t.Fatalf("%d sign-in emails queued, want one more than %d", len(emails), before)
	}
	url, _ := emails[len(emails)-1].Payload["url"].(string)
	token, ok := strings.CutPrefix(url, baseURL+"/admin/sign-in/")
	if !ok || token == "" {
		t.Fatalf("link %q is not under %s/admin/sign-in/", url, baseURL)
	}
	return token
}

func TestSignInLinkEmail(t *testing.T) {
	svc, db, clock := accountsService(t)
	o := addOrganiser(t, svc, "Priya.Patel@coventry.gov.uk", booking.RoleFacilitator)

	// The address is matched whatever its case; the email goes to the account's own.
	token := requestLink(t, svc, db, "  priya.patel@COVENTRY.gov.uk ")
	e := signinEmails(t, db)[0]
	if e.BookingID != nil || e.SessionID != nil {
		t.Errorf("sign-in email row has booking %v, session %v; want both NULL", e.BookingID, e.SessionID)
	}
	if e.Payload["to"] != o.Email || e.Payload["name"] != o.Name {
		t.Errorf("payload = %v, want to %q and name %q", e.Payload, o.Email, o.Name)
	}
	if got, _ := time.Parse(time.RFC3339, e.Payload["expires_at"].(string)); !got.Equal(clock.Now().Add(15 * time.Minute)) {
		t.Errorf("expires_at = %v, want 15 minutes after %v", e.Payload["expires_at"], clock.Now())
	}
	if !isMessageID(e.MessageID) {
		t.Errorf("message id %q", e.MessageID)
	}
	// At least 128 random bits, and only the hash is stored.
	if len(token) < 22 {
		t.Errorf("token %q is shorter than 128 bits", token)
	}
	var stored []byte
	if err := db.Pool.QueryRow(context.Background(), `SELECT token_hash FROM signin_links`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte(token)); string(stored) != string(sum[:]) {
		t.Error("the link's stored hash is not the SHA-256 of its token")
	}

	// No account, a disabled one, or one asked for too often: the same
	// answer, and no email.
	for _, email := range []string{"nobody@coventry.gov.uk"} {
		if err := svc.RequestSignIn(context.Background(), email, baseURL); err != nil {
			t.Errorf("unknown address: %v, want the same answer as a known one", err)
		}
	}
	if _, err := svc.UpdateOrganiser(asAdmin(), o.ID, booking.OrganiserPatch{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if err := svc.RequestSignIn(context.Background(), o.Email, baseURL); err != nil {
		t.Errorf("disabled account: %v", err)
	}
	if n := len(signinEmails(t, db)); n != 1 {
		t.Errorf("%d sign-in emails, want only the first", n)
	}
	// A bad address is the one thing refused.
	wantCode(t, svc.RequestSignIn(context.Background(), "not an address\r\nBcc: x@example.org", baseURL), booking.EInvalid)
}

func TestSignInLinksPerAccountAreCapped(t *testing.T) {
	svc, db, clock := accountsService(t)
	addOrganiser(t, svc, "amir@coventry.gov.uk", booking.RoleAdmin)
	for range 8 {
		if err := svc.RequestSignIn(context.Background(), "amir@coventry.gov.uk", baseURL); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(signinEmails(t, db)); n != 5 {
		t.Fatalf("%d emails after 8 requests in a minute, want 5", n)
	}
	clock.Advance(16 * time.Minute)
	requestLink(t, svc, db, "amir@coventry.gov.uk")
}

func TestSignInLinkIsSingleUse(t *testing.T) {
	svc, db, _ := accountsService(t)
	o := addOrganiser(t, svc, "jo@coventry.gov.uk", booking.RoleFacilitator)
	token := requestLink(t, svc, db, o.Email)

	if err := svc.CheckSignInLink(context.Background(), token); err != nil {
		t.Fatalf("fresh link: %v", err)
	}
	id, sess, err := svc.SignIn(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Organiser.ID != o.ID || id == "" {
		t.Fatalf("signed in as %+v", sess.Organiser)
	}
	if _, _, err := svc.SignIn(context.Background(), token); err != booking.ErrSignInLinkUsed {
		t.Fatalf("second use: %v, want %v", err, booking.ErrSignInLinkUsed)
	}
	if err := svc.CheckSignInLink(context.Background(), token); err != booking.ErrSignInLinkUsed {
		t.Fatalf("check after use: %v", err)
	}
	for _, bad := range []string{"", "nope", token + "x", strings.Repeat("a", 5000)} {
		if _, _, err := svc.SignIn(context.Background(), bad); err != booking.ErrSignInLinkUnknown {
			t.Errorf("token %.20q: %v, want %v", bad, err, booking.ErrSignInLinkUnknown)
		}
	}
	// The link's token is not a sign-in.
	if _, err := svc.SignedIn(context.Background(), token); err != booking.ErrNotSignedIn {
		t.Errorf("link token as a cookie: %v", err)
	}
	if n := countSignIns(t, db); n != 1 {
		t.Errorf("%d sign-ins, want 1", n)
	}
}

func TestSignInLinkUsedTwiceAtOnce(t *testing.T) {
	svc, db, _ := accountsService(t)
	o := addOrganiser(t, svc, "kai@coventry.gov.uk", booking.RoleAdmin)
	token := requestLink(t, svc, db, o.Email)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 10 {
		wg.Go(func() {
			if _, _, err := svc.SignIn(context.Background(), token); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			} else if err != booking.ErrSignInLinkUsed {
				t.Errorf("unexpected refusal: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || countSignIns(t, db) != 1 {
		t.Fatalf("%d sign-ins succeeded (%d stored), want exactly 1", ok, countSignIns(t, db))
	}
}

func TestSignInLinkExpiresAt15Minutes(t *testing.T) {
	svc, db, clock := accountsService(t)
	o := addOrganiser(t, svc, "lee@coventry.gov.uk", booking.RoleAdmin)

	early := requestLink(t, svc, db, o.Email)
	clock.Advance(15*time.Minute - time.Second)
	if _, _, err := svc.SignIn(context.Background(), early); err != nil {
		t.Fatalf("at 14m59s: %v", err)
	}

	late := requestLink(t, svc, db, o.Email)
	clock.Advance(15 * time.Minute)
	if err := svc.CheckSignInLink(context.Background(), late); err != booking.ErrSignInLinkExpired {
		t.Fatalf("check at 15m: %v", err)
	}
	if _, _, err := svc.SignIn(context.Background(), late); err != booking.ErrSignInLinkExpired {
		t.Fatalf("at 15m: %v, want %v", err, booking.ErrSignInLinkExpired)
	}
	if n := countSignIns(t, db); n != 1 {
		t.Errorf("%d sign-ins, want only the first", n)
	}
}

func countSignIns(t *testing.T, db *postgres.DB) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM organiser_sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func signIn(t *testing.T, svc *booking.Service, db *postgres.DB, email string) string {
	t.Helper()
	id, _, err := svc.SignIn(context.Background(), requestLink(t, svc, db, email))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSignInEndsAfterInactivity(t *testing.T) {
	svc, db, clock := accountsService(t)
	o := addOrganiser(t, svc, "mo@coventry.gov.uk", booking.RoleFacilitator)
	id := signIn(t, svc, db, o.Email)

	// Each use moves the deadline on: 29 minutes apart is never idle.
	for range 4 {
		clock.Advance(29 * time.Minute)
		if _, err := svc.SignedIn(context.Background(), id); err != nil {
			t.Fatalf("after 29 minutes idle: %v", err)
		}
	}
	clock.Advance(30 * time.Minute)
	if _, err := svc.SignedIn(context.Background(), id); err != booking.ErrSignInExpired {
		t.Fatalf("after 30 minutes idle: %v, want %v", err, booking.ErrSignInExpired)
	}
	if n := countSignIns(t, db); n != 0 {
		t.Errorf("the ended sign-in is still stored (%d)", n)
	}
	clock.Advance(-30 * time.Minute) // even back in time, it is gone
	if _, err := svc.SignedIn(context.Background(), id); err != booking.ErrNotSignedIn {
		t.Errorf("after it ended: %v", err)
	}
}

func TestSignInEndsAfter12HoursHoweverBusy(t *testing.T) {
	svc, db, clock := accountsService(t)
	o := addOrganiser(t, svc, "ola@coventry.gov.uk", booking.RoleAdmin)
	id := signIn(t, svc, db, o.Email)
	for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
		clock.Advance(20 * time.Minute)
		if _, err := svc.SignedIn(context.Background(), id); err != nil {
			t.Fatalf("busy at %v: %v", elapsed+20*time.Minute, err)
		}
	}
	clock.Advance(20 * time.Minute)
	if _, err := svc.SignedIn(context.Background(), id); err != booking.ErrSignInExpired {
		t.Fatalf("at 12 hours: %v, want %v", err, booking.ErrSignInExpired)
	}
}

func TestSignOutEndsTheSignIn(t *testing.T) {
	svc, db, _ := accountsService(t)
	o := addOrganiser(t, svc, "nia@coventry.gov.uk", booking.RoleAdmin)
	id := signIn(t, svc, db, o.Email)
	other := signIn(t, svc, db, o.Email) // another browser
	if err := svc.SignOut(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignedIn(context.Background(), id); err != booking.ErrNotSignedIn {
		t.Fatalf("after sign-out: %v", err)
	}
	if _, err := svc.SignedIn(context.Background(), other); err != nil {
		t.Fatalf("the other browser was signed out too: %v", err)
	}
	if err := svc.SignOut(context.Background(), id); err != nil {
		t.Fatalf("signing out twice: %v", err)
	}
}

func TestDisablingAnAccountEndsItsSignIns(t *testing.T) {
	svc, db, _ := accountsService(t)
	addOrganiser(t, svc, "boss@coventry.gov.uk", booking.RoleAdmin)
	o := addOrganiser(t, svc, "pat@coventry.gov.uk", booking.RoleFacilitator)
	id := signIn(t, svc, db, o.Email)
	token := requestLink(t, svc, db, o.Email)
	if _, err := svc.UpdateOrganiser(asAdmin(), o.ID, booking.OrganiserPatch{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignedIn(context.Background(), id); err != booking.ErrNotSignedIn {
		t.Errorf("signed in after disabling: %v", err)
	}
	if _, _, err := svc.SignIn(context.Background(), token); err != booking.ErrAccountDisabled {
		t.Errorf("link of a disabled account: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/postgres"
)

const keep = 90 * 24 * time.Hour

// personal reads the personal fields and markers of a booking as stored:
// NewEmail is an address it is being moved to, NewEmailLink whether that
// change's link is kept.
type personal struct {
	Name, Email, Organisation, Postcode, AccessNeeds, Mode, Status string
	Phone, PostalAddress, NewEmail                                 string
	Attended                                                       *bool
	Anonymised, NewEmailLink                                       bool
}

func readPersonal(t *testing.T, db *postgres.DB, reference string) personal {
	t.Helper()
	var p personal
	err := db.Pool.QueryRow(context.Background(), `
		SELECT name, email, organisation, postcode, access_needs, mode, status, attended,
			anonymised_at IS NOT NULL, phone, postal_address, coalesce(new_email, ''),
			new_email_token_hash IS NOT NULL OR new_email_expires_at IS NOT NULL
		FROM bookings WHERE reference = $1`, reference).
		Scan(&p.Name, &p.Email, &p.Organisation, &p.Postcode, &p.AccessNeeds, &p.Mode, &p.Status, &p.Attended,
			&p.Anonymised, &p.Phone, &p.PostalAddress, &p.NewEmail, &p.NewEmailLink)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (p personal) blank() bool {
	return p.Anonymised && p.Name == "" && p.Email == "" && p.Organisation == "" && p.Postcode == "" && p.AccessNeeds == "" &&
		p.Phone == "" && p.PostalAddress == "" && p.NewEmail == "" && !p.NewEmailLink
}

func bookFull(t *testing.T, db *postgres.DB, sessionID int64, mode booking.Mode, email string) *booking.Booking {
	t.Helper()
	b := newBooking(sessionID, mode, email)
	b.Organisation, b.Postcode, b.AccessNeeds = "Foleshill Community Centre", "CV6 5AB", "Step-free access\nand a hearing loop"
	b.Phone, b.PostalAddress = "+442476833333", "12 Jordan Well\nCoventry CV1 5RW"
	if _, err := db.ConfirmBooking(context.Background(), b, "", now); err != nil {
		t.Fatal(err)
	}
	return b
}

// joinList puts email on the waiting list of a session.
func joinList(t *testing.T, db *postgres.DB, sessionID int64, email string) *booking.WaitlistEntry {
	t.Helper()
	_, hash, err := booking.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	e := &booking.WaitlistEntry{
		SessionID: sessionID, Mode: booking.InPerson, Name: "Mary Seacole", Email: email,
		Organisation: "Coventry Carers' Trust", AccessNeeds: "A seat near the door", ManageTokenHash: hash,
	}
	if err := db.JoinWaitlist(context.Background(), e, now); err != nil {
		t.Fatalf("join %s: %v", email, err)
	}
	return e
}

// entryState reads what a waiting-list entry holds now.
func entryState(t *testing.T, db *postgres.DB, reference string) (name, email, status string, anonymised bool) {
	t.Helper()
	err := db.Pool.QueryRow(context.Background(), `
		SELECT name, email, status, anonymised_at IS NOT NULL FROM waitlist_entries WHERE reference = $1`, reference).
		Scan(&name, &email, &status, &anonymised)
	if err != nil {
		t.Fatal(err)
	}
	return
}

// requestEmailChange leaves booking bookingID waiting for the link that
// moves it to newEmail, and returns the hash of that link's token.
func requestEmailChange(t *testing.T, db *postgres.DB, bookingID int64, newEmail string) []byte {
	t.Helper()
	token, hash, err := booking.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RequestEmailChange(context.Background(), bookingID, newEmail, token, hash,
		now.Add(booking.EmailChangeWindow), now); err != nil {
		t.Fatal(err)
	}
	return hash
}

// resentLinks counts the links sent again to a booking or entry (column
// booking_id or waitlist_entry_id of resent_links).
func resentLinks(t *testing.T, db *postgres.DB, column string, id int64) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM resent_links WHERE `+column+` = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func pendingEmails(t *testing.T, db *postgres.DB, bookingID int64) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM outbox WHERE booking_id = $1 AND status = 'pending'`, bookingID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRetentionAnonymisesEndedSessions(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	old := addSession(t, db, w.ID, time.Hour, 5, 5) // ends at now+3h
	recent := addSession(t, db, w.ID, 10*24*time.Hour, 5, 5)
	came := bookFull(t, db, old.ID, booking.InPerson, "came@example.org")
	cancelled := bookFull(t, db, old.ID, booking.Online, "cancelled@example.org")
	absent := bookFull(t, db, old.ID, booking.Online, "absent@example.org")
	keepMe := bookFull(t, db, recent.ID, booking.InPerson, "came@example.org")
	requestEmailChange(t, db, came.ID, "came.at.work@example.org")
	waiting := joinList(t, db, old.ID, "waiting@example.org")
	left := joinList(t, db, old.ID, "left@example.org")
	if _, _, err := db.LeaveWaitlist(ctx, left.Reference, now); err != nil {
		t.Fatal(err)
	}
	stillWaiting := joinList(t, db, recent.ID, "waiting@example.org")
	for _, address := range []string{"came@example.org", "waiting@example.org"} {
		if n, err := db.ResendLinks(ctx, address, now); err != nil || n != 2 {
			t.Fatalf("ResendLinks(%s) = %d, %v; want links to 2 places", address, n, err)
		}
	}
	if _, _, err := db.CancelBooking(ctx, cancelled.Reference, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MarkAttendance(ctx, came.Reference, yes(), old.StartsAt); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MarkNoShows(ctx, old.ID, old.EndsAt); err != nil {
		t.Fatal(err)
	}
	_, before, err := db.WorkshopAttendance(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}

	// A day short of the retention period, nothing goes.
	n, err := booking.RunRetention(ctx, db, old.EndsAt.Add(keep-24*time.Hour), keep)
	if err != nil || n != 0 {
		t.Fatalf("RunRetention before the period = %d, %v; want 0", n, err)
	}
	at := old.EndsAt.Add(keep)
	n, err = booking.RunRetention(ctx, db, at, keep)
	if err != nil || n != 5 {
		t.Fatalf("RunRetention = %d, %v; want the 3 bookings and 2 waiting-list entries of the old session", n, err)
	}
	for ref, want := range map[string]string{waiting.Reference: "lapsed", left.Reference: "left"} {
		if name, email, status, anon := entryState(t, db, ref); name != "" || email != "" || !anon || status != want {
			t.Errorf("entry %s after retention: %q %q %s anonymised=%v, want blank and %s", ref, name, email, status, anon, want)
		}
	}
	if _, email, status, anon := entryState(t, db, stillWaiting.Reference); anon || email == "" || status != "waiting" {
		t.Errorf("the recent session's waiting list was touched: %s %s %v", email, status, anon)
	}
	for ref, want := range map[string]personal{
		came.Reference:      {Mode: "in_person", Status: "confirmed", Attended: yes()},
		cancelled.Reference: {Mode: "online", Status: "cancelled"},
		absent.Reference:    {Mode: "online", Status: "confirmed", Attended: no()},
	} {
		got := readPersonal(t, db, ref)
		if !got.blank() || got.Mode != want.Mode || got.Status != want.Status || fmt.Sprint(deref(got.Attended)) != fmt.Sprint(deref(want.Attended)) {
			t.Errorf("%s after retention = %+v, want blank with mode %s, status %s, attended %v",
				ref, got, want.Mode, want.Status, deref(want.Attended))
		}
		b, _ := db.Booking(ctx, ref)
		if pendingEmails(t, db, b.ID) != 0 {
			t.Errorf("%s still has emails waiting to go to an address that is gone", ref)
		}
	}
	for id, want := range map[int64]int{came.ID: 0, keepMe.ID: 1} {
		if n := resentLinks(t, db, "booking_id", id); n != want {
			t.Errorf("booking %d keeps %d links sent again after retention, want %d", id, n, want)
		}
	}
	for id, want := range map[int64]int{waiting.ID: 0, stillWaiting.ID: 1} {
		if n := resentLinks(t, db, "waitlist_entry_id", id); n != want {
			t.Errorf("entry %d keeps %d links sent again after retention, want %d", id, n, want)
		}
	}
	if got := readPersonal(t, db, keepMe.Reference); got.Anonymised || got.Email != "came@example.org" || got.AccessNeeds == "" {
		t.Errorf("the recent session's booking was touched: %+v", got)
	}

	// The counts are what they were, and a second run changes nothing.
	_, after, err := db.WorkshopAttendance(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(after[0].ByMode) != fmt.Sprint(before[0].ByMode) {
		t.Errorf("counts after retention = %+v, before %+v", after[0].ByMode, before[0].ByMode)
	}
	n, err = booking.RunRetention(ctx, db, at.Add(time.Hour), keep)
	if err != nil || n != 0 {
		t.Errorf("second RunRetention = %d, %v; want 0", n, err)
	}
}

// TestRetentionInSeveralInstances runs the sweep from several pools at once,
// as several workshopd instances would: every booking is anonymised once,
// and no sweep fails.
func TestRetentionInSeveralInstances(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	const sessions, perSession = 4, 300
	var last *booking.Session
	for i := 0; i < sessions; i++ {
		last = addSession(t, db, w.ID, time.Duration(i+1)*time.Hour, perSession, 0)
		for j := 0; j < perSession; j++ {
			bookFull(t, db, last.ID, booking.InPerson, fmt.Sprintf("p%d-%d@example.org", i, j))
		}
	}
	at := last.EndsAt.Add(keep)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := booking.RunRetention(ctx, db, at, keep)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != sessions*perSession {
		t.Errorf("anonymised %d in all, want %d (each once)", total, sessions*perSession)
	}
	var left int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM bookings WHERE anonymised_at IS NULL OR email <> ''`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d bookings still hold personal data", left)
	}
}

func TestPersonalDataExportAndErase(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	past := addSession(t, db, w.ID, time.Hour, 5, 5)
	upcoming := addSession(t, db, w.ID, 30*24*time.Hour, 5, 5)
	a := bookFull(t, db, past.ID, booking.InPerson, "Ada@Example.org")
	b := bookFull(t, db, upcoming.ID, booking.Online, "ada@example.org")
	other := bookFull(t, db, past.ID, booking.Online, "someone.else@example.org")
	waits := joinList(t, db, addSession(t, db, w.ID, 40*24*time.Hour, 5, 5).ID, "ada@EXAMPLE.org")
	waited := joinList(t, db, addSession(t, db, w.ID, 2*time.Hour, 5, 5).ID, "ada@example.org")
	if _, _, err := db.LeaveWaitlist(ctx, waited.Reference, now); err != nil {
		t.Fatal(err)
	}
	// A sign-in link sent to the same address (an organiser's account).
	if err := db.QueueEmail(ctx, booking.Email{Kind: booking.MsgSignInLink, Payload: booking.EmailPayload{
		To: "ada@example.org", URL: "https://x/admin/sign-in/secret"}}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE outbox SET status = 'sent' WHERE kind = 'signin_link'`); err != nil {
		t.Fatal(err)
	}

	got, err := db.PersonalData(ctx, booking.Person{Email: "ADA@example.ORG"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Bookings) != 2 || got.Bookings[0].Reference != a.Reference || got.Bookings[1].Reference != b.Reference {
		t.Fatalf("exported bookings = %+v, want %s and %s", got.Bookings, a.Reference, b.Reference)
	}
	first := got.Bookings[0]
	if first.Email != "Ada@Example.org" || first.AccessNeeds == "" || first.Workshop != w.Title ||
		!first.StartsAt.Equal(past.StartsAt) || first.Venue != past.Venue || first.AnonymisedAt != nil {
		t.Errorf("exported booking = %+v", first)
	}
	if len(got.WaitingLists) != 2 || got.WaitingLists[0].Reference != waited.Reference || got.WaitingLists[0].Status != booking.LeftWaitlist ||
		got.WaitingLists[1].AccessNeeds == "" || got.WaitingLists[1].Workshop != w.Title {
		t.Errorf("exported waiting lists = %+v", got.WaitingLists)
	}
	about := map[string]int{}
	for _, e := range got.Emails {
		about[e.About]++
	}
	if len(got.Emails) != 5 || about["booking"] != 2 || about["waiting_list"] != 2 || about["account"] != 1 ||
		got.Emails[0].Kind != booking.MsgBookingConfirmed || got.Emails[0].Status != "pending" || got.Emails[0].Reference != a.Reference {
		t.Errorf("exported emails = %+v, want 2 confirmations, 2 waiting-list emails and a sign-in link", got.Emails)
	}
	none, err := db.PersonalData(ctx, booking.Person{Email: "nobody@example.org"}, now)
	if err != nil || len(none.Bookings) != 0 || len(none.Emails) != 0 || len(none.WaitingLists) != 0 {
		t.Errorf("export of an unknown address = %+v, %v; want nothing", none, err)
	}

	// The session to come is left for the service to cancel first.
	after := past.EndsAt.Add(time.Hour)
	refs, err := db.LiveUpcoming(ctx, booking.Person{Email: "ada@EXAMPLE.org"}, after)
	if err != nil || len(refs) != 1 || refs[0] != b.Reference {
		t.Fatalf("LiveUpcoming = %v, %v; want [%s]", refs, err, b.Reference)
	}
	if refs, err := db.ActiveWaitlistEntries(ctx, booking.Person{Email: "ADA@example.org"}); err != nil || len(refs) != 1 || refs[0] != waits.Reference {
		t.Fatalf("ActiveWaitlistEntries = %v, %v; want [%s]", refs, err, waits.Reference)
	}
	e, err := db.ErasePersonalData(ctx, booking.Person{Email: "ada@example.org"}, booking.Erasure{}, after)
	if err != nil {
		t.Fatal(err)
	}
	// The past booking and the entry that was left; their two pending emails.
	if e.Anonymised != 1 || e.AnonymisedEntries != 1 || e.EmailsDropped != 2 || e.Remaining != 2 {
		t.Errorf("erasure = %+v, want 1 booking and 1 entry anonymised, 2 emails dropped, 2 remaining", e)
	}
	var payload string
	if err := db.Pool.QueryRow(ctx, `SELECT payload::text FROM outbox WHERE kind = 'signin_link'`).Scan(&payload); err != nil ||
		payload != `{"sequence": 0}` {
		t.Errorf("the sign-in email still holds %s (%v)", payload, err)
	}
	if p := readPersonal(t, db, a.Reference); !p.blank() || p.Status != "confirmed" {
		t.Errorf("erased booking = %+v", p)
	}
	if p := readPersonal(t, db, other.Reference); p.Anonymised || p.Email == "" {
		t.Errorf("someone else's booking was erased: %+v", p)
	}

	if _, _, err := db.CancelBooking(ctx, b.Reference, after); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.LeaveWaitlist(ctx, waits.Reference, after); err != nil {
		t.Fatal(err)
	}
	e, err = db.ErasePersonalData(ctx, booking.Person{Email: "ada@example.org"}, booking.Erasure{}, after)
	if err != nil || e.Anonymised != 1 || e.AnonymisedEntries != 1 || e.EmailsDropped != 3 || e.Remaining != 0 {
		t.Errorf("second erasure = %+v, %v; want 1 booking and 1 entry anonymised, 3 emails dropped, none remaining", e, err)
	}
	if got, _ := db.PersonalData(ctx, booking.Person{Email: "ada@example.org"}, now); len(got.Bookings) != 0 || len(got.Emails) != 0 || len(got.WaitingLists) != 0 {
		t.Errorf("after erasure the export still finds %+v", got)
	}
}

// An erased address is forgotten also where a booking waits to move to it:
// the change and its link go, and the booking stays its holder's.
func TestErasureForgetsAChangeToTheAddress(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	sess := addSession(t, db, addWorkshop(t, db, booking.Public).ID, time.Hour, 5, 5)
	theirs := bookFull(t, db, sess.ID, booking.InPerson, "someone.else@example.org")
	link := requestEmailChange(t, db, theirs.ID, "Ada@Example.org")

	e, err := db.ErasePersonalData(ctx, booking.Person{Email: "ada@example.org"}, booking.Erasure{}, now)
	if err != nil || e.Anonymised != 0 || e.EmailsDropped != 1 || e.Remaining != 0 {
		t.Fatalf("erasure = %+v, %v; want the link's email dropped and nothing anonymised", e, err)
	}
	if p := readPersonal(t, db, theirs.Reference); p.NewEmail != "" || p.NewEmailLink || p.Anonymised ||
		p.Email != "someone.else@example.org" {
		t.Errorf("after erasing the address it was moving to, the booking holds %+v", p)
	}
	_, manageHash, err := booking.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ConfirmEmailChange(ctx, link, "manage", manageHash, now)
	wantCode(t, err, booking.ENotFound)
}

// The links sent again to an erased person's bookings and entries stop.
func TestErasureForgetsTheLinksSentAgain(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	w := addWorkshop(t, db, booking.Public)
	sess := addSession(t, db, w.ID, time.Hour, 5, 5)
	b := bookFull(t, db, sess.ID, booking.InPerson, "ada@example.org")
	e := joinList(t, db, addSession(t, db, w.ID, 2*time.Hour, 5, 5).ID, "ada@example.org")
	if n, err := db.ResendLinks(ctx, "ada@example.org", now); err != nil || n != 2 {
		t.Fatalf("ResendLinks = %d, %v; want links to 2 places", n, err)
	}
	if _, _, err := db.LeaveWaitlist(ctx, e.Reference, now); err != nil {
		t.Fatal(err)
	}
	after := sess.EndsAt.Add(time.Hour)
	if got, err := db.ErasePersonalData(ctx, booking.Person{Email: "ada@example.org"}, booking.Erasure{}, after); err != nil ||
		got.Anonymised != 1 || got.AnonymisedEntries != 1 {
		t.Fatalf("erasure = %+v, %v; want the booking and the entry anonymised", got, err)
	}
	if n, m := resentLinks(t, db, "booking_id", b.ID), resentLinks(t, db, "waitlist_entry_id", e.ID); n != 0 || m != 0 {
		t.Errorf("after erasure %d links to the booking and %d to the entry remain", n, m)
	}
}

func deref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

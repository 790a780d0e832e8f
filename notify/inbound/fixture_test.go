package inbound_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/holds"
	"github.com/coventry/workshops/booking/postgres"
	"github.com/coventry/workshops/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fixture is a booking service on its own database with one session of a
// single in-person place: Ann has it, Carol waits for it.
type fixture struct {
	t       *testing.T
	db      *postgres.DB
	svc     *booking.Service
	session int64
	ann     *booking.Booking
	carol   *booking.WaitlistEntry
	// logs is written by the reader, which the tests run in their own
	// goroutine.
	logs   *bytes.Buffer
	logger *slog.Logger
}

const (
	annEmail   = "Ann.Resident@Example.org"
	carolEmail = "carol@example.org"
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, _ := testenv.Postgres(t, "inbound")
	rdb, prefix := testenv.Redis(t)
	key, err := db.HoldSigningKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.InviteUIDDomain = "coventry.gov.uk"
	clock := testenv.NewClock(time.Now().Truncate(time.Second))
	h := holds.New(rdb, db, key, 10*time.Minute, holds.WithClock(clock), holds.WithKeyPrefix(prefix))
	t.Cleanup(h.Close)
	svc := &booking.Service{Store: db, Holds: h, Waitlist: db, Staff: db, Attendance: db,
		OrganiserPages: db, PersonalData: db, Accounts: db, Replies: db, Ballots: db, Interest: db, Clock: clock}
	if err := svc.Check(); err != nil {
		t.Fatal(err)
	}
	w, err := svc.CreateWorkshop(ctx, booking.WorkshopInput{Title: "Your neighbourhood", Summary: "Tell us", Audience: booking.Public})
	if err != nil {
		t.Fatal(err)
	}
	start := clock.Now().Add(72 * time.Hour).Truncate(time.Hour)
	end := start.Add(2 * time.Hour)
	one := 1
	sess, err := svc.CreateSession(ctx, booking.NewSession(w.ID, booking.SessionPatch{
		StartsAt: &start, EndsAt: &end,
		Venue:    &booking.Venue{Name: "Central Library", Address: "Smithford Way, Coventry CV1 1FY"},
		Capacity: &booking.CapacityPatch{InPerson: &one},
	}))
	if err != nil {
		t.Fatal(err)
	}
	ann, _, err := svc.Book(ctx, sess.ID, booking.InPerson, booking.Public,
		booking.Details{Name: "Ann Resident", Email: annEmail, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	carol, _, err := svc.JoinWaitlist(ctx, sess.ID, booking.InPerson, booking.Public,
		booking.Details{Name: "Carol Waiting", Email: carolEmail, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	return &fixture{t: t, db: db, svc: svc, session: sess.ID, ann: ann, carol: carol, logs: logs,
		logger: slog.New(slog.NewJSONHandler(logs, nil))}
}

// uid is the UID of Ann's invites, stored with her booking.
func (f *fixture) uid() string {
	if f.ann.InviteUID == "" {
		f.t.Fatal("the booking has no invite UID")
	}
	return f.ann.InviteUID
}

// booking reads Ann's booking afresh.
func (f *fixture) booking() *booking.Booking {
	f.t.Helper()
	b, err := f.db.Booking(context.Background(), f.ann.Reference)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// carolStatus reads where Carol stands on the waiting list.
func (f *fixture) carolStatus() booking.WaitlistStatus {
	f.t.Helper()
	var s booking.WaitlistStatus
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT status FROM waitlist_entries WHERE reference = $1`,
		f.carol.Reference).Scan(&s); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// outbox counts the emails of kind queued for Ann's booking or Carol's entry.
func (f *fixture) outbox(kind string) int {
	f.t.Helper()
	var n int
	err := f.db.Pool.QueryRow(context.Background(), `
		SELECT count(*) FROM outbox o
		WHERE o.kind = $1 AND (o.booking_id = $2 OR o.waitlist_entry_id = (SELECT id FROM waitlist_entries WHERE reference = $3))`,
		kind, f.ann.ID, f.carol.Reference).Scan(&n)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// audited counts the audit entries of action on Ann's booking made by a
// calendar reply.
func (f *fixture) audited(action string) int {
	f.t.Helper()
	var n int
	err := f.db.Pool.QueryRow(context.Background(), `
		SELECT count(*) FROM audit_log WHERE actor = 'calendar-reply' AND action = $1 AND subject_id = $2`,
		action, f.ann.Reference).Scan(&n)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// cancelledByReply checks Ann's booking was cancelled as the manage link
// would: cancelled, the place offered to Carol, one cancellation email,
// audited as a calendar reply.
func (f *fixture) cancelledByReply() {
	f.t.Helper()
	if b := f.booking(); b.Status != booking.BookingCancelled {
		f.t.Errorf("booking status %s, want cancelled", b.Status)
	}
	if s := f.carolStatus(); s != booking.Offered {
		f.t.Errorf("Carol is %s, want offered the freed place", s)
	}
	if n := f.outbox(booking.MsgBookingCancelled); n != 1 {
		f.t.Errorf("%d cancellation emails queued, want 1", n)
	}
	if n := f.outbox(booking.MsgWaitlistOffer); n != 1 {
		f.t.Errorf("%d offers queued, want 1", n)
	}
	if n := f.audited(booking.AuditBookingCancel); n != 1 {
		f.t.Errorf("%d audit entries of the cancellation by calendar-reply, want 1", n)
	}
}

// noPersonalData fails if the log holds Ann's or Carol's name or address.
func (f *fixture) noPersonalData() {
	f.t.Helper()
	logs := strings.ToLower(f.logs.String())
	for _, s := range []string{"ann.resident", "example.org", "ann resident", "carol", "mallory"} {
		if strings.Contains(logs, s) {
			f.t.Errorf("the log names %q:\n%s", s, f.logs.String())
		}
	}
}

// reply is a calendar's answer to an invite.
type reply struct {
	from, attendee, uid, partstat string
	sequence                      int
	// calendar replaces the whole iCalendar text when set.
	calendar string
	// headers are added above the rest.
	headers string
}

// mail writes r as Gmail sends a reply: multipart/alternative with the
// text and the text/calendar part (method=REPLY, base64), and an
// invite.ics attachment.
func (r reply) mail() []byte {
	cal := r.calendar
	if cal == "" {
		seq := ""
		if r.sequence >= 0 {
			seq = fmt.Sprintf("SEQUENCE:%d\r\n", r.sequence)
		}
		cal = "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\nMETHOD:REPLY\r\n" +
			"BEGIN:VEVENT\r\nDTSTART:20270115T100000Z\r\nDTEND:20270115T120000Z\r\nDTSTAMP:20261204T101500Z\r\n" +
			"ORGANIZER;CN=Coventry City Council:mailto:consultation@coventry.gov.uk\r\n" +
			"UID:" + r.uid + "\r\n" +
			"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=" + r.partstat + ";CN=Ann Resident;X-NUM-GUESTS=0:mailto:" + r.attendee + "\r\n" +
			seq + "SUMMARY:Your neighbourhood\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	enc := base64.StdEncoding.EncodeToString([]byte(cal))
	var wrapped strings.Builder
	for len(enc) > 76 {
		wrapped.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	wrapped.WriteString(enc + "\r\n")
	word := map[string]string{"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentatively accepted"}[r.partstat]
	return []byte(r.headers +
		"From: Ann Resident <" + r.from + ">\r\n" +
		"To: consultation@coventry.gov.uk\r\n" +
		"Subject: " + word + ": Your neighbourhood\r\n" +
		"Date: Fri, 04 Dec 2026 10:15:00 +0000\r\n" +
		"Message-ID: <" + fmt.Sprint(time.Now().UnixNano()) + "@mail.gmail.com>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n" +
		"--outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n" +
		"--inner\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\n\r\nAnn Resident has " + strings.ToLower(word) + " this invitation.\r\n" +
		"--inner\r\nContent-Type: text/calendar; charset=\"UTF-8\"; method=REPLY\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		wrapped.String() +
		"--inner--\r\n" +
		"--outer\r\nContent-Type: application/ics; name=\"invite.ics\"\r\nContent-Disposition: attachment; filename=\"invite.ics\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		wrapped.String() +
		"--outer--\r\n")
}

// outOfOffice is an automatic answer from Exchange: no calendar in it.
func outOfOffice() []byte {
	return []byte("From: Ann Resident <" + annEmail + ">\r\n" +
		"To: consultation@coventry.gov.uk\r\n" +
		"Subject: Automatic reply: Your neighbourhood\r\n" +
		"Auto-Submitted: auto-replied\r\n" +
		"X-Auto-Response-Suppress: All\r\n" +
		"Date: Fri, 04 Dec 2026 10:16:00 +0000\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" +
		"I am away until Monday.\r\n")
}

package inbound_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/notify/inbound"
	"github.com/coventry/workshops/notify/inbound/imaptest"
)

// poll runs one round of a reader that has just started (nothing left
// alone yet), as after a restart.
func poll(t *testing.T, f *fixture, src inbound.Source) inbound.Round {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	round, err := inbound.NewReader(src, f.svc, time.Minute, f.logger).Poll(ctx)
	if err != nil {
		t.Fatalf("poll: %v\nlog: %s", err, f.logs.String())
	}
	return round
}

func handled(m imaptest.Message) bool {
	return m.Has(inbound.HandledKeyword) && m.Has(imap.SeenFlag)
}

// A No pressed in a calendar, delivered to the organiser mailbox, cancels
// the booking as the manage link would: the place goes to the first person
// waiting, the cancellation email is queued, the change is audited. The
// reply is marked handled and an out-of-office answer beside it is left as
// it was; reading the mailbox again after a restart changes nothing.
func TestIMAPDeclineCancelsTheBookingOnce(t *testing.T) {
	f := newFixture(t)
	srv := imaptest.Start(t)
	src, err := inbound.NewIMAP(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	// The address as the person's mail system writes it: case differs.
	srv.Append(t, reply{from: "ann.resident@example.ORG", attendee: "ANN.RESIDENT@example.org", uid: f.uid(),
		partstat: "DECLINED", sequence: f.booking().InviteSequence}.mail())
	srv.Append(t, outOfOffice())

	round := poll(t, f, src)
	if round.Outcomes[booking.ReplyCancelledBooking] != 1 || len(round.Outcomes) != 1 || round.LeftAlone != 1 {
		t.Fatalf("round = %+v, want one cancellation and one message left alone\nlog: %s", round, f.logs.String())
	}
	f.cancelledByReply()
	msgs := srv.Messages(t)
	if len(msgs) != 2 || !handled(msgs[0]) {
		t.Fatalf("the reply is not marked handled: %+v", msgs)
	}
	if len(msgs[1].Flags) != 0 {
		t.Errorf("the out-of-office answer was touched: flags %v", msgs[1].Flags)
	}

	// A restart: a new reader reads the mailbox again.
	round = poll(t, f, src)
	if len(round.Outcomes) != 0 || round.LeftAlone != 1 {
		t.Errorf("second round = %+v, want nothing applied", round)
	}
	if n := f.outbox(booking.MsgBookingCancelled); n != 1 {
		t.Errorf("%d cancellation emails after the second round, want 1", n)
	}
	if msgs := srv.Messages(t); len(msgs[1].Flags) != 0 {
		t.Errorf("the out-of-office answer was touched: flags %v", msgs[1].Flags)
	}
	f.noPersonalData()
}

// Replies that are not the booking's own answer to its latest invite, or
// that cannot be read, change nothing; each is marked handled and logged
// without the addresses. A Yes is recorded and audited; a No after it
// cancels; a Yes to the cancelled booking changes nothing.
func TestIMAPRepliesThatChangeNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Move the session: the booking's invite is now at SEQUENCE 1.
	room := booking.Venue{Name: "Council House", Address: "Earl Street, Coventry CV1 5RR"}
	if _, err := f.svc.UpdateSession(ctx, f.session, booking.SessionPatch{Venue: &room}); err != nil {
		t.Fatal(err)
	}
	seq := f.booking().InviteSequence
	if seq < 1 {
		t.Fatalf("invite sequence %d after a change", seq)
	}
	srv := imaptest.Start(t)
	src, err := inbound.NewIMAP(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	decline := reply{from: annEmail, attendee: annEmail, uid: f.uid(), partstat: "DECLINED", sequence: seq}
	bad := []struct {
		name string
		r    reply
	}{
		{"someone else sends Ann's answer", reply{from: "mallory@example.net", attendee: annEmail, uid: f.uid(), partstat: "DECLINED", sequence: seq}},
		{"Ann sends someone else's answer", reply{from: annEmail, attendee: "mallory@example.net", uid: f.uid(), partstat: "DECLINED", sequence: seq}},
		{"a look-alike domain", reply{from: "ann.resident@example.org.evil.test", attendee: "ann.resident@example.org.evil.test", uid: f.uid(), partstat: "DECLINED", sequence: seq}},
		{"an answer to the invite before the move", reply{from: annEmail, attendee: annEmail, uid: f.uid(), partstat: "DECLINED", sequence: seq - 1}},
		{"no SEQUENCE: the first invite", reply{from: annEmail, attendee: annEmail, uid: f.uid(), partstat: "DECLINED", sequence: -1}},
		{"a calendar that does not parse", reply{from: annEmail, calendar: "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID;broken\r\n"}},
		{"a reply with no attendee", reply{from: annEmail, calendar: "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:" + f.uid() + "\r\nDTSTAMP:20261204T101500Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"}},
		{"the receiving server found it forged", reply{headers: "Authentication-Results: mx.coventry.gov.uk; spf=fail smtp.mailfrom=example.org; dkim=none; dmarc=fail (p=REJECT) header.from=example.org\r\n" +
			"Authentication-Results: forged.example; dmarc=pass\r\n", from: annEmail, attendee: annEmail, uid: f.uid(), partstat: "DECLINED", sequence: seq}},
		{"a UID not of ours", reply{from: annEmail, attendee: annEmail, uid: "040000008200E00074C5B7101A82E008@outlook.com", partstat: "DECLINED", sequence: seq}},
		{"a UID of a booking that does not exist", reply{from: annEmail, attendee: annEmail, uid: "booking-ZZZZ-ZZZZ@coventry.gov.uk", partstat: "DECLINED", sequence: seq}},
		{"Ann's reference on another domain", reply{from: annEmail, attendee: annEmail, uid: "booking-" + f.ann.Reference + "@book.example.org", partstat: "DECLINED", sequence: seq}},
	}
	for _, b := range bad {
		srv.Append(t, b.r.mail())
	}
	round := poll(t, f, src)
	want := map[booking.ReplyOutcome]int{
		booking.ReplySenderMismatch: 3, booking.ReplyStale: 2, inbound.OutcomeMalformed: 2,
		inbound.OutcomeForged: 1, booking.ReplyUnknownInvite: 3,
	}
	for o, n := range want {
		if round.Outcomes[o] != n {
			t.Errorf("%s: %d, want %d (round %+v)", o, round.Outcomes[o], n, round.Outcomes)
		}
	}
	if b := f.booking(); b.Status != booking.Confirmed || b.InviteSequence != seq {
		t.Errorf("booking is %s at sequence %d, want unchanged", b.Status, b.InviteSequence)
	}
	if s := f.carolStatus(); s != booking.Waiting {
		t.Errorf("Carol is %s, want still waiting", s)
	}
	if n := f.outbox(booking.MsgBookingCancelled); n != 0 {
		t.Errorf("%d cancellation emails queued, want none", n)
	}
	for i, m := range srv.Messages(t) {
		if !handled(m) {
			t.Errorf("%s: not marked handled (flags %v)", bad[i].name, m.Flags)
		}
	}

	// Yes, then No, then Yes again to the cancelled booking.
	srv.Append(t, reply{from: annEmail, attendee: annEmail, uid: f.uid(), partstat: "ACCEPTED", sequence: seq}.mail())
	if round := poll(t, f, src); round.Outcomes[booking.ReplyRecorded] != 1 || len(round.Outcomes) != 1 {
		t.Fatalf("accept: round %+v", round)
	}
	replies, err := f.db.Replies(ctx, f.session)
	if err != nil {
		t.Fatal(err)
	}
	if r := replies[f.ann.Reference]; r.Status != booking.ReplyAccepted || r.Sequence != seq {
		t.Errorf("recorded reply %+v, want accepted at %d", r, seq)
	}
	if n := f.audited(booking.AuditBookingReply); n != 1 {
		t.Errorf("%d audit entries of the answer, want 1", n)
	}
	srv.Append(t, decline.mail())
	if round := poll(t, f, src); round.Outcomes[booking.ReplyCancelledBooking] != 1 {
		t.Fatalf("decline: round %+v", round)
	}
	srv.Append(t, reply{from: annEmail, attendee: annEmail, uid: f.uid(), partstat: "ACCEPTED", sequence: seq + 5}.mail())
	if round := poll(t, f, src); round.Outcomes[booking.ReplyNotLive] != 1 || len(round.Outcomes) != 1 {
		t.Fatalf("accept after cancelling: round %+v", round)
	}
	if b := f.booking(); b.Status != booking.BookingCancelled {
		t.Errorf("booking is %s", b.Status)
	}
	if n := f.outbox(booking.MsgBookingCancelled); n != 1 {
		t.Errorf("%d cancellation emails queued, want 1", n)
	}
	if !strings.Contains(f.logs.String(), `"outcome":"sender_mismatch"`) {
		t.Errorf("the log does not say what the replies did:\n%s", f.logs.String())
	}
	f.noPersonalData()
}

// A URL that would send the password in plain text over the network, or
// is not IMAP, is refused; errors never repeat the password.
func TestNewIMAPRefusesBadURLs(t *testing.T) {
	for _, raw := range []string{"", "https://u:p@host/INBOX", "imaps://host/INBOX", "imaps://:hunter2@/INBOX"} {
		if _, err := inbound.NewIMAP(raw); err == nil {
			t.Errorf("%q accepted", raw)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: error repeats the password: %v", raw, err)
		}
	}
	if _, err := inbound.NewIMAP("imap://council%40coventry.gov.uk:secret@mail.example.net/INBOX"); err != nil {
		t.Errorf("imap:// with a user name in %%40 form: %v", err)
	}
}

// Two instances reading the mailbox at once apply a No once: one cancels,
// the other finds the booking cancelled already (or the reply marked).
func TestIMAPTwoInstancesApplyADeclineOnce(t *testing.T) {
	f := newFixture(t)
	srv := imaptest.Start(t)
	src, err := inbound.NewIMAP(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	srv.Append(t, reply{from: annEmail, attendee: annEmail, uid: f.uid(), partstat: "DECLINED", sequence: f.booking().InviteSequence}.mail())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rounds := make([]inbound.Round, 2)
	errs := make([]error, 2)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range rounds {
		wg.Go(func() {
			r := inbound.NewReader(src, f.svc, time.Minute, slog.New(slog.NewJSONHandler(io.Discard, nil)))
			<-start
			rounds[i], errs[i] = r.Poll(ctx)
		})
	}
	close(start)
	wg.Wait()
	cancelled := 0
	for i := range rounds {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		cancelled += rounds[i].Outcomes[booking.ReplyCancelledBooking]
	}
	if cancelled != 1 {
		t.Errorf("%d cancellations, want 1 (rounds %+v)", cancelled, rounds)
	}
	if n := f.outbox(booking.MsgBookingCancelled); n != 1 {
		t.Errorf("%d cancellation emails queued, want 1", n)
	}
	if n := f.outbox(booking.MsgWaitlistOffer); n != 1 {
		t.Errorf("%d offers queued, want 1", n)
	}
}

// The mailbox is read over TLS: implicit (imaps://) or upgraded with
// STARTTLS (imap://), the server's certificate checked; a certificate the
// reader does not trust stops it before it signs in.
func TestIMAPOverTLS(t *testing.T) {
	f := newFixture(t)
	srv := imaptest.StartTLS(t)
	trusted := &tls.Config{RootCAs: srv.RootCAs, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	for _, raw := range []string{srv.TLSURL, srv.URL} {
		src, err := inbound.NewIMAP(raw)
		if err != nil {
			t.Fatal(err)
		}
		src.TLSConfig = trusted
		srv.Append(t, reply{from: annEmail, attendee: annEmail, uid: f.uid(), partstat: "TENTATIVE", sequence: f.booking().InviteSequence}.mail())
		if round := poll(t, f, src); round.Outcomes[booking.ReplyRecorded] != 1 {
			t.Errorf("%s: round %+v", strings.SplitN(raw, ":", 2)[0], round)
		}
	}
	// Dovecot's sign-in lines say TLS for both (imaps, then STARTTLS).
	if n := strings.Count(srv.Log(), "method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, mpid="); n < 2 {
		t.Fatalf("%d sign-ins logged:\n%s", n, srv.Log())
	}
	tlsLogins := 0
	for line := range strings.SplitSeq(srv.Log(), "\n") {
		if strings.Contains(line, "Login: user=<council>") && strings.Contains(line, ", TLS") {
			tlsLogins++
		}
	}
	// The test's own Append and Messages sign in without TLS; the reader's
	// two did with it.
	if tlsLogins != 2 {
		t.Errorf("%d sign-ins over TLS, want the reader's 2:\n%s", tlsLogins, srv.Log())
	}

	src, err := inbound.NewIMAP(srv.TLSURL)
	if err != nil {
		t.Fatal(err)
	}
	src.TLSConfig = &tls.Config{RootCAs: x509.NewCertPool(), ServerName: "127.0.0.1"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := inbound.NewReader(src, f.svc, time.Minute, f.logger).Poll(ctx); err == nil ||
		!strings.Contains(err.Error(), "certificate") {
		t.Errorf("an untrusted certificate: err = %v", err)
	}
}

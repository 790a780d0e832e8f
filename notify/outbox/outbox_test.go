package outbox_test

import (
	"bytes"
	"context"
	"mime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/calendar/icaltest"
	"github.com/coventry/workshops/notify/outbox"
	"github.com/coventry/workshops/notify/smtptest"
)

// trickyTitle has what RFC 5545 asks to escape, and is long enough to be
// folded, across characters of several widths.
const trickyTitle = "One Coventry Plan: homes, jobs; parks \\ and \"you\"\nA second line — Café 🎉 for residents, organisations and partners"

func TestConfirmationInPersonAndOnline(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	start := time.Date(2028, 3, 14, 10, 0, 0, 0, london)
	sid := e.session(e.workshop("One Coventry Plan: have your say"), start, start.Add(2*time.Hour))
	ada := e.book(sid, booking.InPerson, "Ada Lovelace", "ada@example.org", time.Now())
	grace := e.book(sid, booking.Online, "Grace Hopper", "grace@example.org", time.Now())
	idAda := e.queue(booking.MsgBookingConfirmed, ada, sid, booking.EmailPayload{Token: token(ada)})
	idGrace := e.queue(booking.MsgBookingConfirmed, grace, sid, booking.EmailPayload{Token: token(grace)})

	res, err := e.worker(srv, outbox.Config{}).SendDue(context.Background())
	if err != nil || res.Sent != 2 {
		t.Fatalf("SendDue = %+v, %v", res, err)
	}
	got := srv.Wait(t, 2, 5*time.Second)
	byRcpt := map[string]smtptest.Received{}
	for _, r := range got {
		if len(r.To) != 1 {
			t.Fatalf("envelope recipients %v", r.To)
		}
		byRcpt[r.To[0]] = r
	}
	for _, c := range []struct {
		b      bookingRow
		id     string
		online bool
	}{{ada, idAda, false}, {grace, idGrace, true}} {
		r, ok := byRcpt[c.b.Email]
		if !ok {
			t.Fatalf("nothing for %s", c.b.Email)
		}
		m := smtptest.Parse(t, r.Data)
		if m.Header.Get("Message-Id") != "<"+c.id+">" || !strings.HasSuffix(c.id, "@coventry.gov.uk") {
			t.Errorf("Message-ID %q, want the row's %q, in the domain of MAIL_FROM", m.Header.Get("Message-Id"), c.id)
		}
		to, _ := m.Header.AddressList("To")
		if len(to) != 1 || to[0].Address != c.b.Email {
			t.Errorf("To %v", to)
		}
		alt := m.Root.Find("multipart/alternative")
		if m.Root.MediaType != "multipart/mixed" || alt == nil || len(alt.Parts) != 3 {
			t.Fatalf("MIME shape: %s", m.Root.MediaType)
		}
		text, html, cal := m.Text("text/plain"), m.Text("text/html"), alt.Find("text/calendar")
		att := m.Root.Parts[1]
		if cal.Params["method"] != "REQUEST" || att.MediaType != "application/ics" ||
			!strings.Contains(att.Header.Get("Content-Disposition"), "invite.ics") || !bytes.Equal(cal.Body, att.Body) {
			t.Errorf("calendar part %v / attachment %s", cal.Params, att.MediaType)
		}
		for _, want := range []string{"Your place is booked.", "Tuesday 14 March 2028, 10am to midday",
			"Booking reference: " + c.b.Reference, e.manageURL(c.b)} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: text lacks %q", c.b.Email, want)
			}
		}
		if !strings.Contains(html, "Tuesday 14 March 2028, 10am to midday") {
			t.Errorf("%s: HTML lacks the time", c.b.Email)
		}
		all := text + html + string(cal.Body) + string(bytes.ReplaceAll(att.Body, []byte("\r\n "), nil))
		hasLink := strings.Contains(all, "teams.microsoft.com")
		if hasLink != c.online {
			t.Errorf("%s (online %v): Teams link present = %v", c.b.Email, c.online, hasLink)
		}
		if c.online && !strings.Contains(text, "Link to join: "+teamsLink) {
			t.Errorf("online confirmation text lacks the link:\n%s", text)
		}
		if !c.online && !strings.Contains(text, "Where: Council House, Earl Street, Coventry CV1 5RR") {
			t.Errorf("in-person confirmation lacks the venue:\n%s", text)
		}
		ev := decodeInvite(t, cal.Body)
		if uid, _ := ev.Props.Text(ical.PropUID); uid != "booking-"+c.b.Reference+"@coventry.gov.uk" {
			t.Errorf("UID %q", uid)
		}
	}
	for _, id := range []string{idAda, idGrace} {
		if s := e.state(id); s.Status != "sent" || s.Attempts != 1 {
			t.Errorf("row %s: %+v", id, s)
		}
	}
	if n := e.worker(srv, outbox.Config{}).Metrics().Count(booking.MsgBookingConfirmed, "sent"); n != 0 {
		t.Errorf("a fresh worker counts %v sent", n)
	}
}

func decodeInvite(t *testing.T, ics []byte) ical.Event {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(ics)).Decode()
	if err != nil {
		t.Fatalf("go-ical: %v", err)
	}
	if len(cal.Events()) != 1 {
		t.Fatalf("%d events", len(cal.Events()))
	}
	return cal.Events()[0]
}

// TestInvitesAcrossConfirmChangeCancel follows one booking through its
// confirmation, a move of its session and its cancellation, as the emails
// arrive, reading every invite with go-ical and with ical.js.
func TestInvitesAcrossConfirmChangeCancel(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	start := time.Date(2028, 3, 14, 10, 0, 0, 0, london)
	sid := e.session(e.workshop(trickyTitle), start, start.Add(2*time.Hour))
	b := e.book(sid, booking.Online, "Grace Hopper", "grace@example.org", time.Now())
	e.queue(booking.MsgBookingConfirmed, b, sid, booking.EmailPayload{Token: token(b)})

	// The session moves into summer time before anything is sent: all three
	// rows wait, and go out in order.
	newStart := time.Date(2028, 4, 4, 18, 30, 0, 0, london) // 17:30 UTC
	newEnd := newStart.Add(90 * time.Minute)
	e.exec(`UPDATE sessions SET starts_at = $2, ends_at = $3, sequence = 1 WHERE id = $1`, sid, newStart, newEnd)
	e.exec(`UPDATE bookings SET invite_sequence = 1 WHERE id = $1`, b.ID)
	e.queue(booking.MsgSessionChanged, b, sid, booking.EmailPayload{Sequence: 1, Changes: &booking.Changes{
		StartsAt: &booking.TimeChange{Old: start, New: newStart},
		EndsAt:   &booking.TimeChange{Old: start.Add(2 * time.Hour), New: newEnd},
	}})
	e.exec(`UPDATE bookings SET invite_sequence = 2, status = 'cancelled', cancelled_at = now() WHERE id = $1`, b.ID)
	e.queue(booking.MsgBookingCancelled, b, sid, booking.EmailPayload{Sequence: 2})

	w := e.worker(srv, outbox.Config{})
	// Each claim takes at most one row per booking, so three passes.
	total := 0
	for range 3 {
		res, err := w.SendDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		total += res.Sent
	}
	if total != 3 {
		t.Fatalf("sent %d, want 3", total)
	}
	got := srv.Wait(t, 3, 5*time.Second)

	var invites [][]byte
	wantMethod := []string{"REQUEST", "REQUEST", "CANCEL"}
	wantSubject := []string{"Booking confirmed", "Your workshop has changed", "Booking cancelled"}
	for i, r := range got {
		m := smtptest.Parse(t, r.Data)
		subj := m.Header.Get("Subject")
		dec := new(mime.WordDecoder)
		if s, _ := dec.DecodeHeader(subj); !strings.HasPrefix(s, wantSubject[i]) {
			t.Errorf("message %d is %q, want %s first", i, s, wantSubject[i])
		}
		cal := m.Root.Find("multipart/alternative").Find("text/calendar")
		if cal.Params["method"] != wantMethod[i] {
			t.Errorf("message %d: part method %q", i, cal.Params["method"])
		}
		if !bytes.Equal(cal.Body, m.Root.Parts[1].Body) {
			t.Errorf("message %d: attachment differs from the calendar part", i)
		}
		if icaltest.CheckLines(t, cal.Body) == 0 {
			t.Errorf("message %d: nothing folded in an invite with a long summary", i)
		}
		invites = append(invites, cal.Body)
	}
	if text := smtptest.Parse(t, got[1].Data).Text("text/plain"); !strings.Contains(text, "Was: Tuesday 14 March 2028, 10am to midday") ||
		!strings.Contains(text, "Now: Tuesday 4 April 2028, 6:30pm to 8pm") {
		t.Errorf("change email does not give old and new times:\n%s", text)
	}

	// The UID made with the booking, on MAIL_FROM's domain.
	uid := "booking-" + b.Reference + "@coventry.gov.uk"
	for i, ics := range invites {
		ev := decodeInvite(t, ics)
		if u, _ := ev.Props.Text(ical.PropUID); u != uid {
			t.Errorf("go-ical %d: UID %q", i, u)
		}
		if seq, _ := ev.Props.Get(ical.PropSequence).Int(); seq != i {
			t.Errorf("go-ical %d: SEQUENCE %d", i, seq)
		}
		if s, _ := ev.Props.Text(ical.PropSummary); s != trickyTitle {
			t.Errorf("go-ical %d: SUMMARY %q", i, s)
		}
		// Every email is written when it is sent, so even the confirmation
		// has the session's new time.
		if st, _ := ev.DateTimeStart(nil); !st.Equal(newStart) {
			t.Errorf("go-ical %d: DTSTART %v", i, st)
		}
	}
	cals := icaltest.Read(t, invites...)
	for i, c := range cals {
		ev := c.Events[0]
		if c.Method != wantMethod[i] || ev.UID != uid || ev.Sequence != i || ev.Summary != trickyTitle {
			t.Errorf("ical.js %d: method %s uid %s seq %d summary %q", i, c.Method, ev.UID, ev.Sequence, ev.Summary)
		}
		if !ev.Start.Equal(newStart) || !ev.End.Equal(newEnd) || !ev.StartIsUTC {
			t.Errorf("ical.js %d: %v to %v (UTC %v), want %v to %v", i, ev.Start, ev.End, ev.StartIsUTC, newStart, newEnd)
		}
		if i > 0 && ev.Sequence <= cals[i-1].Events[0].Sequence {
			t.Errorf("SEQUENCE does not rise at message %d", i)
		}
		wantRSVP := "TRUE" // an invite asks for a reply; a cancellation does not
		if c.Method == "CANCEL" {
			wantRSVP = "FALSE"
		}
		if len(ev.Attendees) != 1 || ev.Attendees[0].Value != "mailto:grace@example.org" || ev.Attendees[0].RSVP != wantRSVP {
			t.Errorf("ical.js %d attendees %+v", i, ev.Attendees)
		}
	}
	if cals[2].Events[0].Status != "CANCELLED" {
		t.Errorf("cancellation status %q", cals[2].Events[0].Status)
	}
	if !strings.Contains(string(bytes.ReplaceAll(invites[2], []byte("\r\n "), nil)), "DTSTART:20280404T173000Z") {
		t.Error("times not written in UTC")
	}
}

// TestMailServerDownThenRestart queues 20 confirmations while the mail
// server is down, lets one instance fail to send them and stop, then
// brings the server back and starts a new instance: each arrives once.
func TestMailServerDownThenRestart(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Reserve(t, smtptest.Options{}) // nothing listens yet
	start := time.Now().Add(30 * 24 * time.Hour)
	sid := e.session(e.workshop("Have your say"), start, start.Add(2*time.Hour))
	var ids []string
	for i := range 20 {
		b := e.book(sid, booking.InPerson, "Person "+string(rune('A'+i)), "person"+string(rune('a'+i))+"@example.org", time.Now())
		ids = append(ids, e.queue(booking.MsgBookingConfirmed, b, sid, booking.EmailPayload{Token: token(b)}))
	}

	first := e.worker(srv, outbox.Config{PollInterval: time.Hour})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- first.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for e.count("attempts = 1 AND last_error <> ''") < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("the first worker did not try every row: %d tried", e.count("attempts = 1"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop() // the service is restarted...
	if err := <-done; err != nil {
		t.Fatalf("Run returned %v on shutdown", err)
	}
	for _, id := range ids {
		s := e.state(id)
		if s.Status != "pending" || !s.Next.After(e.clock.Now()) {
			t.Fatalf("after a failed send: %+v", s)
		}
		if strings.Contains(s.LastError, "@example.org") || !strings.Contains(s.LastError, "unreachable") {
			t.Errorf("last_error %q", s.LastError)
		}
	}
	if n := first.Metrics().Count(booking.MsgBookingConfirmed, "retried"); n != 20 {
		t.Errorf("retried counter %v, want 20", n)
	}

	// ...and the mail server comes back. Nothing is due until the backoff
	// has passed.
	srv.Restart(t)
	second := e.worker(srv, outbox.Config{})
	if res, _ := second.SendDue(context.Background()); res.Sent != 0 {
		t.Fatalf("sent %d before the backoff was over", res.Sent)
	}
	e.clock.Advance(time.Minute) // past the first backoff (15 to 30 s)
	res, err := second.SendDue(context.Background())
	if err != nil || res.Sent != 20 {
		t.Fatalf("SendDue = %+v, %v", res, err)
	}
	e.clock.Advance(time.Hour)
	if res, _ := second.SendDue(context.Background()); res != (outbox.Result{}) {
		t.Errorf("a second pass did %+v", res)
	}
	// The server keeps a message before it answers 250, so by now it holds
	// everything that was sent, duplicates included.
	got := srv.Messages()
	if len(got) != 20 {
		t.Fatalf("%d messages arrived, want 20", len(got))
	}
	seen := map[string]bool{}
	for _, id := range messageIDs(t, got) {
		if seen[id] {
			t.Errorf("%s arrived twice", id)
		}
		seen[id] = true
	}
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("%s never arrived", id)
		}
		if s := e.state(id); s.Status != "sent" || s.Attempts != 2 || s.LastError != "" {
			t.Errorf("row %s: %+v", id, s)
		}
	}
}

// TestTwoWorkersSendEachOnce runs two instances over the same outbox at
// once, in small batches so their claims interleave.
func TestTwoWorkersSendEachOnce(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	start := time.Now().Add(30 * 24 * time.Hour)
	sid := e.session(e.workshop("Have your say"), start, start.Add(2*time.Hour))
	const n = 80
	want := map[string]bool{}
	for i := range n {
		b := e.book(sid, booking.Online, "Someone", "someone"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+
			time.Now().Format("150405.000000000")+"@example.org", time.Now())
		want[e.queue(booking.MsgBookingConfirmed, b, sid, booking.EmailPayload{})] = true
	}
	var wg sync.WaitGroup
	results := make([]outbox.Result, 2)
	for i := range 2 {
		w := e.worker(srv, outbox.Config{Batch: 3, Concurrency: 2})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				res, err := w.SendDue(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				results[i].Sent += res.Sent
				if res.Sent == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if results[0].Sent+results[1].Sent != n || results[0].Sent == 0 || results[1].Sent == 0 {
		t.Errorf("workers sent %d and %d, want %d between them, both working", results[0].Sent, results[1].Sent, n)
	}
	got := srv.Messages()
	if len(got) != n {
		t.Fatalf("%d messages arrived, want %d", len(got), n)
	}
	seen := map[string]bool{}
	for _, id := range messageIDs(t, got) {
		if seen[id] || !want[id] {
			t.Errorf("%s arrived twice or was never queued", id)
		}
		seen[id] = true
	}
	if c := e.count("status <> 'sent'"); c != 0 {
		t.Errorf("%d rows not sent", c)
	}
}

func TestNamesNeverReachHeaders(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	start := time.Now().Add(30 * 24 * time.Hour)
	sid := e.session(e.workshop("Have your say"), start, start.Add(2*time.Hour))
	// Input validation refuses these; the sender must be safe anyway.
	crlf := e.book(sid, booking.InPerson, "Eve\r\nBcc: mallory@example.com\r\nSubject: you won", "eve@example.org", time.Now())
	html := e.book(sid, booking.InPerson, `<script>alert("x")</script><b>Bob</b> & co`, "bob@example.org", time.Now())
	badAddr := e.book(sid, booking.InPerson, "Carol", "carol@example.org\r\nBcc: mallory@example.com", time.Now())
	e.queue(booking.MsgBookingConfirmed, crlf, sid, booking.EmailPayload{})
	e.queue(booking.MsgBookingConfirmed, html, sid, booking.EmailPayload{})
	badID := e.queue(booking.MsgBookingConfirmed, badAddr, sid, booking.EmailPayload{})

	w := e.worker(srv, outbox.Config{})
	res, err := w.SendDue(context.Background())
	if err != nil || res.Sent != 2 || res.Failed != 1 {
		t.Fatalf("SendDue = %+v, %v", res, err)
	}
	for _, r := range srv.Wait(t, 2, 5*time.Second) {
		if len(r.To) != 1 || strings.Contains(r.To[0], "mallory") {
			t.Errorf("envelope recipients %v", r.To)
		}
		m := smtptest.Parse(t, r.Data)
		if strings.Contains(strings.ToLower(m.RawHeader), "mallory") || strings.Contains(m.RawHeader, "you won") ||
			len(m.Header["Bcc"]) > 0 || len(m.Header["Subject"]) != 1 {
			t.Errorf("a name reached the headers:\n%s", m.RawHeader)
		}
		if r.To[0] == "bob@example.org" {
			h := m.Text("text/html")
			if strings.Contains(h, "<script>") || strings.Contains(h, "<b>Bob") ||
				!strings.Contains(h, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;Bob&lt;/b&gt; &amp; co") {
				t.Errorf("HTML part does not escape the name")
			}
		}
		if r.To[0] == "eve@example.org" {
			to, err := m.Header.AddressList("To")
			if err != nil || len(to) != 1 || to[0].Name != "" {
				t.Errorf("To %v %v", to, err)
			}
		}
	}
	s := e.state(badID)
	if s.Status != "failed" || strings.Contains(s.LastError, "mallory") || strings.Contains(s.LastError, "carol") {
		t.Errorf("address with CR/LF: %+v", s)
	}
	if n := w.Metrics().Count(booking.MsgBookingConfirmed, "failed"); n != 1 {
		t.Errorf("failed counter %v", n)
	}
	fails, err := w.Failures(context.Background(), 10)
	if err != nil || len(fails) != 1 || fails[0].BookingReference != badAddr.Reference {
		t.Errorf("Failures = %+v, %v", fails, err)
	}
}

func TestRefusedRecipientAndGivingUp(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	srv.Reject("gone@example.org")
	start := time.Now().Add(30 * 24 * time.Hour)
	sid := e.session(e.workshop("Have your say"), start, start.Add(2*time.Hour))
	gone := e.book(sid, booking.InPerson, "Gone", "gone@example.org", time.Now())
	later := e.book(sid, booking.InPerson, "Later", "later@example.org", time.Now())
	goneID := e.queue(booking.MsgBookingConfirmed, gone, sid, booking.EmailPayload{})
	// The same person's next message waits until the first is settled.
	goneNext := e.queue(booking.MsgBookingCancelled, gone, sid, booking.EmailPayload{Sequence: 1})
	laterID := e.queue(booking.MsgBookingConfirmed, later, sid, booking.EmailPayload{})

	w := e.worker(srv, outbox.Config{})
	res, err := w.SendDue(context.Background())
	if err != nil || res.Failed != 1 || res.Sent != 1 {
		t.Fatalf("SendDue = %+v, %v", res, err)
	}
	if s := e.state(goneID); s.Status != "failed" || !strings.Contains(s.LastError, "550") || strings.Contains(s.LastError, "gone@") {
		t.Errorf("refused recipient: %+v", s)
	}
	if e.state(goneNext).Status != "pending" || e.state(laterID).Status != "sent" {
		t.Error("ordering per booking not kept")
	}
	if _, err := w.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := e.state(goneNext); s.Status != "failed" {
		t.Errorf("second message after the first failed: %+v", s)
	}

	// A message that keeps failing is retried with growing waits, then
	// given up on a day after it was written.
	srv.Stop()
	slow := e.book(sid, booking.InPerson, "Slow", "slow@example.org", time.Now())
	slowID := e.queue(booking.MsgBookingConfirmed, slow, sid, booking.EmailPayload{})
	var waits []time.Duration
	for i := 0; i < 100; i++ {
		if _, err := w.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		s := e.state(slowID)
		if s.Status != "pending" {
			if s.Status != "failed" || !strings.Contains(s.LastError, "unreachable") {
				t.Errorf("gave up with %+v", s)
			}
			break
		}
		waits = append(waits, s.Next.Sub(e.clock.Now()))
		e.clock.Advance(s.Next.Sub(e.clock.Now()) + time.Second)
	}
	if s := e.state(slowID); s.Status != "failed" {
		t.Fatalf("never gave up: %+v", s)
	}
	if len(waits) < 10 || waits[0] > 30*time.Second || waits[0] < 15*time.Second || waits[len(waits)-2] > time.Hour {
		t.Errorf("waits %v", waits)
	}
	for i := 1; i < 6; i++ {
		if waits[i] < waits[i-1] {
			t.Errorf("wait %d (%v) shorter than the one before (%v)", i, waits[i], waits[i-1])
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempts, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 8: time.Hour, 40: time.Hour} {
		for range 50 {
			d := outbox.Backoff(attempts, 30*time.Second, time.Hour)
			if d < want/2 || d > want {
				t.Fatalf("Backoff(%d) = %v, want between %v and %v", attempts, d, want/2, want)
			}
		}
	}
}

func TestRunWakesAndStops(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.Start(t, smtptest.Options{})
	w := e.worker(srv, outbox.Config{PollInterval: time.Hour, ReminderBefore: -1})
	stop := run(t, w)

	start := time.Now().Add(30 * 24 * time.Hour)
	sid := e.session(e.workshop("Have your say"), start, start.Add(2*time.Hour))
	b := e.book(sid, booking.Online, "Ada", "ada@example.org", time.Now())
	e.queue(booking.MsgBookingConfirmed, b, sid, booking.EmailPayload{})
	w.Wake() // as the web layer does after a booking
	srv.Wait(t, 1, 5*time.Second)
	stop()
}

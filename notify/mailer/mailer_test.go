package mailer_test

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/calendar"
	"github.com/coventry/workshops/notify"
	"github.com/coventry/workshops/notify/mailer"
	"github.com/coventry/workshops/notify/smtptest"
)

const from = "Coventry City Council workshops <workshops@coventry.gov.uk>"

var invite = []byte("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nPRODID:-//x//y//EN\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:booking-A@x\r\n" +
	"SUMMARY:" + strings.Repeat("Café, ", 12) + "\r\n  continued\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")

func message(id string) *notify.Message {
	return &notify.Message{
		Kind: "booking_confirmed", MessageID: id,
		To:      mail.Address{Name: "Zoë O'Brien", Address: "zoe@example.org"},
		ReplyTo: &mail.Address{Address: "engagement@coventry.gov.uk"},
		Subject: "Booking confirmed: Café, homes and jobs",
		Text:    "Dear Zoë,\n\nYour place is booked.\n",
		HTML:    "<p>Dear Zoë,</p><p>Your place is booked.</p>",
		Invite:  invite, Method: calendar.Request,
	}
}

func newSMTP(t *testing.T, url string, srv *smtptest.Server) *mailer.SMTP {
	t.Helper()
	m, err := mailer.NewSMTP(mailer.SMTPConfig{URL: url, From: from, TLSConfig: srv.ClientTLS, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// checkMIME checks the structure Outlook and every other client need.
func checkMIME(t *testing.T, raw []byte, id string) *smtptest.Mail {
	t.Helper()
	m := smtptest.Parse(t, raw)
	if got := m.Header.Get("Message-Id"); got != "<"+id+">" {
		t.Errorf("Message-ID %q, want <%s>", got, id)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "zoe@example.org" || to[0].Name != "Zoë O'Brien" {
		t.Errorf("To = %v (%v)", to, err)
	}
	if rt := m.Header.Get("Reply-To"); !strings.Contains(rt, "engagement@coventry.gov.uk") {
		t.Errorf("Reply-To %q", rt)
	}
	if m.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Error("no Auto-Submitted header")
	}
	// Out-of-office and automatic replies suppressed, but not bounces.
	if got := m.Header.Get("X-Auto-Response-Suppress"); got != "OOF, AutoReply" {
		t.Errorf("X-Auto-Response-Suppress %q, want OOF, AutoReply", got)
	}
	// The Message-ID is on MAIL_FROM's domain (the outbox makes it so).
	if !strings.HasSuffix(m.Header.Get("Message-Id"), "@workshops>") {
		t.Errorf("Message-ID %q", m.Header.Get("Message-Id"))
	}
	dec := new(mime.WordDecoder)
	if subj, _ := dec.DecodeHeader(m.Header.Get("Subject")); subj != "Booking confirmed: Café, homes and jobs" {
		t.Errorf("Subject %q", subj)
	}
	root := m.Root
	if root.MediaType != "multipart/mixed" || len(root.Parts) != 2 {
		t.Fatalf("root is %s with %d parts, want multipart/mixed with 2", root.MediaType, len(root.Parts))
	}
	alt := root.Parts[0]
	if alt.MediaType != "multipart/alternative" || len(alt.Parts) != 3 {
		t.Fatalf("first part is %s with %d parts, want multipart/alternative with 3", alt.MediaType, len(alt.Parts))
	}
	want := []string{"text/plain", "text/html", "text/calendar"}
	for i, p := range alt.Parts {
		if p.MediaType != want[i] {
			t.Errorf("alternative %d is %s, want %s", i, p.MediaType, want[i])
		}
	}
	cal := alt.Parts[2]
	if cal.Params["method"] != "REQUEST" || !bytes.Equal(cal.Body, invite) {
		t.Errorf("calendar part: method %q, body equal %v", cal.Params["method"], bytes.Equal(cal.Body, invite))
	}
	if string(alt.Parts[0].Body) != "Dear Zoë,\r\n\r\nYour place is booked.\r\n" && string(alt.Parts[0].Body) != "Dear Zoë,\n\nYour place is booked.\n" {
		t.Errorf("text part %q", alt.Parts[0].Body)
	}
	att := root.Parts[1]
	disp := att.Header.Get("Content-Disposition")
	if att.MediaType != "application/ics" || !strings.HasPrefix(disp, "attachment") || !strings.Contains(disp, `filename="invite.ics"`) ||
		!bytes.Equal(att.Body, invite) {
		t.Errorf("attachment: %s, %q", att.MediaType, disp)
	}
	return m
}

func TestSMTPSchemes(t *testing.T) {
	ctx := context.Background()

	plain := smtptest.Start(t, smtptest.Options{})
	if err := newSMTP(t, "smtp+plain://"+plain.Addr, plain).Send(ctx, message("plain.1@workshops")); err != nil {
		t.Fatal(err)
	}
	got := plain.Wait(t, 1, 5*time.Second)
	if got[0].TLS || len(got[0].To) != 1 || got[0].To[0] != "zoe@example.org" || got[0].From != "workshops@coventry.gov.uk" {
		t.Errorf("plain: %+v", got[0])
	}
	checkMIME(t, got[0].Data, "plain.1@workshops")

	starttls := smtptest.Start(t, smtptest.Options{StartTLS: true, Username: "council", Password: "p@ss word"})
	if err := newSMTP(t, "smtp://council:p%40ss%20word@"+starttls.Addr, starttls).Send(ctx, message("starttls.1@workshops")); err != nil {
		t.Fatal(err)
	}
	if got := starttls.Wait(t, 1, 5*time.Second); !got[0].TLS {
		t.Error("smtp:// sent without TLS")
	}

	implicit := smtptest.Start(t, smtptest.Options{ImplicitTLS: true})
	if err := newSMTP(t, "smtps://"+implicit.Addr, implicit).Send(ctx, message("smtps.1@workshops")); err != nil {
		t.Fatal(err)
	}
	if got := implicit.Wait(t, 1, 5*time.Second); !got[0].TLS {
		t.Error("smtps:// sent without TLS")
	}

	// smtp:// never falls back to plain text when the server offers no STARTTLS.
	noTLS := smtptest.Start(t, smtptest.Options{})
	err := newSMTP(t, "smtp://"+noTLS.Addr, noTLS).Send(ctx, message("refused.1@workshops"))
	if err == nil || len(noTLS.Messages()) != 0 {
		t.Fatalf("smtp:// to a server without STARTTLS: err %v, %d delivered", err, len(noTLS.Messages()))
	}
	if !errors.Is(err, notify.ErrServerDown) {
		t.Errorf("err %v is not ErrServerDown", err)
	}

	// A wrong password is not accepted, and is never echoed.
	_, err = mailer.NewSMTP(mailer.SMTPConfig{URL: "smtp+plain://user:hunter2@" + plain.Addr, From: from})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("credentials over smtp+plain: %v", err)
	}
	for _, bad := range []string{"http://x", "smtp://", "smtp://host:99999", "::"} {
		if _, err := mailer.NewSMTP(mailer.SMTPConfig{URL: bad, From: from}); err == nil {
			t.Errorf("SMTP_URL %q accepted", bad)
		}
	}
	if _, err := mailer.NewSMTP(mailer.SMTPConfig{URL: "smtp+plain://" + plain.Addr, From: "not an address"}); err == nil {
		t.Error("bad MAIL_FROM accepted")
	}
}

func TestSMTPReusesConnectionsAndRedials(t *testing.T) {
	ctx := context.Background()
	srv := smtptest.Start(t, smtptest.Options{})
	m := newSMTP(t, "smtp+plain://"+srv.Addr, srv)
	for i := range 5 {
		if err := m.Send(ctx, message("reuse."+string(rune('a'+i))+"@workshops")); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Sessions(); n != 1 {
		t.Errorf("%d connections for 5 messages sent one after another, want 1", n)
	}
	// The server goes away and comes back: the idle connection is dead,
	// and the next message goes through on a new one.
	srv.Stop()
	srv.Restart(t)
	if err := m.Send(ctx, message("after-restart@workshops")); err != nil {
		t.Fatalf("send after the server restarted: %v", err)
	}
	srv.Wait(t, 6, 5*time.Second)
}

func TestSMTPRecipientRefusedIsPermanent(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	srv.Reject("zoe@example.org")
	err := newSMTP(t, "smtp+plain://"+srv.Addr, srv).Send(context.Background(), message("rejected@workshops"))
	if !notify.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent", err)
	}
	if strings.Contains(err.Error(), "zoe") || !strings.Contains(err.Error(), "550") {
		t.Errorf("error %q should give the code and not the address", err)
	}
}

func TestSMTPServerDown(t *testing.T) {
	srv := smtptest.Reserve(t, smtptest.Options{})
	err := newSMTP(t, "smtp+plain://"+srv.Addr, srv).Send(context.Background(), message("down@workshops"))
	if !errors.Is(err, notify.ErrServerDown) || notify.IsPermanent(err) {
		t.Errorf("err = %v, want ErrServerDown, not permanent", err)
	}
}

func TestBuildRefusesHeaderInjection(t *testing.T) {
	a, _ := mail.ParseAddress(from)
	for _, mod := range []func(*notify.Message){
		func(m *notify.Message) { m.To.Name = "Eve\r\nBcc: mallory@example.com" },
		func(m *notify.Message) { m.To.Address = "eve@example.org\r\nBcc: mallory@example.com" },
		func(m *notify.Message) { m.Subject = "Hi\r\nBcc: mallory@example.com" },
		func(m *notify.Message) { m.MessageID = "x@y>\r\nBcc: <mallory@example.com" },
		func(m *notify.Message) { m.Method = "REQUEST\r\nX: y" },
	} {
		msg := message("inject@workshops")
		mod(msg)
		if _, err := mailer.Build(a, msg); !notify.IsPermanent(err) {
			t.Errorf("accepted %+v: %v", msg, err)
		}
	}
}

func TestDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	d, err := mailer.NewDir(dir, from)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 { // a resend of the same message is a file of its own, so duplicates show
		if err := d.Send(ctx, message("booking_confirmed.7.0.ab/c@workshops")); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if want := []string{"booking_confirmed.7.0.ab_c@workshops-2.eml", "booking_confirmed.7.0.ab_c@workshops-3.eml",
		"booking_confirmed.7.0.ab_c@workshops.eml"}; !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	raw, err := os.ReadFile(files[2])
	if err != nil {
		t.Fatal(err)
	}
	checkMIME(t, raw, "booking_confirmed.7.0.ab/c@workshops")

	mm, err := mailer.New("", dir, from)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := mm.(*mailer.Dir); !ok {
		t.Errorf("New without SMTP_URL gave %T", mm)
	}
}

package mailer_test

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"testing"

	"github.com/coventry/workshops/notify"
	"github.com/coventry/workshops/notify/mailer"
)

// FuzzBuild: whatever the name, address, subject and Message-ID, the
// message written has headers with no line that is not a header or a
// folded continuation, exactly one To, Subject and Message-ID, and a
// subject and recipient that decode back to what was given.
func FuzzBuild(f *testing.F) {
	for _, s := range [][4]string{
		{"Ann Lee", "ann@example.org", "Your place at One Coventry Plan", "booking.1.0.abc@workshops"},
		{"Zoë \"Z\" O'Neill", "zoe@example.org", "=?utf-8?q?Bcc:_x@example.org?=", "a@b"},
		{"=?utf-8?q?Ann=0D=0ABcc:_x@example.org?=", "ann@example.org", "s", "id@x"},
		{"Ann\r\nBcc: x@example.org", "ann@example.org", "s", "id@x"},
		{"Ann", "ann@example.org\nBcc: x@example.org", "s", "id@x"},
		{"Ann", "ann@example.org", "Subject\u2028Bcc: x@example.org", "id@x"},
		{"A, B <c>", "ann@example.org", strings.Repeat("long ", 40), "id>\r\nBcc: x@y"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	from := &mail.Address{Name: "Workshops", Address: "workshops@example.org"}
	f.Fuzz(func(t *testing.T, name, addr, subject, id string) {
		m := &notify.Message{MessageID: id, To: mail.Address{Name: name, Address: addr}, Subject: subject,
			Text: "text", HTML: "<p>html</p>"}
		msg, err := mailer.Build(from, m)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if _, err := msg.WriteTo(&buf); err != nil {
			return // go-mail refuses some addresses when writing
		}
		head, _, ok := bytes.Cut(buf.Bytes(), []byte("\r\n\r\n"))
		if !ok {
			t.Fatalf("no end of headers:\n%s", buf.Bytes())
		}
		count := map[string]int{}
		for _, l := range strings.Split(string(head), "\r\n") {
			if strings.ContainsAny(l, "\r\n") {
				t.Fatalf("a bare CR or LF in the headers: %q", l)
			}
			if l != "" && (l[0] == ' ' || l[0] == '\t') {
				continue // a folded continuation
			}
			k, _, ok := strings.Cut(l, ":")
			if !ok || k == "" || strings.ContainsAny(k, " \t") {
				t.Fatalf("a header line that is not a header: %q\n%s", l, head)
			}
			count[strings.ToLower(k)]++
		}
		for _, k := range []string{"to", "subject", "message-id", "from"} {
			if count[k] != 1 {
				t.Fatalf("%d %s headers:\n%s", count[k], k, head)
			}
		}
		if count["bcc"] != 0 || count["cc"] != 0 {
			t.Fatalf("a Cc or Bcc header:\n%s", head)
		}
		parsed, err := mail.ReadMessage(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("the message does not parse: %v\n%s", err, head)
		}
		dec := new(mime.WordDecoder)
		if got, err := dec.DecodeHeader(parsed.Header.Get("Subject")); err == nil && strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(subject), " ") {
			t.Fatalf("subject %q came back %q", subject, got)
		}
		to, err := parsed.Header.AddressList("To")
		if err == nil && (len(to) != 1 || to[0].Address != addr) {
			t.Fatalf("To %q came back %v", addr, to)
		}
	})
}

package smtptest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
)

// Part is one MIME part, its body decoded.
type Part struct {
	Header    mail.Header
	MediaType string
	Params    map[string]string
	Body      []byte
	Parts     []*Part
}

// Mail is a parsed message.
type Mail struct {
	Header mail.Header
	// RawHeader is the header block exactly as it arrived.
	RawHeader string
	Root      *Part
}

// Parse reads raw as a MIME message, failing the test on anything a mail
// client could not read.
func Parse(t testing.TB, raw []byte) *Mail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("smtptest: not a mail message: %v", err)
	}
	head := raw
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		head = raw[:i+2]
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Mail{Header: msg.Header, RawHeader: string(head), Root: parsePart(t, msg.Header, body)}
}

func parsePart(t testing.TB, h mail.Header, body []byte) *Part {
	t.Helper()
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("smtptest: Content-Type %q: %v", ct, err)
	}
	p := &Part{Header: h, MediaType: mt, Params: params}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			mp, err := r.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("smtptest: %s: %v", mt, err)
			}
			b, err := io.ReadAll(mp)
			if err != nil {
				t.Fatal(err)
			}
			p.Parts = append(p.Parts, parsePart(t, mail.Header(mp.Header), b))
		}
		return p
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		dec, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(body)))
		if err != nil {
			t.Fatalf("smtptest: base64 %s: %v", mt, err)
		}
		p.Body = dec
	case "quoted-printable":
		dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil {
			t.Fatalf("smtptest: quoted-printable %s: %v", mt, err)
		}
		p.Body = dec
	default:
		p.Body = body
	}
	return p
}

// Find returns the first part of media type mt, depth first, or nil.
func (p *Part) Find(mt string) *Part {
	if p.MediaType == mt {
		return p
	}
	for _, c := range p.Parts {
		if f := c.Find(mt); f != nil {
			return f
		}
	}
	return nil
}

// Text returns the decoded body of the first part of type mt, or "".
func (m *Mail) Text(mt string) string {
	if p := m.Root.Find(mt); p != nil {
		return string(p.Body)
	}
	return ""
}

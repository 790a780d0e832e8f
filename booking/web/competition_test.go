package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coventry/workshops/competition"
)

// The poster competition through the real router: entries with their
// posters, the checks an untrusted upload must pass, and a parent's or
// carer's confirmation of an entry from a child under 13.

// entryForm is an entry as the API takes it.
type entryForm struct {
	fields   map[string]string
	filename string
	fileType string
	file     []byte
}

func newEntry(file []byte, filename, fileType string) entryForm {
	return entryForm{
		fields:   map[string]string{"first_name": "Amara", "age": "14", "area": "foleshill", "title": "A greener city"},
		filename: filename, fileType: fileType, file: file,
	}
}

func (f entryForm) body() ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range f.fields {
		_ = w.WriteField(k, v)
	}
	if f.file != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+f.filename+`"`)
		h.Set("Content-Type", f.fileType)
		part, _ := w.CreatePart(h)
		_, _ = part.Write(f.file)
	}
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func (in *instance) enter(f entryForm) response {
	in.env.t.Helper()
	body, ct := f.body()
	return in.do(http.MethodPost, "/api/v1/competition/entries", body, "Content-Type", ct)
}

// picture is a small drawing with some detail, so that re-encoding has
// something to keep.
func picture(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 120, 255})
		}
	}
	return img
}

func pngOf(t testing.TB, img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegOf(t testing.TB, img image.Image) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gpsLatitude is Coventry's latitude as an EXIF GPS block writes it:
// three rationals, 52/1 24/1 3012/100, in big-endian order.
var gpsLatitude = []byte{0, 0, 0, 52, 0, 0, 0, 1, 0, 0, 0, 24, 0, 0, 0, 1, 0, 0, 0x0b, 0xc4, 0, 0, 0, 100}

// withGPS puts an APP1 EXIF segment holding a GPS IFD (latitude reference
// and latitude) straight after the JPEG's start-of-image marker, as a
// phone does.
func withGPS(jpg []byte) []byte {
	var tiff bytes.Buffer
	be := binary.BigEndian
	tiff.WriteString("MM\x00\x2a")
	_ = binary.Write(&tiff, be, uint32(8)) // IFD0 at 8
	// IFD0: one entry, GPSInfo (0x8825) LONG pointing at the GPS IFD at 26.
	_ = binary.Write(&tiff, be, uint16(1))
	_ = binary.Write(&tiff, be, []uint16{0x8825, 4})
	_ = binary.Write(&tiff, be, []uint32{1, 26})
	_ = binary.Write(&tiff, be, uint32(0))
	// GPS IFD at 26: GPSLatitudeRef "N", GPSLatitude at 56.
	_ = binary.Write(&tiff, be, uint16(2))
	_ = binary.Write(&tiff, be, []uint16{1, 2})
	_ = binary.Write(&tiff, be, uint32(2))
	tiff.WriteString("N\x00\x00\x00")
	_ = binary.Write(&tiff, be, []uint16{2, 5})
	_ = binary.Write(&tiff, be, []uint32{3, 56})
	_ = binary.Write(&tiff, be, uint32(0))
	tiff.Write(gpsLatitude)
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xff, 0xe1)
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// pngHeader is the start of a PNG claiming w × h pixels: the signature,
// a valid IHDR, a tiny IDAT and IEND. A decoder that trusted it would
// allocate w × h × 4 bytes.
func pngHeader(w, h uint32) []byte {
	chunk := func(typ string, data []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		out = append(out, typ...)
		out = append(out, data...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, chunk("IEND", nil)...)
}

// zipBomb is a small zip archive that inflates to 64 MB of zeros.
func zipBomb(t testing.TB) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, err := zw.Create("poster.png")
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range 64 {
		_, _ = f.Write(zeros)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// storedEntries counts the entries and the emails about them.
func (e *env) storedEntries() (entries, emails int) {
	e.t.Helper()
	ctx := context.Background()
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM competition_entries`).Scan(&entries); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE kind = 'competition_guardian'`).Scan(&emails); err != nil {
		e.t.Fatal(err)
	}
	return entries, emails
}

func (in *instance) storedImage(reference string) response {
	in.env.t.Helper()
	r := in.admin(http.MethodGet, "/api/v1/admin/competition/entries/"+reference+"/image", nil)
	if r.status != http.StatusOK {
		in.env.t.Fatalf("image: %d %s", r.status, r.body)
	}
	if r.header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(r.header.Get("Content-Type"), "image/") {
		in.env.t.Fatalf("image served with Content-Type %q, X-Content-Type-Options %q", r.header.Get("Content-Type"), r.header.Get("X-Content-Type-Options"))
	}
	return r
}

func entered(t *testing.T, r response) string {
	t.Helper()
	if r.status != http.StatusCreated {
		t.Fatalf("entry: %d %s", r.status, r.body)
	}
	var out struct{ Reference, Status string }
	if err := json.Unmarshal(r.body, &out); err != nil || out.Reference == "" {
		t.Fatalf("entry answer %s: %v", r.body, err)
	}
	return out.Reference
}

func TestPosterJPEGLosesItsGPSLocation(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	upload := withGPS(jpegOf(t, picture(640, 480)))
	if !bytes.Contains(upload, gpsLatitude) {
		t.Fatal("fixture has no GPS block")
	}
	if _, err := jpeg.Decode(bytes.NewReader(upload)); err != nil {
		t.Fatalf("fixture is not a JPEG a decoder reads: %v", err)
	}
	ref := entered(t, in.enter(newEntry(upload, "IMG_0001.jpg", "image/jpeg")))

	got := in.storedImage(ref)
	if ct := got.header.Get("Content-Type"); ct != "image/jpeg" {
		t.Errorf("Content-Type %q, want image/jpeg", ct)
	}
	if bytes.Contains(got.body, []byte("Exif\x00\x00")) || bytes.Contains(got.body, gpsLatitude) {
		t.Error("the stored image still holds the EXIF GPS block")
	}
	img, err := jpeg.Decode(bytes.NewReader(got.body))
	if err != nil {
		t.Fatalf("stored image: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 480 {
		t.Errorf("stored image is %v, want 640×480", b)
	}
	thumb := in.admin(http.MethodGet, "/api/v1/admin/competition/entries/"+ref+"/thumbnail", nil)
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(thumb.body)); err != nil || cfg.Width > 320 || cfg.Height > 320 {
		t.Errorf("thumbnail: %+v %v", cfg, err)
	}
}

func TestPosterPNGLosesBytesAfterIEND(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	trailer := []byte("<script>alert('hidden')</script>PK\x03\x04hidden-archive")
	upload := append(pngOf(t, picture(300, 200)), trailer...)
	ref := entered(t, in.enter(newEntry(upload, "poster.png", "image/png")))

	got := in.storedImage(ref)
	if ct := got.header.Get("Content-Type"); ct != "image/png" {
		t.Errorf("Content-Type %q, want image/png", ct)
	}
	if bytes.Contains(got.body, []byte("hidden")) {
		t.Error("the stored image still holds the bytes after IEND")
	}
	iend := []byte{0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82}
	if !bytes.HasSuffix(got.body, iend) {
		t.Errorf("the stored image does not end at IEND: ...%q", got.body[max(0, len(got.body)-20):])
	}
	if _, err := png.Decode(bytes.NewReader(got.body)); err != nil {
		t.Errorf("stored image: %v", err)
	}
}

func TestPosterPDFIsDrawnAsAnImage(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	// The template people print, sent back as their poster.
	tmpl := in.page("/competition/poster-template.pdf")
	if tmpl.status != http.StatusOK || tmpl.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(tmpl.body, []byte("%PDF-")) {
		t.Fatalf("poster template: %d %q", tmpl.status, tmpl.header.Get("Content-Type"))
	}
	ref := entered(t, in.enter(newEntry(tmpl.body, "poster.pdf", "application/pdf")))
	got := in.storedImage(ref)
	cfg, err := png.DecodeConfig(bytes.NewReader(got.body))
	if err != nil {
		t.Fatalf("a PDF poster is stored as %q: %v", got.header.Get("Content-Type"), err)
	}
	// A4 portrait, drawn 2000 pixels tall.
	if cfg.Height != 2000 || cfg.Width < 1400 || cfg.Width > 1420 {
		t.Errorf("rendered page is %d×%d, want about 1414×2000", cfg.Width, cfg.Height)
	}
	if bytes.Contains(got.body, []byte("%PDF")) {
		t.Error("the PDF itself was kept")
	}
}

// TestPosterUploadsRefused sends files that must never be kept: each is
// refused with a 4xx naming the file, and nothing is stored.
func TestPosterUploadsRefused(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	sixteenMB := append(pngOf(t, picture(10, 10)), make([]byte, 16<<20)...)
	for _, c := range []struct {
		name, filename, fileType string
		file                     []byte
		status                   int
		code                     string
	}{
		{"HTML named .png", "poster.png", "image/png",
			[]byte("<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"), 422, "invalid"},
		{"SVG", "poster.svg", "image/svg+xml",
			[]byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`), 422, "invalid"},
		{"SVG named .png", "poster.png", "image/png",
			[]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), 422, "invalid"},
		{"40,000 × 40,000 PNG header", "huge.png", "image/png", pngHeader(40000, 40000), 422, "invalid"},
		{"1 × 30,000,000 PNG header", "strip.png", "image/png", pngHeader(1, 30_000_000), 422, "invalid"},
		{"zip bomb named .png", "poster.png", "image/png", zipBomb(t), 422, "invalid"},
		{"empty file", "poster.jpg", "image/jpeg", []byte{}, 422, "invalid"},
		{"PDF that does not parse", "poster.pdf", "application/pdf", []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage"), 422, "invalid"},
		{"JPEG header with nothing after", "poster.jpg", "image/jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), 422, "invalid"},
		{"16 MB file", "poster.png", "image/png", sixteenMB, 413, "too_large"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := in.enter(newEntry(c.file, c.filename, c.fileType))
			if r.status != c.status || r.errorCode() != c.code {
				t.Fatalf("answered %d %s, want %d %s", r.status, r.body, c.status, c.code)
			}
			fields := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
			if msg, _ := fields["file"].(string); msg == "" {
				t.Errorf("the error does not name the file: %s", r.body)
			}
			if n, m := e.storedEntries(); n != 0 || m != 0 {
				t.Errorf("%d entries and %d emails stored after a refused upload", n, m)
			}
		})
	}
}

func TestPosterEntryFieldsChecked(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	poster := pngOf(t, picture(40, 30))

	adult := newEntry(poster, "p.png", "image/png")
	adult.fields["age"] = "18"
	r := in.enter(adult)
	if r.status != 422 || !strings.Contains(string(r.body), `"age"`) {
		t.Errorf("an 18-year-old's entry: %d %s", r.status, r.body)
	}

	young := newEntry(poster, "p.png", "image/png")
	young.fields["age"] = "9"
	r = in.enter(young)
	if r.status != 422 || !strings.Contains(string(r.body), `"guardian_email"`) {
		t.Errorf("an under-13's entry without a parent's address: %d %s", r.status, r.body)
	}

	bad := newEntry(nil, "", "")
	bad.fields = map[string]string{"first_name": "Sam\r\nBcc: x@example.com", "age": "12", "area": "atlantis", "title": ""}
	r = in.enter(bad)
	fields, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
	for _, f := range []string{"first_name", "area", "title", "guardian_email", "file"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("field %s not named: %s", f, r.body)
		}
	}

	r = in.do(http.MethodPost, "/api/v1/competition/entries", map[string]any{"first_name": "Sam"})
	if r.status != 422 || r.errorCode() != "invalid" {
		t.Errorf("a JSON entry: %d %s", r.status, r.body)
	}
	if n, m := e.storedEntries(); n != 0 || m != 0 {
		t.Errorf("%d entries and %d emails stored after refused entries", n, m)
	}
}

func TestPosterEntriesCloseAtTheClosingDate(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	e.clock.Advance(competitionOpenFor)
	r := in.enter(newEntry(pngOf(t, picture(40, 30)), "p.png", "image/png"))
	if r.status != http.StatusConflict || r.errorCode() != "conflict" {
		t.Errorf("an entry after the closing date: %d %s", r.status, r.body)
	}
}

// TestUnder13EntryCountsOnlyOnceConfirmed: the entry of a child under 13
// waits for the emailed link; until then the judges neither see nor score
// it, and it can never win.
func TestUnder13EntryCountsOnlyOnceConfirmed(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	f := newEntry(pngOf(t, picture(40, 30)), "p.png", "image/png")
	f.fields["age"], f.fields["first_name"], f.fields["guardian_email"] = "9", "Leo", "Parent@Example.org"
	r := in.enter(f)
	ref := entered(t, r)
	if !strings.Contains(string(r.body), `"awaiting_guardian"`) {
		t.Fatalf("status: %s", r.body)
	}

	judged := func() []any {
		r := in.admin(http.MethodGet, "/api/v1/admin/competition/entries?status=entered", nil)
		return r.json(t)["entries"].([]any)
	}
	if n := len(judged()); n != 0 {
		t.Errorf("the judges see %d entries before the parent confirmed", n)
	}
	if r := in.admin(http.MethodPatch, "/api/v1/admin/competition/entries/"+ref, map[string]any{"winner": true}); r.status != http.StatusConflict {
		t.Errorf("making an unconfirmed entry a winner: %d %s", r.status, r.body)
	}

	// The email to the parent, with its one-time link.
	var to, link string
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT payload->>'to', payload->>'url' FROM outbox
		WHERE kind = 'competition_guardian'`).Scan(&to, &link); err != nil {
		t.Fatal(err)
	}
	if to != "Parent@Example.org" || !strings.HasPrefix(link, "http://test.example/competition/confirm/") {
		t.Fatalf("guardian email to %q with link %q", to, link)
	}
	u, _ := url.Parse(link)

	// Opening the link changes nothing (mail scanners open links); the
	// button on its page confirms.
	res := in.browse(http.MethodGet, u.Path, "")
	if res.status != http.StatusOK || len(judged()) != 0 {
		t.Fatalf("opening the link: %d; entries counted: %d", res.status, len(judged()))
	}
	res = in.browse(http.MethodPost, u.Path, "")
	if res.status != http.StatusOK {
		t.Fatalf("confirming: %d %s", res.status, res.body)
	}
	if n := len(judged()); n != 1 {
		t.Errorf("the judges see %d entries after the parent confirmed, want 1", n)
	}
	if res := in.browse(http.MethodPost, u.Path, ""); res.status != http.StatusNotFound {
		t.Errorf("the link used twice: %d", res.status)
	}
	if r := in.admin(http.MethodPatch, "/api/v1/admin/competition/entries/"+ref, map[string]any{"winner": true, "score": 9}); r.status != http.StatusOK {
		t.Errorf("judging the confirmed entry: %d %s", r.status, r.body)
	}
}

// page sends a browser's form post (or GET) to a page route.
func (in *instance) browse(method, path, form string) response {
	in.env.t.Helper()
	var body *strings.Reader
	if form != "" || method == http.MethodPost {
		body = strings.NewReader(form)
	}
	var req *http.Request
	if body != nil {
		req = httptest.NewRequest(method, path, body)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	w := httptest.NewRecorder()
	in.handler.ServeHTTP(w, req)
	return response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

func TestPosterJudgingIsAuditedAndWinnersShownOnlyOncePublished(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	ref := entered(t, in.enter(newEntry(pngOf(t, picture(40, 30)), "p.png", "image/png")))
	if r := in.admin(http.MethodPatch, "/api/v1/admin/competition/entries/"+ref, map[string]any{"score": 11}); r.status != 422 {
		t.Errorf("a score of 11: %d %s", r.status, r.body)
	}
	if r := in.admin(http.MethodPatch, "/api/v1/admin/competition/entries/"+ref, map[string]any{"shortlisted": true, "score": 7, "winner": true}); r.status != 200 {
		t.Fatalf("judging: %d %s", r.status, r.body)
	}
	winners := func() map[string]any { return in.do(http.MethodGet, "/api/v1/competition/winners", nil).json(t) }
	if w := winners(); w["published"] != false || len(w["winners"].([]any)) != 0 {
		t.Errorf("winners before publishing: %v", w)
	}
	if r := in.admin(http.MethodPost, "/api/v1/admin/competition/winners", map[string]any{"published": true}); r.status != 200 {
		t.Fatalf("publishing: %d %s", r.status, r.body)
	}
	w := winners()["winners"].([]any)
	if len(w) != 1 || len(w[0].(map[string]any)) != 3 || w[0].(map[string]any)["first_name"] != "Amara" || w[0].(map[string]any)["area"] != "Foleshill" {
		t.Errorf("published winners: %v", w)
	}
	log := in.admin(http.MethodGet, "/api/v1/admin/audit", nil)
	for _, action := range []string{"competition_entry.judge", "competition.winners_publish"} {
		if !strings.Contains(string(log.body), action) {
			t.Errorf("audit log has no %s: %s", action, log.body)
		}
	}
	if strings.Contains(string(log.body), "Amara") {
		t.Error("the audit log holds the child's name")
	}
	if r := in.admin(http.MethodDelete, "/api/v1/admin/competition/entries/"+ref, nil); r.status != http.StatusNoContent {
		t.Fatalf("erasing: %d %s", r.status, r.body)
	}
	if n, _ := e.storedEntries(); n != 0 {
		t.Errorf("%d entries after erasing", n)
	}
	if !strings.Contains(string(in.admin(http.MethodGet, "/api/v1/admin/audit", nil).body), "competition_entry.erase") {
		t.Error("erasing is not in the audit log")
	}
}

// TestPosterEntriesRetention: an under-13's entry not agreed to within 7
// days is deleted with its email; a parent can remove one by reference and
// address; the people export and erasure of the address take in entries.
func TestPosterEntriesRetention(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	young := func(email string) string {
		f := newEntry(pngOf(t, picture(40, 30)), "p.png", "image/png")
		f.fields["age"], f.fields["guardian_email"] = "10", email
		return entered(t, in.enter(f))
	}
	first := young("carer@example.org")
	posters, _ := competition.NewPosters(1)
	svc := &competition.Service{Store: e.db, Posters: posters, Clock: e.clock, ClosesAt: e.clock.Now().Add(competitionOpenFor)}

	e.clock.Advance(competition.GuardianWait - time.Hour)
	second := young("Carer@Example.org")
	if n, err := svc.RunRetention(context.Background(), e.clock.Now()); err != nil || n != 0 {
		t.Fatalf("retention within 7 days removed %d: %v", n, err)
	}
	e.clock.Advance(time.Hour)
	if n, err := svc.RunRetention(context.Background(), e.clock.Now()); err != nil || n != 1 {
		t.Fatalf("retention after 7 days removed %d, want 1: %v", n, err)
	}
	if r := in.admin(http.MethodGet, "/api/v1/admin/competition/entries/"+first, nil); r.status != 404 {
		t.Errorf("the unconfirmed entry after 7 days: %d", r.status)
	}

	export := in.admin(http.MethodGet, "/api/v1/admin/people?email=carer@example.org", nil)
	if entries := export.json(t)["competition_entries"].([]any); len(entries) != 1 || entries[0].(map[string]any)["reference"] != second {
		t.Errorf("the export of the carer's address: %s", export.body)
	}

	if r := in.do(http.MethodPost, "/api/v1/competition/removals", map[string]any{"reference": second, "email": "someone@example.org"}); r.status != 404 {
		t.Errorf("removal with the wrong address: %d %s", r.status, r.body)
	}
	if r := in.do(http.MethodPost, "/api/v1/competition/removals", map[string]any{"reference": strings.ToLower(second), "email": "CARER@example.org"}); r.status != 204 {
		t.Errorf("removal by the carer: %d %s", r.status, r.body)
	}
	if n, m := e.storedEntries(); n != 0 || m != 0 {
		t.Errorf("%d entries and %d emails after removal", n, m)
	}

	third := young("carer@example.org")
	erased := in.admin(http.MethodDelete, "/api/v1/admin/people?email=carer@example.org", nil)
	if n := erased.json(t)["competition_entries_erased"]; n != float64(1) {
		t.Errorf("erasing the carer's address: %s", erased.body)
	}
	if r := in.admin(http.MethodGet, "/api/v1/admin/competition/entries/"+third, nil); r.status != 404 {
		t.Errorf("the entry after erasure: %d", r.status)
	}
}

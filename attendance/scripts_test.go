package attendance_test

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/coventry/workshops/attendance"
	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/internal/testenv"
)

// scriptNames are names as Coventry's residents write them, one or more
// in each script the sheet must print.
var scriptNames = []string{
	"李明 (Li Ming)",
	"محمد (Mohammed)",      // Arabic, with a Latin part: a right-to-left paragraph
	"فاطمة الزهراء",        // Arabic
	"عائشہ خان",            // Urdu (heh goal)
	"پرویز بھٹی",           // Urdu (peh, do-chashmi heh, tteh, farsi yeh)
	"ਹਰਪ੍ਰੀਤ ਕੌਰ",          // Gurmukhi: a conjunct and vowel signs
	"प्रिया शर्मा",         // Devanagari: conjuncts, the i sign drawn before its consonant
	"Γιώργος Παπαδόπουλος", // Greek
	"Дмитрий Иванов",       // Cyrillic
	"ተስፋይ ገብረመድህን",         // Tigrinya in Ge'ez
	"Zoë Ní Bhriain",       // Latin with diacritics
	"Nguyễn Thị Minh Khai", // stacked diacritics
	"Łukasz Żółkiewski-Brzęczyszczykiewicz",
	"Anna-Louise Featherstonehaugh-Wolstenholme-Fotheringham of Little Heath and Radford",
}

// sheetFonts are the fonts the service reads, from SHEET_FONT_DIR or
// Debian's directory; all must be there.
func sheetFonts(t testing.TB) *attendance.Fonts {
	t.Helper()
	dir := os.Getenv("SHEET_FONT_DIR")
	if dir == "" {
		dir = attendance.DefaultFontDir
	}
	f, err := attendance.LoadFonts(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Missing) > 0 {
		t.Fatalf("fonts missing: %v (apt-get install %s, or make sheet-fonts)", f.Missing, attendance.FontPackages)
	}
	return f
}

// sheetOf is the sign-in sheet of names, everyone in person.
func sheetOf(names []string) (*attendance.Sheet, *booking.AttendanceList) {
	l := list(len(names))
	for i, n := range names {
		l.Attendees[i].Name = n
		l.Attendees[i].Mode = booking.InPerson
	}
	l.Counts = booking.CountAttendance(l.Attendees)
	return attendance.NewSheet("Coventry City Council", l, start), l
}

// bidiMarks are what pdftotext puts round right-to-left words.
var bidiMarks = strings.NewReplacer("\u202a", "", "\u202b", "", "\u202c", "", "\u202d", "", "\u202e", "", "\u200e", "", "\u200f", "")

func isRTL(r rune) bool { return unicode.In(r, unicode.Arabic, unicode.Hebrew) }

// TestWritePDFEveryScript: a name in any of the scripts people write
// theirs in is drawn with real glyphs (none is .notdef, glyph 0) of a
// font embedded as a small subset, and pdftotext gives it back.
func TestWritePDFEveryScript(t *testing.T) {
	sh, _ := sheetOf(scriptNames)
	// Access needs too long for the list: printed in full after it, under
	// the name in bold.
	for i, r := range sh.Sections[0].Rows {
		if strings.ContainsAny(r.Name, "李ਹمप") {
			sh.Sections[0].Rows[i].AccessNeeds = strings.Repeat("A hearing loop and a seat near the front, please. ", 20)
		}
	}
	var buf bytes.Buffer
	if err := attendance.WritePDF(&buf, sh, sheetFonts(t)); err != nil {
		t.Fatal(err)
	}
	pdf := buf.Bytes()
	if out := os.Getenv("SHEET_PDF_OUT"); out != "" { // to look at: pdftoppm -png -r 100
		if err := os.WriteFile(out, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	glyphs := pdfGlyphs(t, pdf)
	if len(glyphs) < 500 {
		t.Fatalf("only %d glyphs found in the PDF's text", len(glyphs))
	}
	used := map[string]bool{}
	for _, g := range glyphs {
		if g.gid == 0 {
			t.Errorf("font %s shows character ID %d as .notdef (glyph 0)", g.font, g.cid)
		}
		used[g.font[strings.IndexByte(g.font, '+')+1:]] = true
	}
	for _, f := range []string{"DejaVuSansCondensed", "NotoNaskhArabic-Regular", "NotoSansGurmukhi-Regular",
		"NotoSansDevanagari-Regular", "NotoSansEthiopic-Regular", "DroidSansFallbackFull",
		"DejaVuSansCondensed-Bold", "NotoNaskhArabic-Bold", "NotoSansGurmukhi-Bold", "NotoSansDevanagari-Bold"} {
		if !used[f] {
			t.Errorf("no text in %s; fonts used: %v", f, used)
		}
	}
	// The fonts together are 7 MB; the glyphs used, a few hundred KB.
	if len(pdf) > 400<<10 {
		t.Errorf("the PDF is %d KiB: are the fonts subset?", len(pdf)>>10)
	}

	// -raw: in the order drawn, each cell's lines together, and hyphens
	// at the ends of lines kept.
	text := bidiMarks.Replace(testenv.PDFText(t, pdf, "-raw"))
	flat := strings.Join(strings.Fields(text), "")
	words := map[string]bool{}
	for _, w := range strings.Fields(text) {
		words[w] = true
	}
	for _, name := range scriptNames {
		if !strings.ContainsFunc(name, isRTL) {
			// Wrapped names lose the space at the break.
			if !strings.Contains(flat, strings.Join(strings.Fields(name), "")) {
				t.Errorf("pdftotext lacks %q", name)
			}
			continue
		}
		// pdftotext puts each right-to-left word in its letters' order, but
		// a line mixing directions in the order it is drawn.
		for _, w := range strings.Fields(name) {
			if !words[w] {
				t.Errorf("pdftotext lacks the word %q of %q", w, name)
			}
		}
	}
	if !strings.Contains(bidiMarks.Replace(testenv.PDFText(t, pdf)), "عائشہ خان") {
		t.Errorf("pdftotext does not give back the Urdu name in its order")
	}
}

// TestWritePDFWrapsAtWords: a name too long for its cell goes on to the
// next line between words (or after a hyphen), never inside one; a word
// longer than a whole line is the only one broken, and only as it must.
func TestWritePDFWrapsAtWords(t *testing.T) {
	long := "Anna-Louise Featherstonehaugh-Wolstenholme-Fotheringham of Little Heath and Radford"
	word := "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaft"
	sh, _ := sheetOf([]string{long, word})
	var buf bytes.Buffer
	if err := attendance.WritePDF(&buf, sh, sheetFonts(t)); err != nil {
		t.Fatal(err)
	}
	raw := testenv.PDFText(t, buf.Bytes(), "-raw")
	var segments []string
	for _, tok := range strings.Fields(raw) {
		segments = append(segments, strings.Split(tok, "-")...)
	}
	for _, part := range strings.FieldsFunc(long, func(r rune) bool { return r == ' ' || r == '-' }) {
		if !slices.Contains(segments, part) {
			t.Errorf("%q is broken across lines:\n%s", part, raw)
		}
	}
	if !strings.Contains(strings.Join(strings.Fields(raw), ""), word) {
		t.Errorf("the long word is not all there:\n%s", raw)
	}
	if slices.Contains(strings.Fields(raw), word) {
		t.Errorf("a word longer than the name column is on one line")
	}
	var pieces int
	for _, tok := range strings.Fields(raw) {
		if len(tok) > 3 && strings.Contains(word, tok) {
			pieces++
		}
	}
	if pieces != 3 { // 62 letters: two full lines and a bit
		t.Errorf("the long word is in %d pieces, want 3:\n%s", pieces, raw)
	}
}

// TestWritePDFFontsMissing: without the font directory the sheet still
// prints, Latin in DejaVu, and the names it cannot draw show as .notdef,
// which the glyph check sees.
func TestWritePDFFontsMissing(t *testing.T) {
	f, err := attendance.LoadFonts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Missing) != 11 {
		t.Errorf("%d fonts missing, want 11: %v", len(f.Missing), f.Missing)
	}
	sh, l := sheetOf([]string{"李明 (Li Ming)", "Zoë Ní Bhriain"})
	var buf bytes.Buffer
	if err := attendance.WritePDF(&buf, sh, f); err != nil {
		t.Fatal(err)
	}
	checkSheetPDF(t, buf.Bytes(), l)
	notdef := 0
	for _, g := range pdfGlyphs(t, buf.Bytes()) {
		if g.gid == 0 {
			notdef++
		}
	}
	if notdef != 2 {
		t.Errorf("%d glyphs are .notdef, want 2 (李明)", notdef)
	}
}

// TestWritePDFSharedFonts: the service parses the fonts once and every
// request's sheet uses them at the same time (go test -race).
func TestWritePDFSharedFonts(t *testing.T) {
	fonts := sheetFonts(t)
	sh, _ := sheetOf(scriptNames)
	var want bytes.Buffer
	if err := attendance.WritePDF(&want, sh, fonts); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			var buf bytes.Buffer
			err := attendance.WritePDF(&buf, sh, fonts)
			if err == nil && !bytes.Equal(buf.Bytes(), want.Bytes()) {
				err = fmt.Errorf("a sheet made alongside others differs from one made alone")
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

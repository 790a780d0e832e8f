package attendance

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/go-text/typesetting/font"
)

func loadedFonts(t *testing.T) *Fonts {
	t.Helper()
	dir := os.Getenv("SHEET_FONT_DIR")
	if dir == "" {
		dir = DefaultFontDir
	}
	f, err := LoadFonts(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Missing) > 0 {
		t.Fatalf("fonts missing: %v (apt-get install %s)", f.Missing, FontPackages)
	}
	return f
}

// TestShaping: the shaper, not a character-by-character lookup, chooses
// the glyphs: Arabic letters take their joining forms and run right to
// left, a Devanagari or Gurmukhi i sign is drawn before the consonant it
// follows in the text, and a conjunct is fewer glyphs than characters.
func TestShaping(t *testing.T) {
	ts := newTypesetter(loadedFonts(t))
	st := style{size: textSize}
	glyphsOf := func(text string) (gids []font.GID, name string) {
		l := ts.oneLine(text, st)
		for _, r := range l.runs {
			for _, g := range r.Glyphs {
				if g.GlyphID == 0 {
					t.Errorf("%q: .notdef in %s", text, ts.fontOf[r.Face].name)
				}
				gids = append(gids, g.GlyphID)
			}
			name = ts.fontOf[r.Face].name
		}
		return gids, name
	}
	nominal := func(name string, r rune) font.GID {
		for _, sf := range ts.fonts.regular {
			if sf.name == name {
				g, _ := sf.font.NominalGlyph(r)
				return g
			}
		}
		t.Fatalf("no font %s", name)
		return 0
	}

	// محمد: four letters joined, drawn from the right: the last letter
	// (dal, final form) comes first, and no letter keeps its lone form.
	gids, name := glyphsOf("محمد")
	if name != "NotoNaskhArabic-Regular" || len(gids) != 4 {
		t.Fatalf("محمد: %d glyphs in %s", len(gids), name)
	}
	for i, r := range []rune("دمحم") {
		if gids[i] == nominal(name, r) {
			t.Errorf("محمد: glyph %d is %q on its own, not joined", i, r)
		}
	}

	for _, c := range []struct{ text, font string }{
		{"कि", "NotoSansDevanagari-Regular"},
		{"ਕਿ", "NotoSansGurmukhi-Regular"},
	} {
		gids, name := glyphsOf(c.text)
		r := []rune(c.text)
		// The i sign may be drawn by a variant glyph, as wide as the consonant.
		if name != c.font || len(gids) != 2 || gids[1] != nominal(name, r[0]) {
			t.Errorf("%q: glyphs %v in %s, want the i sign first", c.text, gids, name)
		}
	}
	if gids, _ := glyphsOf("प्र"); len(gids) >= 3 {
		t.Errorf("प्र is %d glyphs: no conjunct", len(gids))
	}
	if _, name := glyphsOf("李明"); name != "DroidSansFallbackFull" {
		t.Errorf("李明 in %s", name)
	}
	if _, name := glyphsOf("ተስፋይ"); name != "NotoSansEthiopic-Regular" {
		t.Errorf("ተስፋይ in %s", name)
	}
}

// TestWrapFits: every line fits its width, and no character is lost or
// added but the spaces at the breaks.
func TestWrapFits(t *testing.T) {
	ts := newTypesetter(loadedFonts(t))
	for _, text := range []string{
		"Anna-Louise Featherstonehaugh-Wolstenholme-Fotheringham of Little Heath and Radford",
		"Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaft",
		"محمد عبد الرحمن بن عبد الله (Mohammed Abdul Rahman)",
		"ਹਰਪ੍ਰੀਤ ਕੌਰ ਸੰਧੂ ਗਰੇਵਾਲ ਢਿੱਲੋਂ",
		"李明李明李明李明李明李明李明李明李明李明李明李明李明李明李明李明李明",
	} {
		for _, w := range []float64{20, 41.6} {
			lines := ts.wrap(text, style{size: textSize}, w)
			var got strings.Builder
			for _, l := range lines {
				if l.width > w+0.01 {
					t.Errorf("%q at %g mm: a line %.2f mm wide: %q", text, w, l.width, l.text)
				}
				got.WriteString(l.text)
			}
			if strings.Join(strings.Fields(got.String()), "") != strings.Join(strings.Fields(text), "") {
				t.Errorf("%q at %g mm: lines %q", text, w, got.String())
			}
		}
	}
}

// TestSubsetTrueType: the subset keeps the glyphs asked for, the parts of
// the composite ones and .notdef, empties the rest, and is still a font.
func TestSubsetTrueType(t *testing.T) {
	f, err := parseSheetFont("DejaVuSansCondensed", fontRegular, nil)
	if err != nil {
		t.Fatal(err)
	}
	glyph := func(data []byte, gid int) []byte {
		head, _ := tableOf(data, "head")
		loca, _ := tableOf(data, "loca")
		glyf, _ := tableOf(data, "glyf")
		if binary.BigEndian.Uint16(head[50:]) == 1 {
			return glyf[binary.BigEndian.Uint32(loca[4*gid:]):binary.BigEndian.Uint32(loca[4*gid+4:])]
		}
		return glyf[2*int(binary.BigEndian.Uint16(loca[2*gid:])) : 2*int(binary.BigEndian.Uint16(loca[2*gid+2:]))]
	}
	// A composite glyph among the Latin letters with accents.
	var composite int
	var parts []int
	for _, r := range "ǗǛǕŐŰ" {
		g, _ := f.font.NominalGlyph(r)
		if parts = components(glyph(fontRegular, int(g))); len(parts) > 0 {
			composite = int(g)
			break
		}
	}
	if composite == 0 {
		t.Fatal("no composite glyph found to test with")
	}
	a, _ := f.font.NominalGlyph('A')
	b, _ := f.font.NominalGlyph('B')
	sub, err := subsetTrueType(fontRegular, map[uint16]bool{uint16(composite): true, uint16(a): true})
	if err != nil {
		t.Fatal(err)
	}
	if len(sub) > len(fontRegular)/5 {
		t.Errorf("the subset is %d bytes of %d", len(sub), len(fontRegular))
	}
	for _, g := range append([]int{0, int(a), composite}, parts...) {
		if want := glyph(fontRegular, g); len(want) == 0 || !bytes.Equal(bytes.TrimRight(glyph(sub, g), "\x00"), bytes.TrimRight(want, "\x00")) {
			t.Errorf("glyph %d not kept", g)
		}
	}
	if len(glyph(sub, int(b))) != 0 {
		t.Error("glyph B kept, though not used")
	}
	// The tables a PDF renderer reads, the metrics as they were.
	for _, tag := range []string{"head", "hhea", "hmtx", "maxp", "cvt ", "fpgm", "prep"} {
		got, err1 := tableOf(sub, tag)
		want, err2 := tableOf(fontRegular, tag)
		if err1 != nil || err2 != nil || !bytes.Equal(got, want) {
			t.Errorf("table %q: %v, %v", tag, err1, err2)
		}
	}
}

package attendance

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
)

// The sign-in sheet's fonts. DejaVu Sans Condensed is built in (Latin,
// Greek, Cyrillic: the names most often booked), so a sheet always prints;
// the Noto fonts for the other scripts Coventry's residents write their
// names in, and a Chinese font, are read at start from a directory
// (SHEET_FONT_DIR, Debian's /usr/share/fonts/truetype by default, where the
// packages fonts-noto-core and fonts-droid-fallback put them) rather than
// built in: together they are 7 MB, most of it the Chinese font. The
// licence of DejaVu is in fonts/LICENSE; the others' are the Debian
// packages'.
var (
	//go:embed fonts/DejaVuSansCondensed.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSansCondensed-Bold.ttf
	fontBold []byte
)

// DefaultFontDir is where Debian installs TrueType fonts.
const DefaultFontDir = "/usr/share/fonts/truetype"

// FontPackages are the Debian packages holding sheetFontFiles.
const FontPackages = "fonts-noto-core fonts-droid-fallback"

// sheetFontFiles are the fonts read from the font directory, in the order
// a character not in DejaVu looks for one, each with the scripts it is the
// first choice for. Bold is "" where the family has none: bold text then
// uses the regular face.
var sheetFontFiles = []struct {
	regular, bold string
	scripts       []language.Script
}{
	{"noto/NotoSans-Regular.ttf", "noto/NotoSans-Bold.ttf", nil},
	// Naskh has the letters Urdu adds to Arabic's.
	{"noto/NotoNaskhArabic-Regular.ttf", "noto/NotoNaskhArabic-Bold.ttf", []language.Script{language.Arabic}},
	{"noto/NotoSansDevanagari-Regular.ttf", "noto/NotoSansDevanagari-Bold.ttf", []language.Script{language.Devanagari}},
	{"noto/NotoSansGurmukhi-Regular.ttf", "noto/NotoSansGurmukhi-Bold.ttf", []language.Script{language.Gurmukhi}},
	{"noto/NotoSansEthiopic-Regular.ttf", "noto/NotoSansEthiopic-Bold.ttf", []language.Script{language.Ethiopic}},
	// Noto's CJK fonts are CFF, which this package does not subset;
	// Droid Sans Fallback is TrueType.
	{"droid/DroidSansFallbackFull.ttf", "", []language.Script{language.Han, language.Hiragana, language.Katakana, language.Bopomofo, language.Hangul}},
}

// Fonts are the faces a sheet may use, parsed once and shared: WritePDF
// makes its own faces from them, since a face caches as it goes.
type Fonts struct {
	regular, bold []*sheetFont // fallback order; [0] is DejaVu
	// Missing names the font files that could not be read, for the log
	// line at start; their scripts print as boxes.
	Missing []string
}

type sheetFont struct {
	name    string // PostScript-style name for the PDF, e.g. "NotoSansGurmukhi-Regular"
	data    []byte
	font    *font.Font
	scripts []language.Script
}

func parseSheetFont(name string, data []byte, scripts []language.Script) (*sheetFont, error) {
	faces, err := font.ParseTTC(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if len(faces) != 1 {
		return nil, fmt.Errorf("%d fonts in the file, want one", len(faces))
	}
	if _, err := tableOf(data, "glyf"); err != nil {
		return nil, fmt.Errorf("not a TrueType font: %w", err)
	}
	return &sheetFont{name: name, data: data, font: faces[0].Font, scripts: scripts}, nil
}

// BuiltinFonts is DejaVu alone: Latin, Greek and Cyrillic, and boxes for
// most else.
func BuiltinFonts() *Fonts {
	f, _ := LoadFonts("")
	return f
}

// LoadFonts reads the sheet's fonts from dir (see sheetFontFiles); "" reads
// none. Fonts it cannot read are listed in Missing and left out, so a sheet
// still prints; the error is only for the built-in fonts, which never fail.
func LoadFonts(dir string) (*Fonts, error) {
	f := &Fonts{}
	reg, err := parseSheetFont("DejaVuSansCondensed", fontRegular, nil)
	if err != nil {
		return nil, fmt.Errorf("attendance fonts: built-in: %w", err)
	}
	bold, err := parseSheetFont("DejaVuSansCondensed-Bold", fontBold, nil)
	if err != nil {
		return nil, fmt.Errorf("attendance fonts: built-in: %w", err)
	}
	f.regular, f.bold = []*sheetFont{reg}, []*sheetFont{bold}
	if dir == "" {
		return f, nil
	}
	read := func(rel string, scripts []language.Script) *sheetFont {
		path := filepath.Join(dir, rel)
		data, err := os.ReadFile(path)
		if err == nil {
			var sf *sheetFont
			name := filepath.Base(rel[:len(rel)-len(filepath.Ext(rel))])
			if sf, err = parseSheetFont(name, data, scripts); err == nil {
				return sf
			}
		}
		f.Missing = append(f.Missing, path)
		return nil
	}
	for _, ff := range sheetFontFiles {
		r, b := read(ff.regular, ff.scripts), (*sheetFont)(nil)
		if ff.bold != "" {
			b = read(ff.bold, ff.scripts)
		}
		if r == nil {
			continue
		}
		if b == nil {
			b = r
		}
		f.regular, f.bold = append(f.regular, r), append(f.bold, b)
	}
	return f, nil
}

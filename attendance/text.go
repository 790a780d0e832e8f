package attendance

import (
	"math"
	"slices"
	"strings"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/bidi"
)

// The sheet's text is shaped with go-text/typesetting (HarfBuzz ported to
// Go): split into runs by direction (the Unicode bidi algorithm), script
// and font, each run shaped (Arabic letters joined, Indic conjuncts
// formed and vowel signs placed), then wrapped at the line breaks UAX #14
// allows, a word broken only when it cannot fit a line on its own.

// perEm is the size text is shaped at: glyph metrics come out in
// thousandths of an em, the unit of a PDF font's widths.
const perEm = 1000

// style is a font weight and size in points.
type style struct {
	bold bool
	size float64
}

// emMM is an em of st's size in millimetres.
func (st style) emMM() float64 { return st.size * 25.4 / 72 }

// line is one line of shaped text, its runs in visual order, left to right.
type line struct {
	runs  []shaping.Output
	width float64 // mm
	text  string  // the characters as typed, for text extraction
	st    style
	// runes is the paragraph the line is from: the glyphs' cluster
	// indexes point into it.
	runes []rune
}

// typesetter shapes and wraps text for one PDF: faces and the shaper
// cache as they go and are not safe for concurrent use.
type typesetter struct {
	fonts   *Fonts
	faces   map[*sheetFont]*font.Face
	fontOf  map[*font.Face]*sheetFont
	shaper  shaping.HarfbuzzShaper
	seg     shaping.Segmenter
	wrapper shaping.LineWrapper
	chain   fontChain
	cache   map[wrapKey][]line
}

type wrapKey struct {
	text  string
	st    style
	width float64
}

func newTypesetter(f *Fonts) *typesetter {
	ts := &typesetter{fonts: f, faces: map[*sheetFont]*font.Face{}, fontOf: map[*font.Face]*sheetFont{}, cache: map[wrapKey][]line{}}
	ts.chain.ts = ts
	return ts
}

func (ts *typesetter) face(sf *sheetFont) *font.Face {
	fc := ts.faces[sf]
	if fc == nil {
		fc = font.NewFace(sf.font)
		ts.faces[sf], ts.fontOf[fc] = fc, sf
	}
	return fc
}

// resolve picks the face for r, in a run of script s: a font made for the
// script first, then the first font in the fallback order that has r;
// DejaVu (and a box) when none has.
func (ts *typesetter) resolve(bold bool, s language.Script, r rune) *font.Face {
	list := ts.fonts.regular
	if bold {
		list = ts.fonts.bold
	}
	for _, sf := range list {
		if slices.Contains(sf.scripts, s) {
			if _, ok := sf.font.NominalGlyph(r); ok {
				return ts.face(sf)
			}
		}
	}
	for _, sf := range list {
		if _, ok := sf.font.NominalGlyph(r); ok {
			return ts.face(sf)
		}
	}
	return ts.face(list[0])
}

// fontChain is the shaping.Fontmap of one weight; the segmenter tells it
// each run's script before asking for faces.
type fontChain struct {
	ts     *typesetter
	bold   bool
	script language.Script
}

func (c *fontChain) SetScript(s language.Script)   { c.script = s }
func (c *fontChain) ResolveFace(r rune) *font.Face { return c.ts.resolve(c.bold, c.script, r) }

// direction is a paragraph's: that of its first letter with one (rule P2
// of the bidi algorithm), so "محمد (Mohammed)" reads from the right.
func direction(text []rune) di.Direction {
	for _, r := range text {
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.L:
			return di.DirectionLTR
		case bidi.R, bidi.AL:
			return di.DirectionRTL
		}
	}
	return di.DirectionLTR
}

// wrap breaks text into lines at most width mm wide; each "\n" starts a
// new line. There is always at least one line, perhaps empty. The lines
// are shared with later calls: do not change them.
func (ts *typesetter) wrap(text string, st style, width float64) []line {
	key := wrapKey{text, st, width}
	if l, ok := ts.cache[key]; ok {
		return l
	}
	var out []line
	for para := range strings.SplitSeq(text, "\n") {
		out = ts.wrapParagraph(out, para, st, width)
	}
	ts.cache[key] = out
	return out
}

// oneLine is text shaped on one line, however long.
func (ts *typesetter) oneLine(text string, st style) line {
	return ts.wrapParagraph(nil, text, st, math.Inf(1))[0]
}

func (ts *typesetter) wrapParagraph(out []line, para string, st style, width float64) []line {
	text := []rune(para)
	if len(text) == 0 {
		return append(out, line{st: st})
	}
	dir := direction(text)
	ts.chain.bold = st.bold
	inputs := ts.seg.Split(shaping.Input{
		Text: text, RunEnd: len(text), Direction: dir, Size: fixed.I(perEm),
	}, &ts.chain)
	runs := make([]shaping.Output, len(inputs))
	for i, in := range inputs {
		runs[i] = ts.shaper.Shape(in)
	}
	maxW := fixed.Int26_6(math.MaxInt32)
	if w := width / st.emMM() * perEm * 64; w < float64(maxW) {
		maxW = fixed.Int26_6(w)
	}
	lines, _ := ts.wrapper.WrapParagraphF(shaping.WrapConfig{Direction: dir, BreakPolicy: shaping.WhenNecessary},
		maxW, text, shaping.NewSliceIterator(runs))
	for _, l := range lines {
		ln := line{runs: slices.Clone(l), st: st, runes: text}
		slices.SortFunc(ln.runs, func(a, b shaping.Output) int { return int(a.VisualIndex - b.VisualIndex) })
		from, to := len(text), 0
		var adv fixed.Int26_6
		for _, r := range ln.runs {
			from, to = min(from, r.Runes.Offset), max(to, r.Runes.Offset+r.Runes.Count)
			adv += r.Advance
		}
		ln.width = float64(adv) / 64 / perEm * st.emMM()
		if from < to {
			ln.text = string(text[from:to])
		}
		out = append(out, ln)
	}
	return out
}

package attendance

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf16"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/shaping"
)

// pdfDoc is a small PDF writer, just what the sign-in sheet draws: lines,
// boxes, grey fills and shaped text. fpdf, which drew the sheet before,
// maps characters to glyphs through the font's cmap, so it cannot show
// what a shaper makes (an Arabic letter's joining form, a Devanagari
// conjunct, a vowel sign moved before its consonant), which has no
// character of its own. Here text is written as glyph IDs in Type0 fonts
// (CIDFontType2, Identity-H: character ID = glyph ID), each font a subset
// of the glyphs used, with a ToUnicode map and, round each line, an
// ActualText span holding the characters as typed, so pdftotext and a
// PDF viewer's search give back the names in their logical order.
//
// Coordinates are millimetres from the top left of an A4 page, as fpdf's were.
type pdfDoc struct {
	pages  []*bytes.Buffer
	page   *bytes.Buffer
	fonts  []*pdfFont
	fontOf map[*font.Face]*pdfFont
	ts     *typesetter
	info   [][2]string // Title, Author, ...
	num    []byte      // scratch for numbers
}

// pdfFont is one font of the document and the glyphs it uses.
type pdfFont struct {
	res   string // resource name, "F1"
	sf    *sheetFont
	face  *font.Face
	upem  float64
	width map[uint16]float64 // glyph ID → advance, thousandths of an em
	text  map[uint16]string  // glyph ID → the characters it shows
}

const ptPerMM = 72 / 25.4

const hexDigits = "0123456789ABCDEF"

func newPDFDoc(ts *typesetter) *pdfDoc {
	return &pdfDoc{ts: ts, fontOf: map[*font.Face]*pdfFont{}}
}

func (d *pdfDoc) addPage() {
	d.page = &bytes.Buffer{}
	d.pages = append(d.pages, d.page)
}

// setPage goes back to page i (from 0) to draw on it.
func (d *pdfDoc) setPage(i int) { d.page = d.pages[i] }

// n writes a number followed by a space.
func (d *pdfDoc) n(v float64) {
	d.num = strconv.AppendFloat(d.num[:0], v, 'f', 3, 64)
	d.num = bytes.TrimRight(d.num, "0")
	d.num = bytes.TrimSuffix(d.num, []byte("."))
	if string(d.num) == "-" || len(d.num) == 0 {
		d.num = append(d.num[:0], '0')
	}
	d.page.Write(d.num)
	d.page.WriteByte(' ')
}

func (d *pdfDoc) op(s string) {
	d.page.WriteString(s)
	d.page.WriteByte('\n')
}

// strokeGrey and fillGrey set colours as 0 (black) to 255 (white).
func (d *pdfDoc) strokeGrey(v int) { d.n(float64(v) / 255); d.op("G") }
func (d *pdfDoc) fillGrey(v int)   { d.n(float64(v) / 255); d.op("g") }
func (d *pdfDoc) lineWidth(mm float64) {
	d.n(mm * ptPerMM)
	d.op("w")
}

// rect outlines (fill false) or fills and outlines a box.
func (d *pdfDoc) rect(x, y, w, h float64, fill bool) {
	d.n(x * ptPerMM)
	d.n((pageH - y - h) * ptPerMM)
	d.n(w * ptPerMM)
	d.n(h * ptPerMM)
	if fill {
		d.op("re B")
	} else {
		d.op("re S")
	}
}

// text draws a line with its left end at x and its baseline at y.
//
// A left-to-right run whose glyphs are in another order than its
// characters (a Devanagari vowel sign drawn before its consonant) or share
// a cluster (a conjunct) is wrapped in an ActualText span of its
// characters as typed. A right-to-left run is not: its glyphs are drawn in visual
// order, each mapped to its characters by ToUnicode, and text extractors
// (poppler's pdftotext among them) put such runs back in logical order
// themselves, as they do for the PDFs browsers make; a span would have
// them reverse it twice.
func (d *pdfDoc) text(x, y float64, l line) {
	b := d.page
	em := l.st.size // points
	pen := x * ptPerMM
	for _, r := range l.runs {
		f := d.font(r.Face)
		texts := f.clusterTexts(l.runes, r.Glyphs)
		span := r.Direction.Progression() == di.FromTopLeft && !f.mapped(r.Glyphs, texts) &&
			r.Runes.Count > 0 && r.Runes.Offset+r.Runes.Count <= len(l.runes)
		if span {
			b.WriteString("/Span<</ActualText<FEFF")
			hexUTF16(b, string(l.runes[r.Runes.Offset:r.Runes.Offset+r.Runes.Count]))
			b.WriteString(">>>BDC ")
		}
		fmt.Fprintf(b, "BT /%s ", f.res)
		d.n(em)
		b.WriteString("Tf 1 0 0 1 ")
		d.n(pen)
		d.n((pageH - y) * ptPerMM)
		b.WriteString("Tm [")
		rise, pending := 0.0, 0.0 // pending: how far the next glyph is off where the last one left the pen, in 1/1000 em
		inHex := false            // glyphs in a row share one <...> string
		for i, g := range r.Glyphs {
			adv, xo, yo := float64(g.Advance)/64, float64(g.XOffset)/64, float64(g.YOffset)/64
			gid := uint16(g.GlyphID)
			w := f.use(gid, texts[i])
			shift := pending + xo
			moved := shift > 0.005 || shift < -0.005
			if inHex && (yo != rise || moved) {
				b.WriteByte('>')
				inHex = false
			}
			if yo != rise {
				b.WriteString("]TJ ")
				d.n(yo / perEm * em)
				b.WriteString("Ts [")
				rise = yo
			}
			if moved {
				d.n(-shift)
			}
			if !inHex {
				b.WriteByte('<')
				inHex = true
			}
			b.WriteByte(hexDigits[gid>>12])
			b.WriteByte(hexDigits[gid>>8&15])
			b.WriteByte(hexDigits[gid>>4&15])
			b.WriteByte(hexDigits[gid&15])
			pending = adv - xo - w
		}
		if inHex {
			b.WriteByte('>')
		}
		b.WriteString("]TJ")
		if rise != 0 {
			b.WriteString(" 0 Ts")
		}
		b.WriteString(" ET")
		if span {
			b.WriteString(" EMC")
		}
		b.WriteByte('\n')
		pen += float64(r.Advance) / 64 / perEm * em
	}
}

// mapped reports whether the ToUnicode map gives back what glyphs show:
// one glyph per cluster, in the characters' order, as Latin text mostly
// is, and no glyph mapped to other characters before (a .notdef box, or a
// glyph two characters share). Such a run needs no ActualText span.
func (f *pdfFont) mapped(glyphs []shaping.Glyph, texts []string) bool {
	for i, g := range glyphs {
		if g.GlyphsCount() != 1 || i > 0 && g.TextIndex() <= glyphs[i-1].TextIndex() || g.GlyphID == 0 {
			return false
		}
		if t, ok := f.text[uint16(g.GlyphID)]; ok && t != texts[i] {
			return false
		}
	}
	return true
}

// clusterTexts are the characters each glyph of a run shows, for the
// ToUnicode map, which has one string per glyph: a glyph alone in its
// cluster shows the cluster's characters; in a cluster of several, a
// glyph that is a character's own shows that character, and the first
// glyph that is no character's own shows the characters left over.
func (f *pdfFont) clusterTexts(text []rune, glyphs []shaping.Glyph) []string {
	out := make([]string, len(glyphs))
	for i := 0; i < len(glyphs); {
		g := glyphs[i]
		j := i + 1
		for j < len(glyphs) && glyphs[j].TextIndex() == g.TextIndex() {
			j++
		}
		if g.TextIndex() < 0 || g.TextIndex()+g.RunesCount() > len(text) {
			i = j
			continue
		}
		runes := text[g.TextIndex() : g.TextIndex()+g.RunesCount()]
		if j-i == 1 {
			out[i] = string(runes)
			i = j
			continue
		}
		claimed := make([]bool, len(runes))
		for k := i; k < j; k++ {
			for n, r := range runes {
				if gid, ok := f.face.NominalGlyph(r); ok && !claimed[n] && uint16(gid) == uint16(glyphs[k].GlyphID) {
					out[k], claimed[n] = string(r), true
					break
				}
			}
		}
		var rest []rune
		for n, r := range runes {
			if !claimed[n] {
				rest = append(rest, r)
			}
		}
		for k := i; k < j && len(rest) > 0; k++ {
			if out[k] == "" {
				out[k], rest = string(rest), nil
			}
		}
		i = j
	}
	return out
}

func (d *pdfDoc) font(fc *font.Face) *pdfFont {
	f := d.fontOf[fc]
	if f == nil {
		f = &pdfFont{
			res: fmt.Sprintf("F%d", len(d.fonts)+1), sf: d.ts.fontOf[fc], face: fc, upem: float64(fc.Upem()),
			width: map[uint16]float64{}, text: map[uint16]string{},
		}
		d.fonts = append(d.fonts, f)
		d.fontOf[fc] = f
	}
	return f
}

// use records that the document shows glyph gid (for text, if known) and
// returns its width in the PDF, thousandths of an em.
func (f *pdfFont) use(gid uint16, text string) float64 {
	w, ok := f.width[gid]
	if !ok {
		w = float64(f.face.HorizontalAdvance(font.GID(gid))) * perEm / f.upem
		f.width[gid] = w
	}
	if _, ok := f.text[gid]; !ok && text != "" {
		f.text[gid] = text
	}
	return w
}

func hexUTF16(b *bytes.Buffer, s string) {
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(b, "%04X", u)
	}
}

// write puts the document out: catalog, page tree, info, one resource
// dictionary for every page, the pages, then the fonts.
func (d *pdfDoc) write(w io.Writer) error {
	var out bytes.Buffer
	out.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	const fixedObjs = 4 // catalog, pages, info, resources
	nPageObjs := 2 * len(d.pages)
	firstFont := fixedObjs + nPageObjs + 1
	total := firstFont + 5*len(d.fonts) - 1
	offsets := make([]int, total+1)
	obj := func(n int) {
		offsets[n] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n", n)
	}
	// Fastest: the content is repetitive and compresses well anyway.
	zw, _ := zlib.NewWriterLevel(nil, zlib.DefaultCompression)
	stream := func(dict string, data []byte) error {
		var z bytes.Buffer
		zw.Reset(&z)
		if _, err := zw.Write(data); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		fmt.Fprintf(&out, "<</Filter/FlateDecode/Length %d%s>>\nstream\n", z.Len(), dict)
		out.Write(z.Bytes())
		out.WriteString("\nendstream\nendobj\n")
		return nil
	}

	obj(1)
	out.WriteString("<</Type/Catalog/Pages 2 0 R>>\nendobj\n")
	obj(2)
	out.WriteString("<</Type/Pages/Kids[")
	for i := range d.pages {
		fmt.Fprintf(&out, "%d 0 R ", fixedObjs+1+2*i)
	}
	fmt.Fprintf(&out, "]/Count %d/MediaBox[0 0 %.2f %.2f]>>\nendobj\n", len(d.pages), pageW*ptPerMM, pageH*ptPerMM)
	obj(3)
	out.WriteString("<<")
	for _, kv := range d.info {
		fmt.Fprintf(&out, "/%s<FEFF", kv[0])
		hexUTF16(&out, kv[1])
		out.WriteString(">")
	}
	out.WriteString(">>\nendobj\n")
	obj(4)
	out.WriteString("<</ProcSet[/PDF/Text]/Font<<")
	for i, f := range d.fonts {
		fmt.Fprintf(&out, "/%s %d 0 R", f.res, firstFont+5*i)
	}
	out.WriteString(">>>>\nendobj\n")
	for i, p := range d.pages {
		n := fixedObjs + 1 + 2*i
		obj(n)
		fmt.Fprintf(&out, "<</Type/Page/Parent 2 0 R/Resources 4 0 R/Contents %d 0 R>>\nendobj\n", n+1)
		obj(n + 1)
		if err := stream("", p.Bytes()); err != nil {
			return fmt.Errorf("attendance pdf: %w", err)
		}
	}
	for i, f := range d.fonts {
		n := firstFont + 5*i
		if err := d.writeFont(&out, obj, stream, n, i, f); err != nil {
			return fmt.Errorf("attendance pdf: font %s: %w", f.sf.name, err)
		}
	}

	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", total+1)
	for _, o := range offsets[1:] {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&out, "trailer\n<</Size %d/Root 1 0 R/Info 3 0 R>>\nstartxref\n%d\n%%%%EOF\n", total+1, xref)
	_, err := w.Write(out.Bytes())
	return err
}

// writeFont writes objects n to n+4: the Type0 font, its CIDFont, the
// descriptor, the subset font file and the ToUnicode map.
func (d *pdfDoc) writeFont(out *bytes.Buffer, obj func(int), stream func(string, []byte) error, n, i int, f *pdfFont) error {
	gids := make([]uint16, 0, len(f.width))
	used := make(map[uint16]bool, len(f.width))
	for g := range f.width {
		gids = append(gids, g)
		used[g] = true
	}
	slices.Sort(gids)
	data, err := subsetTrueType(f.sf.data, used)
	if err != nil {
		return err
	}
	// A subset's name starts with six capital letters of its own.
	name := fmt.Sprintf("WS%c%c%c%c+%s", 'A'+i/17576%26, 'A'+i/676%26, 'A'+i/26%26, 'A'+i%26, f.sf.name)
	scale := func(v int16) int { return int(float64(v) * perEm / f.upem) }
	head, _ := tableOf(f.sf.data, "head")
	hhea, _ := tableOf(f.sf.data, "hhea")
	i16 := func(b []byte, off int) int16 {
		if off+2 > len(b) {
			return 0
		}
		return int16(binary.BigEndian.Uint16(b[off:]))
	}

	obj(n)
	fmt.Fprintf(out, "<</Type/Font/Subtype/Type0/BaseFont/%s/Encoding/Identity-H/DescendantFonts[%d 0 R]/ToUnicode %d 0 R>>\nendobj\n", name, n+1, n+4)
	obj(n + 1)
	fmt.Fprintf(out, "<</Type/Font/Subtype/CIDFontType2/BaseFont/%s/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>/FontDescriptor %d 0 R/CIDToGIDMap/Identity/DW 0/W[", name, n+2)
	for _, g := range gids {
		fmt.Fprintf(out, "%d[%d]", g, int(f.width[g]+0.5))
	}
	out.WriteString("]>>\nendobj\n")
	obj(n + 2)
	asc, desc := scale(i16(hhea, 4)), scale(i16(hhea, 6))
	fmt.Fprintf(out, "<</Type/FontDescriptor/FontName/%s/Flags 4/FontBBox[%d %d %d %d]/ItalicAngle 0/Ascent %d/Descent %d/CapHeight %d/StemV 80/FontFile2 %d 0 R>>\nendobj\n",
		name, scale(i16(head, 36)), scale(i16(head, 38)), scale(i16(head, 40)), scale(i16(head, 42)), asc, desc, asc, n+3)
	obj(n + 3)
	if err := stream(fmt.Sprintf("/Length1 %d", len(data)), data); err != nil {
		return err
	}
	obj(n + 4)
	var cmap bytes.Buffer
	cmap.WriteString("/CIDInit/ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo<</Registry(Adobe)/Ordering(UCS)/Supplement 0>>def\n/CMapName/Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000><FFFF>\nendcodespacerange\n")
	var mapped []uint16
	for _, g := range gids {
		if f.text[g] != "" {
			mapped = append(mapped, g)
		}
	}
	for len(mapped) > 0 {
		k := min(len(mapped), 100)
		fmt.Fprintf(&cmap, "%d beginbfchar\n", k)
		for _, g := range mapped[:k] {
			fmt.Fprintf(&cmap, "<%04X><", g)
			hexUTF16(&cmap, f.text[g])
			cmap.WriteString(">\n")
		}
		cmap.WriteString("endbfchar\n")
		mapped = mapped[k:]
	}
	cmap.WriteString("endcmap\nCMapName currentdict/CMap defineresource pop\nend\nend\n")
	return stream("", cmap.Bytes())
}

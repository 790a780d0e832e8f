package attendance

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"
)

// A4 portrait, in millimetres.
const (
	pageW   = 210.0
	pageH   = 297.0
	marginL = 12.0
	marginR = 12.0
	marginT = 10.0
	marginB = 14.0 // the footer lives here
	bodyW   = pageW - marginL - marginR

	textSize = 9.0
	lineH    = 4.2
	cellPad  = 1.6
	// cellMargin keeps text off a cell's sides.
	cellMargin = 1.2
	// minRowH leaves room to sign, whatever the name.
	minRowH = 10.0
	boxSize = 5.0
	// A cell wraps to at most maxLines lines, so every row fits on a page;
	// longer access needs go in full on the pages after the list.
	maxLines       = 12
	maxAccessLines = 8
)

type columnKind int

const (
	textColumn columnKind = iota
	tickColumn
	signatureColumn
)

type column struct {
	title string
	w     float64
	kind  columnKind
	text  func(r *Row) string
}

// columnsFor lays out a section's table across the page's 186 mm.
func columnsFor(sec *Section) []column {
	name := func(r *Row) string {
		n := r.Name
		if r.Pair != "" {
			n += "\n" + r.Pair
		}
		if r.Pending {
			return n + "\n(not yet confirmed)"
		}
		if w := r.WalkInNote(); w != "" {
			return n + "\n(" + strings.ToLower(w) + ")"
		}
		return n
	}
	org := func(r *Row) string { return r.Organisation }
	mode := func(r *Row) string { return r.Mode }
	access := func(r *Row) string { return r.AccessNeeds }
	if sec.Signature {
		return []column{
			{"Name", 44, textColumn, name}, {"Organisation", 34, textColumn, org},
			{"Taking part", 19, textColumn, mode}, {"Access needs", 43, textColumn, access},
			{"Here", 12, tickColumn, nil}, {"Signature", 34, signatureColumn, nil},
		}
	}
	return []column{
		{"Name", 50, textColumn, name}, {"Organisation", 40, textColumn, org},
		{"Taking part", 19, textColumn, mode}, {"Access needs", 65, textColumn, access},
		{"Joined", 12, tickColumn, nil},
	}
}

// sheetPDF draws one sheet; header reads which section is being drawn.
type sheetPDF struct {
	doc          *pdfDoc
	ts           *typesetter
	sh           *Sheet
	sec          *Section // nil on the pages of access needs in full
	secFirstPage int
	notes        []note
	y            float64 // where the next thing goes down the page
	st           style   // the current font
}

// note is access needs too long for the list, printed in full after it.
type note struct{ name, text string }

var builtin = sync.OnceValue(BuiltinFonts)

// WritePDF writes the sheet as an A4 PDF: the header (workshop, date, time,
// venue, counts) and "Page N of M" on every page, each way of taking part
// in its own section starting on a new page, a tick box and (in person) a
// signature column, and no row split across pages. Text is shaped and set
// in the first of fonts that has its characters (nil: DejaVu alone).
func WritePDF(w io.Writer, sh *Sheet, fonts *Fonts) error {
	if fonts == nil {
		fonts = builtin()
	}
	ts := newTypesetter(fonts)
	p := &sheetPDF{doc: newPDFDoc(ts), ts: ts, sh: sh}
	p.doc.info = [][2]string{{"Title", "Sign-in sheet: " + sh.Workshop}, {"Author", sh.Council}, {"Creator", "workshopd"}}
	for i := range sh.Sections {
		p.section(&sh.Sections[i])
	}
	if len(sh.Sections) == 0 {
		p.addPage()
		p.say("Nobody is booked on this session.")
	}
	if len(p.notes) > 0 {
		p.notesPages()
	}
	for i := range p.doc.pages {
		p.doc.setPage(i)
		p.footer(i+1, len(p.doc.pages))
	}
	return p.doc.write(w)
}

func (p *sheetPDF) font(bold bool, size float64) { p.st = style{bold, size} }

// bottom is the lowest point a row may reach.
func (p *sheetPDF) bottom() float64 { return pageH - marginB }

func (p *sheetPDF) addPage() {
	p.doc.addPage()
	p.doc.strokeGrey(90)
	p.doc.lineWidth(0.2)
	p.header()
}

// cell writes l in a box at (x, y), w by h, as fpdf's CellFormat did:
// from the left edge plus the cell margin ('L'), centred ('C') or
// against the right edge ('R'); the baseline a little below the middle.
func (p *sheetPDF) cell(x, y, w, h float64, l line, align byte) {
	switch align {
	case 'C':
		x += (w - l.width) / 2
	case 'R':
		x += w - cellMargin - l.width
	default:
		x += cellMargin
	}
	p.doc.text(x, y+h/2+0.3*l.st.emMM(), l)
}

// put writes text across the body on one or more lines h high, from p.y.
func (p *sheetPDF) put(lines []line, h float64) {
	for _, l := range lines {
		p.cell(marginL, p.y, bodyW, h, l, 'L')
		p.y += h
	}
}

func (p *sheetPDF) header() {
	sh := p.sh
	p.y = marginT
	p.font(false, 8)
	p.doc.fillGrey(70)
	p.cell(marginL, p.y, bodyW/2, 4, p.wrap(sh.Council+" · Sign-in sheet", bodyW/2, 1, true)[0], 'L')
	p.cell(marginL+bodyW/2, p.y, bodyW/2, 4, p.wrap(sh.Printed, bodyW/2, 1, true)[0], 'R')
	p.y += 4
	p.doc.fillGrey(0)

	p.font(true, 13)
	p.put(p.wrap(sh.Workshop, bodyW, 2, true), 6)
	p.font(false, 9.5)
	when := sh.When
	if sh.Cancelled {
		when += " · THIS SESSION WAS CANCELLED"
	}
	for _, text := range []string{when, sh.Venue, sh.Counts} {
		p.put(p.wrap(text, bodyW, 2, true), 4.6)
	}
	p.y += 2

	p.font(true, 11)
	if p.sec == nil {
		p.put(p.wrap("Access needs in full", bodyW, 1, true), 6.5)
		p.y++
		return
	}
	heading := p.sec.Heading
	if len(p.doc.pages) > p.secFirstPage {
		heading += " (continued)"
	}
	p.put(p.wrap(heading, bodyW, 1, true), 6.5)
	p.font(true, 8.5)
	x := marginL
	for _, c := range columnsFor(p.sec) {
		p.doc.fillGrey(225)
		p.doc.rect(x, p.y, c.w, 6, true)
		p.doc.fillGrey(0)
		p.cell(x, p.y, c.w, 6, p.ts.oneLine(c.title, p.st), 'L')
		x += c.w
	}
	p.y += 6
}

func (p *sheetPDF) footer(page, of int) {
	y := pageH - marginB + 5
	p.font(false, 7.5)
	p.doc.fillGrey(70)
	p.cell(marginL, y, bodyW*0.75, 4, p.ts.oneLine("Contains personal data: keep it safe and shred it once the attendance is recorded.", p.st), 'L')
	p.cell(marginL+bodyW*0.75, y, bodyW*0.25, 4, p.ts.oneLine(fmt.Sprintf("Page %d of %d", page, of), p.st), 'R')
	p.doc.fillGrey(0)
}

// section starts a new page for one way of taking part and draws its rows.
func (p *sheetPDF) section(sec *Section) {
	p.sec = sec
	p.secFirstPage = len(p.doc.pages) + 1
	p.addPage()
	if len(sec.Rows) == 0 {
		p.say("Nobody is booked to take part this way.")
		return
	}
	cols := columnsFor(sec)
	for i := range sec.Rows {
		p.row(&sec.Rows[i], cols)
	}
}

func (p *sheetPDF) say(text string) {
	p.font(false, 10)
	p.y += 2
	p.put(p.wrap(text, bodyW, 3, true), 6)
}

// row draws one person, on a new page when the row would not fit whole.
func (p *sheetPDF) row(r *Row, cols []column) {
	p.font(false, textSize)
	cells := make([][]line, len(cols))
	n := 1
	for i, c := range cols {
		if c.kind != textColumn {
			continue
		}
		all := p.split(c.text(r), c.w, false)
		if c.title == "Access needs" && len(all) > maxAccessLines {
			cells[i] = append(all[:maxAccessLines-1:maxAccessLines-1], p.ts.oneLine("… continued after the list", p.st))
			p.notes = append(p.notes, note{name: r.Name, text: r.AccessNeeds})
		} else {
			cells[i] = p.clip(all, c.w, maxLines)
		}
		n = max(n, len(cells[i]))
	}
	h := max(float64(n)*lineH+2*cellPad, minRowH)
	if p.y+h > p.bottom() {
		p.addPage()
		p.font(false, textSize)
	}
	x, y := marginL, p.y
	for i, c := range cols {
		p.doc.rect(x, y, c.w, h, false)
		switch c.kind {
		case textColumn:
			for j, l := range cells[i] {
				p.cell(x, y+cellPad+float64(j)*lineH, c.w, lineH, l, 'L')
			}
		case tickColumn:
			bx, by := x+(c.w-boxSize)/2, y+cellPad
			p.doc.rect(bx, by, boxSize, boxSize, false)
			if r.Attended != nil && *r.Attended {
				p.cell(bx, by, boxSize, boxSize, p.ts.oneLine("✓", style{true, 10}), 'C')
			}
		}
		x += c.w
	}
	p.y = y + h
}

// notesPages prints in full the access needs cut short in the list, each
// kept on one page where it fits.
func (p *sheetPDF) notesPages() {
	p.sec = nil
	p.addPage()
	for _, nt := range p.notes {
		p.font(false, textSize)
		body := p.split(nt.text, bodyW, false)
		h := float64(len(body)+1)*lineH + 3
		if p.y+h > p.bottom() && h < p.bottom()-60 {
			p.addPage()
		}
		p.font(true, textSize)
		p.line(p.wrap(nt.name, bodyW, 1, true)[0])
		for _, l := range body {
			p.line(l)
		}
		p.y += 3
	}
}

// line writes one line of flowing text, turning the page when it is full.
func (p *sheetPDF) line(l line) {
	if p.y+lineH > p.bottom() {
		p.addPage()
	}
	p.put([]line{l}, lineH)
}

// wrap breaks text into at most limit lines for a cell w wide in the
// current font. oneLine text has its line breaks turned into spaces.
func (p *sheetPDF) wrap(text string, w float64, limit int, oneLine bool) []line {
	return p.clip(p.split(text, w, oneLine), w, limit)
}

// split breaks text into lines for a cell w wide in the current font,
// between words where it can; there is always at least one line, perhaps
// empty.
func (p *sheetPDF) split(text string, w float64, oneLine bool) []line {
	return p.ts.wrap(printable(text, oneLine), p.st, w-2*cellMargin)
}

// clip keeps the first limit lines, ending the last in "…" when some were
// left out.
func (p *sheetPDF) clip(lines []line, w float64, limit int) []line {
	if len(lines) <= limit {
		return lines
	}
	lines = append([]line(nil), lines[:limit]...)
	last := []rune(lines[limit-1].text)
	for {
		l := p.ts.oneLine(string(last)+"…", p.st)
		if l.width <= w-2*cellMargin || len(last) == 0 {
			lines[limit-1] = l
			return lines
		}
		last = last[:len(last)-1]
	}
}

// printable makes text safe for the PDF: control characters go, tabs
// become spaces, and characters beyond U+FFFF (emoji, mostly) become "�",
// since no font the sheet has draws them. The page and the CSV keep the
// text exactly as typed.
func printable(s string, oneLine bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' && !oneLine:
			return r
		case r == '\n' || r == '\t' || r == '\r':
			return ' '
		case unicode.IsControl(r):
			return -1
		case r > 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}

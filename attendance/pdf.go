package attendance

import (
	_ "embed"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/go-pdf/fpdf"
)

// fpdf's built-in fonts cover cp1252 only, which has no "Ł"; DejaVu covers
// every Latin script and more. The licence is in fonts/LICENSE.
var (
	//go:embed fonts/DejaVuSansCondensed.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSansCondensed-Bold.ttf
	fontBold []byte
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
		if r.Pending {
			return r.Name + "\n(not yet confirmed)"
		}
		return r.Name
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

// sheetPDF draws one sheet; the header and footer callbacks read which
// section is being drawn.
type sheetPDF struct {
	pdf          *fpdf.Fpdf
	sh           *Sheet
	sec          *Section // nil on the pages of access needs in full
	secFirstPage int
	notes        []note
}

// note is access needs too long for the list, printed in full after it.
type note struct{ name, text string }

// WritePDF writes the sheet as an A4 PDF: the header (workshop, date, time,
// venue, counts) and "Page N of M" on every page, each way of taking part
// in its own section starting on a new page, a tick box and (in person) a
// signature column, and no row split across pages.
func WritePDF(w io.Writer, sh *Sheet) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(marginL, marginT, marginR)
	pdf.SetAutoPageBreak(false, marginB)
	// Before the fonts: fpdf then keeps the digits in every font subset,
	// which the page count replacing the alias needs.
	pdf.AliasNbPages("{nb}")
	pdf.AddUTF8FontFromBytes("dejavu", "", fontRegular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", fontBold)
	pdf.SetTitle("Sign-in sheet: "+sh.Workshop, true)
	pdf.SetAuthor(sh.Council, true)
	pdf.SetCreator("workshopd", true)
	pdf.SetCellMargin(1.2)
	pdf.SetDrawColor(90, 90, 90)
	pdf.SetLineWidth(0.2)

	p := &sheetPDF{pdf: pdf, sh: sh}
	pdf.SetHeaderFunc(p.header)
	pdf.SetFooterFunc(p.footer)
	for i := range sh.Sections {
		p.section(&sh.Sections[i])
	}
	if len(sh.Sections) == 0 {
		pdf.AddPage()
		p.say("Nobody is booked on this session.")
	}
	if len(p.notes) > 0 {
		p.notesPages()
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("attendance pdf: %w", err)
	}
	return nil
}

func (p *sheetPDF) font(style string, size float64) { p.pdf.SetFont("dejavu", style, size) }

// bottom is the lowest point a row may reach.
func (p *sheetPDF) bottom() float64 { return pageH - marginB }

func (p *sheetPDF) header() {
	pdf, sh := p.pdf, p.sh
	pdf.SetXY(marginL, marginT)
	p.font("", 8)
	pdf.SetTextColor(70, 70, 70)
	pdf.CellFormat(bodyW/2, 4, printable(sh.Council+" · Sign-in sheet", true), "", 0, "L", false, 0, "")
	pdf.CellFormat(bodyW/2, 4, sh.Printed, "", 1, "R", false, 0, "")
	pdf.SetTextColor(0, 0, 0)

	p.font("B", 13)
	for _, l := range p.wrap(sh.Workshop, bodyW, 2, true) {
		pdf.CellFormat(bodyW, 6, l, "", 1, "L", false, 0, "")
	}
	p.font("", 9.5)
	when := sh.When
	if sh.Cancelled {
		when += " · THIS SESSION WAS CANCELLED"
	}
	for _, text := range []string{when, sh.Venue, sh.Counts} {
		for _, l := range p.wrap(text, bodyW, 2, true) {
			pdf.CellFormat(bodyW, 4.6, l, "", 1, "L", false, 0, "")
		}
	}
	pdf.Ln(2)

	p.font("B", 11)
	if p.sec == nil {
		pdf.CellFormat(bodyW, 6.5, "Access needs in full", "", 1, "L", false, 0, "")
		pdf.Ln(1)
		return
	}
	heading := p.sec.Heading
	if pdf.PageNo() > p.secFirstPage {
		heading += " (continued)"
	}
	pdf.CellFormat(bodyW, 6.5, heading, "", 1, "L", false, 0, "")
	p.font("B", 8.5)
	pdf.SetFillColor(225, 225, 225)
	for _, c := range columnsFor(p.sec) {
		pdf.CellFormat(c.w, 6, c.title, "1", 0, "L", true, 0, "")
	}
	pdf.Ln(6)
}

func (p *sheetPDF) footer() {
	pdf := p.pdf
	pdf.SetXY(marginL, pageH-marginB+5)
	p.font("", 7.5)
	pdf.SetTextColor(70, 70, 70)
	pdf.CellFormat(bodyW*0.75, 4, "Contains personal data: keep it safe and shred it once the attendance is recorded.", "", 0, "L", false, 0, "")
	pdf.CellFormat(bodyW*0.25, 4, fmt.Sprintf("Page %d of {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
}

// section starts a new page for one way of taking part and draws its rows.
func (p *sheetPDF) section(sec *Section) {
	p.sec = sec
	p.secFirstPage = p.pdf.PageNo() + 1
	p.pdf.AddPage()
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
	p.font("", 10)
	p.pdf.Ln(2)
	p.pdf.CellFormat(bodyW, 6, text, "", 1, "L", false, 0, "")
}

// row draws one person, on a new page when the row would not fit whole.
func (p *sheetPDF) row(r *Row, cols []column) {
	pdf := p.pdf
	p.font("", textSize)
	cells := make([][]string, len(cols))
	n := 1
	for i, c := range cols {
		if c.kind != textColumn {
			continue
		}
		all := p.split(c.text(r), c.w, false)
		if c.title == "Access needs" && len(all) > maxAccessLines {
			cells[i] = append(all[:maxAccessLines-1:maxAccessLines-1], "… continued after the list")
			p.notes = append(p.notes, note{name: r.Name, text: r.AccessNeeds})
		} else {
			cells[i] = p.clip(all, c.w, maxLines)
		}
		n = max(n, len(cells[i]))
	}
	h := max(float64(n)*lineH+2*cellPad, minRowH)
	if pdf.GetY()+h > p.bottom() {
		pdf.AddPage()
		p.font("", textSize)
	}
	x, y := marginL, pdf.GetY()
	for i, c := range cols {
		pdf.Rect(x, y, c.w, h, "D")
		switch c.kind {
		case textColumn:
			for j, l := range cells[i] {
				pdf.SetXY(x, y+cellPad+float64(j)*lineH)
				pdf.CellFormat(c.w, lineH, l, "", 0, "L", false, 0, "")
			}
		case tickColumn:
			bx, by := x+(c.w-boxSize)/2, y+cellPad
			pdf.Rect(bx, by, boxSize, boxSize, "D")
			if r.Attended != nil && *r.Attended {
				p.font("B", 10)
				pdf.SetXY(bx, by)
				pdf.CellFormat(boxSize, boxSize, "✓", "", 0, "C", false, 0, "")
				p.font("", textSize)
			}
		}
		x += c.w
	}
	pdf.SetXY(marginL, y+h)
}

// notesPages prints in full the access needs cut short in the list, each
// kept on one page where it fits.
func (p *sheetPDF) notesPages() {
	pdf := p.pdf
	p.sec = nil
	pdf.AddPage()
	for _, nt := range p.notes {
		p.font("", textSize)
		body := p.split(nt.text, bodyW, false)
		h := float64(len(body)+1)*lineH + 3
		if pdf.GetY()+h > p.bottom() && h < p.bottom()-60 {
			pdf.AddPage()
		}
		p.font("B", textSize)
		p.line(p.wrap(nt.name, bodyW, 1, true)[0])
		p.font("", textSize)
		for _, l := range body {
			p.line(l)
		}
		pdf.Ln(3)
	}
}

// line writes one line of flowing text, turning the page when it is full.
func (p *sheetPDF) line(text string) {
	if p.pdf.GetY()+lineH > p.bottom() {
		// The header changes the font; notes are in the body font.
		p.pdf.AddPage()
		p.font("", textSize)
	}
	p.pdf.CellFormat(bodyW, lineH, text, "", 1, "L", false, 0, "")
}

// wrap breaks text into at most limit lines of width w in the current
// font. oneLine text has its line breaks turned into spaces.
func (p *sheetPDF) wrap(text string, w float64, limit int, oneLine bool) []string {
	return p.clip(p.split(text, w, oneLine), w, limit)
}

// split breaks text into lines of width w in the current font; there is
// always at least one line, perhaps empty.
func (p *sheetPDF) split(text string, w float64, oneLine bool) []string {
	lines := p.pdf.SplitText(printable(text, oneLine), w)
	if len(lines) == 0 {
		return []string{""}
	}
	return lines
}

// clip keeps the first limit lines, ending the last in "…" when some were
// left out.
func (p *sheetPDF) clip(lines []string, w float64, limit int) []string {
	if len(lines) <= limit {
		return lines
	}
	lines = lines[:limit]
	last := []rune(lines[limit-1])
	for len(last) > 0 && p.pdf.GetStringWidth(string(last)+"…") > w-2.4 {
		last = last[:len(last)-1]
	}
	lines[limit-1] = string(last) + "…"
	return lines
}

// printable makes text safe for the PDF: control characters go, tabs
// become spaces, and characters beyond U+FFFF (emoji, mostly) become "�",
// since the font and fpdf's width tables cover the Basic Multilingual
// Plane only. The page and the CSV keep the text exactly as typed.
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

package competition

import (
	"fmt"
	"io"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/coventry/workshops/booking"
)

// WriteTemplate writes the poster template: one A4 page to print, with a
// frame to draw in and lines for the poster's title and the entrant's
// first name and age. Its text is fixed and in cp1252, so the built-in
// Helvetica serves. council is the council's name; closes the closing date.
func WriteTemplate(w io.Writer, council string, closes time.Time) error {
	const (
		pageW, margin = 210.0, 15.0
		bodyW         = pageW - 2*margin
	)
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Coventry in 2030: poster template", true)
	pdf.SetAuthor(council, true)
	pdf.SetCreationDate(time.Unix(0, 0).UTC()) // the same bytes every time
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, margin)
	pdf.AddPage()
	tr := pdf.UnicodeTranslatorFromDescriptor("")

	pdf.SetFont("Helvetica", "B", 20)
	pdf.CellFormat(bodyW, 10, tr("What would you like Coventry to be like in 2030?"), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 11)
	pdf.MultiCell(bodyW, 5.5, tr(fmt.Sprintf("Draw your poster in the box. Then take a photo of it or scan it and send it to us "+
		"before %s. Anyone under 18 can enter.", booking.At(closes))), "", "L", false)
	pdf.Ln(3)

	// The drawing frame: most of the page.
	top := pdf.GetY()
	const frameH = 190.0
	pdf.SetLineWidth(0.6)
	pdf.Rect(margin, top, bodyW, frameH, "D")
	pdf.SetLineWidth(0.3)

	// The lines to write on.
	y := top + frameH + 10
	pdf.SetFont("Helvetica", "B", 12)
	line := func(label string, x, width float64) {
		pdf.SetXY(x, y)
		pdf.CellFormat(0, 6, tr(label), "", 0, "L", false, 0, "")
		lw := pdf.GetStringWidth(tr(label)) + 2
		pdf.Line(x+lw, y+6, x+width, y+6)
	}
	line("Title of my poster:", margin, bodyW)
	y += 14
	line("My first name:", margin, bodyW*0.62)
	line("My age:", margin+bodyW*0.68, bodyW*0.32)
	y += 14
	pdf.SetXY(margin, y)
	pdf.SetFont("Helvetica", "", 9)
	pdf.MultiCell(bodyW, 4.5, tr("Please write only your first name. Do not write your surname, address or school "+
		"on your poster. "+council+"."), "", "L", false)
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("poster template: %w", err)
	}
	return nil
}

package attendance

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/coventry/workshops/booking"
)

// byteOrderMark makes Excel read the file as UTF-8 rather than the
// machine's code page, so "Zoë" is not shown as "ZoÃ«".
const byteOrderMark = "\uFEFF"

// CSVHeader names the columns of the CSV, in order.
var CSVHeader = []string{"Reference", "Name", "Email", "Organisation", "Taking part", "Access needs", "Status", "Companion", "Attended", "Walk-in", "Postcode district"}

// WriteCSV writes the attendees of a list as CSV that Excel opens as it
// is: UTF-8 with a byte order mark, CRLF line ends, RFC 4180 quoting.
// Cells that a spreadsheet would run as a formula are neutralised.
//
// The postcode district is the postcode's first half ("CV1"), for
// counting which parts of the city took part without the whole postcode.
func WriteCSV(w io.Writer, l *booking.AttendanceList) error {
	record := make([]string, len(CSVHeader))
	return writeCSV(w, CSVHeader, func(write func([]string) error) error {
		for i := range l.Attendees {
			b := &l.Attendees[i]
			name := b.Name
			if booking.Anonymised(b) {
				name = RemovedName
			}
			record[0] = b.Reference
			record[1] = name
			record[2] = b.Email
			record[3] = b.Organisation
			record[4] = ModeText(b.Mode)
			record[5] = b.AccessNeeds
			record[6] = StatusText(b.Status)
			record[7] = PairText(b)
			record[8] = AttendedText(b.Attended)
			record[9] = WalkInText(b.WalkIn, b.OverCapacity)
			record[10] = booking.PostcodeDistrict(b.Postcode)
			if err := write(record); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteTable writes a table as WriteCSV writes the attendees: UTF-8 with
// a byte order mark, CRLF line ends, cells neutralised.
func WriteTable(w io.Writer, header []string, rows [][]string) error {
	return writeCSV(w, header, func(write func([]string) error) error {
		for _, r := range rows {
			if err := write(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeCSV writes the header, then each record rows gives write,
// neutralised.
func writeCSV(w io.Writer, header []string, rows func(write func([]string) error) error) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(byteOrderMark); err != nil {
		return fmt.Errorf("attendance csv: %w", err)
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("attendance csv: %w", err)
	}
	err := rows(func(record []string) error {
		for j := range record {
			record[j] = NeutraliseCell(record[j])
		}
		return cw.Write(record)
	})
	if err != nil {
		return fmt.Errorf("attendance csv: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("attendance csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("attendance csv: %w", err)
	}
	return nil
}

// formulaStarts are the first characters that make Excel, LibreOffice or
// Google Sheets treat a cell as a formula (or a DDE call): = + - @, tab and
// carriage return, and their full-width forms.
const formulaStarts = "=+-@\t\r＝＋－＠"

// NeutraliseCell makes a cell that a spreadsheet would run as a formula
// plain text by putting a single quote before it (OWASP's advice for CSV
// injection). Everything else is left exactly as it is.
func NeutraliseCell(s string) string {
	if r, _ := utf8.DecodeRuneInString(s); s != "" && strings.ContainsRune(formulaStarts, r) {
		return "'" + s
	}
	return s
}

// StatusText is a booking's status in an organiser's words.
func StatusText(s booking.BookingStatus) string {
	switch s {
	case booking.Confirmed:
		return "Confirmed"
	case booking.PendingVerification:
		return "Waiting for email check"
	case booking.BookingCancelled:
		return "Cancelled"
	}
	return string(s)
}

// AttendedText is "Yes", "No" or "" (not recorded yet).
func AttendedText(a *bool) string {
	switch {
	case a == nil:
		return ""
	case *a:
		return "Yes"
	}
	return "No"
}

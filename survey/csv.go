package survey

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/coventry/workshops/attendance"
	"github.com/coventry/workshops/booking"
)

// csvTime is how submission times are written: Europe/London, as people
// read them, in a form spreadsheets sort.
const csvTime = "2006-01-02 15:04:05"

// CSVHeader is the fixed start of the CSV's header; one column per
// question follows, headed by the question's id and text.
var CSVHeader = []string{"Response", "Submitted", "Area", "Age group", "Repeat from the same browser"}

// WriteCSV writes every response of sv as CSV that spreadsheets open as
// it is: UTF-8 with a byte order mark, CRLF line ends, every cell that a
// spreadsheet would run as a formula neutralised (attendance.NeutraliseCell),
// several choices joined with "; ", a scale's point with its name.
func (s *Service) WriteCSV(ctx context.Context, w io.Writer, sv *Survey) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return fmt.Errorf("survey csv: %w", err)
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	header := append([]string{}, CSVHeader...)
	for _, q := range sv.Questions {
		header = append(header, q.ID+": "+q.Text)
	}
	if err := writeRow(cw, header); err != nil {
		return err
	}
	record := make([]string, len(header))
	err := s.Store.EachResponse(ctx, sv.ID, s.now(), func(r *Response) error {
		record[0] = strconv.FormatInt(r.ID, 10)
		record[1] = r.SubmittedAt.In(booking.London).Format(csvTime)
		record[2] = AreaName(r.About.Area)
		record[3] = r.About.AgeBand
		record[4] = "No"
		if r.Repeat {
			record[4] = "Yes"
		}
		for i := range sv.Questions {
			q := &sv.Questions[i]
			record[len(CSVHeader)+i] = q.AnswerText(r.Answers[q.ID])
		}
		return writeRow(cw, record)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("survey csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("survey csv: %w", err)
	}
	return nil
}

func writeRow(cw *csv.Writer, row []string) error {
	out := make([]string, len(row))
	for i, cell := range row {
		out[i] = attendance.NeutraliseCell(cell)
	}
	if err := cw.Write(out); err != nil {
		return fmt.Errorf("survey csv: %w", err)
	}
	return nil
}

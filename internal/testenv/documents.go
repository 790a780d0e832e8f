package testenv

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// AwkwardNames are names people really have or type that break careless
// output: markup, a spreadsheet formula, letters beyond ASCII.
var AwkwardNames = []string{`<script>alert(1)</script>`, `=HYPERLINK("http://x","y")`, `Zoë O'Neill-Łukasz`}

// PDFText is the text of pdf as poppler's pdftotext reads it (UTF-8, args
// added, a form feed after each page). A missing pdftotext fails the test:
// it never skips (apt-get install poppler-utils).
func PDFText(t testing.TB, pdf []byte, args ...string) string {
	t.Helper()
	f := pdfFile(t, "pdftotext", pdf)
	return poppler(t, "pdftotext", append(append([]string{"-enc", "UTF-8"}, args...), f, "-")...)
}

// PDFPages is pdf's page count as poppler's pdfinfo reads it.
func PDFPages(t testing.TB, pdf []byte) int {
	t.Helper()
	f := pdfFile(t, "pdfinfo", pdf)
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindStringSubmatch(poppler(t, "pdfinfo", f))
	if m == nil {
		t.Fatal("pdfinfo gave no page count")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// pdfFile writes pdf to a file for tool to read.
func pdfFile(t testing.TB, tool string, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s is missing: apt-get install -y poppler-utils", tool)
	}
	f := filepath.Join(t.TempDir(), "sheet.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func poppler(t testing.TB, tool string, args ...string) string {
	t.Helper()
	out, err := exec.Command(tool, args...).Output()
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return string(out)
}

// CSVRows reads raw as the CSV a spreadsheet opens cleanly: a UTF-8 byte
// order mark, CRLF line ends and RFC 4180 quoting.
func CSVRows(t testing.TB, raw []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no UTF-8 byte order mark: % x", raw[:min(len(raw), 3)])
	}
	if bytes.Count(raw, []byte("\n")) != bytes.Count(raw, []byte("\r\n")) {
		t.Error("some line ends are not CRLF")
	}
	rows, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
	if err != nil {
		t.Fatalf("not RFC 4180 CSV: %v", err)
	}
	return rows
}

// NoFormulas fails t for each cell a spreadsheet would run as a formula.
func NoFormulas(t testing.TB, rows [][]string) {
	t.Helper()
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsAny(cell[:1], "=+-@\t\r") {
				t.Errorf("cell %q would run as a formula", cell)
			}
		}
	}
}

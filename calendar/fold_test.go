package calendar

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func unfold(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n "), nil) }

func TestFoldWriter(t *testing.T) {
	cases := map[string]string{
		"short":           "SUMMARY:Have your say",
		"exactly 75":      "DESCRIPTION:" + strings.Repeat("x", 75-len("DESCRIPTION:")),
		"76":              "DESCRIPTION:" + strings.Repeat("x", 76-len("DESCRIPTION:")),
		"long ascii":      "DESCRIPTION:" + strings.Repeat("abcdefghij", 40),
		"two-byte runes":  "SUMMARY:" + strings.Repeat("é", 120),
		"four-byte runes": "SUMMARY:x" + strings.Repeat("🎉", 60),
		"mixed":           "LOCATION:" + strings.Repeat("Café 🎉 Straße, ", 20),
	}
	for name, line := range cases {
		t.Run(name, func(t *testing.T) {
			in := line + "\r\n" + "END:VEVENT\r\n"
			for _, chunk := range []int{len(in), 1, 7} { // one write, byte by byte, odd chunks
				var out bytes.Buffer
				fw := NewFoldWriter(&out)
				for i := 0; i < len(in); i += chunk {
					j := min(i+chunk, len(in))
					if n, err := fw.Write([]byte(in[i:j])); err != nil || n != j-i {
						t.Fatalf("Write = %d, %v", n, err)
					}
				}
				if err := fw.Close(); err != nil {
					t.Fatal(err)
				}
				got := out.Bytes()
				for i, l := range bytes.Split(bytes.TrimSuffix(got, []byte("\r\n")), []byte("\r\n")) {
					if len(l) > 75 {
						t.Errorf("chunk %d: line %d has %d octets", chunk, i, len(l))
					}
					if !utf8.Valid(l) {
						t.Errorf("chunk %d: line %d splits a UTF-8 sequence: %q", chunk, i, l)
					}
				}
				if string(unfold(got)) != in {
					t.Errorf("chunk %d: unfolded output differs:\n%q\n%q", chunk, unfold(got), in)
				}
				if wantFold := len(line) > 75; wantFold != bytes.Contains(got, []byte("\r\n ")) {
					t.Errorf("chunk %d: folded = %v, want %v", chunk, !wantFold, wantFold)
				}
			}
		})
	}
}

func TestFoldWriterBareLF(t *testing.T) {
	var out bytes.Buffer
	fw := NewFoldWriter(&out)
	_, _ = fw.Write([]byte("A:1\nB:2"))
	_ = fw.Close()
	if got := out.String(); got != "A:1\r\nB:2\r\n" {
		t.Errorf("got %q", got)
	}
}

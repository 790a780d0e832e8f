package calendar

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// maxLine is the longest content line RFC 5545 (3.1) allows, in octets,
// not counting the CRLF.
const maxLine = 75

// FoldWriter folds the content lines written through it at 75 octets, as
// RFC 5545 asks and go-ical does not do. A fold never splits a UTF-8
// sequence, so every physical line stays valid UTF-8. Lines end in CRLF;
// a line still open when Close is called is folded and written as it is.
type FoldWriter struct {
	w    io.Writer
	line []byte
	out  bytes.Buffer
}

// NewFoldWriter returns a FoldWriter writing folded lines to w.
func NewFoldWriter(w io.Writer) *FoldWriter { return &FoldWriter{w: w} }

// Write buffers p and writes every complete line in it, folded.
func (f *FoldWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			f.line = append(f.line, p...)
			break
		}
		f.line = append(f.line, p[:i]...)
		p = p[i+1:]
		f.line = bytes.TrimSuffix(f.line, []byte{'\r'})
		f.fold(f.line)
		f.line = f.line[:0]
	}
	if f.out.Len() > 0 {
		_, err := f.w.Write(f.out.Bytes())
		f.out.Reset()
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// Close writes a last unterminated line, if any; it does not close the
// underlying writer.
func (f *FoldWriter) Close() error {
	if len(f.line) == 0 {
		return nil
	}
	f.fold(f.line)
	f.line = f.line[:0]
	_, err := f.w.Write(f.out.Bytes())
	f.out.Reset()
	return err
}

// fold appends line to f.out as one or more physical lines: the first holds
// up to 75 octets, each continuation a space and up to 74 more.
func (f *FoldWriter) fold(line []byte) {
	limit := maxLine
	for len(line) > limit {
		cut := limit
		// Step back to the start of a UTF-8 sequence so it stays whole.
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		if cut == 0 { // not UTF-8 at all: cut where the limit says
			cut = limit
		}
		f.out.Write(line[:cut])
		f.out.WriteString("\r\n ")
		line = line[cut:]
		limit = maxLine - 1
	}
	f.out.Write(line)
	f.out.WriteString("\r\n")
}

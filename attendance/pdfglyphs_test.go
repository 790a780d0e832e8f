package attendance_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"io"
	"regexp"
	"strconv"
	"testing"
)

// A reader of just enough PDF to say which glyphs a sheet draws: the
// fonts of every page's text (Type0, Identity-H) and, through each
// font's CIDToGIDMap, the glyph each character ID shows. It reads what
// fpdf wrote before (a CIDToGIDMap stream, characters as Unicode) as well
// as what WritePDF writes now (/Identity, characters as glyph IDs), so
// the tests using it fail on a sheet whose font lacks a character.

// usedGlyph is one glyph a page's text shows.
type usedGlyph struct {
	font string // the font's BaseFont
	cid  int
	gid  int
}

var (
	objRe      = regexp.MustCompile(`(?s)(\d+) 0 obj\s*(.*?)(?:stream\r?\n|endobj)`)
	lengthRe   = regexp.MustCompile(`/Length\s+(\d+)`)
	fontDictRe = regexp.MustCompile(`(?s)/Font\s*<<(.*?)>>`)
	fontRefRe  = regexp.MustCompile(`/([A-Za-z0-9_.+-]+)\s+(\d+)\s+0\s+R`)
	descRe     = regexp.MustCompile(`/DescendantFonts\s*\[\s*(\d+)\s+0\s+R`)
	baseRe     = regexp.MustCompile(`/BaseFont\s*/([^\s/<>\[\]]+)`)
	cidMapRe   = regexp.MustCompile(`/CIDToGIDMap\s*(?:/(Identity)|(\d+)\s+0\s+R)`)
	contentsRe = regexp.MustCompile(`/Contents\s+(\d+)\s+0\s+R`)
	pageRe     = regexp.MustCompile(`/Type\s*/Page\b`)
)

type pdfObj struct {
	dict   string
	stream []byte // inflated
}

func pdfObjects(t *testing.T, pdf []byte) map[int]pdfObj {
	t.Helper()
	objs := map[int]pdfObj{}
	for _, m := range objRe.FindAllSubmatchIndex(pdf, -1) {
		n, _ := strconv.Atoi(string(pdf[m[2]:m[3]]))
		o := pdfObj{dict: string(pdf[m[4]:m[5]])}
		if bytes.HasSuffix(pdf[m[0]:m[1]], []byte("\n")) && bytes.Contains(pdf[m[0]:m[1]], []byte("stream")) {
			l := lengthRe.FindStringSubmatch(o.dict)
			if l == nil {
				t.Fatalf("object %d: a stream without a direct /Length", n)
			}
			size, _ := strconv.Atoi(l[1])
			raw := pdf[m[1] : m[1]+size]
			o.stream = raw
			if bytes.Contains([]byte(o.dict), []byte("/FlateDecode")) {
				zr, err := zlib.NewReader(bytes.NewReader(raw))
				if err != nil {
					t.Fatalf("object %d: %v", n, err)
				}
				if o.stream, err = io.ReadAll(zr); err != nil {
					t.Fatalf("object %d: %v", n, err)
				}
			}
		}
		objs[n] = o
	}
	return objs
}

// pdfGlyphs lists every glyph the text of pdf's pages shows.
func pdfGlyphs(t *testing.T, pdf []byte) []usedGlyph {
	t.Helper()
	objs := pdfObjects(t, pdf)
	type cidFont struct {
		name  string
		toGID func(cid int) int
	}
	fonts := map[string]cidFont{} // resource name → font
	for _, o := range objs {
		for _, fd := range fontDictRe.FindAllStringSubmatch(o.dict, -1) {
			for _, ref := range fontRefRe.FindAllStringSubmatch(fd[1], -1) {
				n, _ := strconv.Atoi(ref[2])
				f := objs[n]
				d := descRe.FindStringSubmatch(f.dict)
				b := baseRe.FindStringSubmatch(f.dict)
				if d == nil || b == nil {
					t.Fatalf("font %s (object %d) is not a Type0 font: %.200s", ref[1], n, f.dict)
				}
				dn, _ := strconv.Atoi(d[1])
				cm := cidMapRe.FindStringSubmatch(objs[dn].dict)
				cf := cidFont{name: b[1]}
				switch {
				case cm == nil || cm[1] == "Identity":
					cf.toGID = func(cid int) int { return cid }
				default:
					mn, _ := strconv.Atoi(cm[2])
					m := objs[mn].stream
					cf.toGID = func(cid int) int {
						if 2*cid+2 > len(m) {
							return 0
						}
						return int(binary.BigEndian.Uint16(m[2*cid:]))
					}
				}
				fonts[ref[1]] = cf
			}
		}
	}
	var out []usedGlyph
	for _, o := range objs {
		if !pageRe.MatchString(o.dict) {
			continue
		}
		c := contentsRe.FindStringSubmatch(o.dict)
		if c == nil {
			continue
		}
		n, _ := strconv.Atoi(c[1])
		var cur cidFont
		var operands []any
		for _, tok := range contentTokens(objs[n].stream) {
			switch tok := tok.(type) {
			case operator:
				switch tok {
				case "Tf":
					if len(operands) >= 2 {
						name, _ := operands[len(operands)-2].(string)
						f, ok := fonts[name]
						if !ok {
							t.Fatalf("text in font %q, which the resources lack", name)
						}
						cur = f
					}
				case "Tj", "TJ", "'", "\"":
					for _, op := range operands {
						s, ok := op.([]byte)
						if !ok {
							continue
						}
						for i := 0; i+1 < len(s); i += 2 {
							cid := int(binary.BigEndian.Uint16(s[i:]))
							out = append(out, usedGlyph{font: cur.name, cid: cid, gid: cur.toGID(cid)})
						}
					}
				}
				operands = operands[:0]
			default:
				operands = append(operands, tok)
			}
		}
	}
	return out
}

// A content stream's tokens: operator, name (string, without the slash),
// string ([]byte, the strings inside a TJ array flattened in), or nil for
// numbers and anything else.
type operator string

func contentTokens(s []byte) []any {
	var out []any
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '[' || c == ']':
			i++
		case c == '/':
			j := i + 1
			for j < len(s) && !bytes.ContainsRune([]byte(" \n\r\t/<>[]()"), rune(s[j])) {
				j++
			}
			out = append(out, string(s[i+1:j]))
			i = j
		case c == '<' && i+1 < len(s) && s[i+1] == '<':
			// A dictionary (a marked-content span's): skip to its end.
			depth := 0
			for ; i < len(s); i++ {
				if s[i] == '(' { // strings in it may hold brackets
					_, i = literalString(s, i)
					i--
					continue
				}
				if i+1 < len(s) && s[i] == '<' && s[i+1] != '<' { // a hex string
					i += bytes.IndexByte(s[i:], '>')
					continue
				}
				if i+1 < len(s) && s[i] == '<' && s[i+1] == '<' {
					depth++
					i++
				} else if i+1 < len(s) && s[i] == '>' && s[i+1] == '>' {
					depth--
					i++
					if depth == 0 {
						i++
						break
					}
				}
			}
			out = append(out, nil)
		case c == '<':
			j := bytes.IndexByte(s[i:], '>') + i
			h := bytes.Join(bytes.Fields(s[i+1:j]), nil)
			if len(h)%2 == 1 {
				h = append(h, '0')
			}
			b, _ := hex.DecodeString(string(h))
			out = append(out, b)
			i = j + 1
		case c == '(':
			var b []byte
			b, i = literalString(s, i)
			out = append(out, b)
		case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && (s[j] == '.' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			out = append(out, nil)
			i = j
		default:
			j := i
			for j < len(s) && !bytes.ContainsRune([]byte(" \n\r\t/<>[]()"), rune(s[j])) {
				j++
			}
			if j == i {
				j++
			}
			out = append(out, operator(s[i:j]))
			i = j
		}
	}
	return out
}

// literalString reads the (string) at s[i] and returns it with the index
// after it.
func literalString(s []byte, i int) ([]byte, int) {
	var b []byte
	depth := 0
	for i++; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			i++
			if i >= len(s) {
				return b, i
			}
			switch e := s[i]; e {
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case '\r', '\n':
				if e == '\r' && i+1 < len(s) && s[i+1] == '\n' {
					i++
				}
			default:
				if e >= '0' && e <= '7' {
					v := 0
					for k := 0; k < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7'; k++ {
						v = v*8 + int(s[i]-'0')
						i++
					}
					i--
					b = append(b, byte(v))
				} else {
					b = append(b, e)
				}
			}
		case '(':
			depth++
			b = append(b, c)
		case ')':
			if depth == 0 {
				return b, i + 1
			}
			depth--
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	return b, i
}

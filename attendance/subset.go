package attendance

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// A TrueType subset that keeps glyph IDs: the glyphs not used are emptied
// rather than removed, so the shaper's glyph IDs are the PDF's character
// IDs (CIDToGIDMap /Identity) and no table but glyf and loca changes. The
// loca entries of the empty glyphs all repeat one offset, which deflate
// shrinks to almost nothing, so a sheet carries little more than the
// outlines it draws.

// subsetTables are the tables a PDF's embedded TrueType font needs
// (ISO 32000-1, 9.9: the renderer takes glyphs by ID, not through cmap).
var subsetTables = []string{"cvt ", "fpgm", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "prep"}

// tableOf is the raw table tag of a TrueType font.
func tableOf(data []byte, tag string) ([]byte, error) {
	if len(data) < 12 {
		return nil, errors.New("too short for a font")
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			break
		}
		if string(data[rec:rec+4]) != tag {
			continue
		}
		off, l := binary.BigEndian.Uint32(data[rec+8:]), binary.BigEndian.Uint32(data[rec+12:])
		if uint64(off)+uint64(l) > uint64(len(data)) {
			return nil, fmt.Errorf("table %q runs past the end", tag)
		}
		return data[off : off+l], nil
	}
	return nil, fmt.Errorf("no %q table", tag)
}

// subsetTrueType returns the font data with only the glyphs in used, the
// components of the composite ones among them and .notdef left in glyf.
func subsetTrueType(data []byte, used map[uint16]bool) ([]byte, error) {
	head, err := tableOf(data, "head")
	if err != nil || len(head) < 54 {
		return nil, fmt.Errorf("subset: head: %v", err)
	}
	longLoca := binary.BigEndian.Uint16(head[50:]) == 1
	maxp, err := tableOf(data, "maxp")
	if err != nil || len(maxp) < 6 {
		return nil, fmt.Errorf("subset: maxp: %v", err)
	}
	numGlyphs := int(binary.BigEndian.Uint16(maxp[4:]))
	loca, err := tableOf(data, "loca")
	if err != nil {
		return nil, fmt.Errorf("subset: %w", err)
	}
	glyf, err := tableOf(data, "glyf")
	if err != nil {
		return nil, fmt.Errorf("subset: %w", err)
	}
	offset := func(i int) (int, bool) {
		if longLoca {
			if 4*i+4 > len(loca) {
				return 0, false
			}
			return int(binary.BigEndian.Uint32(loca[4*i:])), true
		}
		if 2*i+2 > len(loca) {
			return 0, false
		}
		return 2 * int(binary.BigEndian.Uint16(loca[2*i:])), true
	}
	glyph := func(gid int) []byte {
		a, ok1 := offset(gid)
		b, ok2 := offset(gid + 1)
		if !ok1 || !ok2 || a > b || b > len(glyf) {
			return nil
		}
		return glyf[a:b]
	}

	keep := map[int]bool{}
	todo := []int{0}
	for g := range used {
		todo = append(todo, int(g))
	}
	for len(todo) > 0 {
		g := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if g >= numGlyphs || keep[g] {
			continue
		}
		keep[g] = true
		todo = append(todo, components(glyph(g))...)
	}

	var newGlyf []byte
	newLoca := make([]byte, 0, (numGlyphs+1)*4)
	putOffset := func(o int) {
		if longLoca {
			newLoca = binary.BigEndian.AppendUint32(newLoca, uint32(o))
		} else {
			newLoca = binary.BigEndian.AppendUint16(newLoca, uint16(o/2))
		}
	}
	for g := 0; g < numGlyphs; g++ {
		putOffset(len(newGlyf))
		if keep[g] {
			newGlyf = append(newGlyf, glyph(g)...)
			for len(newGlyf)%4 != 0 {
				newGlyf = append(newGlyf, 0)
			}
		}
	}
	putOffset(len(newGlyf))

	tables := map[string][]byte{"glyf": newGlyf, "loca": newLoca}
	for _, tag := range subsetTables {
		if tables[tag] != nil {
			continue
		}
		if t, err := tableOf(data, tag); err == nil {
			tables[tag] = t
		}
	}
	return writeTrueType(tables), nil
}

// components are the glyph IDs a composite glyph is built from.
func components(g []byte) []int {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil
	}
	var out []int
	for p := 10; p+4 <= len(g); {
		flags := binary.BigEndian.Uint16(g[p:])
		out = append(out, int(binary.BigEndian.Uint16(g[p+2:])))
		p += 4
		if flags&0x0001 != 0 { // ARG_1_AND_2_ARE_WORDS
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&0x0008 != 0: // WE_HAVE_A_SCALE
			p += 2
		case flags&0x0040 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
			p += 4
		case flags&0x0080 != 0: // WE_HAVE_A_TWO_BY_TWO
			p += 8
		}
		if flags&0x0020 == 0 { // MORE_COMPONENTS
			break
		}
	}
	return out
}

// writeTrueType lays tables out as a font file, with their checksums.
func writeTrueType(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	n := len(tags)
	entrySelector := 0
	for 1<<(entrySelector+1) <= n {
		entrySelector++
	}
	searchRange := 16 << entrySelector
	out := binary.BigEndian.AppendUint32(nil, 0x00010000)
	out = binary.BigEndian.AppendUint16(out, uint16(n))
	out = binary.BigEndian.AppendUint16(out, uint16(searchRange))
	out = binary.BigEndian.AppendUint16(out, uint16(entrySelector))
	out = binary.BigEndian.AppendUint16(out, uint16(n*16-searchRange))
	off := 12 + 16*n
	for _, t := range tags {
		b := tables[t]
		out = append(out, t...)
		out = binary.BigEndian.AppendUint32(out, checksum(b))
		out = binary.BigEndian.AppendUint32(out, uint32(off))
		out = binary.BigEndian.AppendUint32(out, uint32(len(b)))
		off += (len(b) + 3) &^ 3
	}
	for _, t := range tags {
		out = append(out, tables[t]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}

package pdf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// A TrueType font (the 'glyf' flavour of OpenType), read once and then
// shared by every document: its character map, metrics and glyph outlines
// are looked up, and subset builds, per document, a font program holding
// only the glyphs that document shows.

// ttFont is a parsed TrueType font. It is read-only after parseTrueType
// and safe for concurrent use.
type ttFont struct {
	name        string // PostScript name
	tables      map[string][]byte
	unitsPerEm  int
	numGlyphs   int
	numHMetrics int
	hmtx        []byte
	loca        []uint32 // numGlyphs+1 offsets into glyf
	glyf        []byte
	cmap        map[rune]uint16

	// For the PDF font descriptor, in font units.
	ascent, descent, capHeight int
	bbox                       [4]int
	italicAngle                float64
	fixedPitch                 bool
}

var errFont = errors.New("pdf: invalid font")

func fontErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errFont, fmt.Sprintf(format, args...))
}

// parseTrueType reads the tables of a TrueType font that a PDF needs.
func parseTrueType(data []byte) (*ttFont, error) {
	if len(data) < 12 {
		return nil, fontErr("%d bytes", len(data))
	}
	if v := binary.BigEndian.Uint32(data); v != 0x00010000 && v != 0x74727565 { // 1.0 or 'true'
		return nil, fontErr("not a TrueType font (version %#08x)", v)
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	if len(data) < 12+16*n {
		return nil, fontErr("table directory of %d entries is truncated", n)
	}
	f := &ttFont{tables: make(map[string][]byte, n)}
	for i := 0; i < n; i++ {
		e := data[12+16*i:]
		tag := string(e[:4])
		off, length := binary.BigEndian.Uint32(e[8:]), binary.BigEndian.Uint32(e[12:])
		if uint64(off)+uint64(length) > uint64(len(data)) {
			return nil, fontErr("table %q at %d+%d is outside the file", tag, off, length)
		}
		f.tables[tag] = data[off : off+length]
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"} {
		if f.tables[tag] == nil {
			return nil, fontErr("no %q table", tag)
		}
	}
	head, hhea, maxp := f.tables["head"], f.tables["hhea"], f.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, fontErr("head, hhea or maxp table too short")
	}
	f.unitsPerEm = int(binary.BigEndian.Uint16(head[18:]))
	if f.unitsPerEm < 16 || f.unitsPerEm > 16384 {
		return nil, fontErr("%d units per em", f.unitsPerEm)
	}
	for i := range f.bbox {
		f.bbox[i] = int(int16(binary.BigEndian.Uint16(head[36+2*i:])))
	}
	longLoca := binary.BigEndian.Uint16(head[50:]) == 1
	f.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	f.numHMetrics = int(binary.BigEndian.Uint16(hhea[34:]))
	f.ascent = int(int16(binary.BigEndian.Uint16(hhea[4:])))
	f.descent = int(int16(binary.BigEndian.Uint16(hhea[6:])))
	if f.numGlyphs == 0 || f.numHMetrics == 0 || f.numHMetrics > f.numGlyphs {
		return nil, fontErr("%d glyphs, %d horizontal metrics", f.numGlyphs, f.numHMetrics)
	}
	f.hmtx = f.tables["hmtx"]
	if len(f.hmtx) < 4*f.numHMetrics+2*(f.numGlyphs-f.numHMetrics) {
		return nil, fontErr("hmtx table too short")
	}
	loca := f.tables["loca"]
	f.glyf = f.tables["glyf"]
	f.loca = make([]uint32, f.numGlyphs+1)
	for i := range f.loca {
		if longLoca {
			if len(loca) < 4*(i+1) {
				return nil, fontErr("loca table too short")
			}
			f.loca[i] = binary.BigEndian.Uint32(loca[4*i:])
		} else {
			if len(loca) < 2*(i+1) {
				return nil, fontErr("loca table too short")
			}
			f.loca[i] = 2 * uint32(binary.BigEndian.Uint16(loca[2*i:]))
		}
		if f.loca[i] > uint32(len(f.glyf)) || (i > 0 && f.loca[i] < f.loca[i-1]) {
			return nil, fontErr("loca entry %d (%d) outside glyf or out of order", i, f.loca[i])
		}
	}
	var err error
	if f.cmap, err = parseCmap(f.tables["cmap"], f.numGlyphs); err != nil {
		return nil, err
	}
	f.capHeight = f.ascent
	if os2 := f.tables["OS/2"]; len(os2) >= 90 && binary.BigEndian.Uint16(os2) >= 2 {
		f.capHeight = int(int16(binary.BigEndian.Uint16(os2[88:])))
	}
	if post := f.tables["post"]; len(post) >= 16 {
		f.italicAngle = float64(int32(binary.BigEndian.Uint32(post[4:]))) / 65536
		f.fixedPitch = binary.BigEndian.Uint32(post[12:]) != 0
	}
	f.name = postScriptName(f.tables["name"])
	if f.name == "" {
		return nil, fontErr("no PostScript name")
	}
	return f, nil
}

// parseCmap reads the Unicode character map: a full-repertoire (3,10)
// format 12 subtable if there is one, else a BMP (3,1) or (0,*) format 4.
func parseCmap(t []byte, numGlyphs int) (map[rune]uint16, error) {
	if len(t) < 4 {
		return nil, fontErr("cmap table too short")
	}
	n := int(binary.BigEndian.Uint16(t[2:]))
	if len(t) < 4+8*n {
		return nil, fontErr("cmap table too short")
	}
	best, bestRank := -1, 0
	for i := 0; i < n; i++ {
		e := t[4+8*i:]
		platform, encoding := binary.BigEndian.Uint16(e), binary.BigEndian.Uint16(e[2:])
		off := int(binary.BigEndian.Uint32(e[4:]))
		if off+2 > len(t) {
			return nil, fontErr("cmap subtable %d outside the table", i)
		}
		format := binary.BigEndian.Uint16(t[off:])
		rank := 0
		switch {
		case platform == 3 && encoding == 10 && format == 12:
			rank = 3
		case platform == 3 && encoding == 1 && format == 4:
			rank = 2
		case platform == 0 && (format == 4 || format == 12):
			rank = 1
		}
		if rank > bestRank {
			best, bestRank = off, rank
		}
	}
	if best < 0 {
		return nil, fontErr("no Unicode cmap subtable of format 4 or 12")
	}
	s := t[best:]
	m := make(map[rune]uint16)
	// Segments and groups may overlap: the codes visited are bounded by
	// the size of Unicode, so that a malformed font cannot loop for long.
	visited := 0
	add := func(r rune, g int) {
		visited++
		if g > 0 && g < numGlyphs {
			m[r] = uint16(g)
		}
	}
	const maxVisited = 0x110000
	if binary.BigEndian.Uint16(s) == 12 {
		if len(s) < 16 {
			return nil, fontErr("cmap format 12 too short")
		}
		groups := int(binary.BigEndian.Uint32(s[12:]))
		if groups > (len(s)-16)/12 {
			return nil, fontErr("cmap format 12: %d groups do not fit", groups)
		}
		for i := 0; i < groups; i++ {
			g := s[16+12*i:]
			start, end, glyph := binary.BigEndian.Uint32(g), binary.BigEndian.Uint32(g[4:]), binary.BigEndian.Uint32(g[8:])
			if end < start || end > 0x10FFFF || end-start > 0x10FFFF {
				return nil, fontErr("cmap format 12: group %d is %#x–%#x", i, start, end)
			}
			if visited += int(end - start); visited > maxVisited {
				return nil, fontErr("cmap format 12: groups cover more than all of Unicode")
			}
			for c := start; c <= end; c++ {
				add(rune(c), int(glyph+(c-start)))
			}
		}
		return m, nil
	}
	if len(s) < 14 {
		return nil, fontErr("cmap format 4 too short")
	}
	segs := int(binary.BigEndian.Uint16(s[6:])) / 2
	if len(s) < 16+8*segs {
		return nil, fontErr("cmap format 4: %d segments do not fit", segs)
	}
	ends, starts := s[14:], s[16+2*segs:]
	deltas, ranges := s[16+4*segs:], s[16+6*segs:]
	for i := 0; i < segs; i++ {
		end, start := int(binary.BigEndian.Uint16(ends[2*i:])), int(binary.BigEndian.Uint16(starts[2*i:]))
		delta, ro := int(binary.BigEndian.Uint16(deltas[2*i:])), int(binary.BigEndian.Uint16(ranges[2*i:]))
		if start > end || start == 0xFFFF {
			continue
		}
		if visited += end - start; visited > maxVisited {
			return nil, fontErr("cmap format 4: segments cover more than all of Unicode")
		}
		for c := start; c <= end; c++ {
			g := (c + delta) & 0xFFFF
			if ro != 0 {
				// The glyph index is read from glyphIdArray, addressed
				// from this segment's idRangeOffset entry.
				at := 16 + 6*segs + 2*i + ro + 2*(c-start)
				if at+2 > len(s) {
					return nil, fontErr("cmap format 4: segment %d points outside the table", i)
				}
				g = int(binary.BigEndian.Uint16(s[at:]))
				if g != 0 {
					g = (g + delta) & 0xFFFF
				}
			}
			add(rune(c), g)
		}
	}
	return m, nil
}

// postScriptName returns name ID 6 from the name table (Windows Unicode or
// Macintosh Roman), with only the characters a PDF name may hold.
func postScriptName(t []byte) string {
	if len(t) < 6 {
		return ""
	}
	n, strOff := int(binary.BigEndian.Uint16(t[2:])), int(binary.BigEndian.Uint16(t[4:]))
	for i := 0; i < n && 6+12*(i+1) <= len(t); i++ {
		r := t[6+12*i:]
		platform, id := binary.BigEndian.Uint16(r), binary.BigEndian.Uint16(r[6:])
		length, off := int(binary.BigEndian.Uint16(r[8:])), int(binary.BigEndian.Uint16(r[10:]))
		if id != 6 || strOff+off+length > len(t) {
			continue
		}
		raw := t[strOff+off : strOff+off+length]
		var name []byte
		switch platform {
		case 3, 0: // UTF-16BE
			for j := 0; j+1 < len(raw); j += 2 {
				if c := binary.BigEndian.Uint16(raw[j:]); c > 0x20 && c < 0x7F {
					name = append(name, byte(c))
				}
			}
		case 1:
			for _, c := range raw {
				if c > 0x20 && c < 0x7F {
					name = append(name, c)
				}
			}
		}
		clean := name[:0]
		for _, c := range name {
			if c != '(' && c != ')' && c != '<' && c != '>' && c != '[' && c != ']' && c != '{' && c != '}' && c != '/' && c != '%' && c != '#' {
				clean = append(clean, c)
			}
		}
		if len(clean) > 0 {
			return string(clean)
		}
	}
	return ""
}

// glyph returns the glyph id of r, 0 (.notdef) when the font lacks it.
func (f *ttFont) glyph(r rune) uint16 { return f.cmap[r] }

// advance returns the advance width of glyph g in font units.
func (f *ttFont) advance(g uint16) int {
	i := int(g)
	if i >= f.numHMetrics {
		i = f.numHMetrics - 1
	}
	return int(binary.BigEndian.Uint16(f.hmtx[4*i:]))
}

// lsb returns the left side bearing of glyph g.
func (f *ttFont) lsb(g uint16) int16 {
	i := int(g)
	if i < f.numHMetrics {
		return int16(binary.BigEndian.Uint16(f.hmtx[4*i+2:]))
	}
	return int16(binary.BigEndian.Uint16(f.hmtx[4*f.numHMetrics+2*(i-f.numHMetrics):]))
}

// glyphData returns the outline of glyph g (empty for a blank glyph).
func (f *ttFont) glyphData(g uint16) []byte {
	if int(g) >= f.numGlyphs {
		return nil
	}
	return f.glyf[f.loca[g]:f.loca[g+1]]
}

// Flags of a composite glyph's component (the 'glyf' table).
const (
	compArgsAreWords = 0x0001
	compHaveScale    = 0x0008
	compMore         = 0x0020
	compHaveXYScale  = 0x0040
	compHave2x2      = 0x0080
)

// components calls fn with the offset, within the glyph data d, of every
// component glyph id of a composite glyph; it does nothing for a simple
// glyph. It reports malformed data.
func components(d []byte, fn func(at int) error) error {
	if len(d) < 10 || int16(binary.BigEndian.Uint16(d)) >= 0 {
		return nil
	}
	p := 10
	for {
		if p+4 > len(d) {
			return fontErr("composite glyph truncated")
		}
		flags := binary.BigEndian.Uint16(d[p:])
		if err := fn(p + 2); err != nil {
			return err
		}
		p += 4
		if flags&compArgsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&compHaveScale != 0:
			p += 2
		case flags&compHaveXYScale != 0:
			p += 4
		case flags&compHave2x2 != 0:
			p += 8
		}
		if flags&compMore == 0 {
			return nil
		}
	}
}

// withComponents returns ids followed by the component glyphs of their
// composite glyphs that ids lack, so that the subset of the result draws
// every glyph of ids. ids[0] must be .notdef (0).
func (f *ttFont) withComponents(ids []uint16) ([]uint16, error) {
	have := make(map[uint16]bool, len(ids))
	for _, g := range ids {
		have[g] = true
	}
	out := ids
	// Components may be composite themselves: the loop reaches them as
	// they are appended. Fonts nest a few levels at most.
	for i := 0; i < len(out); i++ {
		g := out[i]
		d := f.glyphData(g)
		err := components(d, func(at int) error {
			c := binary.BigEndian.Uint16(d[at:])
			if int(c) >= f.numGlyphs {
				return fontErr("glyph %d: component %d does not exist", g, c)
			}
			if !have[c] {
				have[c] = true
				out = append(out, c)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// subset builds a TrueType font program with the glyphs ids (as
// withComponents returns them), renumbered 0, 1, 2… in that order, and the tables a PDF
// viewer needs to draw them: outlines, metrics, hinting programs and a
// minimal cmap (a PDF maps its character codes to glyphs itself).
func (f *ttFont) subset(ids []uint16) ([]byte, error) {
	newID := make(map[uint16]uint16, len(ids))
	for i, g := range ids {
		newID[g] = uint16(i)
	}
	n := len(ids)
	var glyf []byte
	loca := make([]byte, 0, 4*(n+1))
	hmtx := make([]byte, 0, 4*n)
	for _, g := range ids {
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		d := f.glyphData(g)
		start := len(glyf)
		glyf = append(glyf, d...)
		err := components(d, func(at int) error {
			old := binary.BigEndian.Uint16(d[at:])
			binary.BigEndian.PutUint16(glyf[start+at:], newID[old])
			return nil
		})
		if err != nil {
			return nil, err
		}
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		hmtx = binary.BigEndian.AppendUint16(hmtx, uint16(f.advance(g)))
		hmtx = binary.BigEndian.AppendUint16(hmtx, uint16(f.lsb(g)))
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))

	head := append([]byte(nil), f.tables["head"]...)
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1) // long loca offsets
	hhea := append([]byte(nil), f.tables["hhea"]...)
	binary.BigEndian.PutUint16(hhea[34:], uint16(n))
	maxp := append([]byte(nil), f.tables["maxp"]...)
	binary.BigEndian.PutUint16(maxp[4:], uint16(n))
	// post version 3: no glyph names.
	post := make([]byte, 32)
	copy(post, f.tables["post"])
	binary.BigEndian.PutUint32(post, 0x00030000)
	clear(post[16:])

	tables := map[string][]byte{
		"cmap": minimalCmap, "glyf": glyf, "head": head, "hhea": hhea,
		"hmtx": hmtx, "loca": loca, "maxp": maxp, "post": post,
	}
	// The hinting programs and OS/2 metrics. The name table holds only the
	// PostScript name: DejaVu's is 15 KiB of licence text, which fonts/
	// carries.
	for _, tag := range []string{"cvt ", "fpgm", "prep", "OS/2"} {
		if t := f.tables[tag]; t != nil {
			tables[tag] = t
		}
	}
	tables["name"] = nameTable(f.name)
	return assembleSFNT(tables), nil
}

// nameTable returns a name table with one record: the PostScript name
// (name ID 6), for Windows Unicode, English (United States).
func nameTable(name string) []byte {
	var t []byte
	t = binary.BigEndian.AppendUint16(t, 0)  // format
	t = binary.BigEndian.AppendUint16(t, 1)  // count
	t = binary.BigEndian.AppendUint16(t, 18) // string offset: 6 + 12
	for _, v := range []uint16{3, 1, 0x409, 6, uint16(2 * len(name)), 0} {
		t = binary.BigEndian.AppendUint16(t, v)
	}
	for i := 0; i < len(name); i++ {
		t = binary.BigEndian.AppendUint16(t, uint16(name[i]))
	}
	return t
}

// minimalCmap is a (3,1) format 4 cmap with only the final 0xFFFF segment.
var minimalCmap = []byte{
	0, 0, 0, 1, // version, one subtable
	0, 3, 0, 1, 0, 0, 0, 12, // Windows Unicode BMP at offset 12
	0, 4, 0, 24, 0, 0, // format 4, length 24, language
	0, 2, 0, 2, 0, 0, 0, 0, // segCountX2 = 2, searchRange, entrySelector, rangeShift
	0xFF, 0xFF, 0, 0, // endCode, reservedPad
	0xFF, 0xFF, 0, 1, // startCode, idDelta
	0, 0, // idRangeOffset
}

// assembleSFNT writes a font file: the offset table, the table directory
// sorted by tag, and the tables, each padded to 4 bytes, with their
// checksums and the whole-font checksum adjustment in head.
func assembleSFNT(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	size := 0
	for tag, t := range tables {
		tags = append(tags, tag)
		size += (len(t) + 3) &^ 3
	}
	sort.Strings(tags)
	n := len(tags)
	out := make([]byte, 12+16*n, 12+16*n+size)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	sr, es := 1, 0
	for sr*2 <= n {
		sr *= 2
		es++
	}
	binary.BigEndian.PutUint16(out[6:], uint16(16*sr))
	binary.BigEndian.PutUint16(out[8:], uint16(es))
	binary.BigEndian.PutUint16(out[10:], uint16(16*n-16*sr))
	headAt := 0
	for i, tag := range tags {
		t := tables[tag]
		e := out[12+16*i:]
		copy(e, tag)
		binary.BigEndian.PutUint32(e[4:], checksum(t))
		binary.BigEndian.PutUint32(e[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(e[12:], uint32(len(t)))
		if tag == "head" {
			headAt = len(out)
		}
		out = append(out, t...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	return out
}

// checksum is the sum of the big-endian 32-bit words of b, zero-padded.
func checksum(b []byte) uint32 {
	var sum uint32
	for len(b) >= 4 {
		sum += binary.BigEndian.Uint32(b)
		b = b[4:]
	}
	var last [4]byte
	copy(last[:], b)
	return sum + binary.BigEndian.Uint32(last[:])
}

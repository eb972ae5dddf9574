package pdf

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"sync"
	"unicode/utf16"
)

// A minimal PDF 1.7 writer (ISO 32000-1): pages of vector graphics and
// text in embedded TrueType subsets (Type0 fonts, Identity-H encoding,
// CIDFontType2 with identity CID-to-glyph mapping), with ToUnicode maps so
// that text can be extracted and searched. Only what the certificate needs.

// docFont is a font as one document uses it: the glyphs used, numbered in
// order of first use (these numbers are the CIDs written in the content
// and the glyph ids of the embedded subset), and the character of each.
type docFont struct {
	f     *ttFont
	ids   []uint16 // subset id → font glyph id; ids[0] is .notdef
	newID map[uint16]uint16
	runes []rune // subset id → character, for ToUnicode
}

func (d *docFont) use(g glyphRef) uint16 {
	if id, ok := d.newID[g.id]; ok {
		return id
	}
	id := uint16(len(d.ids))
	d.ids = append(d.ids, g.id)
	d.runes = append(d.runes, g.r)
	d.newID[g.id] = id
	return id
}

// page is the content stream of one page, in PDF operators.
type page struct {
	content []byte
}

// doc is a document being written.
type doc struct {
	fonts []*docFont // by index in Fonts.list
	pages []*page
}

func newDoc(fs *Fonts) *doc {
	d := &doc{fonts: make([]*docFont, len(fs.list))}
	for i, f := range fs.list {
		d.fonts[i] = &docFont{f: f, ids: []uint16{0}, runes: []rune{0}, newID: map[uint16]uint16{0: 0}}
	}
	return d
}

func (d *doc) newPage() *page {
	p := &page{}
	d.pages = append(d.pages, p)
	return p
}

// num appends a number with at most two decimals, without trailing zeros:
// a hundredth of a point is far below what a printer draws.
func num(b []byte, v float64) []byte { return numPrec(b, v, 2) }

func numPrec(b []byte, v float64, decimals int) []byte {
	if v == float64(int64(v)) {
		return strconv.AppendInt(b, int64(v), 10)
	}
	b = strconv.AppendFloat(b, v, 'f', decimals, 64)
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	return b
}

// ops appends operands and an operator: p.op("re", x, y, w, h).
func (p *page) op(op string, args ...float64) {
	for _, a := range args {
		p.content = num(p.content, a)
		p.content = append(p.content, ' ')
	}
	p.content = append(p.content, op...)
	p.content = append(p.content, '\n')
}

// transform sets the transformation matrix [a b c d e f] ("cm") with
// five decimals: it scales what follows, so its rounding would grow.
func (p *page) transform(a, b, c, d, e, f float64) {
	for _, v := range []float64{a, b, c, d, e, f} {
		p.content = numPrec(p.content, v, 5)
		p.content = append(p.content, ' ')
	}
	p.content = append(p.content, "cm\n"...)
}

// text draws glyphs with the baseline starting at (x, y), in grey level
// gray (0 black), faking bold by stroking the outlines as well.
func (p *page) text(d *doc, glyphs []glyphRef, x, y, size, gray float64, bold bool) {
	if len(glyphs) == 0 {
		return
	}
	p.content = append(p.content, "BT\n"...)
	p.op("g", gray)
	// The rendering mode is graphics state, which ET does not reset: set
	// it on every text object.
	if bold {
		p.op("G", gray)
		p.op("w", size*0.035)
		p.op("Tr", 2)
	} else {
		p.op("Tr", 0)
	}
	for i := 0; i < len(glyphs); {
		f := glyphs[i].font
		j := i
		for j < len(glyphs) && glyphs[j].font == f {
			j++
		}
		p.content = append(p.content, "/F"...)
		p.content = strconv.AppendInt(p.content, int64(f), 10)
		p.content = append(p.content, ' ')
		p.op("Tf", size)
		p.op("Tm", 1, 0, 0, 1, x, y)
		p.content = append(p.content, '<')
		for _, g := range glyphs[i:j] {
			id := d.fonts[f].use(g)
			p.content = append(p.content, hexDigits[id>>12], hexDigits[id>>8&15], hexDigits[id>>4&15], hexDigits[id&15])
		}
		p.content = append(p.content, "> Tj\n"...)
		x += width(glyphs[i:j], size)
		i = j
	}
	p.content = append(p.content, "ET\n"...)
}

const hexDigits = "0123456789ABCDEF"

// rect fills a rectangle in grey level gray.
func (p *page) rect(x, y, w, h, gray float64) {
	p.op("g", gray)
	p.op("re", x, y, w, h)
	p.op("f")
}

// line strokes a line of width lw in grey level gray.
func (p *page) line(x0, y0, x1, y1, lw, gray float64) {
	p.op("G", gray)
	p.op("w", lw)
	p.op("m", x0, y0)
	p.op("l", x1, y1)
	p.op("S")
}

// flaters pools compressors: a flate.Writer allocates about 600 KiB.
var flaters = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(io.Discard, flate.BestSpeed)
	return w
}}

func deflate(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b)/2 + 64)
	w := flaters.Get().(*zlib.Writer)
	w.Reset(&out)
	w.Write(b)
	w.Close()
	flaters.Put(w)
	return out.Bytes()
}

// pdfWriter writes numbered objects and remembers their offsets.
type pdfWriter struct {
	out     *bytes.Buffer
	offsets []int // by object number − 1
}

func (w *pdfWriter) begin(n int) {
	for len(w.offsets) < n {
		w.offsets = append(w.offsets, 0)
	}
	w.offsets[n-1] = w.out.Len()
	fmt.Fprintf(w.out, "%d 0 obj\n", n)
}

func (w *pdfWriter) object(n int, body string) {
	w.begin(n)
	w.out.WriteString(body)
	w.out.WriteString("\nendobj\n")
}

// stream writes a compressed stream; extra are dictionary entries.
func (w *pdfWriter) stream(n int, extra string, data []byte) {
	z := deflate(data)
	w.begin(n)
	fmt.Fprintf(w.out, "<< /Length %d /Filter /FlateDecode%s >>\nstream\n", len(z), extra)
	w.out.Write(z)
	w.out.WriteString("\nendstream\nendobj\n")
}

// textString returns s as a PDF text string: UTF-16BE with a byte order
// mark, in hexadecimal.
func textString(s string) string {
	var b []byte
	b = append(b, "<FEFF"...)
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, hexDigits[u>>12], hexDigits[u>>8&15], hexDigits[u>>4&15], hexDigits[u&15])
	}
	return string(append(b, '>'))
}

// A4 in points.
const (
	pageWidth  = 595.28
	pageHeight = 841.89
)

// write assembles the document: catalog, page tree, pages, and for each
// font used its Type0 font, CIDFont, descriptor, subset and ToUnicode map.
func (d *doc) write(out *bytes.Buffer, title string) error {
	w := &pdfWriter{out: out}
	out.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	const catalog, pages, info = 1, 2, 3
	next := 4
	pageObj := make([]int, len(d.pages))
	for i := range d.pages {
		pageObj[i] = next
		next += 2 // page, content
	}
	fontObj := make([]int, len(d.fonts))
	for i, f := range d.fonts {
		if len(f.ids) > 1 {
			fontObj[i] = next
			next += 5
		}
	}
	w.object(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	var kids bytes.Buffer
	for _, n := range pageObj {
		fmt.Fprintf(&kids, "%d 0 R ", n)
	}
	w.object(pages, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", bytes.TrimSpace(kids.Bytes()), len(d.pages)))
	w.object(info, fmt.Sprintf("<< /Title %s /Producer (ITHC render/pdf) >>", textString(title)))
	var res bytes.Buffer
	res.WriteString("<< /Font <<")
	for i, n := range fontObj {
		if n != 0 {
			fmt.Fprintf(&res, " /F%d %d 0 R", i, n)
		}
	}
	res.WriteString(" >> >>")
	for i, p := range d.pages {
		n := pageObj[i]
		w.object(n, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources %s /Contents %d 0 R >>",
			pages, num(nil, pageWidth), num(nil, pageHeight), res.String(), n+1))
		w.stream(n+1, "", p.content)
	}
	for i, f := range d.fonts {
		if fontObj[i] != 0 {
			if err := f.write(w, fontObj[i]); err != nil {
				return err
			}
		}
	}
	xref := out.Len()
	fmt.Fprintf(out, "xref\n0 %d\n0000000000 65535 f \n", len(w.offsets)+1)
	for _, off := range w.offsets {
		fmt.Fprintf(out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(out, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(w.offsets)+1, catalog, info, xref)
	return nil
}

// write writes the five objects of a font from object n on.
func (d *docFont) write(w *pdfWriter, n int) error {
	ids, err := d.f.withComponents(d.ids)
	if err != nil {
		return err
	}
	program, err := d.f.subset(ids)
	if err != nil {
		return err
	}
	// The subset tag: six capital letters that differ between subsets.
	h := fnv.New32a()
	for _, g := range ids {
		h.Write([]byte{byte(g >> 8), byte(g)})
	}
	sum := h.Sum32()
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + byte(sum%26)
		sum /= 26
	}
	name := string(tag) + "+" + d.f.name
	f := d.f
	scale := func(v int) int { return v * 1000 / f.unitsPerEm }

	w.object(n, fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>",
		name, n+1, n+4))
	var widths bytes.Buffer
	widths.WriteString("[0 [")
	for i, g := range ids {
		if i > 0 {
			widths.WriteByte(' ')
		}
		widths.WriteString(strconv.Itoa(scale(f.advance(g))))
	}
	widths.WriteString("]]")
	w.object(n+1, fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /W %s /CIDToGIDMap /Identity >>",
		name, n+2, widths.String()))
	flags := 4 // symbolic: glyphs are addressed by id
	if f.fixedPitch {
		flags |= 1
	}
	w.object(n+2, fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%d %d %d %d] /ItalicAngle %s /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>",
		name, flags, scale(f.bbox[0]), scale(f.bbox[1]), scale(f.bbox[2]), scale(f.bbox[3]), num(nil, f.italicAngle),
		scale(f.ascent), scale(f.descent), scale(f.capHeight), n+3))
	w.stream(n+3, fmt.Sprintf(" /Length1 %d", len(program)), program)
	w.stream(n+4, "", d.toUnicode())
	return nil
}

// toUnicode returns the CMap from subset ids to characters.
func (d *docFont) toUnicode() []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	runes := d.runes[1:] // .notdef maps to nothing
	for start := 0; start < len(runes); start += 100 {
		end := min(start+100, len(runes))
		fmt.Fprintf(&b, "%d beginbfchar\n", end-start)
		for i := start; i < end; i++ {
			fmt.Fprintf(&b, "<%04X> <", i+1)
			for _, u := range utf16.Encode([]rune{runes[i]}) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

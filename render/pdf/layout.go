package pdf

import (
	"fmt"
	"strconv"
	"unicode"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/render/qr"
	"github.com/ithc/ithc/render/view"
)

// The page layout, in points (1/72 inch) from the bottom-left corner.
const (
	marginX      = 42.0
	marginTop    = 40.0
	marginBottom = 52.0
	footerY      = 30.0
	contentWidth = pageWidth - 2*marginX
	mm           = 72 / 25.4
)

// style is how a paragraph is set: size in points, grey level (0 black).
type style struct {
	size, gray float64
	bold       bool
}

// The styles of the form. The second language of a pair is set smaller
// and lighter than the first.
var (
	stTitle    = style{18, 0, true}
	stTitle2   = style{12, 0.3, false}
	stSection  = style{10.5, 0, true}
	stSection2 = style{8.5, 0.4, false}
	stLabel    = style{8.5, 0.15, false}
	stLabel2   = style{7, 0.45, false}
	stValue    = style{10, 0, false}
	stValue2   = style{8, 0.35, false}
	stHead     = style{7.5, 0, true}
	stHead2    = style{6.5, 0.4, false}
	stCell     = style{8, 0, false}
	stCell2    = style{7, 0.4, false}
	stCaption  = style{8, 0, true}
	stCaption2 = style{7, 0.4, false}
	stFooter   = style{7, 0.45, false}
)

// leading is the line height of a style.
func (s style) leading() float64 { return s.size * 1.28 }

// para is a paragraph: a text and its style.
type para struct {
	text string
	st   style
}

// bi returns the paragraphs of a text in both languages of the pair.
func bi(t view.Text, first, second style) []para {
	ps := []para{{t.First, first}}
	if t.Second != "" {
		ps = append(ps, para{t.Second, second})
	}
	return ps
}

// block is paragraphs broken into lines for a width.
type block struct {
	lines  [][]glyphRef
	styles []style
	height float64
}

// layout lays a Form out on pages.
type layout struct {
	fs   *Fonts
	d    *doc
	form *view.Form
	page *page
	y    float64 // the top of the next element
}

func (l *layout) newPage() error {
	if len(l.d.pages) >= limits.MaxPDFPages {
		return fmt.Errorf("pdf: the certificate takes more than %d pages", limits.MaxPDFPages)
	}
	l.page = l.d.newPage()
	l.y = pageHeight - marginTop
	return nil
}

// ensure starts a new page unless h points fit above the bottom margin.
func (l *layout) ensure(h float64) error {
	if l.y-h >= marginBottom {
		return nil
	}
	return l.newPage()
}

// measure breaks paragraphs into lines of at most width points.
func (l *layout) measure(ps []para, width float64) (*block, error) {
	b := &block{}
	for _, p := range ps {
		glyphs, err := l.fs.shape(p.text, nil)
		if err != nil {
			return nil, err
		}
		for _, line := range breakLines(glyphs, p.st.size, width) {
			b.lines = append(b.lines, line)
			b.styles = append(b.styles, p.st)
			b.height += p.st.leading()
		}
	}
	return b, nil
}

// draw sets b with its top at y, left-aligned at x or centred in width
// when centre is set.
func (l *layout) draw(b *block, x, y, width float64, centre bool) {
	for i, line := range b.lines {
		st := b.styles[i]
		y -= st.leading()
		lx := x
		if centre {
			lx = x + (width-width0(line, st.size))/2
		}
		// The baseline sits a fifth of the line height above its bottom.
		l.page.text(l.d, line, lx, y+st.leading()*0.22, st.size, st.gray, st.bold)
	}
}

func width0(line []glyphRef, size float64) float64 { return width(line, size) }

// breakLines breaks glyphs into lines no wider than max: after spaces,
// around Chinese, Japanese and Korean characters (but not before closing
// punctuation), and anywhere inside a word wider than a line. Spaces at
// the ends of lines are dropped.
func breakLines(glyphs []glyphRef, size, max float64) [][]glyphRef {
	var lines [][]glyphRef
	for len(glyphs) > 0 {
		for len(glyphs) > 0 && glyphs[0].r == ' ' {
			glyphs = glyphs[1:]
		}
		if len(glyphs) == 0 {
			break
		}
		w, end, lastBreak := 0.0, 0, -1
		for end < len(glyphs) {
			adv := float64(glyphs[end].advance) * size / 1000
			if w+adv > max && end > 0 {
				break
			}
			w += adv
			end++
			if end < len(glyphs) && canBreak(glyphs[end-1].r, glyphs[end].r) {
				lastBreak = end
			}
		}
		if end < len(glyphs) && lastBreak > 0 {
			end = lastBreak
		}
		line := glyphs[:end]
		for len(line) > 0 && line[len(line)-1].r == ' ' {
			line = line[:len(line)-1]
		}
		lines = append(lines, line)
		glyphs = glyphs[end:]
	}
	return lines
}

// canBreak reports whether a line may break between a and b.
func canBreak(a, b rune) bool {
	switch {
	case a == ' ' || b == ' ':
		return true
	case isClosing(b):
		return false
	case isCJK(a) || isCJK(b):
		return true
	}
	// After a slash or hyphen inside words and identifiers, not inside
	// numbers such as dates.
	return (a == '/' || a == '-') && unicode.IsLetter(b)
}

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// isClosing reports punctuation that must not start a line.
func isClosing(r rune) bool {
	switch r {
	case '，', '。', '、', '；', '：', '！', '？', '）', '」', '』', '》', '〉', '】', ')', ',', '.', ';', ':', '!', '?':
		return true
	}
	return false
}

// render lays out the whole form with the QR code c printed qrWidth
// points wide (without its quiet zone).
func (l *layout) render(c *qr.Code, qrWidth float64) error {
	if err := l.newPage(); err != nil {
		return err
	}
	f := l.form
	// Title.
	title, err := l.measure(bi(f.Title, stTitle, stTitle2), contentWidth)
	if err != nil {
		return err
	}
	l.draw(title, marginX, l.y, contentWidth, false)
	l.y -= title.height + 6
	l.page.line(marginX, l.y, marginX+contentWidth, l.y, 0.8, 0.25)
	l.y -= 14

	// The QR code at the right, the holder and certificate at the left.
	module := qrWidth / float64(c.Size())
	qrTotal := qrWidth + 2*qr.MinQuietZone*module
	leftWidth := contentWidth - qrTotal
	top := l.y
	qrX, qrY := pageWidth-marginX-qrTotal+qr.MinQuietZone*module, top-qr.MinQuietZone*module
	l.drawQR(c, qrX, qrY, module)
	caption, err := l.measure(bi(f.QRCaption, stCaption, stCaption2), qrTotal)
	if err != nil {
		return err
	}
	l.draw(caption, pageWidth-marginX-qrTotal, qrY-qrWidth-2*module, qrTotal, true)
	rightBottom := qrY - qrWidth - 2*module - caption.height

	if err := l.fields(f.HolderTitle, f.Holder, leftWidth); err != nil {
		return err
	}
	l.y -= 8
	if err := l.fields(f.CertificateTitle, f.Certificate, leftWidth); err != nil {
		return err
	}
	l.y = min(l.y, rightBottom) - 12

	if err := l.events(); err != nil {
		return err
	}
	l.y -= 12
	if err := l.instructions(); err != nil {
		return err
	}
	return l.footers()
}

// drawQR fills the dark modules of c, row by row in horizontal runs, with
// the top-left module's corner at (x, y). The rectangles are in module
// units under a transformation (one module, y downwards), so that their
// coordinates are small integers.
func (l *layout) drawQR(c *qr.Code, x, y, module float64) {
	p := l.page
	p.op("q")
	p.transform(module, 0, 0, -module, x, y)
	p.op("g", 0)
	n := c.Size()
	for row := 0; row < n; row++ {
		for col := 0; col < n; {
			if !c.Dark(col, row) {
				col++
				continue
			}
			run := 1
			for col+run < n && c.Dark(col+run, row) {
				run++
			}
			p.op("re", float64(col), float64(row), float64(run), 1)
			col += run
		}
	}
	p.op("f")
	p.op("Q")
}

// section draws a section title and a rule under it.
func (l *layout) section(t view.Text, width float64) error {
	b, err := l.measure(bi(t, stSection, stSection2), width)
	if err != nil {
		return err
	}
	if err := l.ensure(b.height + 40); err != nil {
		return err
	}
	l.draw(b, marginX, l.y, width, false)
	l.y -= b.height + 3
	l.page.line(marginX, l.y, marginX+width, l.y, 0.4, 0.6)
	l.y -= 5
	return nil
}

// fields draws a section of labelled values in width points.
func (l *layout) fields(title view.Text, fields []view.Field, width float64) error {
	if err := l.section(title, width-12); err != nil {
		return err
	}
	const labelWidth = 118
	for _, fd := range fields {
		label, err := l.measure(bi(fd.Label, stLabel, stLabel2), labelWidth-6)
		if err != nil {
			return err
		}
		value, err := l.measure(bi(fd.Value, stValue, stValue2), width-labelWidth-12)
		if err != nil {
			return err
		}
		h := max(label.height, value.height)
		if err := l.ensure(h); err != nil {
			return err
		}
		l.draw(label, marginX, l.y, labelWidth, false)
		l.draw(value, marginX+labelWidth, l.y, width-labelWidth, false)
		l.y -= h + 2.5
	}
	return nil
}

// columnWidths are the widths of the events table's columns: number,
// event, date, details, result, place.
var columnWidths = [6]float64{24, 86, 62, 136, 110, contentWidth - 24 - 86 - 62 - 136 - 110}

const cellPad = 3

// row measures the cells of a table row.
func (l *layout) row(cells [6][]para) ([6]*block, float64, error) {
	var blocks [6]*block
	h := 0.0
	for i, c := range cells {
		b, err := l.measure(c, columnWidths[i]-2*cellPad)
		if err != nil {
			return blocks, 0, err
		}
		blocks[i] = b
		h = max(h, b.height)
	}
	return blocks, h + 2*cellPad, nil
}

func (l *layout) drawRow(blocks [6]*block, h float64, shade bool) {
	if shade {
		l.page.rect(marginX, l.y-h, contentWidth, h, 0.92)
	}
	x := marginX
	for i, b := range blocks {
		l.draw(b, x+cellPad, l.y-cellPad, columnWidths[i]-2*cellPad, false)
		x += columnWidths[i]
	}
	l.y -= h
	l.page.line(marginX, l.y, marginX+contentWidth, l.y, 0.4, 0.7)
}

// events draws the events table, its heading row repeated on every page.
func (l *layout) events() error {
	f := l.form
	if err := l.section(f.EventsTitle, contentWidth); err != nil {
		return err
	}
	var head [6][]para
	for i, c := range f.Columns {
		head[i] = bi(c, stHead, stHead2)
	}
	headBlocks, headH, err := l.row(head)
	if err != nil {
		return err
	}
	l.drawRow(headBlocks, headH, true)
	for _, e := range f.Events {
		var cells [6][]para
		cells[0] = []para{{strconv.Itoa(e.Number), stCell}}
		cells[1] = bi(e.Type, stCell, stCell2)
		cells[2] = []para{{e.Date, stCell}}
		for _, d := range e.Details {
			cells[3] = append(cells[3], para{d, stCell})
		}
		for _, r := range e.Result {
			cells[4] = append(cells[4], bi(r, stCell, stCell2)...)
		}
		cells[5] = []para{{e.Place, stCell}}
		blocks, h, err := l.row(cells)
		if err != nil {
			return err
		}
		if l.y-h < marginBottom {
			if err := l.newPage(); err != nil {
				return err
			}
			l.drawRow(headBlocks, headH, true)
		}
		l.drawRow(blocks, h, false)
	}
	return nil
}

// instructions draws the numbered instructions for the verifier.
func (l *layout) instructions() error {
	f := l.form
	if err := l.section(f.InstructionsTitle, contentWidth); err != nil {
		return err
	}
	for i, in := range f.Instructions {
		b, err := l.measure(bi(in, stCell, stCell2), contentWidth-16)
		if err != nil {
			return err
		}
		if err := l.ensure(b.height); err != nil {
			return err
		}
		n, err := l.measure([]para{{strconv.Itoa(i+1) + ".", stCell}}, 16)
		if err != nil {
			return err
		}
		l.draw(n, marginX, l.y, 16, false)
		l.draw(b, marginX+16, l.y, contentWidth-16, false)
		l.y -= b.height + 4
	}
	return nil
}

// footers print the certificate identifier and "page n of m" on every page.
func (l *layout) footers() error {
	n := len(l.d.pages)
	for i, p := range l.d.pages {
		l.page = p
		id, err := l.measure([]para{{l.form.ID, stFooter}}, contentWidth/2)
		if err != nil {
			return err
		}
		pg, err := l.measure([]para{{l.form.Page(i+1, n).String(), stFooter}}, contentWidth/2)
		if err != nil {
			return err
		}
		l.page.line(marginX, footerY+12, marginX+contentWidth, footerY+12, 0.4, 0.7)
		l.draw(id, marginX, footerY+10, contentWidth/2, false)
		if len(pg.lines) > 0 {
			x := marginX + contentWidth - width(pg.lines[0], stFooter.size)
			l.draw(pg, x, footerY+10, contentWidth/2, false)
		}
	}
	return nil
}

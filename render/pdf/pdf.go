// Package pdf prints the paper form of a certificate: one A4 page (more
// when the events do not fit) in a pair of languages, Chinese and English
// by default, with the holder, the certificate, every event in a table,
// short instructions for the verifier, and the signed QR code.
//
// Start with Render. The page shows the view.Form of the certificate (see
// package render/view for the texts and their checks) and the QR code of
// the code text, printed 35 to 60 mm wide.
//
// # Decisions
//
//   - Own PDF writer. The document is written by this package (PDF 1.7,
//     ISO 32000-1): text in embedded TrueType subsets (Type0 fonts,
//     Identity-H, with ToUnicode maps, so pdftotext and screen readers get
//     the text back), the QR code as filled rectangles (sharp at any
//     resolution). github.com/go-pdf/fpdf was measured first: it embeds
//     and subsets a CJK font correctly, but parses the whole 4 MB font
//     again for every document (18 ms and 26 MB of allocation for a
//     one-line page), which caps batch printing near 100 PDFs per second
//     on two cores. Here the fonts are parsed once (DefaultFonts) and each
//     document subsets only the glyphs it uses.
//   - Embedded fonts, no installed font needed: DejaVu Sans (Latin with
//     diacritics, Greek, Cyrillic) and Droid Sans Fallback (Chinese and
//     Japanese; it has neither Latin nor Hangul), both from Debian, with
//     their licences in fonts/. Each character takes the first font that has
//     it. A character neither has, or one of a right-to-left script
//     (which would need bidirectional layout and shaping), is an error
//     naming it, never a missing glyph on paper. Text is normalised to
//     NFC. Bold is the regular outline stroked as well as filled.
//   - The QR code is sized so that a module is about 0.5 mm, within 35 to
//     60 mm (the symbol, without its quiet zone of 4 modules, which the
//     layout keeps white), and read back from a 150 dpi rendering in the
//     tests.
//   - Output is deterministic: the same certificate and code give the
//     same bytes (no creation date; subset tags derive from the glyphs).
package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/render/qr"
	"github.com/ithc/ithc/render/view"
	"github.com/ithc/ithc/valueset"
)

// The printed width limits of the QR code, in millimetres, and the module
// size aimed at within them.
const (
	MinQRMillimetres  = 35
	MaxQRMillimetres  = 60
	moduleMillimetres = 0.5
)

// Options tune Render. The zero Options print in Chinese and English with
// the embedded fonts and value sets, the QR code at level Q.
type Options struct {
	// Languages is the language pair; the zero Pair is view.DefaultPair.
	Languages view.Pair
	// Fonts are the parsed fonts; nil means DefaultFonts.
	Fonts *Fonts
	// Sets name the codes of events; nil means valueset.Default.
	Sets *valueset.Sets
	// QR options for the code; the zero value is level Q.
	QR qr.Options
	// QRMillimetres fixes the printed width of the QR symbol (quiet zone
	// excluded), MinQRMillimetres to MaxQRMillimetres; zero chooses 0.5 mm
	// a module within those bounds.
	QRMillimetres float64
}

// ErrOptions reports options out of range.
var ErrOptions = errors.New("pdf: invalid options")

// Render writes the paper certificate of c, with code (the signed QR
// text, such as "HC1:…") printed as its QR code, to w. It is safe for
// concurrent use; the fonts are parsed once and shared.
func Render(w io.Writer, c *healthcert.Certificate, code string, o Options) error {
	b, err := Bytes(c, code, o)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("pdf: write: %w", err)
	}
	return nil
}

// Bytes returns the paper certificate of c as Render writes it.
func Bytes(c *healthcert.Certificate, code string, o Options) ([]byte, error) {
	if code == "" {
		return nil, fmt.Errorf("%w: no code to print", ErrOptions)
	}
	if o.QRMillimetres != 0 && (o.QRMillimetres < MinQRMillimetres || o.QRMillimetres > MaxQRMillimetres) {
		return nil, fmt.Errorf("%w: a QR code of %g mm, want %d to %d", ErrOptions, o.QRMillimetres, MinQRMillimetres, MaxQRMillimetres)
	}
	fs := o.Fonts
	if fs == nil {
		var err error
		if fs, err = DefaultFonts(); err != nil {
			return nil, err
		}
	}
	form, err := view.New(c, o.Languages, o.Sets)
	if err != nil {
		return nil, err
	}
	q, err := qr.Encode(code, o.QR)
	if err != nil {
		return nil, err
	}
	width := o.QRMillimetres
	if width == 0 {
		width = min(max(float64(q.Size())*moduleMillimetres, MinQRMillimetres), MaxQRMillimetres)
	}
	l := &layout{fs: fs, d: newDoc(fs), form: form}
	if err := l.render(q, width*mm); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(64 << 10)
	title := form.Title.First
	if form.Name != "" {
		title += " — " + form.Name
	}
	if err := l.d.write(&out, title); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// QRWidth returns the printed width, in millimetres, that Render gives the
// QR symbol of code with options o (quiet zone excluded).
func QRWidth(code string, o Options) (float64, error) {
	if o.QRMillimetres != 0 {
		return o.QRMillimetres, nil
	}
	q, err := qr.Encode(code, o.QR)
	if err != nil {
		return 0, err
	}
	return min(max(float64(q.Size())*moduleMillimetres, MinQRMillimetres), MaxQRMillimetres), nil
}

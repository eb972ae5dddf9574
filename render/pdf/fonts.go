package pdf

import (
	_ "embed" // the fonts
	"fmt"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The embedded fonts (see fonts/README.md for their origin and licences):
// DejaVu Sans for Latin with diacritics, Greek and Cyrillic, and Droid
// Sans Fallback, which has no Latin, for Chinese and Japanese (it has no
// Hangul either).
var (
	//go:embed fonts/DejaVuSans.ttf
	dejaVuSans []byte
	//go:embed fonts/DroidSansFallbackFull.ttf
	droidSansFallback []byte
)

// Fonts is the parsed set of fonts a certificate is printed with: a text
// font and a fallback for the characters it lacks. Parsing takes tens of
// milliseconds and a few MiB, so it is done once (DefaultFonts) and the
// result shared: a *Fonts is read-only and safe for concurrent use.
type Fonts struct {
	list []*ttFont
}

var (
	defaultFonts     *Fonts
	defaultFontsErr  error
	defaultFontsOnce sync.Once
)

// DefaultFonts returns the embedded fonts, parsed on the first call.
func DefaultFonts() (*Fonts, error) {
	defaultFontsOnce.Do(func() {
		defaultFonts, defaultFontsErr = ParseFonts(dejaVuSans, droidSansFallback)
	})
	return defaultFonts, defaultFontsErr
}

// ParseFonts parses TrueType fonts in order of preference: each character
// is printed with the first font that has it.
func ParseFonts(ttf ...[]byte) (*Fonts, error) {
	if len(ttf) == 0 {
		return nil, fmt.Errorf("%w: no font given", errFont)
	}
	fs := &Fonts{}
	for i, b := range ttf {
		f, err := parseTrueType(b)
		if err != nil {
			return nil, fmt.Errorf("font %d: %w", i, err)
		}
		fs.list = append(fs.list, f)
	}
	return fs, nil
}

// glyphRef is one character of a text as it is printed: the font, the
// glyph in it, the character, and the advance in thousandths of the font
// size.
type glyphRef struct {
	font    uint8
	id      uint16
	r       rune
	advance int32
}

// rightToLeft are the scripts written right to left, which the paper form
// cannot print: it lays glyphs out left to right without bidirectional
// reordering or the contextual shaping Arabic needs.
var rightToLeft = []*unicode.RangeTable{unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko, unicode.Samaritan, unicode.Mandaic}

// shape maps s, normalised to NFC, to glyphs: each character from the
// first font that has it. A character no font has, or of a right-to-left
// script, is an error naming it: the form never prints a name with
// missing glyphs.
func (fs *Fonts) shape(s string, out []glyphRef) ([]glyphRef, error) {
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	for _, r := range s {
		if r == '\n' || r == '\t' {
			r = ' '
		}
		if unicode.In(r, rightToLeft...) {
			return nil, fmt.Errorf("pdf: cannot print %q: %U %q is in a right-to-left script, which the paper form does not lay out", s, r, r)
		}
		found := false
		for i, f := range fs.list {
			if g := f.glyph(r); g != 0 {
				out = append(out, glyphRef{font: uint8(i), id: g, r: r, advance: int32(f.advance(g) * 1000 / f.unitsPerEm)})
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("pdf: cannot print %q: no embedded font has %U %q (they cover Latin, Greek, Cyrillic, Chinese and Japanese)", s, r, r)
		}
	}
	return out, nil
}

// width returns the advance of glyphs at size points.
func width(glyphs []glyphRef, size float64) float64 {
	var w int32
	for _, g := range glyphs {
		w += g.advance
	}
	return float64(w) * size / 1000
}

package pdf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/ithc/ithc/render/qr"
	"github.com/ithc/ithc/render/qr/qrtest"
	"github.com/ithc/ithc/render/view"
)

// TestCoverage checks that the embedded fonts print every letter of the
// scripts of holder names: Latin with diacritics (Latin-1, Extended-A and
// B), Greek, Cyrillic, and the Chinese characters of GB 2312 and the
// unified ideographs of the basic block.
func TestCoverage(t *testing.T) {
	fs, err := DefaultFonts()
	if err != nil {
		t.Fatal(err)
	}
	ranges := []struct {
		name     string
		lo, hi   rune
		required bool // every letter, else a share
		share    float64
	}{
		{"Basic Latin", 0x20, 0x7E, true, 0},
		{"Latin-1 Supplement", 0xA0, 0xFF, true, 0},
		{"Latin Extended-A", 0x100, 0x17F, true, 0},
		{"Latin Extended-B", 0x180, 0x24F, true, 0},
		{"Latin Extended Additional (Vietnamese)", 0x1E00, 0x1EF9, true, 0},
		{"Greek", 0x370, 0x3FF, true, 0},
		{"Cyrillic", 0x400, 0x4FF, true, 0},
		{"Hiragana", 0x3041, 0x3094, true, 0},
		{"Katakana", 0x30A1, 0x30F6, true, 0},
		{"CJK Unified Ideographs", 0x4E00, 0x9FA5, true, 0},
		{"Halfwidth and fullwidth forms", 0xFF01, 0xFF5E, true, 0},
	}
	// The CJK punctuation of names and addresses.
	if _, err := fs.shape("、。《》「」『』【】〔〕〜・", nil); err != nil {
		t.Error(err)
	}
	// Droid Sans Fallback has no Hangul: a Korean name in Hangul is
	// refused with a clear error (documented in docs/forms.md).
	if _, err := fs.shape("김민준", nil); err == nil || !strings.Contains(err.Error(), "U+AE40") {
		t.Errorf("Hangul: error %v", err)
	}
	for _, r := range ranges {
		total, missing := 0, []string{}
		for c := r.lo; c <= r.hi; c++ {
			if !unicode.IsLetter(c) && !unicode.IsPunct(c) && !unicode.IsDigit(c) && !unicode.IsSymbol(c) && c != ' ' {
				continue
			}
			total++
			if _, err := fs.shape(string(c), nil); err != nil {
				missing = append(missing, fmt.Sprintf("%U", c))
			}
		}
		if r.required && len(missing) > 0 {
			t.Errorf("%s: %d of %d characters missing: %s", r.name, len(missing), total, strings.Join(missing[:min(len(missing), 20)], " "))
		}
		if !r.required && float64(total-len(missing)) < r.share*float64(total) {
			t.Errorf("%s: %d of %d characters missing", r.name, len(missing), total)
		}
	}
}

// TestSubset checks a subset font program: it parses, its checksums
// hold, glyph outlines are the original ones, and the components of
// composite glyphs (accented Latin letters in DejaVu) are renumbered to
// glyphs of the subset.
func TestSubset(t *testing.T) {
	fs, err := DefaultFonts()
	if err != nil {
		t.Fatal(err)
	}
	for fi, f := range fs.list {
		d := newDoc(fs).fonts[fi]
		glyphs, err := fs.shape("Müller Ærø Ŝ Παπαδόπουλος Йё 张伟国际旅行", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range glyphs {
			if int(g.font) == fi {
				d.use(g)
			}
		}
		ids, err := f.withComponents(d.ids)
		if err != nil {
			t.Fatal(err)
		}
		program, err := f.subset(ids)
		if err != nil {
			t.Fatal(err)
		}
		if sum := checksum(program); sum != 0xB1B0AFBA {
			t.Errorf("%s: font checksum %#x, want 0xB1B0AFBA", f.name, sum)
		}
		sub, err := parseTrueType(program)
		if err != nil {
			t.Fatalf("%s: the subset does not parse: %v", f.name, err)
		}
		if sub.numGlyphs != len(ids) || sub.name != f.name || sub.unitsPerEm != f.unitsPerEm {
			t.Errorf("%s: subset of %d glyphs named %s, want %d", f.name, sub.numGlyphs, sub.name, len(ids))
		}
		composites := 0
		for newID, old := range ids {
			a, b := f.glyphData(old), sub.glyphData(uint16(newID))
			if f.advance(old) != sub.advance(uint16(newID)) {
				t.Errorf("%s: glyph %d advance %d, subset %d", f.name, old, f.advance(old), sub.advance(uint16(newID)))
			}
			if len(a) >= 10 && int16(binary.BigEndian.Uint16(a)) < 0 {
				composites++
				err := components(b, func(at int) error {
					c := binary.BigEndian.Uint16(b[at:])
					if int(c) >= len(ids) {
						return errors.New("component outside the subset")
					}
					return nil
				})
				if err != nil {
					t.Errorf("%s: glyph %d: %v", f.name, old, err)
				}
				continue
			}
			if !bytes.Equal(a, b[:len(a)]) {
				t.Errorf("%s: glyph %d outline differs in the subset", f.name, old)
			}
		}
		if fi == 0 && composites == 0 {
			t.Errorf("%s: no composite glyph in the test text", f.name)
		}
		t.Logf("%s: %d glyphs (%d composite), %d bytes", f.name, len(ids), composites, len(program))
	}
}

func TestParseFontsErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "0 bytes"},
		{"not truetype", []byte("OTTO\x00\x01\x00\x00\x00\x00\x00\x00"), "not a TrueType font"},
		{"truncated directory", []byte{0, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0}, "table directory of 9 entries is truncated"},
		{"truncated font", dejaVuSans[:len(dejaVuSans)/2], "outside the file"},
	} {
		if _, err := ParseFonts(tt.data); !errors.Is(err, errFont) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := ParseFonts(); err == nil {
		t.Error("ParseFonts() without fonts succeeded")
	}
}

func TestBreakLines(t *testing.T) {
	fs, err := DefaultFonts()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text  string
		width float64
		want  string
	}{
		{"Beijing Center for Disease Prevention and Control", 100, "Beijing Center for|Disease Prevention and|Control"},
		{"请使用核验程序扫描二维码。", 60, "请使用核验程序|扫描二维码。"},
		// Dates do not break at their hyphens; words do.
		{"2022-01-13 to 2022-07-01", 50, "2022-01-13|to|2022-07-01"},
		{"Test-Zentrum Köln-Süd", 60, "Test-Zentrum|Köln-Süd"},
		// A word wider than the line breaks where it must.
		{"URN:UVCI:01:CN:ABCDEFGHIJKLMNOP#X", 60, "URN:UVCI:01:|CN:ABCDEFGH|IJKLMNOP#X"},
		{"   ", 50, ""},
	}
	for _, tt := range tests {
		g, err := fs.shape(tt.text, nil)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, l := range breakLines(g, 8, tt.width) {
			var b strings.Builder
			for _, r := range l {
				b.WriteRune(r.r)
			}
			if w := width(l, 8); w > tt.width && len(l) > 1 {
				t.Errorf("%q: line %q is %.1f points, more than %.0f", tt.text, b.String(), w, tt.width)
			}
			lines = append(lines, b.String())
		}
		if got := strings.Join(lines, "|"); got != tt.want {
			t.Errorf("breakLines(%q, %.0f) = %q, want %q", tt.text, tt.width, got, tt.want)
		}
	}
}

// TestNoMissingGlyphs lays out certificates for the sample names and
// checks every glyph a page draws: a real glyph of its font (never
// .notdef, the empty box), with an outline unless it is a space.
func TestNoMissingGlyphs(t *testing.T) {
	fs, err := DefaultFonts()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range qrtest.Names {
		c := qrtest.Certificate(name, qrtest.EventTypes...)
		form, err := view.New(c, view.Pair{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		q, err := qr.Encode("HC1:TEST", qr.Options{})
		if err != nil {
			t.Fatal(err)
		}
		l := &layout{fs: fs, d: newDoc(fs), form: form}
		if err := l.render(q, 40*mm); err != nil {
			t.Fatal(err)
		}
		seen := map[rune]bool{}
		for fi, d := range l.d.fonts {
			for i, g := range d.ids[1:] {
				r := d.runes[i+1]
				seen[r] = true
				if g == 0 || (len(d.f.glyphData(g)) == 0 && !unicode.IsSpace(r)) {
					t.Errorf("%s: %q drawn with glyph %d of font %d, which has no outline", name.FamilyICAO, r, g, fi)
				}
			}
		}
		for _, r := range name.Family + name.Given {
			if !seen[r] {
				t.Errorf("%s: %q of the name was not drawn", name.FamilyICAO, r)
			}
		}
	}
}

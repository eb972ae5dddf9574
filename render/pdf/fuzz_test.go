package pdf

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/render/qr/qrtest"
	"github.com/ithc/ithc/render/view"
)

// FuzzRender prints certificates whose texts come from the fuzzer, as
// texts decoded from a code would: the result is a PDF, or an error that
// says the text cannot be shown (package view) or printed (no glyph, or a
// right-to-left script). Never a panic, never a partial document.
func FuzzRender(f *testing.F) {
	for _, n := range qrtest.Names {
		f.Add(n.Family, n.Given, "Beijing CDC", "HC1:ABC", uint8(0))
	}
	f.Add("Mu\u0308ller", "José", "Impfzentrum Köln-Süd", "shc:/5676290952432060", uint8(1))
	f.Add("محمد", "", "", "HC1:X", uint8(2))
	f.Add("a\x00b", "<b>", "centre\u202e", "", uint8(3))
	pairs := []string{"zh,en", "en", "fr,de", "ru,es"}
	f.Fuzz(func(t *testing.T, family, given, centre, code string, pair uint8) {
		c := qrtest.Certificate(healthcert.Name{Family: family, Given: given, FamilyICAO: "X"}, healthcert.TypeNucleicAcidTest, healthcert.TypeVaccination)
		c.Events[0].(*healthcert.NucleicAcidTest).Centre = centre
		p, err := view.ParsePair(pairs[int(pair)%len(pairs)])
		if err != nil {
			t.Fatal(err)
		}
		b, err := Bytes(c, code, Options{Languages: p})
		if err != nil {
			if b != nil {
				t.Fatal("a result with an error")
			}
			if !errors.Is(err, view.ErrInput) && !errors.Is(err, ErrOptions) && !strings.HasPrefix(err.Error(), "pdf: cannot print") && !strings.HasPrefix(err.Error(), "qr: ") {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if !bytes.HasPrefix(b, []byte("%PDF-1.7\n")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
			t.Fatal("not a complete PDF")
		}
	})
}

// FuzzParseFonts parses fonts mutated from a small subset of each embedded
// font, and shapes and subsets text with those that parse.
func FuzzParseFonts(f *testing.F) {
	fs, err := DefaultFonts()
	if err != nil {
		f.Fatal(err)
	}
	for _, font := range fs.list {
		ids, err := font.withComponents([]uint16{0, font.glyph('A'), font.glyph('é'), font.glyph('伟')})
		if err != nil {
			f.Fatal(err)
		}
		program, err := font.subset(ids)
		if err != nil {
			f.Fatal(err)
		}
		if _, err := ParseFonts(program); err != nil {
			f.Fatalf("a subset of %s does not parse: %v", font.name, err)
		}
		f.Add(program)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fonts, err := ParseFonts(data)
		if err != nil {
			if fonts != nil || !errors.Is(err, errFont) {
				t.Fatalf("ParseFonts: %v with a result %v", err, fonts != nil)
			}
			return
		}
		f := fonts.list[0]
		d := newDoc(fonts).fonts[0]
		for r, g := range f.cmap {
			d.use(glyphRef{id: g, r: r})
			if len(d.ids) > 64 {
				break
			}
		}
		ids, err := f.withComponents(d.ids)
		if err != nil {
			return
		}
		if _, err := f.subset(ids); err != nil && !errors.Is(err, errFont) {
			t.Fatal(err)
		}
	})
}

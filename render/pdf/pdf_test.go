package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/render/qr"
	"github.com/ithc/ithc/render/qr/qrtest"
	"github.com/ithc/ithc/render/view"
	"github.com/ithc/ithc/scan"
)

// pdfText extracts the text of a PDF with pdftotext (poppler-utils).
func pdfText(t *testing.T, file string) string {
	t.Helper()
	tool := qrtest.Tool(t, "pdftotext", "poppler-utils")
	out, err := exec.Command(tool, "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", file, err)
	}
	return string(out)
}

// pageImages renders the pages of a PDF at dpi with pdftoppm
// (poppler-utils) and returns the PNG files.
func pageImages(t *testing.T, file string, dpi int) []string {
	t.Helper()
	tool := qrtest.Tool(t, "pdftoppm", "poppler-utils")
	prefix := strings.TrimSuffix(file, ".pdf")
	if out, err := exec.Command(tool, "-r", strconv.Itoa(dpi), "-png", file, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm %s: %v: %s", file, err, out)
	}
	pngs, err := filepath.Glob(prefix + "-*.png")
	if err != nil || len(pngs) == 0 {
		t.Fatalf("pdftoppm made no page image (%v)", err)
	}
	return pngs
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// scanPage reads the QR code of the first page image.
func scanPage(t *testing.T, png string) string {
	t.Helper()
	f, err := os.Open(png)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	text, err := scan.Decode(f)
	if err != nil {
		t.Fatalf("scan of %s: %v", filepath.Base(png), err)
	}
	return text
}

// TestNamesPrinted prints certificates for a Chinese, a German, a Greek
// and a Russian holder, checks that pdftotext finds the names, and that
// the QR code read from the page rendered at 150 dpi (with package scan
// and with zbarimg) is the signed code, which verifies.
func TestNamesPrinted(t *testing.T) {
	s := qrtest.NewSigner(t)
	dir := t.TempDir() // kept for the zbarimg run after the subtests
	var pages, codes []string
	for _, name := range qrtest.Names {
		t.Run(name.FamilyICAO, func(t *testing.T) {
			c := qrtest.Certificate(name, healthcert.TypeNucleicAcidTest, healthcert.TypeAntibodyTest, healthcert.TypeVaccination)
			code := s.Sign(t, c)
			b, err := Bytes(c, code, Options{})
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, name.FamilyICAO+".pdf")
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
			text := pdfText(t, file)
			for _, want := range []string{name.Family, name.Given, name.FamilyICAO + ", " + name.GivenICAO,
				"国际旅行健康证明", "International Travel Health Certificate", "E12345678",
				"核酸检测", "Nucleic acid test (PCR)", "抗体检测", "Antibody test", "疫苗接种", "Vaccination",
				"Impfzentrum Köln", "URN:UVCI:01:CN:QRTEST0000000001#P", "第 1 页，共 1 页 / Page 1 of 1"} {
				if !strings.Contains(text, want) {
					t.Errorf("pdftotext does not find %q in:\n%s", want, text)
				}
			}
			png := pageImages(t, file, 150)
			if len(png) != 1 {
				t.Errorf("%d pages, want 1", len(png))
			}
			if got := scanPage(t, png[0]); got != code {
				t.Fatalf("the QR code of the page reads %.40q…, want the signed code %.40q…", got, code)
			}
			r := s.Verify(t, code)
			if r.Certificate == nil || r.Certificate.Holder.Name.Family != name.Family {
				t.Errorf("the verified code holds %+v", r.Certificate)
			}
			pages, codes = append(pages, png[0]), append(codes, code)
		})
	}
	if len(pages) == len(qrtest.Names) {
		for i, got := range qrtest.ZbarTexts(t, pages) {
			if got != codes[i] {
				t.Errorf("zbarimg read %.40q… from page %d, want %.40q…", got, i, codes[i])
			}
		}
	}
}

// TestEveryEventMix prints a certificate for every mix of event types,
// reads the QR code back from the 150 dpi page and verifies it.
func TestEveryEventMix(t *testing.T) {
	s := qrtest.NewSigner(t)
	names := map[healthcert.EventType]string{
		healthcert.TypeNucleicAcidTest: "Nucleic acid test (PCR)", healthcert.TypeAntibodyTest: "Antibody test",
		healthcert.TypeAntigenTest: "Rapid antigen test", healthcert.TypeVaccination: "Vaccination", healthcert.TypeRecovery: "Recovery",
	}
	for i, mix := range qrtest.EventMixes() {
		t.Run(fmt.Sprint(mix), func(t *testing.T) {
			t.Parallel()
			c := qrtest.Certificate(qrtest.Names[i%len(qrtest.Names)], mix...)
			code := s.Sign(t, c)
			b, err := Bytes(c, code, Options{})
			if err != nil {
				t.Fatal(err)
			}
			f := writeTemp(t, "mix.pdf", b)
			text := pdfText(t, f)
			for _, typ := range qrtest.EventTypes {
				has := strings.Contains(text, names[typ])
				want := false
				for _, m := range mix {
					want = want || m == typ
				}
				if has != want {
					t.Errorf("%q printed %v", names[typ], has)
				}
			}
			png := pageImages(t, f, 150)
			if got := scanPage(t, png[0]); got != code {
				t.Fatalf("the page's QR code reads %.40q…", got)
			}
			s.Verify(t, code)
		})
	}
}

// qrRects returns the bounding box, in points, of the QR code drawn on a
// page: the rectangles of one unit under the "cm" transformation that
// drawQR sets.
func qrRects(t *testing.T, content []byte) (x0, y0, x1, y1 float64) {
	t.Helper()
	var m [6]float64
	x0, y0 = 1e9, 1e9
	found := false
	for _, line := range strings.Split(string(content), "\n") {
		f := strings.Fields(line)
		var v []float64
		for _, s := range f[:max(len(f)-1, 0)] {
			n, _ := strconv.ParseFloat(s, 64)
			v = append(v, n)
		}
		switch {
		case len(f) == 7 && f[6] == "cm":
			copy(m[:], v)
		case len(f) == 5 && f[4] == "re" && v[3] == 1 && m[0] != 0:
			found = true
			ax, ay := m[4]+v[0]*m[0], m[5]+v[1]*m[3]
			bx, by := m[4]+(v[0]+v[2])*m[0], m[5]+(v[1]+v[3])*m[3]
			x0, y0 = min(x0, ax, bx), min(y0, ay, by)
			x1, y1 = max(x1, ax, bx), max(y1, ay, by)
		case len(f) == 1 && f[0] == "Q":
			m = [6]float64{}
		}
	}
	if !found {
		t.Fatal("no QR code drawn")
	}
	return
}

// TestQRSize checks the printed size of the QR code, 35 to 60 mm, for
// codes from short to the longest a page prints at level Q.
func TestQRSize(t *testing.T) {
	fs, err := DefaultFonts()
	if err != nil {
		t.Fatal(err)
	}
	c := qrtest.Certificate(qrtest.Names[0], healthcert.TypeVaccination)
	for _, n := range []int{20, 300, 600, 1000, 2400} {
		code := "HC1:" + strings.Repeat("6BF+70790T9WJWG", n/15+1)[:n]
		q, err := qr.Encode(code, qr.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := min(max(float64(q.Size())*0.5, 35), 60)
		if w, err := QRWidth(code, Options{}); err != nil || w != want {
			t.Errorf("QRWidth = %v, %v; want %v", w, err, want)
		}
		form, err := view.New(c, view.Pair{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		l := &layout{fs: fs, d: newDoc(fs), form: form}
		if err := l.render(q, want*mm); err != nil {
			t.Fatal(err)
		}
		module := want * mm / float64(q.Size())
		x0, y0, x1, y1 := qrRects(t, l.d.pages[0].content)
		w, h := (x1-x0)/mm, (y1-y0)/mm
		if w < 34.99 || w > 60.01 || h-w > 0.01 || w-h > 0.01 || w-want > 0.01 || want-w > 0.01 {
			t.Errorf("%d characters: QR code printed %.2f × %.2f mm, want %.2f mm square", n, w, h, want)
		}
		// The quiet zone of 4 modules stays on the page.
		if q := 4 * module; x0-q < marginX-0.01 || x1+q > pageWidth-marginX+0.01 {
			t.Errorf("%d characters: QR code from %.1f to %.1f pt leaves no quiet zone within the margins", n, x0, x1)
		}
	}
	if _, err := Bytes(c, "HC1:X", Options{QRMillimetres: 70}); !errors.Is(err, ErrOptions) {
		t.Errorf("a 70 mm QR code: error %v", err)
	}
}

func TestLanguagePairs(t *testing.T) {
	c := qrtest.Certificate(qrtest.Names[2], healthcert.TypeAntigenTest, healthcert.TypeRecovery)
	tests := []struct {
		pair string
		want []string
	}{
		{"en", []string{"International Travel Health Certificate", "Rapid antigen test", "Page 1 of 1"}},
		{"fr,en", []string{"Certificat international de santé pour les voyages", "Test antigénique", "Rétablissement", "Page 1 sur 1 / Page 1 of 1"}},
		{"de,zh", []string{"Internationales Reisegesundheitszertifikat", "Genesung", "康复"}},
		{"ru", []string{"Международный сертификат здоровья", "Выздоровление", "Дата рождения"}},
		{"es", []string{"Certificado internacional de salud para viajes", "Recuperación", "Fecha de nacimiento"}},
	}
	for _, tt := range tests {
		p, err := view.ParsePair(tt.pair)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Bytes(c, "HC1:TEST", Options{Languages: p})
		if err != nil {
			t.Fatal(err)
		}
		// Words as pdftotext separates them: a cell's text may wrap.
		text := strings.Join(strings.Fields(pdfText(t, writeTemp(t, "p.pdf", b))), " ")
		for _, w := range tt.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: pdftotext does not find %q", tt.pair, w)
			}
		}
		if tt.pair == "en" && strings.Contains(text, "国际") {
			t.Errorf("en: Chinese printed on an English-only form")
		}
	}
}

// TestManyEvents prints the most events a certificate may hold: the
// table continues over pages with its heading repeated, and every page is
// numbered.
func TestManyEvents(t *testing.T) {
	mix := make([]healthcert.EventType, 0, limits.MaxRenderEvents)
	for len(mix) < limits.MaxRenderEvents {
		mix = append(mix, qrtest.EventTypes[len(mix)%len(qrtest.EventTypes)])
	}
	c := qrtest.Certificate(qrtest.Names[1], mix...)
	b, err := Bytes(c, "HC1:TEST", Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, writeTemp(t, "many.pdf", b))
	pages := strings.Count(text, "\f")
	if pages < 3 {
		t.Fatalf("%d events on %d pages", len(mix), pages)
	}
	for p := 1; p <= pages; p++ {
		if want := "Page " + strconv.Itoa(p) + " of " + strconv.Itoa(pages); !strings.Contains(text, want) {
			t.Errorf("no %q", want)
		}
	}
	// The last page may hold only the instructions.
	if n := strings.Count(text, "详情"); n < pages-1 {
		t.Errorf("table heading printed %d times on %d pages", n, pages)
	}
	if !strings.Contains(text, "\n64\n") && !strings.Contains(text, "64 ") {
		t.Errorf("the 64th event is not printed")
	}
}

func TestUnprintable(t *testing.T) {
	tests := []struct {
		family string
		want   string
	}{
		{"محمد", "U+0645 'م' is in a right-to-left script"},
		{"כהן", "right-to-left script"},
		{"Smith 🦠", "no embedded font has U+1F9A0"},
		{"नमस्ते", "no embedded font has U+0928"},
		{"ᚠᚢᚦ", "no embedded font has U+16A0"},
	}
	for _, tt := range tests {
		c := qrtest.Certificate(healthcert.Name{Family: tt.family, FamilyICAO: "X"}, healthcert.TypeVaccination)
		_, err := Bytes(c, "HC1:TEST", Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "pdf: ") {
			t.Errorf("%q: error %v, want %q", tt.family, err, tt.want)
		}
	}
	// Decomposed text is composed first: "Mu\u0308ller" prints as Müller.
	c := qrtest.Certificate(healthcert.Name{Family: "Mu\u0308ller", FamilyICAO: "MUELLER"}, healthcert.TypeVaccination)
	b, err := Bytes(c, "HC1:TEST", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, writeTemp(t, "nfd.pdf", b)); !strings.Contains(text, "Müller") {
		t.Error("NFD name not printed as Müller")
	}
}

func TestErrors(t *testing.T) {
	c := qrtest.Certificate(qrtest.Names[0], healthcert.TypeVaccination)
	if _, err := Bytes(c, "", Options{}); !errors.Is(err, ErrOptions) {
		t.Errorf("no code: %v", err)
	}
	if _, err := Bytes(c, strings.Repeat("A", 3000), Options{}); !errors.Is(err, qr.ErrTooLong) {
		t.Errorf("code too long for level Q: %v", err)
	}
	if _, err := Bytes(nil, "HC1:X", Options{}); !errors.Is(err, view.ErrInput) {
		t.Errorf("no certificate: %v", err)
	}
	c.Holder.Name.Family = "a\x00b"
	if _, err := Bytes(c, "HC1:X", Options{}); err == nil || !strings.Contains(err.Error(), "holder.name.family: control character") {
		t.Errorf("control character: %v", err)
	}
}

func TestDeterministic(t *testing.T) {
	c := qrtest.Certificate(qrtest.Names[3], healthcert.TypeNucleicAcidTest)
	a, err := Bytes(c, "HC1:ABC", Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Bytes(c, "HC1:ABC", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two renderings of one certificate differ")
	}
	if !bytes.HasPrefix(a, []byte("%PDF-1.7\n")) || !bytes.HasSuffix(a, []byte("%%EOF\n")) {
		t.Error("not a PDF file")
	}
}

// TestRenderWriter checks Render against Bytes and a failing writer.
func TestRenderWriter(t *testing.T) {
	c := qrtest.Certificate(qrtest.Names[0], healthcert.TypeRecovery)
	var buf bytes.Buffer
	if err := Render(&buf, c, "HC1:ABC", Options{}); err != nil {
		t.Fatal(err)
	}
	want, _ := Bytes(c, "HC1:ABC", Options{})
	if !bytes.Equal(buf.Bytes(), want) {
		t.Error("Render and Bytes differ")
	}
	if err := Render(failWriter{}, c, "HC1:ABC", Options{}); err == nil || !strings.Contains(err.Error(), "pdf: write") {
		t.Errorf("failing writer: %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

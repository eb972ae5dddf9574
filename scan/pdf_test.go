package scan

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/limits"
)

// pdfImage is an image drawn on a PDF page: its gray pixels, and where it
// goes, in points from the page's bottom-left corner.
type pdfImage struct {
	img        *image.Gray
	x, y, w, h float64
}

// makePDF writes a minimal PDF 1.4 file: one page per entry of pages, each
// of w × h points showing its images (8-bit gray, Flate-compressed image
// XObjects). It exists so that the scanner's PDF path is tested on files
// whose content the test controls, independent of the renderer.
func makePDF(t testing.TB, w, h float64, pages [][]pdfImage) []byte {
	t.Helper()
	var objs []string // object i+1
	add := func(s string) int {
		objs = append(objs, s)
		return len(objs)
	}
	stream := func(dict string, data []byte) string {
		return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
	}
	catalog := add("") // filled below
	pagesObj := add("")
	var kids []string
	for _, page := range pages {
		var content strings.Builder
		var xobjs []string
		for i, im := range page {
			var z bytes.Buffer
			zw := zlib.NewWriter(&z)
			b := im.img.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				zw.Write(im.img.Pix[im.img.PixOffset(b.Min.X, y) : im.img.PixOffset(b.Min.X, y)+b.Dx()])
			}
			zw.Close()
			id := add(stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", b.Dx(), b.Dy()), z.Bytes()))
			xobjs = append(xobjs, fmt.Sprintf("/Im%d %d 0 R", i, id))
			fmt.Fprintf(&content, "q %g 0 0 %g %g %g cm /Im%d Do Q\n", im.w, im.h, im.x, im.y, i)
		}
		c := add(stream("", []byte(content.String())))
		p := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %g %g] /Contents %d 0 R /Resources << /XObject << %s >> >> >>",
			pagesObj, w, h, c, strings.Join(xobjs, " ")))
		kids = append(kids, fmt.Sprintf("%d 0 R", p))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj)
	objs[pagesObj-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	var out bytes.Buffer
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, catalog, xref)
	return out.Bytes()
}

const a4w, a4h = 595.276, 841.89

func TestPDF(t *testing.T) {
	requireTool(t, "pdftoppm", "poppler-utils")
	requireTool(t, "pdfinfo", "poppler-utils")
	mm := 72 / 25.4
	codeA := qrImage(t, hc1Sample, 4, 1, nil)
	codeB := qrImage(t, "HC1:SECOND CODE ON THE SAME PAGE", 4, 1, nil)
	codeC := qrImage(t, "shc:/5676290952432060346029243740446031222959532654603460292540772804336028702864716745222809286133314564376531415906402203064504590856435503414245413640370636654171372412363803043756220467374075323239254334433260573601064529335312707423284350386122", 4, 1, nil)
	// A certificate: page 1 text only (a blank page), page 2 with two codes
	// of 40 and 25 mm, page 3 with a small 18 mm code that needs the
	// second, finer rasterisation.
	data := makePDF(t, a4w, a4h, [][]pdfImage{
		{},
		{{codeA, 30 * mm, 150 * mm, 40 * mm, 40 * mm}, {codeB, 120 * mm, 150 * mm, 25 * mm, 25 * mm}},
		{{codeC, 90 * mm, 30 * mm, 18 * mm, 18 * mm}},
	})

	codes, err := DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("DecodeAll(pdf) = %v", err)
	}
	var got []string
	for _, c := range codes {
		got = append(got, fmt.Sprintf("%d %.12s", c.Page, c.Text))
		t.Logf("page %d at %d dpi: %.12s at %v", c.Page, c.DPI, c.Text, c.Corners)
		if c.DPI < limits.DefaultScanDPI {
			t.Errorf("page %d rasterised at %d dpi, want at least %d", c.Page, c.DPI, limits.DefaultScanDPI)
		}
		// Corners lie on the page at its resolution, the code's top-left
		// corner up and left of its bottom-right one (the codes are upright).
		pw, ph := int(a4w/72*float64(c.DPI)), int(a4h/72*float64(c.DPI))
		for _, p := range c.Corners {
			if p.X < 0 || p.Y < 0 || p.X > pw || p.Y > ph {
				t.Errorf("page %d: corner %v outside the %d×%d page", c.Page, p, pw, ph)
			}
		}
		if !(c.Corners[0].X < c.Corners[2].X && c.Corners[0].Y < c.Corners[2].Y) {
			t.Errorf("page %d: corners %v not in reading order", c.Page, c.Corners)
		}
	}
	slices.Sort(got)
	want := []string{"2 HC1:NCFOXN%T", "2 HC1:SECOND C", "3 shc:/5676290"}
	if !slices.Equal(got, want) {
		t.Errorf("DecodeAll(pdf) = %q, want %q", got, want)
	}
	// Decode: the first code.
	if text, err := Decode(bytes.NewReader(data)); err != nil || (text != hc1Sample && !strings.HasPrefix(text, "HC1:SECOND")) {
		t.Errorf("Decode(pdf) = %.20q, %v; want a code of page 2", text, err)
	}
	// The position of page 2's large code, in pixels at the page's dpi:
	// 30 mm from the left, (297-150-40) mm from the top, less the quiet zone.
	for _, c := range codes {
		if c.Text != hc1Sample {
			continue
		}
		px := float64(c.DPI) / 25.4
		quiet := 40 * 4 / float64(codeA.Bounds().Dx()) // mm
		wantX, wantY := (30+quiet)*px, (297-150-40+quiet)*px
		if d := abs(c.Corners[0].X-int(wantX)) + abs(c.Corners[0].Y-int(wantY)); d > 6 {
			t.Errorf("top-left corner %v, want about (%.0f, %.0f)", c.Corners[0], wantX, wantY)
		}
	}

	// A PDF without codes, a corrupt one, an empty one.
	blank := makePDF(t, a4w, a4h, [][]pdfImage{{}, {}})
	if _, err := DecodeAll(bytes.NewReader(blank)); !errors.Is(err, ErrNoCode) || !strings.Contains(err.Error(), "2 pages") {
		t.Errorf("DecodeAll(blank pdf) = %v, want ErrNoCode naming 2 pages", err)
	}
	for name, bad := range map[string][]byte{
		"truncated": data[:len(data)/3],
		"garbage":   append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0xAB}, 200)...),
	} {
		if _, err := DecodeAll(bytes.NewReader(bad)); !errors.Is(err, ErrFormat) || !strings.HasPrefix(err.Error(), "scan: ") {
			t.Errorf("DecodeAll(%s pdf) = %v, want ErrFormat", name, err)
		}
	}
	// Too many pages.
	many := make([][]pdfImage, limits.MaxScanPDFPages+1)
	if _, err := DecodeAll(bytes.NewReader(makePDF(t, 100, 100, many))); !errors.Is(err, ErrTooLarge) {
		t.Errorf("DecodeAll(%d pages) = %v, want ErrTooLarge", len(many), err)
	}
	// A page too large to rasterise even at the lowest resolution.
	huge := makePDF(t, 14400, 14400, [][]pdfImage{{}})
	if _, err := DecodeAll(bytes.NewReader(huge)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("DecodeAll(200-inch page) = %v, want ErrTooLarge", err)
	}
	// A resolution out of range.
	if _, err := Scan(context.Background(), bytes.NewReader(data), Options{DPI: 5000}); err == nil || !strings.Contains(err.Error(), "dpi") {
		t.Errorf("Scan(DPI 5000) = %v, want a resolution error", err)
	}
	// A cancelled context stops the tools.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, bytes.NewReader(data), Options{}); err == nil {
		t.Errorf("Scan(cancelled) succeeded")
	}
}

// TestPDFNoTool checks the error when pdftoppm is not installed.
func TestPDFNoTool(t *testing.T) {
	data := makePDF(t, 100, 100, [][]pdfImage{{}})
	_, err := Scan(context.Background(), bytes.NewReader(data), Options{PDFToolDir: t.TempDir()})
	if !errors.Is(err, ErrNoPDFTool) || !strings.Contains(err.Error(), "poppler-utils") {
		t.Errorf("Scan(no pdftoppm) = %v, want ErrNoPDFTool naming poppler-utils", err)
	}
}

func TestParsePDFInfo(t *testing.T) {
	good := "Title:          x\nPages:          2\nEncrypted:      no\nPage    1 size: 595.276 x 841.89 pts (A4)\nPage    1 rot:  0\nPage    2 size: 612 x 792 pts (letter)\nPage    2 rot:  90\n"
	pages, err := parsePDFInfo([]byte(good))
	if err != nil || len(pages) != 2 || pages[0] != (pageSize{595.276, 841.89}) || pages[1] != (pageSize{612, 792}) {
		t.Errorf("parsePDFInfo(good) = %v, %v", pages, err)
	}
	tests := []struct {
		name, in string
		want     error
	}{
		{"no count", "Page    1 size: 1 x 1 pts\n", ErrFormat},
		{"zero pages", "Pages: 0\n", ErrFormat},
		{"negative", "Pages: -3\n", ErrFormat},
		{"too many", fmt.Sprintf("Pages: %d\n", limits.MaxScanPDFPages+1), ErrTooLarge},
		{"missing page", "Pages: 2\nPage    1 size: 1 x 1 pts\n", ErrFormat},
		{"nan", "Pages: 1\nPage    1 size: NaN x 1 pts\n", ErrFormat},
		{"inf", "Pages: 1\nPage    1 size: +Inf x 1 pts\n", ErrFormat},
		{"zero size", "Pages: 1\nPage    1 size: 0 x 1 pts\n", ErrFormat},
		{"huge", "Pages: 1\nPage    1 size: 1e300 x 1 pts\n", ErrFormat},
		{"page 0", "Pages: 1\nPage    0 size: 1 x 1 pts\n", ErrFormat},
		{"long line", "Pages: 1\n" + strings.Repeat("x", limits.MaxPDFToolOutput+1), ErrFormat},
	}
	for _, tt := range tests {
		if got, err := parsePDFInfo([]byte(tt.in)); !errors.Is(err, tt.want) || got != nil {
			t.Errorf("parsePDFInfo(%s) = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func FuzzParsePDFInfo(f *testing.F) {
	f.Add([]byte("Pages:          2\nPage    1 size: 595.276 x 841.89 pts (A4)\nPage    2 size: 612 x 792 pts (letter)\n"))
	f.Add([]byte("Pages: 1\nPage 1 size: 1e308 x 1e308 pts\n"))
	f.Add([]byte("Pages: 33\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pages, err := parsePDFInfo(data)
		if err != nil {
			if pages != nil {
				t.Errorf("parsePDFInfo() = %v with error %v", pages, err)
			}
			return
		}
		if len(pages) == 0 || len(pages) > limits.MaxScanPDFPages {
			t.Errorf("parsePDFInfo() = %d pages", len(pages))
		}
		for _, p := range pages {
			if !(p.w > 0 && p.h > 0 && p.w <= maxPagePoints && p.h <= maxPagePoints) {
				t.Errorf("parsePDFInfo() page size %v", p)
			}
			if d := p.fitDPI(limits.MaxScanDPI); d >= limits.MinScanDPI && p.w/72*float64(d)*p.h/72*float64(d) > limits.MaxImagePixels {
				t.Errorf("fitDPI(%v) = %d exceeds the pixel cap", p, d)
			}
		}
	})
}

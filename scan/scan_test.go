package scan

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/internal/shareddata"
)

// qrImage renders text as a QR code with gozxing's encoder: margin modules of
// quiet zone, scale pixels per module.
func qrImage(t testing.TB, text string, margin, scale int, hints map[gozxing.EncodeHintType]any) *image.Gray {
	t.Helper()
	if hints == nil {
		hints = map[gozxing.EncodeHintType]any{}
	}
	hints[gozxing.EncodeHintType_MARGIN] = margin
	if _, ok := hints[gozxing.EncodeHintType_ERROR_CORRECTION]; !ok {
		hints[gozxing.EncodeHintType_ERROR_CORRECTION] = "Q"
	}
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 0, 0, hints)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	w, h := m.GetWidth(), m.GetHeight()
	img := image.NewGray(image.Rect(0, 0, w*scale, h*scale))
	for y := 0; y < h*scale; y++ {
		for x := 0; x < w*scale; x++ {
			if m.Get(x/scale, y/scale) {
				img.SetGray(x, y, color.Gray{0})
			} else {
				img.SetGray(x, y, color.Gray{255})
			}
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const hc1Sample = "HC1:NCFOXN%TSMAHN-H9QCGDSB5QPN9OO3TH4O:5+T9DNUOGIB8B/*R:X9LGC0/KK1JZZPQA3DP4OW631AX5QF36FY1OSMNV1L8VNF6O M3PU1H6EB6JFEUF6+XEQ"

func TestRoundTrip(t *testing.T) {
	utf8Hint := map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_CHARACTER_SET: "UTF-8"}
	tests := []struct {
		name   string
		text   string
		hints  map[gozxing.EncodeHintType]any
		margin int
		want   string
	}{
		{"hc1 alphanumeric", hc1Sample, nil, 4, hc1Sample},
		{"hc1 tight crop", hc1Sample, nil, 0, hc1Sample},
		{"shc numeric", "shc:/56762909524320603460292437404460312229595326546034602925407728043360287028647167452228092861333145643765314159064022030645045908564355034142454136403706366541713724123638030437562204673740753232392543344332605736010645293353127074232843503869", nil, 2, ""},
		{"lowercase is byte mode", "hello, world", nil, 4, "hello, world"},
		{"utf-8 in byte mode without eci", "caf\u00e9 \u00ff \u5f20", nil, 4, "caf\u00e9 \u00ff \u5f20"},
		{"latin-1 with eci", "caf\u00e9 \u00ff", map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_CHARACTER_SET: "ISO-8859-1"}, 4, "caf\u00e9 \u00ff"},
		{"utf-8 with eci", "\u5f20\u4e09 Zh\u0101ng", utf8Hint, 4, "\u5f20\u4e09 Zh\u0101ng"},
		{"json", `{"data":{"hdr":{"t":"icao.test"}}}`, nil, 4, `{"data":{"hdr":{"t":"icao.test"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == "" {
				want = tt.text
			}
			img := qrImage(t, tt.text, tt.margin, 4, tt.hints)
			got, err := Decode(bytes.NewReader(encodePNG(t, img)))
			if err != nil {
				t.Fatalf("Decode() = %v", err)
			}
			if got != want {
				t.Errorf("Decode() = %q, want %q", got, want)
			}
		})
	}
}

func TestExactText(t *testing.T) {
	tests := []struct {
		text, sym, want string
	}{
		{"HC1:ABC", "]Q1", "HC1:ABC"},
		{"caf\u00e9 \u00ff\u0080", "]Q1", "caf\xe9 \xff\x80"}, // byte segments decoded as ISO-8859-1
		{"caf\u00e9", "]Q3", "caf\xe9"},
		{"caf\u00e9", "]Q2", "caf\u00e9"}, // ECI: the declared charset wins
		{"caf\u00e9", "]Q4", "caf\u00e9"},
		{"\u5f20 caf\u00e9", "]Q1", "\u5f20 caf\u00e9"}, // a Kanji/Hanzi segment: text as is
		{"", "]Q1", ""},
		{"caf\u00e9", "", "caf\xe9"},
	}
	for _, tt := range tests {
		r := gozxing.NewResult(tt.text, nil, nil, gozxing.BarcodeFormat_QR_CODE)
		if tt.sym != "" {
			r.PutMetadata(gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER, tt.sym)
		}
		if got := exactText(r); got != tt.want {
			t.Errorf("exactText(%q, %s) = %q, want %q", tt.text, tt.sym, got, tt.want)
		}
	}
}

func TestFormats(t *testing.T) {
	img := qrImage(t, hc1Sample, 4, 4, nil)
	var jb, gb bytes.Buffer
	if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 60}); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&gb, img, nil); err != nil {
		t.Fatal(err)
	}
	rgba := image.NewNRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, image.Point{}, draw.Src)
	// A transparent background: dark modules on nothing.
	transparent := image.NewNRGBA(img.Bounds())
	for i := 0; i < len(img.Pix); i++ {
		if img.Pix[i] == 0 {
			transparent.Pix[4*i+3] = 0xFF
		}
	}
	// Light modules on a dark background.
	inverted := image.NewGray(img.Bounds())
	for i, p := range img.Pix {
		inverted.Pix[i] = 255 - p
	}
	// A sub-image whose bounds do not start at the origin.
	big := image.NewGray(image.Rect(0, 0, img.Bounds().Dx()+50, img.Bounds().Dy()+70))
	draw.Draw(big, big.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(big, img.Bounds().Add(image.Pt(30, 40)), img, image.Point{}, draw.Src)
	sub := big.SubImage(image.Rect(20, 30, big.Bounds().Dx(), big.Bounds().Dy()))

	for name, data := range map[string][]byte{
		"jpeg":        jb.Bytes(),
		"gif":         gb.Bytes(),
		"nrgba png":   encodePNG(t, rgba),
		"transparent": encodePNG(t, transparent),
		"inverted":    encodePNG(t, inverted),
	} {
		got, err := Decode(bytes.NewReader(data))
		if err != nil || got != hc1Sample {
			t.Errorf("%s: Decode() = %.20q, %v; want the HC1 text", name, got, err)
		}
	}
	if got, err := Image(sub); err != nil || got != hc1Sample {
		t.Errorf("Image(sub-image) = %.20q, %v; want the HC1 text", got, err)
	}
}

// pngHeader returns a PNG signature and IHDR chunk declaring w×h pixels,
// with nothing after it.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grayscale
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestHostile(t *testing.T) {
	good := encodePNG(t, qrImage(t, hc1Sample, 4, 4, nil))
	blank := encodePNG(t, image.NewGray(image.Rect(0, 0, 200, 200)))
	white := image.NewGray(image.Rect(0, 0, 200, 200))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	noise := image.NewGray(image.Rect(0, 0, 300, 300))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range noise.Pix {
		noise.Pix[i] = byte(r.UintN(256))
	}
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(r.UintN(256))
	}
	// A code with a third of its modules destroyed.
	damaged := qrImage(t, hc1Sample, 4, 4, nil)
	for y := 40; y < damaged.Bounds().Dy()-40; y++ {
		for x := 40; x < damaged.Bounds().Dx()-40; x++ {
			damaged.Pix[y*damaged.Stride+x] = 0
		}
	}

	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrFormat},
		{"random bytes", random, ErrFormat},
		{"text", []byte("HC1:NCFOXN%TS"), ErrFormat},
		{"truncated png", good[:len(good)/2], ErrFormat},
		{"header only", good[:40], ErrFormat},
		{"1x1", encodePNG(t, image.NewGray(image.Rect(0, 0, 1, 1))), ErrNoCode},
		{"black", blank, ErrNoCode},
		{"white", encodePNG(t, white), ErrNoCode},
		{"noise", encodePNG(t, noise), nil},
		{"damaged", encodePNG(t, damaged), nil},
		{"thin", encodePNG(t, image.NewGray(image.Rect(0, 0, 100000, 1))), ErrNoCode},
		{"20 pixels high", encodePNG(t, image.NewGray(image.Rect(0, 0, 3000, 20))), ErrNoCode},
		{"huge declared size", pngHeader(100000, 100000), ErrTooLarge},
		{"wide declared size", pngHeader(1<<31-1, 1), ErrTooLarge},
		{"zero width", pngHeader(0, 10), ErrFormat},
		{"too many bytes", append(append([]byte{}, good...), make([]byte, limits.MaxImageBytes)...), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(bytes.NewReader(tt.in))
			if err == nil || got != "" {
				t.Fatalf("Decode() = %q, %v; want an error", got, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Decode() = %v, want %v", err, tt.want)
			}
			if tt.want == nil && !errors.Is(err, ErrNoCode) && !errors.Is(err, ErrUnreadable) {
				t.Errorf("Decode() = %v, want ErrNoCode or ErrUnreadable", err)
			}
			if !strings.HasPrefix(err.Error(), "scan: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
	if _, err := Image(nil); !errors.Is(err, ErrFormat) {
		t.Errorf("Image(nil) = %v, want ErrFormat", err)
	}
	if _, err := Image(image.NewGray(image.Rect(0, 0, 0, 5))); !errors.Is(err, ErrFormat) {
		t.Errorf("Image(empty) = %v, want ErrFormat", err)
	}
	// An image.Image whose bounds exceed the pixel cap is refused before
	// any pixel is read (the Uniform image has infinite bounds).
	if _, err := Image(image.NewUniform(color.White)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Image(uniform) = %v, want ErrTooLarge", err)
	}
}

type dgcVector struct {
	Prefix   string `json:"PREFIX"`
	Code     string `json:"2DCODE"`
	AltCode  string `json:"_2DCODE"`
	Expected struct {
		PictureDecode *bool `json:"EXPECTEDPICTUREDECODE"`
	} `json:"EXPECTEDRESULTS"`
}

// TestDGCVectors decodes the QR PNG of every EU DCC conformance vector:
// the text must equal PREFIX exactly, except where the vector says the
// picture must not decode.
func TestDGCVectors(t *testing.T) {
	files := shareddata.DGCFiles(t)
	root := shareddata.Path(t, "dgc")
	total, exact, refused, cropped, croppedOK := 0, 0, 0, 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v dgcVector
		if err := json.Unmarshal(data, &v); err != nil {
			continue // a few vectors are deliberately not JSON
		}
		code := v.Code
		if code == "" {
			code = v.AltCode
		}
		if code == "" {
			continue
		}
		rel, _ := filepath.Rel(root, f)
		t.Run(rel, func(t *testing.T) {
			pngData, err := base64.StdEncoding.DecodeString(code)
			if err != nil {
				t.Fatalf("vector's base64: %v", err)
			}
			total++
			got, err := Decode(bytes.NewReader(pngData))
			if v.Expected.PictureDecode != nil && !*v.Expected.PictureDecode {
				t.Logf("Decode() = %.20q, %v", got, err)
				if err == nil && got == v.Prefix {
					t.Errorf("Decode() = PREFIX, want a failure or another text (EXPECTEDPICTUREDECODE=false)")
				} else {
					refused++
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode() = %v", err)
			}
			if got != v.Prefix {
				t.Fatalf("Decode() = %.40q…, want PREFIX %.40q…", got, v.Prefix)
			}
			exact++

			// The same code cropped to its dark modules, with no quiet zone
			// left, as a tight scan gives it.
			img, _, err := image.Decode(bytes.NewReader(pngData))
			if err != nil {
				t.Fatal(err)
			}
			tight := cropToInk(img)
			if tight == nil {
				return
			}
			cropped++
			if got, err := Image(tight); err != nil || got != v.Prefix {
				t.Errorf("Image(tight crop %v) = %.20q, %v; want PREFIX", tight.Bounds(), got, err)
			} else {
				croppedOK++
			}
		})
	}
	t.Logf("dgc 2DCODE images: %d images, %d decode to PREFIX exactly, %d expected failures refused; tight crops: %d of %d", total, exact, refused, croppedOK, cropped)
	if total < 100 {
		t.Errorf("only %d vectors with an image, want at least 100", total)
	}
}

// cropToInk returns the part of img inside the bounding box of its dark
// pixels, or nil when that is the whole image already.
func cropToInk(img image.Image) image.Image {
	b := img.Bounds()
	minX, minY, maxX, maxY := b.Max.X, b.Max.Y, b.Min.X-1, b.Min.Y-1
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if lumaOf(img.At(x, y)) < 128 {
				minX, minY = min(minX, x), min(minY, y)
				maxX, maxY = max(maxX, x), max(maxY, y)
			}
		}
	}
	r := image.Rect(minX, minY, maxX+1, maxY+1)
	if r.Empty() || r == b {
		return nil
	}
	return img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(r)
}

func FuzzDecode(f *testing.F) {
	f.Add(encodePNG(f, qrImage(f, "HC1:6BF", 1, 1, nil)))
	f.Add(encodePNG(f, qrImage(f, "shc:/5676", 0, 2, nil)))
	f.Add(encodePNG(f, image.NewGray(image.Rect(0, 0, 3, 3))))
	f.Add(pngHeader(100000, 100000))
	var gb bytes.Buffer
	gif.Encode(&gb, qrImage(f, "x", 2, 1, nil), nil)
	f.Add(gb.Bytes())
	var jb bytes.Buffer
	jpeg.Encode(&jb, qrImage(f, "HC1:X", 1, 2, nil), nil)
	f.Add(jb.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		if isPDF(data) {
			return // PDFs go to pdftoppm; TestPDF and FuzzParsePDFInfo cover that path
		}
		text, err := Decode(bytes.NewReader(data))
		if err != nil && text != "" {
			t.Errorf("Decode() = %q with error %v; want no text on error", text, err)
		}
	})
}

// FuzzImage feeds arbitrary small gray pictures straight to the QR reader.
func FuzzImage(f *testing.F) {
	seed := qrImage(f, "HC1:6BF", 0, 1, nil)
	f.Add(uint8(seed.Bounds().Dx()), seed.Pix)
	f.Add(uint8(3), []byte{0, 255, 0, 255, 0, 255, 0, 255, 0})
	f.Fuzz(func(t *testing.T, w uint8, pix []byte) {
		if w == 0 || len(pix) < int(w) {
			return
		}
		h := len(pix) / int(w)
		img := &image.Gray{Pix: pix[:int(w)*h], Stride: int(w), Rect: image.Rect(0, 0, int(w), h)}
		text, err := Image(img)
		if err != nil && text != "" {
			t.Errorf("Image() = %q with error %v", text, err)
		}
	})
}

// TestPatternedImageBounded checks the bounds on patterned pictures. An
// image tiled with 400 QR codes offers over a thousand finder patterns: the
// locator groups only the most confirmed (limits.MaxScanGroupedFinders),
// decodes at most limits.MaxScanSymbolAttempts symbols per pass and returns
// at most limits.MaxScanCodes codes, and gozxing's detector (the fallback),
// whose search is cubic, is cut by limits.MaxQRFinderCandidates. A picture
// of nothing but finder patterns exceeds limits.MaxScanFinderCandidates
// and is refused as a pattern.
func TestPatternedImageBounded(t *testing.T) {
	qr := qrImage(t, "HC1:ABC", 1, 2, nil)
	q := qr.Bounds().Dx()
	const n = 20
	img := image.NewGray(image.Rect(0, 0, q*n, q*n))
	for y := 0; y < q*n; y++ {
		for x := 0; x < q*n; x++ {
			img.Pix[y*q*n+x] = qr.Pix[(y%q)*q+x%q]
		}
	}
	codes, err := ImageAll(img)
	if err != nil || len(codes) == 0 || len(codes) > limits.MaxScanCodes {
		t.Fatalf("ImageAll(tiled) = %d codes, %v; want 1 to %d codes", len(codes), err, limits.MaxScanCodes)
	}
	for _, c := range codes {
		if c.Text != "HC1:ABC" {
			t.Fatalf("ImageAll(tiled) read %q", c.Text)
		}
	}
	t.Logf("ImageAll(400 tiled codes) = %d codes", len(codes))
	// gozxing's search is cut by its candidate cap, not left to run.
	w := img.Bounds().Dx()
	if _, err := decodeOnce(img.Pix, w, w, false, false, false); !errors.Is(err, errTooManyCandidates) {
		t.Errorf("decodeOnce(tiled) = %v, want the finder-candidate cap", err)
	}
	// A few codes side by side decode, every one of them.
	small := img.SubImage(image.Rect(0, 0, 2*q, 2*q))
	if got, err := Image(small); err != nil || got != "HC1:ABC" {
		t.Errorf("Image(2×2 tiles) = %q, %v; want HC1:ABC", got, err)
	}
	if codes, err := ImageAll(small); err != nil || len(codes) != 4 {
		t.Errorf("ImageAll(2×2 tiles) = %d codes, %v; want 4", len(codes), err)
	}

	// Finder patterns alone, 2 pixels per module, a module apart: 4900
	// candidates.
	const tile, tiles = 16, 70
	finders := image.NewGray(image.Rect(0, 0, tile*tiles, tile*tiles))
	for y := range finders.Bounds().Dy() {
		for x := range finders.Bounds().Dx() {
			i, j := (x%tile)/2-1, (y%tile)/2-1 // module within the 7×7 pattern
			dark := i >= 0 && j >= 0 && i < 7 && j < 7 && (max(abs(i-3), abs(j-3)) != 2)
			if !dark {
				finders.Pix[y*finders.Stride+x] = 255
			}
		}
	}
	if got, err := Image(finders); !errors.Is(err, ErrNoCode) || !strings.Contains(err.Error(), "finder-pattern candidates") {
		t.Errorf("Image(4900 finder patterns) = %q, %v; want ErrNoCode for a pattern", got, err)
	}
}

// dgcPNG is a PNG file of the EU test data: want is the PREFIX of the
// vector of the same name, when there is one.
type dgcPNG struct {
	path, rel string
	want      string
	aztec     bool // Ireland's *_aztec.png files show Aztec symbols
}

// dgcPNGFiles returns the PNG files that several countries keep beside
// their test vectors (png/ folders), rendered by their own tools at sizes
// and scales of their choosing, each with the PREFIX of the vector of the
// same name.
func dgcPNGFiles(t testing.TB) []dgcPNG {
	t.Helper()
	prefixes := map[string]string{} // vector folder (above 2DCode) + stem → PREFIX
	root := shareddata.Path(t, "dgc")
	for _, f := range shareddata.DGCFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v dgcVector
		if json.Unmarshal(data, &v) != nil || v.Prefix == "" {
			continue
		}
		stem := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".json"), "_Raw")
		prefixes[filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(f))), stem)] = v.Prefix
	}
	var out []dgcPNG
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".png") || filepath.Base(filepath.Dir(p)) != "png" {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		stem := strings.TrimSuffix(filepath.Base(p), ".png")
		// png/ sits beside 2DCode/ or inside it.
		base := filepath.Dir(filepath.Dir(p))
		if filepath.Base(base) == "2DCode" {
			base = filepath.Dir(base)
		}
		out = append(out, dgcPNG{path: p, rel: rel, want: prefixes[filepath.Join(base, stem)], aztec: strings.HasSuffix(stem, "_aztec")})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDGCPNGFiles decodes the PNG files of the EU test data: each must
// decode to the PREFIX of the vector of the same name. Ireland's
// *_aztec.png files show Aztec symbols, which HCERT also allows but this QR
// scanner does not read: they must be refused, never misread.
func TestDGCPNGFiles(t *testing.T) {
	files := dgcPNGFiles(t)
	matched := 0
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(bytes.NewReader(data))
		if f.aztec {
			if err == nil {
				t.Errorf("%s: Decode() = %.20q, want a refusal (an Aztec symbol)", f.rel, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: Decode() error: %v", f.rel, err)
			continue
		}
		if f.want == "" {
			continue
		}
		matched++
		if got != f.want {
			t.Errorf("%s: Decode() = %.30q…, want the vector's PREFIX %.30q…", f.rel, got, f.want)
		}
	}
	if matched == 0 {
		t.Errorf("no png file matched a vector (of %d files)", len(files))
	}
	t.Logf("%d png files, %d compared with their vector's PREFIX", len(files), matched)
}

// TestLateAttempts checks the two last readings of Image on their own: the
// pure-barcode reading of a clean code without any quiet zone, and the
// halved plane of a code at many pixels per module. (The code that needed
// them, Lithuania's version-24 test code at 4 pixels per module, is not in
// the shared test data; on synthetic codes the earlier attempts already
// succeed, so these are tested directly.)
func TestLateAttempts(t *testing.T) {
	text := "HC1:" + strings.Repeat("NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH", 12)
	img := qrImage(t, text, 0, 3, nil)
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	lum := luminance(img)
	if got, err := decodeOnce(lum, w, h, false, false, true); err != nil || got.text != text {
		t.Errorf("pure-barcode reading = %q, %v; want the text", got.text, err)
	}
	big := qrImage(t, text, 6, 8, nil)
	bw, bh := big.Bounds().Dx(), big.Bounds().Dy()
	half := resample(luminance(big), bw, bh, bw/2, bh/2)
	if got, err := decodeOnce(half, bw/2, bh/2, false, false, false); err != nil || got.text != text {
		t.Errorf("halved reading = %q, %v; want the text", got.text, err)
	}
}

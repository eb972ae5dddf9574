package scan

import (
	"bytes"
	"errors"
	"image"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ithc/ithc/render/qr"
	"github.com/ithc/ithc/scan/internal/corpus"
)

// drawCode draws a qr.Code at px pixels per module with a quiet zone of
// margin modules, through transform, which maps a module coordinate
// (x, y) of the drawn symbol to the module read there (a mirror, a
// rotation); nil draws it as it is.
func drawCode(c *qr.Code, px, margin int, transform func(x, y, n int) (int, int)) *image.Gray {
	n := c.Size()
	side := (n + 2*margin) * px
	img := image.NewGray(image.Rect(0, 0, side, side))
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			mx, my := x/px-margin, y/px-margin
			dark := false
			if mx >= 0 && my >= 0 && mx < n && my < n {
				if transform != nil {
					mx, my = transform(mx, my, n)
				}
				dark = c.Dark(mx, my)
			}
			if !dark {
				img.Pix[y*side+x] = 255
			}
		}
	}
	return img
}

// TestKnownModules checks the function patterns deblurring relies on
// against symbols of every version drawn by render/qr.
func TestKnownModules(t *testing.T) {
	for v := 1; v <= 40; v++ {
		c, err := qr.Encode("HC1:KNOWN", qr.Options{MinVersion: v})
		if err != nil {
			t.Fatal(err)
		}
		dim := c.Size()
		known := knownModules(dim)
		count := 0
		for j := 0; j < dim; j++ {
			for i := 0; i < dim; i++ {
				k := known[j*dim+i]
				if k < 0 {
					continue
				}
				count++
				if (k == 1) != c.Dark(i, j) {
					t.Fatalf("version %d: module (%d, %d) known %d, symbol has dark=%v", v, i, j, k, c.Dark(i, j))
				}
			}
		}
		// Finders with separators, timing and the dark module at least.
		if min := 3*64 + 2*(dim-16) + 1; count < min {
			t.Errorf("version %d: %d known modules, want at least %d", v, count, min)
		}
	}
}

// TestVersionCodeword checks the BCH(18,6) version information against
// the values of ISO/IEC 18004 table D.1 and its error correction.
func TestVersionCodeword(t *testing.T) {
	for v, want := range map[int]int{7: 0x07C94, 8: 0x085BC, 21: 0x15683, 40: 0x28C69} {
		if got := versionCodeword(v); got != want {
			t.Errorf("versionCodeword(%d) = %#x, want %#x", v, got, want)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for v := 7; v <= 40; v++ {
		bits := versionCodeword(v)
		for range 3 {
			bits ^= 1 << r.IntN(18) // up to 3 errors
		}
		if got, ok := decodeVersion(bits); !ok || got != v {
			t.Errorf("decodeVersion(version %d with errors) = %d, %v", v, got, ok)
		}
	}
}

// TestDeblur feeds deblurSample the module values of a symbol blurred by a
// Gaussian of 0.6 module (sampled at module centres, as the locator
// samples): a threshold misreads many modules, cancelling the blur
// hardly any.
func TestDeblur(t *testing.T) {
	c, err := qr.Encode(strings.Repeat("HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC", 10), qr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dim := c.Size()
	const sigma = 0.6
	erf := func(x float64) float64 { return math.Erf(x / (sigma * math.Sqrt2)) }
	w := [5]float64{(1 - erf(1.5)) / 2, (erf(1.5) - erf(0.5)) / 2, erf(0.5), (erf(1.5) - erf(0.5)) / 2, (1 - erf(1.5)) / 2}
	vals := make([]float64, dim*dim)
	for j := 0; j < dim; j++ {
		for i := 0; i < dim; i++ {
			dark := 0.0
			for b := -2; b <= 2; b++ {
				for a := -2; a <= 2; a++ {
					if x, y := i+a, j+b; x >= 0 && y >= 0 && x < dim && y < dim && c.Dark(x, y) {
						dark += w[a+2] * w[b+2]
					}
				}
			}
			vals[j*dim+i] = 230 - 200*dark
		}
	}
	bits := deblurSample(vals, dim)
	if bits == nil {
		t.Fatal("deblurSample() = nil")
	}
	thresholdErrors, deblurErrors := 0, 0
	for j := 0; j < dim; j++ {
		for i := 0; i < dim; i++ {
			if (vals[j*dim+i] < 130) != c.Dark(i, j) {
				thresholdErrors++
			}
			if bits.Get(i, j) != c.Dark(i, j) {
				deblurErrors++
			}
		}
	}
	t.Logf("version %d: a threshold misreads %d modules, deblurring %d", c.Version, thresholdErrors, deblurErrors)
	if thresholdErrors < dim*dim/50 {
		t.Errorf("the threshold misreads only %d modules: the test blur is too weak", thresholdErrors)
	}
	// The blur erases a checkerboard of 2 × 2 modules all but entirely
	// (its frequency is the module grid's highest), so one in a few
	// hundred is left to the Reed-Solomon correction.
	if deblurErrors*20 > thresholdErrors {
		t.Errorf("deblurSample() misreads %d modules, want fewer than a twentieth of the threshold's", deblurErrors)
	}
	if res, err := decodeBits(bits); err != nil || !strings.HasPrefix(res.text, "HC1:6BF") {
		t.Errorf("decodeBits(deblurred) = %.10q, %v", res.text, err)
	}
	// Values that do not darken with dark modules fit no kernel.
	for i := range vals {
		vals[i] = 128
	}
	if deblurSample(vals, dim) != nil {
		t.Errorf("deblurSample(flat) fitted a kernel")
	}
}

// TestOrientations reads a code mirrored and turned by quarter turns, and
// checks that the corners come in the symbol's reading order: the
// top-left corner is where the top-left finder is.
func TestOrientations(t *testing.T) {
	c, err := qr.Encode(hc1Sample, qr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const px, margin = 3, 4
	n := c.Size()
	side := float64((n + 2*margin) * px)
	lo, hi := float64(margin*px), side-float64(margin*px)
	// For each drawing, where the symbol's own top-left corner lands.
	tests := []struct {
		name      string
		transform func(x, y, n int) (int, int)
		topLeft   [2]float64
	}{
		{"upright", nil, [2]float64{lo, lo}},
		{"quarter turn", func(x, y, n int) (int, int) { return y, n - 1 - x }, [2]float64{hi, lo}},
		{"half turn", func(x, y, n int) (int, int) { return n - 1 - x, n - 1 - y }, [2]float64{hi, hi}},
		{"three quarters", func(x, y, n int) (int, int) { return n - 1 - y, x }, [2]float64{lo, hi}},
		{"mirrored", func(x, y, n int) (int, int) { return n - 1 - x, y }, [2]float64{hi, lo}},
	}
	for _, tt := range tests {
		img := drawCode(c, px, margin, tt.transform)
		codes, err := ImageAll(img)
		if err != nil || len(codes) != 1 || codes[0].Text != hc1Sample {
			t.Errorf("%s: ImageAll() = %v, %v", tt.name, codes, err)
			continue
		}
		p := codes[0].Corners[0]
		if math.Abs(float64(p.X)-tt.topLeft[0]) > 2 || math.Abs(float64(p.Y)-tt.topLeft[1]) > 2 {
			t.Errorf("%s: top-left corner at %v, want about %v (corners %v)", tt.name, p, tt.topLeft, codes[0].Corners)
		}
	}
}

// TestCorners compares the corners ImageAll reports with where the corpus
// drew each symbol, in perspective, rotated, in photos and several codes
// to a picture.
func TestCorners(t *testing.T) {
	samples, err := corpus.Generate(corpus.Options{Seed: 3, PerKind: 2, Kinds: []corpus.Kind{corpus.Rotation, corpus.Perspective, corpus.Photo, corpus.Multi}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		codes, err := DecodeAll(bytes.NewReader(s.Data))
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		if len(codes) != len(s.Texts) {
			t.Errorf("%s: %d codes, want %d", s.Name, len(codes), len(s.Texts))
		}
		for _, c := range codes {
			i := slices.Index(s.Texts, c.Text)
			if i < 0 {
				t.Errorf("%s: read a text the picture does not show", s.Name)
				continue
			}
			want := s.Corners[i]
			// A pixel and a half, at most half a module.
			tol := 1.5
			for k, p := range c.Corners {
				if d := math.Hypot(float64(p.X)-want[k][0], float64(p.Y)-want[k][1]); d > tol {
					t.Errorf("%s: corner %d at %v, want (%.1f, %.1f)", s.Name, k, p, want[k][0], want[k][1])
				}
			}
		}
	}
}

// TestSeveralCodes reads pictures of several codes: every one is returned
// once, the same code twice in two places twice, and Image returns one of
// them.
func TestSeveralCodes(t *testing.T) {
	a := qrImage(t, "HC1:FIRST CODE", 4, 3, nil)
	b := qrImage(t, "HC1:SECOND CODE OF THE PAGE", 4, 4, nil)
	side := a.Bounds().Dx() + b.Bounds().Dx() + a.Bounds().Dx()
	page := image.NewGray(image.Rect(0, 0, side, b.Bounds().Dy()))
	for i := range page.Pix {
		page.Pix[i] = 255
	}
	paste := func(src *image.Gray, x0 int) {
		for y := 0; y < src.Bounds().Dy(); y++ {
			copy(page.Pix[y*page.Stride+x0:], src.Pix[y*src.Stride:y*src.Stride+src.Bounds().Dx()])
		}
	}
	paste(a, 0)
	paste(b, a.Bounds().Dx())
	paste(a, a.Bounds().Dx()+b.Bounds().Dx())
	codes, err := ImageAll(page)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, c := range codes {
		texts = append(texts, c.Text)
	}
	slices.Sort(texts)
	if want := []string{"HC1:FIRST CODE", "HC1:FIRST CODE", "HC1:SECOND CODE OF THE PAGE"}; !slices.Equal(texts, want) {
		t.Errorf("ImageAll() = %q, want %q", texts, want)
	}
	if got, err := Image(page); err != nil || (got != "HC1:FIRST CODE" && got != "HC1:SECOND CODE OF THE PAGE") {
		t.Errorf("Image() = %q, %v", got, err)
	}
}

// TestUnreadable checks that a located code whose data is destroyed
// beyond its error correction is reported as unreadable, not as absent.
func TestUnreadable(t *testing.T) {
	c, err := qr.Encode(hc1Sample, qr.Options{Level: qr.LevelL})
	if err != nil {
		t.Fatal(err)
	}
	const px, margin = 4, 4
	img := drawCode(c, px, margin, nil)
	// Invert the data modules of a band through the middle, away from the
	// finder, timing and format modules.
	n := c.Size()
	known := knownModules(n)
	r := rand.New(rand.NewPCG(1, 1))
	for my := 9; my < n-9; my++ {
		for mx := 9; mx < n-9; mx++ {
			if known[my*n+mx] >= 0 || r.IntN(2) == 0 {
				continue
			}
			for y := (my + margin) * px; y < (my+margin+1)*px; y++ {
				for x := (mx + margin) * px; x < (mx+margin+1)*px; x++ {
					img.Pix[y*img.Stride+x] ^= 255
				}
			}
		}
	}
	_, err = Image(img)
	if !errors.Is(err, ErrUnreadable) {
		t.Errorf("Image(damaged) = %v, want ErrUnreadable", err)
	}
}

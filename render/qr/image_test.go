package qr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/render/qr/qrtest"
	"github.com/ithc/ithc/scan"
)

// pngChunks returns the chunk types of a PNG file in order and the data of
// each.
func pngChunks(t *testing.T, b []byte) ([]string, map[string][]byte) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("not a PNG")
	}
	var types []string
	data := map[string][]byte{}
	for p := b[8:]; len(p) >= 12; {
		n := binary.BigEndian.Uint32(p)
		typ := string(p[4:8])
		types = append(types, typ)
		data[typ] = p[8 : 8+n]
		p = p[12+n:]
	}
	return types, data
}

func TestPNG(t *testing.T) {
	text := hc1Text(rand.New(rand.NewPCG(1, 1)), 500)
	c, err := Encode(text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	modules := c.Size() + 2*MinQuietZone
	tests := []struct {
		name  string
		opts  ImageOptions
		side  int
		scale int
		ppm   uint32 // pixels per metre in pHYs, 0 for none
	}{
		{"default", ImageOptions{}, DefaultModulePixels * modules, DefaultModulePixels, 0},
		{"module pixels", ImageOptions{ModulePixels: 3}, 3 * modules, 3, 0},
		{"pixels", ImageOptions{Pixels: 500}, 500, 500 / modules, 0},
		{"millimetres", ImageOptions{Millimetres: 45}, 531, 531 / modules, 11811},
		{"millimetres at 600 dpi", ImageOptions{Millimetres: 45, DPI: 600}, 1063, 1063 / modules, 23622},
		{"module pixels at 300 dpi", ImageOptions{ModulePixels: 4, DPI: 300}, 4 * modules, 4, 11811},
		{"wide quiet zone", ImageOptions{ModulePixels: 2, QuietZone: 10}, 2 * (c.Size() + 20), 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := c.WritePNG(&b, tt.opts); err != nil {
				t.Fatal(err)
			}
			types, chunks := pngChunks(t, b.Bytes())
			ihdr := chunks["IHDR"]
			if w, h := binary.BigEndian.Uint32(ihdr), binary.BigEndian.Uint32(ihdr[4:]); int(w) != tt.side || int(h) != tt.side {
				t.Errorf("%d×%d pixels, want %d×%d", w, h, tt.side, tt.side)
			}
			if depth, colour := ihdr[8], ihdr[9]; depth != 1 || colour != 3 {
				t.Errorf("bit depth %d colour type %d, want a 1-bit palette (1, 3)", depth, colour)
			}
			if tt.ppm == 0 {
				if chunks["pHYs"] != nil {
					t.Error("pHYs chunk without a DPI")
				}
			} else {
				p := chunks["pHYs"]
				if types[1] != "pHYs" || binary.BigEndian.Uint32(p) != tt.ppm || binary.BigEndian.Uint32(p[4:]) != tt.ppm || p[8] != 1 {
					t.Errorf("chunks %v, pHYs % x, want %d pixels per metre right after IHDR", types, p, tt.ppm)
				}
			}
			img, err := png.Decode(bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatalf("image/png cannot read it: %v", err)
			}
			// The symbol is centred with whole-pixel modules and at least
			// the quiet zone around it.
			quiet := max(tt.opts.QuietZone, MinQuietZone)
			margin := (tt.side - tt.scale*c.Size()) / 2
			if margin < quiet*tt.scale {
				t.Errorf("margin %d pixels, less than %d modules of %d", margin, quiet, tt.scale)
			}
			for y := 0; y < tt.side; y++ {
				for x := 0; x < tt.side; x++ {
					mx, my := (x-margin)/tt.scale, (y-margin)/tt.scale
					if x < margin || y < margin {
						mx, my = -1, -1
					}
					r, _, _, _ := img.At(x, y).RGBA()
					if dark := r == 0; dark != c.Dark(mx, my) {
						t.Fatalf("pixel (%d,%d): dark %v, module (%d,%d) dark %v", x, y, dark, mx, my, c.Dark(mx, my))
					}
				}
			}
			got, err := scan.Decode(bytes.NewReader(b.Bytes()))
			if err != nil || got != text {
				t.Errorf("scan.Decode = %.30q, %v", got, err)
			}
		})
	}
}

func TestImageOptionErrors(t *testing.T) {
	c, err := Encode(strings.Repeat("A", 400), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts ImageOptions
		msg  string
	}{
		{"two sizes", ImageOptions{ModulePixels: 2, Pixels: 300}, "give one of"},
		{"too few pixels", ImageOptions{Pixels: 50}, "50 pixels cannot hold the 85 modules of a version 15 code with its quiet zone; it needs at least 85"},
		{"quiet zone", ImageOptions{QuietZone: 2}, "quiet zone of 2 modules"},
		{"negative pixels", ImageOptions{Pixels: -1}, "an image of -1 pixels"},
		{"too large", ImageOptions{ModulePixels: limits.MaxQRImageSide}, "want 1 to 8192"},
		{"millimetres", ImageOptions{Millimetres: 2000}, "2000 mm at 300 dpi"},
		{"negative millimetres", ImageOptions{Millimetres: -5}, "-5 mm"},
		{"dpi", ImageOptions{Millimetres: 40, DPI: 100000}, "100000 dpi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, write := range []func() error{
				func() error { return c.WritePNG(&bytes.Buffer{}, tt.opts) },
				func() error { return c.WriteSVG(&bytes.Buffer{}, tt.opts) },
				func() error { _, err := c.Image(tt.opts); return err },
			} {
				err := write()
				if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), tt.msg) {
					t.Errorf("error %v, want ErrOptions containing %q", err, tt.msg)
				}
			}
		})
	}
}

// TestSVG draws the SVG with the test rasteriser and compares it with the
// PNG drawing pixel for pixel, then scans it.
func TestSVG(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, text := range []string{hc1Text(r, 700), shcText(r, 400), utf8Text(r, 200), "A"} {
		c, err := Encode(text, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var svg bytes.Buffer
		if err := c.WriteSVG(&svg, ImageOptions{ModulePixels: 3}); err != nil {
			t.Fatal(err)
		}
		s := svg.String()
		if !strings.HasPrefix(s, "<svg ") || strings.Count(s, "<path") != 1 || !strings.HasSuffix(s, "</svg>") {
			t.Errorf("not one svg element with one path: %.100s", s)
		}
		got, err := qrtest.RasterSVG(svg.Bytes(), 3)
		if err != nil {
			t.Fatal(err)
		}
		want, err := c.Image(ImageOptions{ModulePixels: 3})
		if err != nil {
			t.Fatal(err)
		}
		if got.Bounds() != want.Bounds() {
			t.Fatalf("svg drawn at %v, png %v", got.Bounds(), want.Bounds())
		}
		for i, p := range want.Pix {
			if (p == 1) != (got.Pix[i] == 0) {
				t.Fatalf("version %d: pixel %d differs between svg and png", c.Version, i)
			}
		}
		if dec, err := scan.Image(got); err != nil || dec != text {
			t.Errorf("scan of the svg = %.30q, %v", dec, err)
		}
	}
}

func TestSVGSize(t *testing.T) {
	c, err := Encode("HC1:ABC", Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		opts ImageOptions
		want string
	}{
		{ImageOptions{}, `width="232" height="232"`},
		{ImageOptions{Pixels: 300}, `width="300" height="300"`},
		{ImageOptions{Millimetres: 45}, `width="45mm" height="45mm"`},
		{ImageOptions{ModulePixels: 10, DPI: 254}, `width="29.00mm" height="29.00mm"`},
		{ImageOptions{QuietZone: 6}, `viewBox="0 0 33 33"`},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := c.WriteSVG(&b, tt.opts); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tt.want) {
			t.Errorf("WriteSVG(%+v) = %.120s, want %s", tt.opts, b.String(), tt.want)
		}
	}
}

func TestDarkOutside(t *testing.T) {
	c, err := Encode("1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Dark(0, 0) || c.Dark(-1, 0) || c.Dark(0, c.Size()) {
		t.Error("finder corner must be dark and the quiet zone light")
	}
	var _ image.Image = must(c.Image(ImageOptions{}))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

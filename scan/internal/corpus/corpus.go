// Package corpus generates the robustness corpus of package scan: the QR
// codes of ITHC's own HC1 certificates (every event mix, and an EU DCC),
// drawn as a scanner, a screenshot tool or a phone camera would give them,
// and degraded: small scales, any rotation, perspective, blur, noise, low
// contrast and uneven light, JPEG at qualities 30 to 90, two-megapixel
// photos of paper and of screens, and several codes in one picture.
//
// Decisions:
//
//   - Codes are encoded by ITHC's own encoder (render/qr) and signed with a
//     fixed Ed25519 key, whose signatures are deterministic: with the same
//     Options, Generate returns the same images byte for byte, so decode
//     rates can be compared between runs and between readers.
//   - Every image is traced, not resampled: each sub-pixel's ray meets the
//     sheet's plane through a pinhole camera (scene.go), so rotation, scale
//     and perspective come from one exact model. Blur, noise, illumination,
//     glare, a screen's pixel grid and JPEG come after, in that order, as
//     in a camera.
//   - The kinds isolate one degradation each (with mild others), and the
//     photo and screen kinds combine them at two megapixels (1632 × 1224):
//     those are the images the scan benchmark times.
//
// The package is internal to scan and used only by its tests and
// benchmarks; nothing here is for production use.
package corpus

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"

	"github.com/ithc/ithc/render/qr"
)

// Kind is a class of degradation.
type Kind string

// The kinds of the corpus.
const (
	Scale       Kind = "scale"       // small codes, 1.5–3 pixels per module
	Rotation    Kind = "rotation"    // any angle
	Perspective Kind = "perspective" // the sheet tilted 20–50°
	Blur        Kind = "blur"        // Gaussian blur of 0.3–0.7 module
	Noise       Kind = "noise"       // Gaussian sensor noise, sigma 20–60 levels
	Contrast    Kind = "contrast"    // 25–60 levels between dark and light, uneven light
	JPEG        Kind = "jpeg"        // JPEG qualities 30–90
	Photo       Kind = "photo"       // 2 MP photo of a paper certificate
	Screen      Kind = "screen"      // 2 MP photo of a phone screen, glare and moiré
	Multi       Kind = "multi"       // two or three codes in one picture
)

// Kinds lists every kind, in the order Generate produces them.
var Kinds = []Kind{Scale, Rotation, Perspective, Blur, Noise, Contrast, JPEG, Photo, Screen, Multi}

// Sample is one image of the corpus.
type Sample struct {
	// Name is unique in a corpus, such as "rotation-003".
	Name string
	Kind Kind
	// Texts are the QR texts the image shows (several for Multi).
	Texts []string
	// Ext is the file extension of Data: "png" or "jpg".
	Ext  string
	Data []byte
	// Width and Height are the image's size in pixels.
	Width, Height int
	// Params describes the degradation, for reports.
	Params string
	// Corners are, for each text, where the symbol's corners are in the
	// image (x, y in pixels): top left, top right, bottom right, bottom
	// left of the symbol as it reads, quiet zone excluded.
	Corners [][4][2]float64
}

// Options choose the corpus.
type Options struct {
	// Seed picks the random degradations; the same seed gives the same
	// corpus.
	Seed uint64
	// PerKind is the number of samples of each kind; zero means 3.
	PerKind int
	// Kinds restricts the corpus to these kinds; nil means Kinds.
	Kinds []Kind
}

// PhotoWidth and PhotoHeight are the size of the Photo and Screen samples
// (1.998 megapixels).
const PhotoWidth, PhotoHeight = 1632, 1224

// Generate returns the corpus.
func Generate(opts Options) ([]Sample, error) {
	texts, err := Texts()
	if err != nil {
		return nil, err
	}
	codes := make([]*qr.Code, len(texts))
	for i, t := range texts {
		if codes[i], err = qr.Encode(t, qr.Options{}); err != nil {
			return nil, fmt.Errorf("corpus: encoding text %d: %w", i, err)
		}
	}
	per := opts.PerKind
	if per <= 0 {
		per = 3
	}
	kinds := opts.Kinds
	if kinds == nil {
		kinds = Kinds
	}
	var out []Sample
	n := 0
	for ki, k := range kinds {
		for i := 0; i < per; i++ {
			r := rand.New(rand.NewPCG(opts.Seed, uint64(ki)<<32|uint64(i)))
			s, err := generate(k, r, texts, codes, n)
			if err != nil {
				return nil, err
			}
			s.Name = fmt.Sprintf("%s-%03d", k, i)
			out = append(out, s)
			n++
		}
	}
	return out, nil
}

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// generate draws one sample of kind k; n picks the certificate.
func generate(k Kind, r *rand.Rand, texts []string, codes []*qr.Code, n int) (Sample, error) {
	ci := n % len(codes)
	code := codes[ci]
	size := code.Size()
	s := &scene{
		dark: 20, light: 235, background: 120,
		light0: 1, supersample: 2,
	}
	// Defaults: a flat, sharp, square-on code in a plain margin; each kind
	// sets the module size px.
	var px float64
	rot, tiltX, tiltY := 0.0, 0.0, 0.0
	quality := 0 // PNG
	colour := false
	params := ""
	margin := 4 + 6*r.Float64() // quiet zone and beyond, in modules, before the background
	switch k {
	case Scale:
		px = uniform(r, 1.5, 3)
		s.supersample = 4
		s.blur = 0.3
		s.noise = 2
		params = fmt.Sprintf("%.2f px/module", px)
	case Rotation:
		px = uniform(r, 2.5, 5)
		rot = uniform(r, 0, 2*math.Pi)
		s.blur = 0.5
		s.noise = 3
		params = fmt.Sprintf("%.1f°, %.2f px/module", rot*180/math.Pi, px)
	case Perspective:
		px = uniform(r, 3, 6)
		rot = uniform(r, -0.35, 0.35)
		t, phi := uniform(r, 20, 50)*math.Pi/180, uniform(r, 0, 2*math.Pi)
		tiltX, tiltY = t*math.Cos(phi), t*math.Sin(phi)
		s.blur = 0.5
		s.noise = 3
		params = fmt.Sprintf("tilt %.0f° toward %.0f°, %.2f px/module", t*180/math.Pi, phi*180/math.Pi, px)
	case Blur:
		px = uniform(r, 3, 6)
		rot = uniform(r, -0.2, 0.2)
		s.blur = uniform(r, 0.3, 0.7) * px
		s.noise = 2
		params = fmt.Sprintf("sigma %.2f px (%.2f module), %.2f px/module", s.blur, s.blur/px, px)
	case Noise:
		px = uniform(r, 3, 5)
		rot = uniform(r, 0, 2*math.Pi)
		s.blur = 0.5
		s.noise = uniform(r, 20, 60)
		params = fmt.Sprintf("sigma %.0f levels, %.2f px/module", s.noise, px)
	case Contrast:
		px = uniform(r, 3, 5)
		rot = uniform(r, -0.3, 0.3)
		s.dark = uniform(r, 80, 140)
		s.light = s.dark + uniform(r, 25, 60)
		s.background = s.dark
		s.light0, s.lightX, s.lightY = uniform(r, 0.8, 1.1), uniform(r, -0.3, 0.3), uniform(r, -0.3, 0.3)
		s.blur = 0.6
		s.noise = 3
		params = fmt.Sprintf("dark %.0f light %.0f, light gradient %.2f/%.2f, %.2f px/module", s.dark, s.light, s.lightX, s.lightY, px)
	case JPEG:
		px = uniform(r, 2, 4)
		rot = uniform(r, -0.5, 0.5)
		quality = 30 + r.IntN(61)
		s.blur = 0.4
		s.noise = 2
		params = fmt.Sprintf("quality %d, %.2f px/module", quality, px)
	case Photo, Screen:
		return photo(k, r, texts[ci], code)
	case Multi:
		return multi(r, texts, codes, n)
	default:
		return Sample{}, fmt.Errorf("corpus: unknown kind %q", k)
	}
	half := float64(size)/2 + margin
	// The canvas holds the rotated (and tilted) sheet with some room.
	side := int(math.Ceil(2*half*px*1.45)) + 40
	s.w, s.h = side, side
	s.pose(float64(side)/2+uniform(r, -10, 10), float64(side)/2+uniform(r, -10, 10), px, rot, tiltX, tiltY)
	s.codes = []placed{place(code, -float64(size)/2, -float64(size)/2)}
	s.sheet = rect{-half, -half, half, half}
	return finish(k, s, r, []string{texts[ci]}, quality, colour, params)
}

// photo draws a two-megapixel photo of a paper certificate (an A4 page
// with text lines around the code) or of a phone screen showing a wallet
// page.
func photo(k Kind, r *rand.Rand, text string, code *qr.Code) (Sample, error) {
	size := float64(code.Size())
	s := &scene{w: PhotoWidth, h: PhotoHeight, supersample: 2, light0: 1}
	px := uniform(r, 2.5, 7)
	rot := uniform(r, 0, 2*math.Pi)
	if r.IntN(2) == 0 {
		rot = uniform(r, -0.3, 0.3) // most photos are roughly upright
	}
	t, phi := uniform(r, 0, 35)*math.Pi/180, uniform(r, 0, 2*math.Pi)
	cx := uniform(r, 0.35, 0.65) * PhotoWidth
	cy := uniform(r, 0.35, 0.65) * PhotoHeight
	s.pose(cx, cy, px, rot, t*math.Cos(phi), t*math.Sin(phi))
	half := size / 2
	s.codes = []placed{place(code, -half, -half)}
	s.blur = uniform(r, 0.6, 1.5)
	s.noise = uniform(r, 2, 6)
	s.light0, s.lightX, s.lightY = uniform(r, 0.75, 1.05), uniform(r, -0.25, 0.25), uniform(r, -0.25, 0.25)
	quality := 60 + r.IntN(33)
	// Shapes behind the sheet (a desk's edge, a hand, a keyboard).
	for range 1 + r.IntN(4) {
		x, y := uniform(r, 0, PhotoWidth), uniform(r, 0, PhotoHeight)
		s.bgClutter = append(s.bgClutter, rect{x, y, x + uniform(r, 40, 400), y + uniform(r, 40, 300)})
	}
	var params string
	if k == Photo {
		// An A4 page: the code of 35–60 mm sits in its upper right; text
		// lines fill the rest.
		s.dark, s.light, s.background = 25, 225, uniform(r, 60, 160)
		mm := size / 45 // modules per millimetre for a 45 mm code
		s.sheet = rect{-half - 140*mm, -half - 20*mm, half + 20*mm, half + 250*mm}
		for y := -half - 10*mm; y < half+240*mm; y += 6 * mm {
			x1 := -half - 8*mm
			if y > half+8*mm {
				x1 = half + 10*mm
			}
			s.clutter = append(s.clutter, rect{-half - 130*mm, y, x1 - uniform(r, 0, 40)*mm, y + 2.5*mm})
		}
		if r.IntN(3) == 0 {
			s.glare = glare{uniform(r, 0, PhotoWidth), uniform(r, 0, PhotoHeight), uniform(r, 100, 400), uniform(r, 20, 60)}
		}
		params = fmt.Sprintf("paper, %.2f px/module, %.0f°, tilt %.0f°, blur %.2f, noise %.1f, quality %d",
			px, rot*180/math.Pi, t*180/math.Pi, s.blur, s.noise, quality)
	} else {
		// A phone screen: a bright display in a dark bezel, the code
		// nearly filling its width, glare and the display's pixel grid.
		s.dark, s.light, s.background = uniform(r, 10, 40), uniform(r, 200, 250), uniform(r, 10, 30)
		s.sheet = rect{-half - 6, -half - 40, half + 6, half + 60}
		s.clutter = []rect{{-half, -half - 30, half, -half - 22}, {-half, half + 10, half * 0.6, half + 16}}
		s.moire = uniform(r, 0.05, 0.2)
		s.glare = glare{cx + uniform(r, -200, 200), cy + uniform(r, -200, 200), uniform(r, 80, 300), uniform(r, 40, 140)}
		params = fmt.Sprintf("screen, %.2f px/module, %.0f°, tilt %.0f°, blur %.2f, moiré %.2f, glare %.0f, quality %d",
			px, rot*180/math.Pi, t*180/math.Pi, s.blur, s.moire, s.glare.strength, quality)
	}
	return finish(k, s, r, []string{text}, quality, true, params)
}

// multi draws two or three codes side by side on one sheet.
func multi(r *rand.Rand, texts []string, codes []*qr.Code, n int) (Sample, error) {
	count := 2 + r.IntN(2)
	s := &scene{w: 1400, h: 700, supersample: 2, light0: 1, dark: 25, light: 230, background: 100}
	px := uniform(r, 2.5, 3.5)
	if count == 3 {
		px = uniform(r, 2, 2.6)
	}
	var placedCodes []placed
	var shown []string
	x := 0.0
	maxSize := 0.0
	for i := range count {
		ci := (n + i) % len(codes)
		size := float64(codes[ci].Size())
		placedCodes = append(placedCodes, place(codes[ci], x, -size/2))
		shown = append(shown, texts[ci])
		x += size + 10
		maxSize = max(maxSize, size)
	}
	total := x - 10
	for i := range placedCodes {
		placedCodes[i].x -= total / 2
	}
	s.codes = placedCodes
	s.sheet = rect{-total/2 - 8, -maxSize/2 - 8, total/2 + 8, maxSize/2 + 8}
	rot := uniform(r, -0.3, 0.3)
	t, phi := uniform(r, 0, 25)*math.Pi/180, uniform(r, 0, 2*math.Pi)
	s.pose(float64(s.w)/2, float64(s.h)/2, px, rot, t*math.Cos(phi), t*math.Sin(phi))
	s.blur, s.noise = 0.6, 3
	quality := 0
	if r.IntN(2) == 0 {
		quality = 75
	}
	params := fmt.Sprintf("%d codes, %.2f px/module, %.0f°, tilt %.0f°", count, px, rot*180/math.Pi, t*180/math.Pi)
	return finish(Multi, s, r, shown, quality, false, params)
}

func place(c *qr.Code, x, y float64) placed {
	n := c.Size()
	dark := make([]bool, n*n)
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			dark[j*n+i] = c.Dark(i, j)
		}
	}
	return placed{x: x, y: y, size: n, dark: dark}
}

// finish renders s and encodes it: PNG when quality is zero, else JPEG at
// that quality; colour gives the image a warm tint (a photo under indoor
// light), else it is gray.
func finish(k Kind, s *scene, r *rand.Rand, texts []string, quality int, colour bool, params string) (Sample, error) {
	plane := s.render(r)
	var img image.Image
	if colour {
		rgba := image.NewRGBA(image.Rect(0, 0, s.w, s.h))
		for i, v := range plane {
			rgba.Pix[4*i+0] = clamp(v * 1.02)
			rgba.Pix[4*i+1] = clamp(v * 0.98)
			rgba.Pix[4*i+2] = clamp(v * 0.9)
			rgba.Pix[4*i+3] = 0xFF
		}
		img = rgba
	} else {
		g := image.NewGray(image.Rect(0, 0, s.w, s.h))
		for i, v := range plane {
			g.Pix[i] = clamp(v)
		}
		img = g
	}
	var buf bytes.Buffer
	ext := "png"
	if quality > 0 {
		ext = "jpg"
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
			return Sample{}, fmt.Errorf("corpus: jpeg: %w", err)
		}
	} else if err := png.Encode(&buf, img); err != nil {
		return Sample{}, fmt.Errorf("corpus: png: %w", err)
	}
	var corners [][4][2]float64
	for _, c := range s.codes {
		var q [4][2]float64
		n := float64(c.size)
		for i, p := range [4][2]float64{{0, 0}, {n, 0}, {n, n}, {0, n}} {
			q[i][0], q[i][1] = s.toImage(c.x+p[0], c.y+p[1])
		}
		corners = append(corners, q)
	}
	return Sample{Kind: k, Texts: texts, Ext: ext, Data: buf.Bytes(), Width: s.w, Height: s.h, Params: params, Corners: corners}, nil
}

func clamp(v float64) uint8 {
	return uint8(min(max(math.Round(v), 0), 255))
}

package bench

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/ithc/ithc/render/qr"
	"github.com/ithc/ithc/scan"
)

// The photos of scan_photo_2mp: a paper certificate lying on a table,
// taken with a phone camera. Each is 1632 × 1224 pixels (two megapixels,
// the resolution a verifier's camera preview or a cropped phone photo
// gives), in colour, and goes through JPEG at quality 85 as a camera file
// does; the figure times the scan of the decoded picture. The code is
// rotated up to 35°, seen in perspective (its module size changing by up
// to 25% across it), its modules 3.5 to 6.5 pixels wide, under uneven
// light (vignetting and a gradient), on a textured background, with lens
// blur and sensor noise. The photos are made from a fixed seed: every run scans the
// same pictures.
const (
	photoWidth   = 1632
	photoHeight  = 1224
	photoQuality = 85
)

// photoParams place the code of one photo.
type photoParams struct {
	angle     float64 // rotation, radians
	module    float64 // pixels per module at the centre
	tilt      float64 // perspective: relative change of the module size across the code
	tiltDir   float64 // direction of the tilt, radians
	blur      int     // passes of the lens blur
	cx, cy    float64 // centre of the code, pixels
	light     float64 // direction of the light gradient, radians
	noise     float64 // standard deviation of the sensor noise, levels
	seed      uint64
	paperTint [3]float64
}

// photoSet returns the parameters of n photos, varied deterministically.
func photoSet(n int) []photoParams {
	rng := rand.New(rand.NewPCG(2026, 10))
	out := make([]photoParams, n)
	for i := range out {
		out[i] = photoParams{
			angle:     (rng.Float64()*2 - 1) * 35 * math.Pi / 180,
			module:    3.5 + 3*rng.Float64(),
			tilt:      (rng.Float64()*2 - 1) * 0.25,
			tiltDir:   rng.Float64() * 2 * math.Pi,
			blur:      2 + rng.IntN(2),
			cx:        photoWidth/2 + (rng.Float64()*2-1)*200,
			cy:        photoHeight/2 + (rng.Float64()*2-1)*120,
			light:     rng.Float64() * 2 * math.Pi,
			noise:     4 + 3*rng.Float64(),
			seed:      rng.Uint64(),
			paperTint: [3]float64{1, 0.985 - 0.02*rng.Float64(), 0.95 - 0.04*rng.Float64()},
		}
	}
	return out
}

// photo is one picture to scan and the text it shows.
type photo struct {
	img  image.Image
	text string
	jpeg int // size of the JPEG file, bytes
}

// makePhoto draws the QR code of text as p describes, encodes the
// picture as JPEG and decodes it again.
func makePhoto(text string, p photoParams) (*photo, error) {
	code, err := qr.Encode(text, qr.Options{})
	if err != nil {
		return nil, fmt.Errorf("bench: photo: %w", err)
	}
	rng := rand.New(rand.NewPCG(p.seed, 1))
	w, h := photoWidth, photoHeight
	// Three float planes, filled with the scene, then blurred.
	planes := [3][]float32{make([]float32, w*h), make([]float32, w*h), make([]float32, w*h)}

	// The table: a brown surface with soft blotches (bilinear value noise
	// on a coarse grid).
	const gw, gh = 17, 13
	var grid [gw * gh]float64
	for i := range grid {
		grid[i] = rng.Float64()*2 - 1
	}
	blotch := func(x, y float64) float64 {
		gx, gy := x/float64(w)*(gw-1), y/float64(h)*(gh-1)
		ix, iy := min(int(gx), gw-2), min(int(gy), gh-2)
		fx, fy := gx-float64(ix), gy-float64(iy)
		a := grid[iy*gw+ix]*(1-fx) + grid[iy*gw+ix+1]*fx
		b := grid[(iy+1)*gw+ix]*(1-fx) + grid[(iy+1)*gw+ix+1]*fx
		return a*(1-fy) + b*fy
	}

	// The code's frame: module coordinates (u, v) of a pixel, the symbol
	// from 0 to size, the paper a margin of 9 modules around it.
	size := float64(code.Size())
	cos, sin := math.Cos(p.angle), math.Sin(p.angle)
	tx, ty := math.Cos(p.tiltDir), math.Sin(p.tiltDir)
	span := size * p.module
	toModule := func(x, y float64) (float64, float64) {
		dx, dy := x-p.cx, y-p.cy
		// The side of the paper farther from the camera looks smaller.
		scale := (1 + p.tilt*(dx*tx+dy*ty)/span) / p.module
		u := (dx*cos + dy*sin) * scale
		v := (-dx*sin + dy*cos) * scale
		return u + size/2, v + size/2
	}
	const paperMargin = 9
	// inkAt is 1 on a dark module, 0 on paper, -1 off the paper.
	inkAt := func(x, y float64) float64 {
		u, v := toModule(x, y)
		if u < -paperMargin || v < -paperMargin || u >= size+paperMargin || v >= size+paperMargin*2.5 {
			return -1
		}
		if u >= 0 && v >= 0 && code.Dark(int(u), int(v)) {
			return 1
		}
		return 0
	}
	lx, ly := math.Cos(p.light), math.Sin(p.light)
	diag := math.Hypot(float64(w), float64(h)) / 2
	for y := range h {
		for x := range w {
			fx, fy := float64(x), float64(y)
			// Light: a gradient across the picture and vignetting.
			rx, ry := (fx-float64(w)/2)/diag, (fy-float64(h)/2)/diag
			light := (0.82 + 0.18*(rx*lx+ry*ly)) * (1 - 0.3*(rx*rx+ry*ry))
			// Four samples a pixel: the edges of modules and paper are
			// anti-aliased as a lens and a sensor would.
			var ink, paper float64
			for _, o := range [4][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}} {
				switch k := inkAt(fx+o[0], fy+o[1]); k {
				case 1:
					ink++
				case 0:
					paper++
				}
			}
			table := 1 - (ink+paper)/4
			b := blotch(fx, fy)
			i := y*w + x
			for c := range 3 {
				tableLevel := [3]float64{112, 84, 60}[c] * (1 + 0.18*b)
				paperLevel := 236 * p.paperTint[c]
				inkLevel := [3]float64{28, 30, 38}[c]
				v := (table*tableLevel + paper/4*paperLevel + ink/4*inkLevel) * light
				planes[c][i] = float32(v)
			}
		}
	}
	// Lens blur: a binomial kernel (1 2 1)/4, two or three times, in each
	// direction.
	tmp := make([]float32, w*h)
	for c := range planes {
		for range p.blur {
			blurRows(planes[c], tmp, w, h)
			blurCols(tmp, planes[c], w, h)
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		for c := range 3 {
			v := float64(planes[c][i]) + rng.NormFloat64()*p.noise
			img.Pix[4*i+c] = uint8(math.Round(min(max(v, 0), 255)))
		}
		img.Pix[4*i+3] = 0xFF
	}
	var file bytes.Buffer
	if err := jpeg.Encode(&file, img, &jpeg.Options{Quality: photoQuality}); err != nil {
		return nil, fmt.Errorf("bench: photo: %w", err)
	}
	decoded, err := jpeg.Decode(bytes.NewReader(file.Bytes()))
	if err != nil {
		return nil, fmt.Errorf("bench: photo: %w", err)
	}
	return &photo{img: decoded, text: text, jpeg: file.Len()}, nil
}

// blurRows filters each row of src with (1 2 1)/4 into dst, repeating the
// edge pixels.
func blurRows(src, dst []float32, w, h int) {
	for y := range h {
		row, out := src[y*w:(y+1)*w], dst[y*w:(y+1)*w]
		for x := range w {
			l, r := row[max(x-1, 0)], row[min(x+1, w-1)]
			out[x] = (l + 2*row[x] + r) / 4
		}
	}
}

// blurCols filters each column of src with (1 2 1)/4 into dst.
func blurCols(src, dst []float32, w, h int) {
	for y := range h {
		up, down := max(y-1, 0), min(y+1, h-1)
		for x := range w {
			dst[y*w+x] = (src[up*w+x] + 2*src[y*w+x] + src[down*w+x]) / 4
		}
	}
}

// scanFigure measures scan_photo_2mp: the median time, on one core
// (GOMAXPROCS=1), of scan.Image on the photos, taken in turn; a photo not
// read, or read wrong, is an error.
func (r *runner) scanFigure() ([]Figure, error) {
	const name = "scan_photo_2mp"
	if !r.selected(name) {
		return nil, nil
	}
	r.logf("%s", name)
	f, err := r.fixtures()
	if err != nil {
		return nil, err
	}
	n := 6
	if r.opts.Quick {
		n = 2
	}
	var photos []*photo
	for _, p := range photoSet(n) {
		ph, err := makePhoto(f.native, p)
		if err != nil {
			return nil, err
		}
		photos = append(photos, ph)
	}
	small, large := photos[0].jpeg, photos[0].jpeg
	for _, ph := range photos {
		small, large = min(small, ph.jpeg), max(large, ph.jpeg)
	}
	r.logf("%s: %d photos of %d × %d, JPEG files of %d to %d KB", name, len(photos), photoWidth, photoHeight, small>>10, large>>10)
	runtime.GC()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	i := 0
	d, _, err := r.meter.samples(func() error {
		k := i % len(photos)
		i++
		text, err := scan.Image(photos[k].img)
		if err != nil {
			return fmt.Errorf("photo %d: %w", k+1, err)
		}
		if text != photos[k].text {
			return fmt.Errorf("photo %d: read a text other than the code shown", k+1)
		}
		return nil
	}, r.budget(scanBudget))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return []Figure{newFigure(name, millis(d), "ms", nil, nil, atMost(ofValue, 30))}, nil
}

// scanBudget is the time scan_photo_2mp samples for.
var scanBudget = budget{quick: time.Second, full: 8 * time.Second}

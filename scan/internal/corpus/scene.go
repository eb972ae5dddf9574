package corpus

import (
	"math"
	"math/rand/v2"
	"sort"
)

// A scene is a flat sheet (paper or a phone screen) carrying QR codes,
// seen by a pinhole camera, then degraded the way optics, sensors and
// encoders degrade a picture. Rendering traces the ray of every sub-pixel
// to the sheet's plane, so rotations, scales and perspective all come from
// one model with no resampling of an already drawn image.
type scene struct {
	w, h int

	// Camera: focal length in pixels, principal point at the centre.
	focal float64
	// Plane: origin (the sheet point the camera aims at, in camera space)
	// and unit axes u (right on the sheet), v (down on the sheet) scaled to
	// one module of the first code: a sheet point at (a, b) modules is
	// origin + a·u + b·v.
	origin, u, v vec3

	codes []placed
	k     sheetMap // set by prepare
	// sheet is the extent of the sheet in modules around the plane origin;
	// outside it is the background (a desk, a hand, a room).
	sheet rect

	dark, light float64 // module and sheet luminance, 0–255
	background  float64 // luminance of what is behind the sheet
	clutter     []rect  // printed bars on the sheet (text lines, a photo)
	bgClutter   []rect  // dark shapes behind the sheet, in pixels

	// Optics and sensor.
	light0, lightX, lightY float64 // illumination: light0 + lightX·x/w + lightY·y/h
	glare                  glare
	moire                  float64 // amplitude of a screen's pixel-grid pattern
	blur                   float64 // Gaussian sigma in pixels
	noise                  float64 // Gaussian noise sigma in levels
	supersample            int
}

type vec3 [3]float64

func (a vec3) add(b vec3) vec3      { return vec3{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func (a vec3) scale(k float64) vec3 { return vec3{a[0] * k, a[1] * k, a[2] * k} }
func (a vec3) dot(b vec3) float64   { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func (a vec3) cross(b vec3) vec3 {
	return vec3{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

type rect struct{ x0, y0, x1, y1 float64 }

func (r rect) contains(x, y float64) bool { return x >= r.x0 && x < r.x1 && y >= r.y0 && y < r.y1 }

// placed is a QR code matrix on the sheet, its top-left module at (x, y)
// sheet modules, size modules wide.
type placed struct {
	x, y float64
	size int
	dark []bool
}

type glare struct {
	x, y, radius, strength float64 // in pixels and levels
}

// pose places the sheet: the code of modules modules wide, centre at image
// point (cx, cy), appearing px pixels per module there, turned by rot
// radians in the sheet plane and tilted by tiltX and tiltY radians about
// the horizontal and vertical axes.
func (s *scene) pose(cx, cy, px, rot, tiltX, tiltY float64) {
	s.focal = 1.2 * float64(max(s.w, s.h))
	// Sheet axes before tilting: rotated in the image plane.
	u := vec3{math.Cos(rot), math.Sin(rot), 0}
	v := vec3{-math.Sin(rot), math.Cos(rot), 0}
	// Tilt about x (pitch) then y (yaw).
	rx := func(p vec3) vec3 {
		c, sn := math.Cos(tiltX), math.Sin(tiltX)
		return vec3{p[0], c*p[1] - sn*p[2], sn*p[1] + c*p[2]}
	}
	ry := func(p vec3) vec3 {
		c, sn := math.Cos(tiltY), math.Sin(tiltY)
		return vec3{c*p[0] + sn*p[2], p[1], -sn*p[0] + c*p[2]}
	}
	u, v = ry(rx(u)), ry(rx(v))
	// The origin lies on the ray through (cx, cy) at the depth where one
	// module spans px pixels (at depth z, a length l spans l·focal/z).
	const module = 1.0
	z := s.focal * module / px
	dir := vec3{cx - float64(s.w)/2, cy - float64(s.h)/2, s.focal}
	s.origin = dir.scale(z / s.focal)
	s.u, s.v = u.scale(module), v.scale(module)
}

// prepare computes the coefficients toSheet uses.
func (s *scene) prepare() {
	n := s.u.cross(s.v)
	uu := s.u.dot(s.u)
	s.k = sheetMap{
		n: [3]float64{n[0], n[1], n[2] * s.focal}, u: [3]float64{s.u[0] / uu, s.u[1] / uu, s.u[2] * s.focal / uu},
		v:  [3]float64{s.v[0] / uu, s.v[1] / uu, s.v[2] * s.focal / uu},
		on: s.origin.dot(n), ou: s.origin.dot(s.u) / uu, ov: s.origin.dot(s.v) / uu,
	}
}

// sheetMap holds the image-to-sheet mapping as linear forms of the pixel
// offset from the principal point: with r the ray through the pixel and n
// the sheet's normal, the ray meets the sheet at t·r with t = (o·n)/(r·n),
// and the sheet coordinates are (t·r − o)·u/|u|² and likewise with v.
type sheetMap struct {
	n, u, v    [3]float64
	on, ou, ov float64
}

// toSheet maps an image point to sheet coordinates in modules; ok is false
// when the ray misses the plane (or meets it behind the camera).
func (s *scene) toSheet(x, y float64) (a, b float64, ok bool) {
	x -= float64(s.w) / 2
	y -= float64(s.h) / 2
	k := &s.k
	den := k.n[0]*x + k.n[1]*y + k.n[2]
	if math.Abs(den) < 1e-12 {
		return 0, 0, false
	}
	t := k.on / den
	if t <= 0 {
		return 0, 0, false
	}
	a = t*(k.u[0]*x+k.u[1]*y+k.u[2]) - k.ou
	b = t*(k.v[0]*x+k.v[1]*y+k.v[2]) - k.ov
	return a, b, true
}

// toImage maps sheet coordinates (modules) to an image point.
func (s *scene) toImage(a, b float64) (x, y float64) {
	p := s.origin.add(s.u.scale(a)).add(s.v.scale(b))
	return p[0]*s.focal/p[2] + float64(s.w)/2, p[1]*s.focal/p[2] + float64(s.h)/2
}

// sheetValue is the luminance of the sheet at (a, b) modules, before
// illumination.
func (s *scene) sheetValue(a, b float64) float64 {
	if !s.sheet.contains(a, b) {
		return -1
	}
	for i := range s.codes {
		c := &s.codes[i]
		mx, my := a-c.x, b-c.y
		if mx >= 0 && my >= 0 && mx < float64(c.size) && my < float64(c.size) {
			if c.dark[int(my)*c.size+int(mx)] {
				return s.dark
			}
			return s.light
		}
	}
	// The clutter is sorted by top edge and its bands hardly overlap: look
	// at the few that start just above b.
	i := sort.Search(len(s.clutter), func(i int) bool { return s.clutter[i].y0 > b })
	for j := i - 1; j >= 0 && j >= i-3; j-- {
		if s.clutter[j].contains(a, b) {
			return s.dark + (s.light-s.dark)*0.25
		}
	}
	return s.light
}

// render draws the scene as a luminance plane of floats.
func (s *scene) render(r *rand.Rand) []float64 {
	ss := max(s.supersample, 1)
	s.prepare()
	sort.Slice(s.clutter, func(i, j int) bool { return s.clutter[i].y0 < s.clutter[j].y0 })
	out := make([]float64, s.w*s.h)
	for y := 0; y < s.h; y++ {
		for x := 0; x < s.w; x++ {
			sum := 0.0
			for j := 0; j < ss; j++ {
				for i := 0; i < ss; i++ {
					px := float64(x) + (float64(i)+0.5)/float64(ss)
					py := float64(y) + (float64(j)+0.5)/float64(ss)
					val := -1.0
					if a, b, ok := s.toSheet(px, py); ok {
						val = s.sheetValue(a, b)
					}
					if val < 0 {
						val = s.background
						for _, c := range s.bgClutter {
							if c.contains(px, py) {
								val = s.background * 0.35
							}
						}
					}
					sum += val
				}
			}
			out[y*s.w+x] = sum / float64(ss*ss)
		}
	}
	// Illumination, glare and a screen's pixel grid.
	for y := 0; y < s.h; y++ {
		for x := 0; x < s.w; x++ {
			i := y*s.w + x
			l := s.light0 + s.lightX*float64(x)/float64(s.w) + s.lightY*float64(y)/float64(s.h)
			v := out[i] * l
			if s.glare.strength > 0 {
				dx, dy := float64(x)-s.glare.x, float64(y)-s.glare.y
				v += s.glare.strength * math.Exp(-(dx*dx+dy*dy)/(2*s.glare.radius*s.glare.radius))
			}
			if s.moire > 0 {
				v *= 1 - s.moire*0.5*(1+math.Sin(float64(x)*2.1+float64(y)*0.37)*math.Sin(float64(y)*2.3-float64(x)*0.21))
			}
			out[i] = v
		}
	}
	if s.blur > 0 {
		out = gaussianBlur(out, s.w, s.h, s.blur)
	}
	if s.noise > 0 {
		for i := range out {
			out[i] += r.NormFloat64() * s.noise
		}
	}
	return out
}

// gaussianBlur blurs a plane with a separable Gaussian kernel of the given
// sigma, clamping at the edges.
func gaussianBlur(in []float64, w, h int, sigma float64) []float64 {
	radius := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*radius+1)
	sum := 0.0
	for i := range k {
		d := float64(i - radius)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float64, w*h)
	for y := 0; y < h; y++ {
		row := in[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			acc := 0.0
			for i, kv := range k {
				xx := min(max(x+i-radius, 0), w-1)
				acc += kv * row[xx]
			}
			tmp[y*w+x] = acc
		}
	}
	out := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			acc := 0.0
			for i, kv := range k {
				yy := min(max(y+i-radius, 0), h-1)
				acc += kv * tmp[yy*w+x]
			}
			out[y*w+x] = acc
		}
	}
	return out
}

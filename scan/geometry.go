package scan

import (
	"math"
)

// pt is a point, in pixels or in modules.
type pt struct{ x, y float64 }

func (a pt) sub(b pt) pt               { return pt{a.x - b.x, a.y - b.y} }
func (a pt) add(b pt) pt               { return pt{a.x + b.x, a.y + b.y} }
func (a pt) scale(k float64) pt        { return pt{a.x * k, a.y * k} }
func (a pt) dot(b pt) float64          { return a.x*b.x + a.y*b.y }
func (a pt) cross(b pt) float64        { return a.x*b.y - a.y*b.x }
func (a pt) norm() float64             { return math.Hypot(a.x, a.y) }
func (a pt) dist(b pt) float64         { return a.sub(b).norm() }
func lerp(a, b pt, t float64) pt       { return a.add(b.sub(a).scale(t)) }
func mid(a, b pt) pt                   { return lerp(a, b, 0.5) }
func polar(r, angle float64) pt        { return pt{r * math.Cos(angle), r * math.Sin(angle)} }
func (a pt) unit() pt                  { return a.scale(1 / a.norm()) }
func (a pt) perp() pt                  { return pt{-a.y, a.x} }
func (a pt) near(b pt, d float64) bool { return a.dist(b) <= d }

// homography maps module coordinates (u, v) of a symbol to image pixels:
// x = (h0·u + h1·v + h2) / (h6·u + h7·v + h8), y likewise with h3…h5. It is
// the perspective projection of a flat code, which covers rotation, scale,
// shear and tilt at once.
type homography [9]float64

func (h *homography) apply(p pt) pt {
	w := h[6]*p.x + h[7]*p.y + h[8]
	return pt{(h[0]*p.x + h[1]*p.y + h[2]) / w, (h[3]*p.x + h[4]*p.y + h[5]) / w}
}

// fitHomography returns the homography that best maps src to dst in the
// least-squares sense of the linear (direct) formulation, after moving both
// point sets to their centroid and unit mean distance for a well-conditioned
// system. It needs four points or more, not three on a line.
func fitHomography(src, dst []pt) (homography, bool) {
	n := len(src)
	if n < 4 || len(dst) != n {
		return homography{}, false
	}
	ns, ts, ok1 := normalise(src)
	nd, td, ok2 := normalise(dst)
	if !ok1 || !ok2 {
		return homography{}, false
	}
	// Unknowns h0…h7 with h8 = 1; two equations per point. Accumulate the
	// normal equations AᵀA·h = Aᵀb.
	ata := make([][]float64, 8)
	for i := range ata {
		ata[i] = make([]float64, 8)
	}
	atb := make([]float64, 8)
	for i := 0; i < n; i++ {
		u, v := ns[i].x, ns[i].y
		x, y := nd[i].x, nd[i].y
		rows := [2][8]float64{
			{u, v, 1, 0, 0, 0, -x * u, -x * v},
			{0, 0, 0, u, v, 1, -y * u, -y * v},
		}
		rhs := [2]float64{x, y}
		for r := 0; r < 2; r++ {
			for a := 0; a < 8; a++ {
				atb[a] += rows[r][a] * rhs[r]
				for b := 0; b < 8; b++ {
					ata[a][b] += rows[r][a] * rows[r][b]
				}
			}
		}
	}
	sol, ok := solve(ata, atb)
	if !ok {
		return homography{}, false
	}
	hn := homography{sol[0], sol[1], sol[2], sol[3], sol[4], sol[5], sol[6], sol[7], 1}
	// Undo the normalisations: H = Td⁻¹ · Hn · Ts.
	h := mul3(inverseSimilarity(td), mul3(hn, ts))
	for _, v := range h {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return homography{}, false
		}
	}
	return h, true
}

// normalise returns the points moved to their centroid and scaled to a
// mean distance of √2 from it, and that similarity as a matrix.
func normalise(p []pt) ([]pt, homography, bool) {
	var c pt
	for _, q := range p {
		c = c.add(q)
	}
	c = c.scale(1 / float64(len(p)))
	d := 0.0
	for _, q := range p {
		d += q.dist(c)
	}
	d /= float64(len(p))
	if !(d > 1e-9) {
		return nil, homography{}, false
	}
	s := math.Sqrt2 / d
	out := make([]pt, len(p))
	for i, q := range p {
		out[i] = q.sub(c).scale(s)
	}
	return out, homography{s, 0, -s * c.x, 0, s, -s * c.y, 0, 0, 1}, true
}

func inverseSimilarity(t homography) homography {
	s := t[0]
	return homography{1 / s, 0, -t[2] / s, 0, 1 / s, -t[5] / s, 0, 0, 1}
}

func mul3(a, b homography) homography {
	var r homography
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			r[3*i+j] = a[3*i]*b[j] + a[3*i+1]*b[3+j] + a[3*i+2]*b[6+j]
		}
	}
	return r
}

// solve solves the square linear system a·x = b by Gaussian elimination
// with partial pivoting; a and b are overwritten.
func solve(a [][]float64, b []float64) ([]float64, bool) {
	n := len(b)
	for col := 0; col < n; col++ {
		p := col
		for r := col + 1; r < n; r++ {
			if abs64(a[r][col]) > abs64(a[p][col]) {
				p = r
			}
		}
		if abs64(a[p][col]) < 1e-9 {
			return nil, false
		}
		a[col], a[p] = a[p], a[col]
		b[col], b[p] = b[p], b[col]
		for r := col + 1; r < n; r++ {
			f := a[r][col] / a[col][col]
			for c := col; c < n; c++ {
				a[r][c] -= f * a[col][c]
			}
			b[r] -= f * b[col]
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := b[r]
		for c := r + 1; c < n; c++ {
			s -= a[r][c] * x[c]
		}
		x[r] = s / a[r][r]
	}
	return x, true
}

func abs64(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// ring is the square centre line of a finder pattern's outer dark ring,
// three modules from the pattern's centre: its four corners in order round
// it, and its centre (where the diagonals cross), in pixels of the plane
// measured.
type ring struct {
	corners [4]pt
	centre  pt
}

// module returns the ring's module size: its mean side over 6.
func (r *ring) module() float64 {
	s := 0.0
	for i := range r.corners {
		s += r.corners[i].dist(r.corners[(i+1)%4])
	}
	return s / 24
}

// oriented returns the ring's corners in the order of the quadrants they
// lie in along a code's axes ax and ay (which need not be orthogonal):
// −x−y, +x−y, +x+y, −x+y. It fails unless each quadrant holds one corner.
func (r *ring) oriented(ax, ay pt) ([4]pt, bool) {
	det := ax.cross(ay)
	if det == 0 {
		return [4]pt{}, false
	}
	var out [4]pt
	var seen [4]bool
	for _, k := range r.corners {
		d := k.sub(r.centre)
		a := d.cross(ay) / det // d = a·ax + b·ay
		b := ax.cross(d) / det
		q := 0
		switch {
		case a < 0 && b < 0:
			q = 0
		case a >= 0 && b < 0:
			q = 1
		case a >= 0:
			q = 2
		default:
			q = 3
		}
		if seen[q] {
			return [4]pt{}, false
		}
		seen[q], out[q] = true, k
	}
	return out, true
}

// ringRays is the number of rays fitRing casts, 5° apart.
const ringRays = 72

// fitRing measures the outer dark ring of the finder pattern centred near
// c on the luminance plane p (c and module in p's pixels). Rays cast from
// the centre cross the dark centre, the light ring, the dark ring and the
// light separator. On each ray the light ring's peak and the dark ring's
// trough are found as the first turns of the luminance profile, and the
// ring's two edges as the crossings of the level halfway between them: a
// threshold of each ray's own, which holds under blur that leaves the ring
// only a shallow dip, under uneven light and at low contrast. The middle of
// the two edges lies on the ring's centre line, which blur and the
// threshold both leave in place (they move the edges in opposite
// directions). The points are split among the four sides, a line is
// fitted to each side and the corners are the lines' intersections.
func fitRing(p *plane, c pt, module float64) (ring, bool) {
	const rays = ringRays
	maxDist := 8 * module
	step := max(module/8, 0.25)
	// The pattern's contrast: between the 10th and 90th percentiles of its
	// square and its surroundings. A turn of the profile counts when it
	// moves by a tenth of it.
	var hist [256]int
	n := 0
	for j := -7; j <= 7; j++ {
		for i := -7; i <= 7; i++ {
			q := c.add(pt{float64(i), float64(j)}.scale(module * 4.5 / 7))
			hist[int(p.at(q.x, q.y))]++
			n++
		}
	}
	lo, hi := percentile(&hist, n, 0.1), percentile(&hist, n, 0.9)
	if hi-lo < 8 {
		return ring{}, false
	}
	turn := float64(hi-lo) / 8
	samples := int(maxDist/step) + 1
	raw := make([]float64, samples)
	prof := make([]float64, samples)
	var pts []pt
	var rad [rays]float64 // each ray's crossing, −1 for none
	for i := 0; i < rays; i++ {
		rad[i] = -1
		d := polar(1, 2*math.Pi*float64(i)/rays)
		// Each sample is the mean of three points across the ray (a ring's
		// side is straight there), and the profile a moving mean of five
		// samples along it (a quarter module either way): sensor noise
		// would otherwise make turns of its own.
		across := d.perp().scale(module / 3)
		for k := range raw {
			q := c.add(d.scale(float64(k) * step))
			raw[k] = (p.at(q.x, q.y) + p.at(q.x+across.x, q.y+across.y) + p.at(q.x-across.x, q.y-across.y)) / 3
		}
		for k := range prof {
			s, n := 0.0, 0
			for j := max(k-2, 0); j <= min(k+2, samples-1); j++ {
				s += raw[j]
				n++
			}
			prof[k] = s / float64(n)
		}
		if t, ok := ringCrossing(prof, step, module, turn); ok {
			pts = append(pts, c.add(d.scale(t)))
			rad[i] = t
		}
	}
	if len(pts) < rays/2 {
		return ring{}, false
	}
	// Two first guesses at which points lie on which side: between the
	// corners, where the outline is farthest from the centre; and by
	// direction, from the outline's orientation. The better fit wins.
	var r ring
	res := math.Inf(1)
	for _, sides := range [2][4][]pt{sidesByCorners(c, &rad), sidesByMoment(c, pts)} {
		if q, e, ok := fitSides(c, pts, sides, module, maxDist); ok && e < res {
			r, res = q, e
		}
	}
	if math.IsInf(res, 1) {
		return ring{}, false
	}
	// The ring's centre line is a square of 6 modules seen in perspective:
	// sides of about that length, none much longer than its opposite.
	var side [4]float64
	for i := range side {
		side[i] = r.corners[i].dist(r.corners[(i+1)%4])
		if side[i] < 6*module/2 || side[i] > 6*module*2 {
			return ring{}, false
		}
	}
	if side[0] > 1.5*side[2] || side[2] > 1.5*side[0] || side[1] > 1.5*side[3] || side[3] > 1.5*side[1] {
		return ring{}, false
	}
	d1, ok1 := lineThrough(r.corners[0], r.corners[2]).intersect(lineThrough(r.corners[1], r.corners[3]))
	if !ok1 {
		return ring{}, false
	}
	r.centre = d1
	return r, true
}

// sidesByCorners splits the ring's points (one per ray, rad[i] the
// distance along ray i or −1) between four corners: the rays whose crossing
// is the farthest within 30° either way (a square seen at 50° still has its
// corners 60° apart). Each side takes the points between two corners, less
// those within 10° of either. It returns no sides unless there are exactly
// four such corners.
func sidesByCorners(c pt, rad *[ringRays]float64) [4][]pt {
	var corner []int
	for i := range rad {
		if rad[i] < 0 {
			continue
		}
		peak := true
		for k := -6; k <= 6 && peak; k++ {
			j := (i + k + ringRays) % ringRays
			if k != 0 && (rad[j] > rad[i] || (rad[j] == rad[i] && j < i)) {
				peak = false
			}
		}
		if peak {
			corner = append(corner, i)
		}
	}
	var sides [4][]pt
	if len(corner) != 4 {
		return sides
	}
	for k := range corner {
		from, to := corner[k], corner[(k+1)%4]
		if to < from {
			to += ringRays
		}
		for i := from + 2; i <= to-2; i++ {
			if j := i % ringRays; rad[j] >= 0 {
				sides[k] = append(sides[k], c.add(polar(rad[j], 2*math.Pi*float64(j)/ringRays)))
			}
		}
	}
	return sides
}

// sidesByMoment splits the ring's points among four sides by their
// direction from the centre: the angular moment of order 4, each point
// weighted by its squared distance squared, points at the corners, and the
// sides face the corner direction ± 45°. Points near a diagonal are left
// out.
func sidesByMoment(c pt, pts []pt) [4][]pt {
	var mx, my float64
	for _, q := range pts {
		d := q.sub(c)
		r2 := d.dot(d)
		phi := math.Atan2(d.y, d.x)
		mx += r2 * r2 * math.Cos(4*phi)
		my += r2 * r2 * math.Sin(4*phi)
	}
	ux := polar(1, math.Atan2(my, mx)/4+math.Pi/4)
	uy := ux.perp()
	var sides [4][]pt // facing +ux, +uy, −ux, −uy: in order round
	for _, q := range pts {
		d := q.sub(c)
		px, py := d.dot(ux), d.dot(uy)
		if math.Abs(math.Abs(px)-math.Abs(py)) < 0.25*max(math.Abs(px), math.Abs(py)) {
			continue
		}
		switch {
		case math.Abs(px) > math.Abs(py) && px > 0:
			sides[0] = append(sides[0], q)
		case math.Abs(px) <= math.Abs(py) && py > 0:
			sides[1] = append(sides[1], q)
		case math.Abs(px) > math.Abs(py):
			sides[2] = append(sides[2], q)
		default:
			sides[3] = append(sides[3], q)
		}
	}
	return sides
}

// fitSides fits a line to each of four sides (in order round the centre
// c), reassigns every point to its nearest line away from the corners and
// fits again. It returns the ring and its mean distance of points from
// their lines, and fails when a side has too few points, is not straight
// or its corners stray.
func fitSides(c pt, pts []pt, sides [4][]pt, module, maxDist float64) (ring, float64, bool) {
	var r ring
	res := 0.0
	for pass := 0; pass < 2; pass++ {
		var lines [4]line
		res = 0
		for i, s := range sides {
			if len(s) < 4 {
				return ring{}, 0, false
			}
			var ok bool
			if lines[i], ok = fitLine(s); !ok {
				return ring{}, 0, false
			}
			// A ring's side is straight: points scattered off the line are
			// the blobs of a code's data or of text, not a finder pattern.
			sq := 0.0
			for _, q := range s {
				d := lines[i].dist(q)
				sq += d * d
			}
			rms := math.Sqrt(sq / float64(len(s)))
			if rms > 0.35*module {
				return ring{}, 0, false
			}
			res += rms / 4
		}
		// Side k runs from corner k to corner k+1.
		var ok [4]bool
		for k := range r.corners {
			r.corners[k], ok[k] = lines[(k+3)%4].intersect(lines[k])
		}
		for i, k := range ok {
			if !k || !r.corners[i].near(c, maxDist) {
				return ring{}, 0, false
			}
		}
		if pass == 1 {
			break
		}
		sides = [4][]pt{}
	next:
		for _, q := range pts {
			for _, k := range r.corners {
				if q.near(k, 0.75*module) {
					continue next
				}
			}
			best, bd := 0, math.Inf(1)
			for i, l := range lines {
				if d := l.dist(q); d < bd {
					best, bd = i, d
				}
			}
			if bd < module {
				sides[best] = append(sides[best], q)
			}
		}
	}
	return r, res, true
}

// ringCrossing finds, on the luminance profile of a ray from a finder's
// centre (samples step pixels apart), the middle of the dark ring's
// crossing: the profile rises from the dark centre to the light ring's
// peak, falls to the dark ring's trough and rises again to the separator,
// each turn by at least turn levels; the edges are where it crosses the
// level halfway between peak and trough.
func ringCrossing(prof []float64, step, module, turn float64) (float64, bool) {
	// The dark centre's level and the light ring's peak.
	low := prof[0]
	k := 1
	for ; k < len(prof) && float64(k)*step < 0.8*module; k++ {
		low = min(low, prof[k])
	}
	peak, kp := -1.0, -1
	for ; k < len(prof); k++ {
		v := prof[k]
		if kp < 0 {
			if v >= low+turn {
				peak, kp = v, k
			}
			low = min(low, v)
			continue
		}
		if v > peak {
			peak, kp = v, k
		} else if v <= peak-turn {
			break // past the peak, falling into the dark ring
		}
	}
	if kp < 0 || k >= len(prof) || float64(kp)*step > 2.5*module*1.42*1.5 {
		return 0, false
	}
	// The dark ring's trough.
	trough, kt := prof[k], k
	for ; k < len(prof); k++ {
		v := prof[k]
		if v < trough {
			trough, kt = v, k
		} else if v >= trough+turn {
			break // rising to the separator
		}
	}
	if k >= len(prof) {
		return 0, false
	}
	level := (peak + trough) / 2
	// Inner edge: the last crossing downward between peak and trough;
	// outer edge: the first crossing upward after the trough.
	inner, outer := -1.0, -1.0
	for j := kt; j > kp; j-- {
		if prof[j-1] >= level && prof[j] < level {
			inner = (float64(j-1) + (prof[j-1]-level)/(prof[j-1]-prof[j])) * step
			break
		}
	}
	for j := kt; j+1 < len(prof); j++ {
		if prof[j] < level && prof[j+1] >= level {
			outer = (float64(j) + (level-prof[j])/(prof[j+1]-prof[j])) * step
			break
		}
	}
	if inner < 0 || outer < 0 {
		return 0, false
	}
	middle := (inner + outer) / 2
	if outer-inner < 0.2*module || outer-inner > 3*module || middle < 1.5*module || middle > 6.5*module {
		return 0, false
	}
	return middle, true
}

// percentile returns the luminance below which the fraction q of the n
// values counted in hist lie.
func percentile(hist *[256]int, n int, q float64) int {
	k := int(q * float64(n))
	for v, c := range hist {
		k -= c
		if k < 0 {
			return v
		}
	}
	return 255
}

// line is a·x + b·y = c with a² + b² = 1.
type line struct{ a, b, c float64 }

func lineThrough(p, q pt) line {
	n := q.sub(p).perp().unit()
	return line{n.x, n.y, n.dot(p)}
}

// fitLine fits a line to points by total least squares (the direction of
// least spread).
func fitLine(ps []pt) (line, bool) {
	var m pt
	for _, p := range ps {
		m = m.add(p)
	}
	m = m.scale(1 / float64(len(ps)))
	var sxx, sxy, syy float64
	for _, p := range ps {
		d := p.sub(m)
		sxx += d.x * d.x
		sxy += d.x * d.y
		syy += d.y * d.y
	}
	// The normal is the eigenvector of the smaller eigenvalue.
	theta := 0.5 * math.Atan2(2*sxy, sxx-syy) // direction of largest spread
	dir := polar(1, theta)
	n := dir.perp()
	if !(sxx+syy > 0) {
		return line{}, false
	}
	return line{n.x, n.y, n.dot(m)}, true
}

// dist is the distance from q to the line.
func (l line) dist(q pt) float64 { return math.Abs(l.a*q.x + l.b*q.y - l.c) }

func (l line) intersect(k line) (pt, bool) {
	det := l.a*k.b - l.b*k.a
	if math.Abs(det) < 1e-9 {
		return pt{}, false
	}
	return pt{(l.c*k.b - l.b*k.c) / det, (l.a*k.c - l.c*k.a) / det}, true
}

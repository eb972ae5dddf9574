package scan

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"

	"github.com/ithc/ithc/internal/limits"
)

// triple is three finder candidates taken as the top-left, top-right and
// bottom-left corners of one code.
type triple struct {
	tl, tr, bl int
	score      float64 // lower is better
	dim        float64 // estimated width in modules
}

// groupFinders returns the triples of candidates that can be the three
// finder patterns of one code, the most square first: the corner finder
// sees the two others at about equal distances and a right angle
// (perspective bends both), and the three have about the same module size.
func groupFinders(f []finder) []triple {
	n := min(len(f), limits.MaxScanGroupedFinders)
	var out []triple
	for a := 0; a < n; a++ {
		A := pt{f[a].x, f[a].y}
		for b := 0; b < n; b++ {
			if b == a {
				continue
			}
			for c := b + 1; c < n; c++ {
				if c == a {
					continue
				}
				t, ok := scoreTriple(f, A, a, b, c)
				if ok {
					out = append(out, t)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].score < out[j].score })
	return out
}

func scoreTriple(f []finder, A pt, a, b, c int) (triple, bool) {
	ma, mb, mc := f[a].module, f[b].module, f[c].module
	lo, hi := min(ma, mb, mc), max(ma, mb, mc)
	if hi > 2.5*lo {
		return triple{}, false // perspective at 50° tilts module sizes by 2
	}
	B, C := pt{f[b].x, f[b].y}, pt{f[c].x, f[c].y}
	ab, ac := B.sub(A), C.sub(A)
	lab, lac := ab.norm(), ac.norm()
	if lab == 0 || lac == 0 || lab > 2.5*lac || lac > 2.5*lab {
		return triple{}, false
	}
	cos := ab.dot(ac) / (lab * lac)
	if math.Abs(cos) > 0.55 {
		return triple{}, false
	}
	dab := lab/((ma+mb)/2) + 7
	dac := lac/((ma+mc)/2) + 7
	if dab < 15 || dac < 15 || dab > 200 || dac > 200 || dab > 1.8*dac || dac > 1.8*dab {
		return triple{}, false
	}
	t := triple{tl: a, tr: b, bl: c, dim: (dab + dac) / 2}
	if ab.cross(ac) < 0 {
		t.tr, t.bl = c, b
	}
	t.score = math.Abs(cos) + math.Abs(math.Log(lab/lac)) + (math.Abs(math.Log(mb/ma))+math.Abs(math.Log(mc/ma)))/2
	// Real finders are confirmed on every row through their centre;
	// blobs of data or text mostly once.
	t.score += 0.25 * (1/float64(f[a].count) + 1/float64(f[b].count) + 1/float64(f[c].count))
	return t, true
}

// symbol is a located code: the homography from its module coordinates to
// pixels of the full-resolution plane, its width in modules, and the
// corrections measured at its alignment patterns.
type symbol struct {
	h    homography
	dim  int
	warp []warpPoint
	// src and dst are the module points and the pixels measured for them
	// that h was fitted to.
	src, dst []pt
}

// warpPoint is where a pattern was found (pixel) against where the
// homography puts it: the difference is interpolated between patterns to
// follow lens distortion and paper that is not flat.
type warpPoint struct {
	module pt
	delta  pt
}

// toImage maps module coordinates to full-resolution pixels.
func (s *symbol) toImage(p pt) pt {
	q := s.h.apply(p)
	if len(s.warp) == 0 {
		return q
	}
	// Inverse-distance weighting of the measured corrections.
	var sum pt
	wsum := 0.0
	for _, w := range s.warp {
		d2 := (w.module.x-p.x)*(w.module.x-p.x) + (w.module.y-p.y)*(w.module.y-p.y)
		k := 1 / (d2 + 4)
		k *= k
		sum = sum.add(w.delta.scale(k))
		wsum += k
	}
	return q.add(sum.scale(1 / wsum))
}

// locator decodes the symbols outlined by measured finder patterns,
// sampling them on the full-resolution luminance.
type locator struct {
	full *plane
}

// decodeResult is one decoded symbol.
type decodeResult struct {
	text    string
	corners [4]pt // top-left, top-right, bottom-right, bottom-left
}

// errSymbolUnreadable is a symbol located (its timing patterns in place)
// whose data did not decode.
var errSymbolUnreadable = errors.New("scan: symbol unreadable")

// decodeTriple locates the code whose finder patterns are t and decodes it.
// An error wraps errSymbolUnreadable when the symbol was certainly there
// (its timing patterns in place after the fit).
func (l *locator) decodeTriple(f []finder, t triple) (decodeResult, error) {
	tl, tr, bl := f[t.tl].ring.centre, f[t.tr].ring.centre, f[t.bl].ring.centre
	ax, ay := tr.sub(tl), bl.sub(tl)
	var corners [3][4]pt
	for i, k := range []int{t.tl, t.tr, t.bl} {
		var ok bool
		if corners[i], ok = f[k].ring.oriented(ax, ay); !ok {
			return decodeResult{}, gozxing.NewNotFoundException("finder rings not square to the code")
		}
	}
	centres := [3]pt{tl, tr, bl}
	dim := t.dim
	if d, ok := ringDimension(centres, corners); ok {
		dim = d
	}
	v0 := int(math.Round((dim - 17) / 4))
	// Candidate widths: the estimate and its neighbours. From version 7
	// on, each is fitted and its version information read where that width
	// puts it: within 3 bits of the version's own codeword (what BCH(18,6)
	// corrects) confirms it. Random bits fall within 3 bits of some
	// version's codeword one time in eight, so a confirmation is a ranking,
	// not a proof: confirmed candidates go first, the closest first, and a
	// few are decoded.
	type candidate struct {
		sym  symbol
		rank int // bits from the version's codeword; more for no information
	}
	var cands []candidate
	seen := map[int]bool{}
	versions := []int{v0, v0 + 1, v0 - 1, v0 + 2, v0 - 2}
	for i := 0; i < len(versions); i++ {
		v := versions[i]
		if v < 1 || v > 40 || seen[v] {
			continue
		}
		seen[v] = true
		sym, ok := fitFinders(centres, corners, 17+4*v)
		if !ok {
			continue
		}
		off := abs(v - v0)
		if v < 7 {
			cands = append(cands, candidate{sym, 4 + off})
			continue
		}
		bits := l.versionBits(&sym)
		d := min(versionDistance(bits[0], v), versionDistance(bits[1], v))
		if d <= 3 {
			cands = append(cands, candidate{sym, d})
			continue
		}
		cands = append(cands, candidate{sym, 10 + off})
		// The bits may name the version outright.
		for _, b := range bits {
			if r, ok := decodeVersion(b); ok && !seen[r] && len(versions) < 8 {
				versions = append(versions, r)
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].rank < cands[j].rank })
	var lastErr error = gozxing.NewNotFoundException("no geometry fits")
	for i, c := range cands {
		if i >= 3 || (c.rank >= 10 && i >= 1) {
			break
		}
		sym := l.refine(c.sym)
		timing := l.timingScore(&sym)
		if timing < minTiming {
			if _, ok := lastErr.(gozxing.NotFoundException); ok {
				lastErr = gozxing.NewNotFoundException("timing patterns %.2f", timing)
			}
			continue
		}
		res, err := l.decodeSymbol(sym)
		if err == nil {
			return res, nil
		}
		lastErr = err
		if timing >= locatedTiming {
			c := sym.toImage(pt{float64(sym.dim) / 2, float64(sym.dim) / 2})
			lastErr = fmt.Errorf("%w: the version %d symbol centred at (%.0f, %.0f) %s", errSymbolUnreadable, (sym.dim-17)/4, c.x, c.y, readFailure(err))
		}
	}
	return decodeResult{}, lastErr
}

// readFailure says in words why gozxing's decoder refused a sampled symbol.
func readFailure(err error) string {
	switch err.(type) {
	case gozxing.ChecksumException:
		return "has more errors than its error correction can repair"
	case gozxing.FormatException:
		return "has unreadable format information or data"
	}
	return "did not decode"
}

// ringDimension estimates a code's width in modules from the distances
// between its finder centres and the module sizes their rings show (a
// ring's centre line is 6 modules wide): unlike run lengths, rings measure
// modules along the code's own axes, whatever its rotation.
func ringDimension(centres [3]pt, corners [3][4]pt) (float64, bool) {
	mx := func(c [4]pt) float64 { return (c[1].dist(c[0]) + c[2].dist(c[3])) / 12 }
	my := func(c [4]pt) float64 { return (c[3].dist(c[0]) + c[2].dist(c[1])) / 12 }
	dx := centres[1].dist(centres[0]) / ((mx(corners[0]) + mx(corners[1])) / 2)
	dy := centres[2].dist(centres[0]) / ((my(corners[0]) + my(corners[2])) / 2)
	d := (dx+dy)/2 + 7
	if !(d >= 17 && d <= 190) || dx > 1.3*dy || dy > 1.3*dx {
		return 0, false
	}
	return d, true
}

// fitFinders fits the homography of a code of dim modules to its finder
// patterns: the centres and the twelve ring corners.
func fitFinders(centres [3]pt, corners [3][4]pt, dim int) (symbol, bool) {
	d := float64(dim)
	mc := []pt{{3.5, 3.5}, {d - 3.5, 3.5}, {3.5, d - 3.5}}
	var src, dst []pt
	for i := range mc {
		src = append(src, mc[i])
		dst = append(dst, centres[i])
		for j, o := range []pt{{-3, -3}, {3, -3}, {3, 3}, {-3, 3}} {
			src = append(src, mc[i].add(o))
			dst = append(dst, corners[i][j])
		}
	}
	h, ok := fitHomography(src, dst)
	return symbol{h: h, dim: dim, src: src, dst: dst}, ok
}

// moduleValue samples the luminance of module (i, j): the mean of five
// points around its centre, which averages out sensor noise.
func (l *locator) moduleValue(s *symbol, u, v float64) float64 {
	sum := 0.0
	for _, o := range [5]pt{{0, 0}, {-0.2, -0.2}, {0.2, -0.2}, {-0.2, 0.2}, {0.2, 0.2}} {
		p := s.toImage(pt{u + o.x, v + o.y})
		sum += l.full.at(p.x, p.y)
	}
	return sum / 5
}

// moduleValues samples every module of a symbol like moduleValue, mapping
// only module centres through the symbol's corrections and taking the
// five points' offsets from the neighbouring centres.
func (l *locator) moduleValues(s *symbol) []float64 {
	n := s.dim
	centres := make([]pt, (n+2)*(n+2)) // a ring of modules outside too
	for j := -1; j <= n; j++ {
		for i := -1; i <= n; i++ {
			centres[(j+1)*(n+2)+i+1] = s.toImage(pt{float64(i) + 0.5, float64(j) + 0.5})
		}
	}
	vals := make([]float64, n*n)
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			k := (j+1)*(n+2) + i + 1
			c := centres[k]
			ex := centres[k+1].sub(centres[k-1]).scale(0.5 * 0.2)
			ey := centres[k+n+2].sub(centres[k-n-2]).scale(0.5 * 0.2)
			sum := l.full.at(c.x, c.y)
			for _, o := range [4]pt{ex.add(ey), ex.sub(ey), ey.sub(ex), ex.add(ey).scale(-1)} {
				sum += l.full.at(c.x+o.x, c.y+o.y)
			}
			vals[j*n+i] = sum / 5
		}
	}
	return vals
}

// finderThreshold returns the luminance halfway between the dark and light
// modules of the finder pattern whose top-left module is (fx, fy).
func (l *locator) finderThreshold(s *symbol, fx, fy float64) float64 {
	var dark, light float64
	var nd, nl int
	for j := 0; j < 7; j++ {
		for i := 0; i < 7; i++ {
			r := max(abs(i-3), abs(j-3))
			val := l.moduleValue(s, fx+float64(i)+0.5, fy+float64(j)+0.5)
			if r == 2 {
				light += val
				nl++
			} else {
				dark += val
				nd++
			}
		}
	}
	return (dark/float64(nd) + light/float64(nl)) / 2
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// versionBits reads the two copies of a symbol's version information
// (versions 7 and up), in the bit order of ISO/IEC 18004 (7.10): the
// top-right copy by rows from the bottom, right to left; the bottom-left
// copy its transpose. Each is thresholded at its neighbouring finder.
func (l *locator) versionBits(s *symbol) [2]int {
	d := float64(s.dim)
	var out [2]int
	for copyIdx := 0; copyIdx < 2; copyIdx++ {
		var thr float64
		if copyIdx == 0 {
			thr = l.finderThreshold(s, d-7, 0)
		} else {
			thr = l.finderThreshold(s, 0, d-7)
		}
		bits := 0
		for j := 5; j >= 0; j-- {
			for i := s.dim - 9; i >= s.dim-11; i-- {
				x, y := float64(i)+0.5, float64(j)+0.5
				if copyIdx == 1 {
					x, y = y, x
				}
				bits <<= 1
				if l.moduleValue(s, x, y) < thr {
					bits |= 1
				}
			}
		}
		out[copyIdx] = bits
	}
	return out
}

// versionCodeword returns the 18-bit version information of version v:
// v in 6 bits followed by the 12 bits of the BCH(18,6) code with generator
// x¹² + x¹¹ + x¹⁰ + x⁹ + x⁸ + x⁵ + x² + 1 (ISO/IEC 18004, annex D).
func versionCodeword(v int) int {
	r := v << 12
	for i := 17; i >= 12; i-- {
		if r>>i&1 == 1 {
			r ^= 0x1F25 << (i - 12)
		}
	}
	return v<<12 | r
}

// versionDistance is the number of bits by which bits differ from version
// v's codeword.
func versionDistance(bits, v int) int {
	return bitCount(bits ^ versionCodeword(v))
}

func bitCount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// decodeVersion returns the version whose codeword is within 3 bits of
// bits, the nearest.
func decodeVersion(bits int) (int, bool) {
	best, bestD := 0, 4
	for v := 7; v <= 40; v++ {
		if d := versionDistance(bits, v); d < bestD {
			best, bestD = v, d
		}
	}
	return best, bestD <= 3
}

// refine finds the symbol's alignment patterns and refits the homography
// to them and the finders, then records what is left as corrections. The
// patterns are sought nearest the finders first, refitting after each one
// found, so that the homography's error where the next is sought stays
// small even under strong perspective, where the finders alone leave the
// far corner many modules off. A pattern that the refit cannot place
// within a module of where it was found is dropped as a false match.
func (l *locator) refine(s symbol) symbol {
	ver, err := decoder.Version_GetVersionForNumber((s.dim - 17) / 4)
	if err != nil {
		return s
	}
	centres := ver.GetAlignmentPatternCenters()
	if len(centres) == 0 {
		return s
	}
	last := centres[len(centres)-1]
	var todo []pt
	for _, cy := range centres {
		for _, cx := range centres {
			if (cx == 6 && cy == 6) || (cx == 6 && cy == last) || (cx == last && cy == 6) {
				continue // under a finder pattern
			}
			todo = append(todo, pt{float64(cx) + 0.5, float64(cy) + 0.5})
		}
	}
	// Nearest the finders first: by the larger coordinate, then the sum.
	sort.SliceStable(todo, func(i, j int) bool {
		a, b := todo[i], todo[j]
		if ma, mb := max(a.x, a.y), max(b.x, b.y); ma != mb {
			return ma < mb
		}
		return a.x+a.y < b.x+b.y
	})
	src := append([]pt{}, s.src...)
	dst := append([]pt{}, s.dst...)
	nFinder := len(src)
	for k, m := range todo {
		// The first patterns are predicted by the finders alone; the later
		// ones by a homography refitted to the patterns nearer them.
		radius := 1.5
		if k < 3 {
			radius = 3
		}
		p, ok := l.findAlignment(&s, m, radius)
		if !ok {
			continue
		}
		src = append(src, m)
		dst = append(dst, p)
		if h, ok := fitHomography(src, dst); ok {
			s.h = h
		}
	}
	if len(src) == nFinder {
		return s
	}
	// Drop patterns the fit puts more than a module from where they were
	// found (a data pattern taken for one), and refit.
	module := s.h.apply(pt{float64(s.dim) / 2, float64(s.dim) / 2}).dist(s.h.apply(pt{float64(s.dim)/2 + 1, float64(s.dim) / 2}))
	keepS, keepD := src[:nFinder:nFinder], dst[:nFinder:nFinder]
	for i := nFinder; i < len(src); i++ {
		if s.h.apply(src[i]).dist(dst[i]) <= module {
			keepS = append(keepS, src[i])
			keepD = append(keepD, dst[i])
		}
	}
	if h, ok := fitHomography(keepS, keepD); ok {
		s.h = h
	}
	s.src, s.dst = keepS, keepD
	s.warp = nil
	for i, m := range keepS {
		s.warp = append(s.warp, warpPoint{module: m, delta: keepD[i].sub(s.h.apply(m))})
	}
	return s
}

// findAlignment searches, within radius modules of module point m, for the
// 5×5-module alignment pattern (dark ring, light ring, dark centre) by
// normalised cross-correlation with its template, and returns where its
// centre is in pixels.
func (l *locator) findAlignment(s *symbol, m pt, radius float64) (pt, bool) {
	// Sample the neighbourhood once on a grid of quarter modules; the
	// template's 25 points at every candidate centre (quarter-module steps)
	// are then grid lookups.
	const q = 4 // grid points per module
	r := int(math.Ceil(radius * q))
	side := 2*(r+2*q) + 1
	grid := make([]float64, side*side)
	origin := pt{m.x - float64(r+2*q)/q, m.y - float64(r+2*q)/q}
	for j := 0; j < side; j++ {
		for i := 0; i < side; i++ {
			p := s.h.apply(pt{origin.x + float64(i)/q, origin.y + float64(j)/q})
			grid[j*side+i] = l.full.at(p.x, p.y)
		}
	}
	// ncc is the template's normalised cross-correlation centred on grid
	// point (ci, cj).
	ncc := func(ci, cj int) float64 {
		var vals [25]float64
		mean := 0.0
		for j := 0; j < 5; j++ {
			row := (cj+(j-2)*q)*side + ci - 2*q
			for i := 0; i < 5; i++ {
				v := grid[row+i*q]
				vals[j*5+i] = v
				mean += v
			}
		}
		mean /= 25
		var st, ss float64
		for k, v := range vals {
			dv := v - mean
			st += alignTemplate[k] * dv
			ss += dv * dv
		}
		if ss < 1e-6 {
			return -1
		}
		return st / math.Sqrt(ss*alignTemplateNorm)
	}
	c0 := r + 2*q // the grid point of m
	scores := make([]float64, side*side)
	for i := range scores {
		scores[i] = -2
	}
	score := func(ci, cj int) float64 {
		if ci < c0-r || ci > c0+r || cj < c0-r || cj > c0+r {
			return -2
		}
		if scores[cj*side+ci] == -2 {
			scores[cj*side+ci] = ncc(ci, cj)
		}
		return scores[cj*side+ci]
	}
	// Half-module steps, then the quarter-module points around the best.
	best, bi, bj := -2.0, c0, c0
	for cj := c0 - r + (r % 2); cj <= c0+r; cj += 2 {
		for ci := c0 - r + (r % 2); ci <= c0+r; ci += 2 {
			if v := score(ci, cj); v > best {
				best, bi, bj = v, ci, cj
			}
		}
	}
	ci0, cj0 := bi, bj
	for cj := cj0 - 1; cj <= cj0+1; cj++ {
		for ci := ci0 - 1; ci <= ci0+1; ci++ {
			if v := score(ci, cj); v > best {
				best, bi, bj = v, ci, cj
			}
		}
	}
	if best < 0.6 {
		return pt{}, false
	}
	// A parabola through the best score and its neighbours places the
	// centre between grid points.
	sub := func(a, b, c float64) float64 {
		d := a - 2*b + c
		if d >= 0 {
			return 0
		}
		return min(max(0.5*(a-c)/d, -0.5), 0.5)
	}
	fx, fy := 0.0, 0.0
	if l, r := score(bi-1, bj), score(bi+1, bj); l > -2 && r > -2 {
		fx = sub(l, best, r)
	}
	if u, d := score(bi, bj-1), score(bi, bj+1); u > -2 && d > -2 {
		fy = sub(u, best, d)
	}
	at := pt{origin.x + (float64(bi)+fx)/q, origin.y + (float64(bj)+fy)/q}
	// The module point at of the current homography is where the
	// pattern's centre is.
	return s.h.apply(at), true
}

// alignTemplate is the alignment pattern, row by row, as +1 (light) and
// −1 (dark) less its mean; alignTemplateNorm is its sum of squares.
var alignTemplate, alignTemplateNorm = func() ([25]float64, float64) {
	var t [25]float64
	const mean = (8.0 - 17.0) / 25
	norm := 0.0
	for j := 0; j < 5; j++ {
		for i := 0; i < 5; i++ {
			v := -1.0
			if max(abs(i-2), abs(j-2)) == 1 {
				v = 1
			}
			t[j*5+i] = v - mean
			norm += (v - mean) * (v - mean)
		}
	}
	return t, norm
}()

// decodeSymbol samples a located symbol and decodes it, with a local and
// then a global threshold, then cancelling the blur (deblur.go).
func (l *locator) decodeSymbol(s symbol) (decodeResult, error) {
	vals := l.moduleValues(&s)
	var lastErr error
	try := func(bits *gozxing.BitMatrix) (decodeResult, bool) {
		if bits == nil {
			return decodeResult{}, false
		}
		res, err := decodeBits(bits)
		if err == nil {
			return decodeResult{text: res.text, corners: s.corners(res.mirrored)}, true
		}
		lastErr = err
		return decodeResult{}, false
	}
	if r, ok := try(l.threshold(&s, vals, false)); ok {
		return r, nil
	}
	if r, ok := try(l.threshold(&s, vals, true)); ok {
		return r, nil
	}
	if r, ok := try(deblurSample(vals, s.dim)); ok {
		return r, nil
	}
	return decodeResult{}, lastErr
}

// Timing-pattern scores (the fraction of the two timing patterns' modules
// that alternate as they should): below minTiming the geometry is wrong
// and the symbol is not sampled; from locatedTiming on, a symbol is
// certainly there, and failing to decode it makes the picture unreadable
// rather than code-less (random geometry scores about one half).
const (
	minTiming     = 0.6
	locatedTiming = 0.85
)

// timingScore samples the two timing patterns (row and column 6 between
// the finders) and returns the fraction of their modules that are darker
// (even positions) or lighter (odd) than the mean of their two neighbours,
// a test that holds under uneven light.
func (l *locator) timingScore(s *symbol) float64 {
	n := s.dim
	if n < 21 {
		return 0
	}
	row := make([]float64, n)
	col := make([]float64, n)
	for k := 7; k <= n-8; k++ {
		row[k] = l.moduleValue(s, float64(k)+0.5, 6.5)
		col[k] = l.moduleValue(s, 6.5, float64(k)+0.5)
	}
	good, total := 0, 0
	for k := 8; k <= n-9; k++ {
		for _, v := range [2][]float64{row, col} {
			darker := v[k] < (v[k-1]+v[k+1])/2
			if darker == (k%2 == 0) {
				good++
			}
			total++
		}
	}
	return float64(good) / float64(total)
}

// corners returns the symbol's four corners in pixels, in its reading
// order (swapping the top-right and bottom-left of a mirrored symbol).
func (s *symbol) corners(mirrored bool) [4]pt {
	d := float64(s.dim)
	c := [4]pt{s.toImage(pt{0, 0}), s.toImage(pt{d, 0}), s.toImage(pt{d, d}), s.toImage(pt{0, d})}
	if mirrored {
		c[1], c[3] = c[3], c[1]
	}
	return c
}

// threshold reads every module of the symbol, sampled as vals, as dark or
// light. With global,
// the threshold is the mean of the three finder patterns' thresholds;
// otherwise it is the mean of the module's neighbourhood of 9 × 9 modules
// (data modules are about half dark by design of the masks), which
// follows uneven light.
func (l *locator) threshold(s *symbol, vals []float64, global bool) *gozxing.BitMatrix {
	n := s.dim
	bits, _ := gozxing.NewSquareBitMatrix(n)
	if global {
		d := float64(n)
		thr := (l.finderThreshold(s, 0, 0) + l.finderThreshold(s, d-7, 0) + l.finderThreshold(s, 0, d-7)) / 3
		for j := 0; j < n; j++ {
			for i := 0; i < n; i++ {
				if vals[j*n+i] < thr {
					bits.Set(i, j)
				}
			}
		}
		return bits
	}
	// Integral of the module values.
	iw := n + 1
	integ := make([]float64, iw*(n+1))
	for j := 0; j < n; j++ {
		row := 0.0
		for i := 0; i < n; i++ {
			row += vals[j*n+i]
			integ[(j+1)*iw+i+1] = integ[j*iw+i+1] + row
		}
	}
	const r = 4
	for j := 0; j < n; j++ {
		y0, y1 := max(j-r, 0), min(j+r+1, n)
		for i := 0; i < n; i++ {
			x0, x1 := max(i-r, 0), min(i+r+1, n)
			s := integ[y1*iw+x1] - integ[y0*iw+x1] - integ[y1*iw+x0] + integ[y0*iw+x0]
			mean := s / float64((x1-x0)*(y1-y0))
			if vals[j*n+i] < mean {
				bits.Set(i, j)
			}
		}
	}
	return bits
}

// decoded is the content of a symbol read by decodeBits.
type decoded struct {
	text     string
	mirrored bool
}

var qrDecoder = decoder.NewDecoder()

// decodeBits decodes a sampled module matrix with the gozxing QR decoder
// (format and version information, Reed-Solomon correction, segments).
// Byte segments are read as ISO-8859-1 and mapped back to their bytes by
// exactContent.
func decodeBits(bits *gozxing.BitMatrix) (res decoded, err error) {
	defer func() {
		// The decoder is a port whose index arithmetic can panic on
		// matrices it does not expect; the sampled matrix is untrusted.
		if r := recover(); r != nil {
			res, err = decoded{}, gozxing.NewFormatException("qr decoder failed: %v", r)
		}
	}()
	dr, err := qrDecoder.Decode(bits, map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_CHARACTER_SET: "ISO-8859-1",
	})
	if err != nil {
		return decoded{}, err
	}
	mirrored := false
	if md, ok := dr.GetOther().(*decoder.QRCodeDecoderMetaData); ok {
		mirrored = md.IsMirrored()
	}
	text := exactContent(dr.GetText(), symbologyID(dr.GetSymbologyModifier()))
	if len(text) > limits.MaxScanText {
		return decoded{}, gozxing.NewFormatException("text longer than %d bytes", limits.MaxScanText)
	}
	return decoded{text: text, mirrored: mirrored}, nil
}

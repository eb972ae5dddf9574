package scan

import (
	"math"
	"sort"

	"github.com/ithc/ithc/internal/limits"
)

// plane is a luminance image, one byte per pixel, row after row.
type plane struct {
	pix  []byte
	w, h int
}

// at returns the luminance at (x, y) interpolated between the four nearest
// pixel centres (pixel (i, j) covers [i, i+1) × [j, j+1), its centre is at
// (i+0.5, j+0.5)); points outside the image take the nearest edge pixel.
func (p *plane) at(x, y float64) float64 {
	x -= 0.5
	y -= 0.5
	x = min(max(x, 0), float64(p.w-1))
	y = min(max(y, 0), float64(p.h-1))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, p.w-1), min(y0+1, p.h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	r0 := p.pix[y0*p.w:]
	r1 := p.pix[y1*p.w:]
	top := float64(r0[x0])*(1-fx) + float64(r0[x1])*fx
	bot := float64(r1[x0])*(1-fx) + float64(r1[x1])*fx
	return top*(1-fy) + bot*fy
}

// half returns the plane at half the resolution, each pixel the mean of a
// 2×2 block (which also halves the noise's standard deviation).
func (p *plane) half() *plane {
	w, h := p.w/2, p.h/2
	out := make([]byte, w*h)
	for y := 0; y < h; y++ {
		r0 := p.pix[2*y*p.w:]
		r1 := p.pix[(2*y+1)*p.w:]
		o := out[y*w:]
		for x := 0; x < w; x++ {
			s := int(r0[2*x]) + int(r0[2*x+1]) + int(r1[2*x]) + int(r1[2*x+1])
			o[x] = byte((s + 2) >> 2)
		}
	}
	return &plane{pix: out, w: w, h: h}
}

// binBlock is the side, in pixels, of the blocks binarize computes one
// threshold for, and binWindow the radius, in blocks, of the window the
// threshold is taken over: 7 × 7 blocks, 28 pixels, wider than the finder
// pattern of a code at 4 pixels per module.
const (
	binBlock  = 4
	binWindow = 3
)

// binMode is how binarize thresholds.
type binMode int

const (
	// binMidrange: below the midrange of the window's block means.
	binMidrange binMode = iota
	// binMidrangePixels: below the midrange of the window's pixels, which
	// keeps the faint rings of a blurred (and sharpened) picture.
	binMidrangePixels
	// binSmoothMean: the 3×3 mean below the window's mean less a margin,
	// which holds under heavy sensor noise.
	binSmoothMean
)

// binarize returns a plane of 1 (dark) and 0 (light) pixels, with one
// threshold per block of binBlock × binBlock pixels, a few operations per
// pixel.
//
// By default a pixel is dark below the midrange (halfway between the
// darkest and the lightest block) of the window of blocks around its
// block. The window follows uneven light, glare and low contrast, and
// unlike the mean, the midrange does not lean toward whichever of dark and
// light covers more of the window: the blurred light ring of a finder
// pattern stays light beside a wide white margin. A small window keeps the
// threshold local; larger modules are found on coarser levels of the
// pyramid. The other modes serve the passes for blurred and for noisy
// pictures.
func binarize(p *plane, mode binMode) []byte {
	w, h := p.w, p.h
	pix := p.pix
	nbx, nby := (w+binBlock-1)/binBlock, (h+binBlock-1)/binBlock
	var thr []int16
	switch mode {
	case binSmoothMean:
		pix = boxBlur3(p)
		thr = meanThresholds(pix, w, h, nbx, nby)
	case binMidrangePixels:
		thr = midrangeThresholds(pix, w, h, nbx, nby, true)
	default:
		thr = midrangeThresholds(pix, w, h, nbx, nby, false)
	}
	out := make([]byte, w*h)
	for y := 0; y < h; y++ {
		row := pix[y*w : (y+1)*w]
		o := out[y*w : (y+1)*w]
		t := thr[(y/binBlock)*nbx:]
		for bx := 0; bx < nbx; bx++ {
			tv := t[bx]
			for x := bx * binBlock; x < min(bx*binBlock+binBlock, w); x++ {
				if int16(row[x]) < tv {
					o[x] = 1
				}
			}
		}
	}
	return out
}

// meanThresholds returns, for each block, the mean of the window of blocks
// around it less a small margin, from running sums.
func meanThresholds(pix []byte, w, h, nbx, nby int) []int16 {
	const margin = 2 // levels below the local mean
	// Block sums and pixel counts.
	sums := make([]int32, nbx*nby)
	for y := 0; y < h; y++ {
		row := pix[y*w : (y+1)*w]
		bs := sums[(y/binBlock)*nbx:]
		for bx := 0; bx < nbx; bx++ {
			s := int32(0)
			for _, v := range row[bx*binBlock : min(bx*binBlock+binBlock, w)] {
				s += int32(v)
			}
			bs[bx] += s
		}
	}
	counts := func(bx, by int) int32 {
		return int32((min(bx*binBlock+binBlock, w) - bx*binBlock) * (min(by*binBlock+binBlock, h) - by*binBlock))
	}
	// Window sums: horizontal running sums, then vertical.
	hs := make([]int32, nbx*nby)
	hc := make([]int32, nbx*nby)
	for by := 0; by < nby; by++ {
		var s, c int32
		for bx := 0; bx < min(binWindow, nbx); bx++ {
			s += sums[by*nbx+bx]
			c += counts(bx, by)
		}
		for bx := 0; bx < nbx; bx++ {
			if r := bx + binWindow; r < nbx {
				s += sums[by*nbx+r]
				c += counts(r, by)
			}
			if l := bx - binWindow - 1; l >= 0 {
				s -= sums[by*nbx+l]
				c -= counts(l, by)
			}
			hs[by*nbx+bx], hc[by*nbx+bx] = s, c
		}
	}
	thr := make([]int16, nbx*nby)
	for bx := 0; bx < nbx; bx++ {
		var s, c int32
		for by := 0; by < min(binWindow, nby); by++ {
			s += hs[by*nbx+bx]
			c += hc[by*nbx+bx]
		}
		for by := 0; by < nby; by++ {
			if r := by + binWindow; r < nby {
				s += hs[r*nbx+bx]
				c += hc[r*nbx+bx]
			}
			if l := by - binWindow - 1; l >= 0 {
				s -= hs[l*nbx+bx]
				c -= hc[l*nbx+bx]
			}
			thr[by*nbx+bx] = int16(s/c - margin)
		}
	}
	return thr
}

// midrangeThresholds returns, for each block, the luminance halfway between
// the darkest and the lightest block of the window of blocks around it, a
// block taken as the mean of its pixels (which averages sensor noise away:
// single pixels' extremes make every noisy flat area look contrasted), or
// with pixels as its darkest and lightest pixel. A window with less
// contrast than minContrast holds no edge and is all light.
func midrangeThresholds(pix []byte, w, h, nbx, nby int, pixels bool) []int16 {
	const minContrast = 16
	bmin := make([]uint8, nbx*nby)
	bmax := bmin
	if pixels {
		bmax = make([]uint8, nbx*nby)
		for i := range bmin {
			bmin[i] = 255
		}
		for y := 0; y < h; y++ {
			row := pix[y*w : (y+1)*w]
			by := (y / binBlock) * nbx
			for bx := 0; bx < nbx; bx++ {
				lo, hi := bmin[by+bx], bmax[by+bx]
				for _, v := range row[bx*binBlock : min(bx*binBlock+binBlock, w)] {
					lo = min(lo, v)
					hi = max(hi, v)
				}
				bmin[by+bx], bmax[by+bx] = lo, hi
			}
		}
	} else {
		sums := make([]int32, nbx*nby)
		for y := 0; y < h; y++ {
			row := pix[y*w : (y+1)*w]
			bs := sums[(y/binBlock)*nbx:]
			for bx := 0; bx < nbx; bx++ {
				s := int32(0)
				for _, v := range row[bx*binBlock : min(bx*binBlock+binBlock, w)] {
					s += int32(v)
				}
				bs[bx] += s
			}
		}
		for by := 0; by < nby; by++ {
			bh := min(by*binBlock+binBlock, h) - by*binBlock
			for bx := 0; bx < nbx; bx++ {
				n := int32(bh * (min(bx*binBlock+binBlock, w) - bx*binBlock))
				bmin[by*nbx+bx] = uint8(sums[by*nbx+bx] / n)
			}
		}
	}
	// Separable running min and max over 2·binWindow+1 blocks.
	hmin := make([]uint8, nbx*nby)
	hmax := make([]uint8, nbx*nby)
	for by := 0; by < nby; by++ {
		r := by * nbx
		for bx := 0; bx < nbx; bx++ {
			lo, hi := uint8(255), uint8(0)
			for k := max(bx-binWindow, 0); k <= min(bx+binWindow, nbx-1); k++ {
				lo = min(lo, bmin[r+k])
				hi = max(hi, bmax[r+k])
			}
			hmin[r+bx], hmax[r+bx] = lo, hi
		}
	}
	thr := make([]int16, nbx*nby)
	for by := 0; by < nby; by++ {
		for bx := 0; bx < nbx; bx++ {
			lo, hi := uint8(255), uint8(0)
			for k := max(by-binWindow, 0); k <= min(by+binWindow, nby-1); k++ {
				lo = min(lo, hmin[k*nbx+bx])
				hi = max(hi, hmax[k*nbx+bx])
			}
			if int(hi)-int(lo) < minContrast {
				thr[by*nbx+bx] = int16(lo) // nothing is darker: all light
			} else {
				thr[by*nbx+bx] = int16((int(lo) + int(hi) + 1) / 2)
			}
		}
	}
	return thr
}

// sharpen returns the plane with an unsharp mask: each pixel moved away
// from the mean of its 5×5 neighbourhood by as much again, which restores
// the contrast blur takes from features a few pixels wide.
func sharpen(p *plane) *plane {
	w, h := p.w, p.h
	const r = 2
	// Horizontal then vertical box sums.
	tmp := make([]int32, w*h)
	for y := 0; y < h; y++ {
		row := p.pix[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			s := int32(0)
			for k := max(x-r, 0); k <= min(x+r, w-1); k++ {
				s += int32(row[k])
			}
			tmp[y*w+x] = s * 8 / int32(min(x+r, w-1)-max(x-r, 0)+1) // mean × 8
		}
	}
	out := make([]byte, w*h)
	for y := 0; y < h; y++ {
		y0, y1 := max(y-r, 0), min(y+r, h-1)
		for x := 0; x < w; x++ {
			s := int32(0)
			for k := y0; k <= y1; k++ {
				s += tmp[k*w+x]
			}
			mean := s / int32(y1-y0+1) // × 8
			v := (16*int32(p.pix[y*w+x]) - mean + 4) / 8
			out[y*w+x] = byte(min(max(v, 0), 255))
		}
	}
	return &plane{pix: out, w: w, h: h}
}

// boxBlur3 returns the plane with each pixel the mean of its 3×3
// neighbourhood (fewer at the edges).
func boxBlur3(p *plane) []byte {
	w, h := p.w, p.h
	tmp := make([]uint16, w*h)
	for y := 0; y < h; y++ {
		row := p.pix[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			s := uint16(row[x])
			if x > 0 {
				s += uint16(row[x-1])
			}
			if x+1 < w {
				s += uint16(row[x+1])
			}
			tmp[y*w+x] = s
		}
	}
	out := make([]byte, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s := uint32(tmp[y*w+x])
			n := uint32(1)
			if y > 0 {
				s += uint32(tmp[(y-1)*w+x])
				n++
			}
			if y+1 < h {
				s += uint32(tmp[(y+1)*w+x])
				n++
			}
			if x > 0 && x+1 < w {
				n *= 3
			} else {
				n *= 2
			}
			out[y*w+x] = byte(s / n)
		}
	}
	return out
}

// finder is a candidate finder pattern: the 7×7-module square of a QR
// code's corner, seen as dark–light–dark–light–dark runs in the ratio
// 1:1:3:1:1 along lines through its centre.
type finder struct {
	x, y   float64 // centre, in pixels of the plane it was found in
	module float64 // estimated module size in pixels
	count  int     // times confirmed
	// ring is the finder's ring measured on the full-resolution plane
	// (set by search.pass for the candidates it groups).
	ring ring
}

// findFinders scans every row of a binarised plane for finder patterns,
// confirms each by a vertical and a second horizontal run through its
// centre, and merges confirmations of the same pattern (looked up in a grid
// of finderCell-pixel cells). More than limits.MaxScanFinderCandidates
// distinct candidates abort the search with errTooManyCandidates: the image
// is a pattern (or hostile), not a picture of codes. The candidates are
// returned the most confirmed first.
func findFinders(bin []byte, w, h int) ([]finder, error) {
	var found []finder
	cellsX := w/finderCell + 1
	cells := map[int][]int{}
	var runs [5]int
	for y := 0; y < h; y++ {
		row := bin[y*w : (y+1)*w]
		n := 0 // runs completed in this row, up to 5 kept
		x := 0
		for x < w {
			start := x
			c := row[x]
			for x < w && row[x] == c {
				x++
			}
			if c == 0 && n == 0 {
				continue // a row's first run must be dark to count
			}
			copy(runs[:], runs[1:])
			runs[4] = x - start
			n++
			if c != 1 || n < 5 {
				continue
			}
			if _, ok := finderRatio(runs); !ok {
				continue
			}
			cx := float64(x-runs[4]-runs[3]) - float64(runs[2])/2
			total := runs[0] + runs[1] + runs[2] + runs[3] + runs[4]
			f, ok := confirmFinder(bin, w, h, cx, float64(y)+0.5, total)
			if !ok {
				continue
			}
			cx0, cy0 := int(f.x)/finderCell, int(f.y)/finderCell
			merged := false
		search:
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					for _, i := range cells[(cy0+dy)*cellsX+cx0+dx] {
						g := &found[i]
						if math.Abs(g.x-f.x) <= g.module*1.5 && math.Abs(g.y-f.y) <= g.module*1.5 &&
							f.module < g.module*1.5 && g.module < f.module*1.5 {
							k := float64(g.count)
							g.x = (g.x*k + f.x) / (k + 1)
							g.y = (g.y*k + f.y) / (k + 1)
							g.module = (g.module*k + f.module) / (k + 1)
							g.count++
							merged = true
							break search
						}
					}
				}
			}
			if !merged {
				if len(found) >= limits.MaxScanFinderCandidates {
					return nil, errTooManyCandidates
				}
				k := cy0*cellsX + cx0
				cells[k] = append(cells[k], len(found))
				found = append(found, f)
			}
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].count > found[j].count })
	return found, nil
}

// finderCell is the side, in pixels, of the cells findFinders files its
// candidates in; a candidate merges with those of its own and the eight
// neighbouring cells.
const finderCell = 16

// finderRatio reports whether five run lengths are in the ratio 1:1:3:1:1,
// within the tolerance blur and perspective call for, and returns the
// module size they give.
func finderRatio(r [5]int) (float64, bool) {
	total := r[0] + r[1] + r[2] + r[3] + r[4]
	if total < 7 {
		return 0, false
	}
	m := float64(total) / 7
	tol := max(m*0.7, 1)
	for _, i := range [4]int{0, 1, 3, 4} {
		if math.Abs(float64(r[i])-m) >= tol {
			return 0, false
		}
	}
	if math.Abs(float64(r[2])-3*m) >= 3*tol*0.8 {
		return 0, false
	}
	return m, true
}

// crossRuns counts, from (x, y) in direction (dx, dy) (one pixel steps),
// the runs of a finder pattern: the rest of the dark centre, the light
// ring, the dark ring. It returns the three lengths, the first including
// the start pixel, or false when the runs are absent or longer than
// maxRun pixels.
func crossRuns(bin []byte, w, h, x, y, dx, dy, maxRun int) ([3]int, bool) {
	var r [3]int
	want := byte(1)
	i := 0
	for x >= 0 && y >= 0 && x < w && y < h {
		v := bin[y*w+x]
		if v != want {
			i++
			if i == 3 {
				return r, true
			}
			want ^= 1
		}
		r[i]++
		if r[i] > maxRun {
			return r, false
		}
		x += dx
		y += dy
	}
	// Ran off the image inside the dark ring: the ring ends at the edge
	// (a code cropped without a quiet zone).
	return r, i == 2
}

// crossCheck measures the finder pattern through (x, y) along direction
// (dx, dy) and back: it returns the centre's offset along the direction in
// pixels and the pattern's total length.
func crossCheck(bin []byte, w, h, x, y, dx, dy, maxRun int) (centre float64, total int, ok bool) {
	if x < 0 || y < 0 || x >= w || y >= h || bin[y*w+x] != 1 {
		return 0, 0, false
	}
	fwd, ok1 := crossRuns(bin, w, h, x, y, dx, dy, maxRun)
	back, ok2 := crossRuns(bin, w, h, x, y, -dx, -dy, maxRun)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	runs := [5]int{back[2], back[1], back[0] + fwd[0] - 1, fwd[1], fwd[2]}
	if _, ok := finderRatio(runs); !ok {
		return 0, 0, false
	}
	total = runs[0] + runs[1] + runs[2] + runs[3] + runs[4]
	// The centre run spans [-(back[0]-1), fwd[0]-1] around the start.
	centre = float64(fwd[0]-back[0]) / 2
	return centre, total, true
}

// confirmFinder checks a row hit centred at (cx, cy) with a vertical run
// through it, then a horizontal one through the vertical centre, and a
// diagonal one; it returns the refined candidate.
func confirmFinder(bin []byte, w, h int, cx, cy float64, rowTotal int) (finder, bool) {
	maxRun := rowTotal
	x, y := int(cx), int(cy)
	dy, vTotal, ok := crossCheck(bin, w, h, x, y, 0, 1, maxRun)
	if !ok || vTotal*2 < rowTotal || vTotal > rowTotal*2 {
		return finder{}, false
	}
	cy = float64(y) + 0.5 + dy
	y = int(cy)
	dx, hTotal, ok := crossCheck(bin, w, h, x, y, 1, 0, maxRun)
	if !ok || hTotal*2 < rowTotal || hTotal > rowTotal*2 {
		return finder{}, false
	}
	cx = float64(x) + 0.5 + dx
	// The diagonal through a finder's centre shows the same pattern, which
	// rejects the many run patterns of text and shapes that only pass
	// horizontally and vertically.
	if _, dTotal, ok := crossCheck(bin, w, h, int(cx), int(cy), 1, 1, 2*maxRun); !ok || dTotal*3 < min(hTotal, vTotal) {
		if _, _, ok2 := crossCheck(bin, w, h, int(cx), int(cy), 1, -1, 2*maxRun); !ok2 {
			return finder{}, false
		}
	}
	return finder{x: cx, y: cy, module: float64(hTotal+vTotal) / 14, count: 1}, true
}

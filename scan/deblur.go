package scan

import (
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
)

// Reading blurred symbols. Blur spreads each module into its neighbours:
// at a Gaussian blur of half a module, a lone dark module among light ones
// darkens its own centre by less than half the contrast and a threshold
// misreads it. Sampled at module centres, the blur is a small linear filter
// over the module grid, v = o + Σ k(a,b)·x(i+a, j+b) with x 1 for dark and
// 0 for light, which the function patterns (finders with their separators
// and the quiet zone around them, all of known colour) measure: the kernel
// is fitted to them by least squares, and the data modules are then
// decided in turn with their neighbours' contribution taken away
// (interference cancellation), a few rounds over the grid.

// knownModules returns the colour of every module of a symbol of dim
// modules that the standard fixes (finder patterns, separators, timing
// patterns, alignment patterns, the dark module), 1 dark, 0 light, −1 for
// data and format or version information.
func knownModules(dim int) []int8 {
	k := make([]int8, dim*dim)
	for i := range k {
		k[i] = -1
	}
	set := func(x, y int, dark bool) {
		if x >= 0 && y >= 0 && x < dim && y < dim {
			k[y*dim+x] = 0
			if dark {
				k[y*dim+x] = 1
			}
		}
	}
	for _, o := range [][2]int{{0, 0}, {dim - 7, 0}, {0, dim - 7}} {
		for j := -1; j <= 7; j++ {
			for i := -1; i <= 7; i++ {
				r := max(abs(i-3), abs(j-3))
				set(o[0]+i, o[1]+j, r != 2 && r <= 3)
			}
		}
	}
	for i := 8; i < dim-8; i++ {
		set(i, 6, i%2 == 0)
		set(6, i, i%2 == 0)
	}
	if v, err := decoder.Version_GetVersionForNumber((dim - 17) / 4); err == nil {
		c := v.GetAlignmentPatternCenters()
		for _, cy := range c {
			for _, cx := range c {
				if (cx < 9 && cy < 9) || (cx < 9 && cy > dim-10) || (cx > dim-10 && cy < 9) {
					continue
				}
				for j := -2; j <= 2; j++ {
					for i := -2; i <= 2; i++ {
						r := max(abs(i), abs(j))
						set(cx+i, cy+j, r != 1)
					}
				}
			}
		}
	}
	set(8, dim-8, true)
	return k
}

// blurClass is the class of a neighbour offset (a, b) in the blur
// kernel, which is taken symmetric: by (min, max) of |a| and |b|, 0 the
// module itself, then (0,1), (1,1), (0,2), (1,2) and (2,2).
func blurClass(a, b int) int {
	a, b = abs(a), abs(b)
	if a > b {
		a, b = b, a
	}
	switch {
	case b == 0:
		return 0
	case b == 1:
		return 1 + a
	default:
		return 3 + a
	}
}

const blurClasses = 6

// minDeblurContrast is the least darkening, in levels, that a dark module
// must bring to its own centre for a fitted kernel to be believed.
const minDeblurContrast = 4

// deblurSample decides the modules of a symbol from their sampled values
// vals (dim × dim luminances) by fitting and cancelling the blur kernel
// over the 5 × 5 neighbourhood; it returns nil when no kernel fits.
func deblurSample(vals []float64, dim int) *gozxing.BitMatrix {
	known := knownModules(dim)
	// x of a module: known colour, quiet zone light outside the symbol.
	knownAt := func(i, j int) (int8, bool) {
		if i < 0 || j < 0 || i >= dim || j >= dim {
			return 0, true
		}
		v := known[j*dim+i]
		return v, v >= 0
	}
	// Fit v = o + Σ k[class]·(dark neighbours of the class) over modules
	// whose neighbourhood is all known.
	const unknowns = blurClasses + 1
	ata := make([][]float64, unknowns)
	for i := range ata {
		ata[i] = make([]float64, unknowns)
	}
	atb := make([]float64, unknowns)
	n := 0
	var row [unknowns]float64
	for j := 0; j < dim; j++ {
		for i := 0; i < dim; i++ {
			row = [unknowns]float64{1}
			ok := true
			for b := -2; b <= 2 && ok; b++ {
				for a := -2; a <= 2; a++ {
					x, k := knownAt(i+a, j+b)
					if !k {
						ok = false
						break
					}
					row[1+blurClass(a, b)] += float64(x)
				}
			}
			if !ok {
				continue
			}
			for p := 0; p < unknowns; p++ {
				atb[p] += row[p] * vals[j*dim+i]
				for q := 0; q < unknowns; q++ {
					ata[p][q] += row[p] * row[q]
				}
			}
			n++
		}
	}
	if n < 40 {
		return nil
	}
	coef, ok := solve(ata, atb)
	if !ok {
		return nil
	}
	o, k := coef[0], coef[1:]
	if !(k[0] < -minDeblurContrast) {
		return nil // dark modules must darken
	}
	// The darkening of a module with a dark neighbourhood: each class
	// counts 1, 4, 4, 4, 8 and 4 neighbours.
	total := 0.0
	for c, n := range [blurClasses]float64{1, 4, 4, 4, 8, 4} {
		total += k[c] * n
	}
	// Start from a plain threshold halfway between light and dark, then
	// decide each unknown module against its neighbours' contribution.
	x := make([]int8, dim*dim)
	for idx, v := range vals {
		if known[idx] >= 0 {
			x[idx] = known[idx]
		} else if v < o+total/2 {
			x[idx] = 1
		}
	}
	for round := 0; round < 8; round++ {
		changed := 0
		for j := 0; j < dim; j++ {
			for i := 0; i < dim; i++ {
				idx := j*dim + i
				if known[idx] >= 0 {
					continue
				}
				interference := 0.0
				for b := -2; b <= 2; b++ {
					for a := -2; a <= 2; a++ {
						if (a != 0 || b != 0) && i+a >= 0 && j+b >= 0 && i+a < dim && j+b < dim && x[(j+b)*dim+i+a] == 1 {
							interference += k[blurClass(a, b)]
						}
					}
				}
				var nx int8
				if vals[idx]-o-interference < k[0]/2 {
					nx = 1
				}
				if nx != x[idx] {
					x[idx] = nx
					changed++
				}
			}
		}
		if changed == 0 {
			break
		}
	}
	bits, _ := gozxing.NewSquareBitMatrix(dim)
	for j := 0; j < dim; j++ {
		for i := 0; i < dim; i++ {
			if x[j*dim+i] == 1 {
				bits.Set(i, j)
			}
		}
	}
	return bits
}

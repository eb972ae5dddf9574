package qr

// The symbol: function patterns, format and version information, data
// placement, masking and the penalty score that chooses the mask
// (ISO/IEC 18004:2015, 7.7 to 7.9 and 7.8.3).

// matrix is a square of modules, row-major; fn marks the function modules
// that data placement and masking leave alone.
type matrix struct {
	size int
	dark []bool
	fn   []bool
}

func newMatrix(version int) *matrix {
	size := symbolSize(version)
	m := &matrix{size: size, dark: make([]bool, size*size), fn: make([]bool, size*size)}
	m.drawFunctionPatterns(version)
	return m
}

// set writes a function module at column x, row y.
func (m *matrix) set(x, y int, dark bool) {
	m.dark[y*m.size+x] = dark
	m.fn[y*m.size+x] = true
}

func (m *matrix) drawFunctionPatterns(version int) {
	size := m.size
	// Timing patterns first: the finder and alignment patterns drawn
	// after them overwrite the modules they share.
	for i := 0; i < size; i++ {
		m.set(6, i, i%2 == 0)
		m.set(i, 6, i%2 == 0)
	}
	// Finder patterns with their light separators, clipped to the symbol.
	for _, c := range [3][2]int{{3, 3}, {size - 4, 3}, {3, size - 4}} {
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				x, y := c[0]+dx, c[1]+dy
				if x < 0 || y < 0 || x >= size || y >= size {
					continue
				}
				d := max(abs(dx), abs(dy))
				m.set(x, y, d != 2 && d != 4)
			}
		}
	}
	// Alignment patterns, except where they would cover a finder.
	pos := alignment[version]
	last := len(pos) - 1
	for i, cy := range pos {
		for j, cx := range pos {
			if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) {
				continue
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					m.set(cx+dx, cy+dy, max(abs(dx), abs(dy)) != 1)
				}
			}
		}
	}
	// Reserve the format information (written for real once the mask is
	// chosen) and draw the version information.
	m.drawFormat(0)
	if version >= 7 {
		bits := versionBits(version)
		for i := 0; i < 18; i++ {
			dark := bits>>uint(i)&1 != 0
			a, b := size-11+i%3, i/3
			m.set(a, b, dark)
			m.set(b, a, dark)
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// levelBits are the two error correction level bits of the format
// information, for L, M, Q and H (table 12).
var levelBits = [4]uint32{1, 0, 3, 2}

// bchRemainder returns the remainder of data·x^deg divided by the
// generator polynomial gen of degree deg, over GF(2).
func bchRemainder(data uint32, gen uint32, deg int) uint32 {
	r := data << uint(deg)
	for bit := 31; bit >= deg; bit-- {
		if r>>uint(bit)&1 != 0 {
			r ^= gen << uint(bit-deg)
		}
	}
	return r
}

// formatBits returns the 15 bits of format information: the level and
// mask, their BCH(15,5) check bits (generator x¹⁰+x⁸+x⁵+x⁴+x²+x+1), XORed
// with the mask 101010000010010 (7.9.1).
func formatBits(l Level, mask int) uint32 {
	data := levelBits[l.index()]<<3 | uint32(mask)
	return (data<<10 | bchRemainder(data, 0x537, 10)) ^ 0x5412
}

// versionBits returns the 18 bits of version information: the version and
// its BCH(18,6) check bits (generator x¹²+x¹¹+x¹⁰+x⁹+x⁸+x⁵+x²+1) (7.10).
func versionBits(v int) uint32 {
	return uint32(v)<<12 | bchRemainder(uint32(v), 0x1F25, 12)
}

// drawFormat writes the two copies of the 15 format information bits
// (formatBits) and the dark module.
func (m *matrix) drawFormat(bits uint32) {
	formatPositions(m.size, func(x, y, bit int) {
		m.set(x, y, bit < 0 || bits>>uint(bit)&1 != 0)
	})
}

// formatPositions calls fn with the column, row and bit number (0–14) of
// each module of the two copies of the format information, and with bit
// −1 for the dark module beside the bottom-left copy (7.9.1).
func formatPositions(size int, fn func(x, y, bit int)) {
	// Around the top-left finder: bits 0–7 down column 8 (skipping the
	// timing row), bits 8–14 leftwards along row 8 (skipping the timing
	// column).
	for i := 0; i <= 5; i++ {
		fn(8, i, i)
	}
	fn(8, 7, 6)
	fn(8, 8, 7)
	fn(7, 8, 8)
	for i := 9; i < 15; i++ {
		fn(14-i, 8, i)
	}
	// The second copy: bits 0–7 along row 8 from the right edge, bits
	// 8–14 down column 8 to the bottom edge.
	for i := 0; i < 8; i++ {
		fn(size-1-i, 8, i)
	}
	for i := 8; i < 15; i++ {
		fn(8, size-15+i, i)
	}
	fn(8, size-8, -1)
}

// place writes the codewords into the non-function modules in the
// two-column zigzag of 7.7.3, from the bottom-right corner, skipping the
// vertical timing pattern. Modules left over are remainder bits (light).
func (m *matrix) place(codewords []byte) {
	size := m.size
	i, total := 0, len(codewords)*8
	for right := size - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		upward := (right+1)&2 == 0
		for vert := 0; vert < size; vert++ {
			y := vert
			if upward {
				y = size - 1 - vert
			}
			for j := 0; j < 2; j++ {
				x := right - j
				k := y*size + x
				if m.fn[k] || i >= total {
					continue
				}
				m.dark[k] = codewords[i/8]>>uint(7-i%8)&1 != 0
				i++
			}
		}
	}
}

// masked reports whether mask pattern p inverts the module at column x,
// row y (table 10; i is the row and j the column there).
func masked(p, x, y int) bool {
	switch p {
	case 0:
		return (x+y)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (x+y)%3 == 0
	case 4:
		return (y/2+x/3)%2 == 0
	case 5:
		return x*y%2+x*y%3 == 0
	case 6:
		return (x*y%2+x*y%3)%2 == 0
	default:
		return ((x+y)%2+x*y%3)%2 == 0
	}
}

// applyMask XORs mask pattern p onto the data modules; applying it twice
// restores them.
func (m *matrix) applyMask(p int) {
	for y := 0; y < m.size; y++ {
		for x := 0; x < m.size; x++ {
			k := y*m.size + x
			if !m.fn[k] && masked(p, x, y) {
				m.dark[k] = !m.dark[k]
			}
		}
	}
}

// The penalty weights N1 to N4 of 7.8.3.1.
const (
	penaltyRun     = 3  // N1: a run of 5 same-coloured modules, +1 per module beyond
	penaltyBlock   = 3  // N2: a 2×2 block of one colour
	penaltyFinder  = 40 // N3: a 1:1:3:1:1 pattern beside 4 light modules
	penaltyBalance = 10 // N4: per 5 % of dark modules away from 50 %
)

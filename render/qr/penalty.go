package qr

import (
	"math/bits"
	"sync"
)

// Mask selection scores the 8 masked symbols by the penalty rules of
// 7.8.3.1. Done module by module this is most of the encoding time (the
// runs and patterns branch on every module), so the symbol is scored as
// bit sets: every row and every column is a line of at most 177 bits, and
// each rule is a few shifts, ANDs and population counts per line.
//
// Rule 1 (N1): a run of L ≥ 5 same-coloured modules scores N1 + L − 5. With
// s = "module i equals module i+1" and s4 = s AND s≫1 AND s≫2 AND s≫3, a run
// of L sets L − 4 bits of s4, so the score is popcount(s4) + 2 × (number of
// runs), the runs being the first bits of each group of s4.
//
// Rule 2 (N2): a 2×2 block of one colour, from two rows a and b: the bits
// where a equals b, a equals its right neighbour, and b too.
//
// Rule 3 (N3): dark light dark dark dark light dark, with 4 light modules
// before it or after it; modules beyond the symbol are light (the quiet
// zone), and a pattern counts once however many light sides it has.
//
// Rule 4 (N4): N4 per whole 5 % of dark modules away from 50 %.

// line holds the modules of a row or column, module i at bit i.
type line [3]uint64

// shr returns the line moved towards index 0: bit i of the result is bit
// i+k of a (0 beyond the end). k < 64.
func (a line) shr(k uint) line {
	return line{a[0]>>k | a[1]<<(64-k), a[1]>>k | a[2]<<(64-k), a[2] >> k}
}

// shl returns the line moved away from index 0: bit i of the result is
// bit i−k of a (0 before the start). 0 < k < 64.
func (a line) shl(k uint) line {
	return line{a[0] << k, a[1]<<k | a[0]>>(64-k), a[2]<<k | a[1]>>(64-k)}
}

func (a line) and(b line) line    { return line{a[0] & b[0], a[1] & b[1], a[2] & b[2]} }
func (a line) or(b line) line     { return line{a[0] | b[0], a[1] | b[1], a[2] | b[2]} }
func (a line) xor(b line) line    { return line{a[0] ^ b[0], a[1] ^ b[1], a[2] ^ b[2]} }
func (a line) andNot(b line) line { return line{a[0] &^ b[0], a[1] &^ b[1], a[2] &^ b[2]} }
func (a line) count() int {
	return bits.OnesCount64(a[0]) + bits.OnesCount64(a[1]) + bits.OnesCount64(a[2])
}

func (a *line) set(i int, v bool) {
	if v {
		a[i/64] |= 1 << uint(i%64)
	} else {
		a[i/64] &^= 1 << uint(i%64)
	}
}

// firstBits returns a line whose bits 0 … n−1 are set.
func firstBits(n int) line {
	var l line
	for i := 0; i < 3; i++ {
		switch {
		case n >= 64*(i+1):
			l[i] = ^uint64(0)
		case n > 64*i:
			l[i] = 1<<uint(n-64*i) - 1
		}
	}
	return l
}

// maskLines are the mask patterns as lines: rows[p][y] has bit x set where
// pattern p inverts module (x, y), cols[p][x] bit y. Computed once for the
// largest symbol; smaller symbols use the first bits.
var maskLines = sync.OnceValue(func() (t struct{ rows, cols [8][177]line }) {
	for p := 0; p < 8; p++ {
		for y := 0; y < 177; y++ {
			for x := 0; x < 177; x++ {
				if masked(p, x, y) {
					t.rows[p][y].set(x, true)
					t.cols[p][x].set(y, true)
				}
			}
		}
	}
	return t
})

// scorer scores the masked variants of one unmasked symbol.
type scorer struct {
	size             int
	full, allButLast line
	// rows and cols of the unmasked symbol, of its function modules, and
	// of the masked symbol being scored.
	dataRows, dataCols []line
	fnRows, fnCols     []line
	rows, cols         []line
}

func newScorer(m *matrix) *scorer {
	n := m.size
	all := make([]line, 6*n)
	s := &scorer{
		size: n, full: firstBits(n), allButLast: firstBits(n - 1),
		dataRows: all[:n], dataCols: all[n : 2*n], fnRows: all[2*n : 3*n], fnCols: all[3*n : 4*n],
		rows: all[4*n : 5*n], cols: all[5*n:],
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			k := y*n + x
			if m.dark[k] {
				s.dataRows[y].set(x, true)
				s.dataCols[x].set(y, true)
			}
			if m.fn[k] {
				s.fnRows[y].set(x, true)
				s.fnCols[x].set(y, true)
			}
		}
	}
	return s
}

// score returns the penalty of the symbol masked with pattern p at level l
// (whose format information it carries).
func (s *scorer) score(p int, l Level) int {
	t := maskLines()
	for i := 0; i < s.size; i++ {
		s.rows[i] = s.dataRows[i].xor(t.rows[p][i].andNot(s.fnRows[i])).and(s.full)
		s.cols[i] = s.dataCols[i].xor(t.cols[p][i].andNot(s.fnCols[i])).and(s.full)
	}
	f := formatBits(l, p)
	formatPositions(s.size, func(x, y, bit int) {
		dark := bit < 0 || f>>uint(bit)&1 != 0
		s.rows[y].set(x, dark)
		s.cols[x].set(y, dark)
	})
	score, dark := 0, 0
	for i := 0; i < s.size; i++ {
		score += s.linePenalty(s.rows[i]) + s.linePenalty(s.cols[i])
		dark += s.rows[i].count()
		if i+1 < s.size {
			// A block at i: a and b agree at i and i+1, and a at i
			// agrees with a at i+1.
			a, b := s.rows[i], s.rows[i+1]
			vertical := a.xor(b)
			differ := vertical.or(vertical.shr(1)).or(a.xor(a.shr(1)))
			score += penaltyBlock * s.allButLast.andNot(differ).count()
		}
	}
	total := s.size * s.size
	return score + penaltyBalance*(abs(20*dark-10*total)/total)
}

// linePenalty scores rules 1 and 3 on one line.
func (s *scorer) linePenalty(x line) int {
	eq := s.allButLast.andNot(x.xor(x.shr(1)))
	runs := eq.and(eq.shr(1)).and(eq.shr(2)).and(eq.shr(3))
	starts := runs.andNot(runs.shl(1))
	score := runs.count() + (penaltyRun-1)*starts.count()

	core := x.andNot(x.shr(1)).and(x.shr(2)).and(x.shr(3)).and(x.shr(4)).andNot(x.shr(5)).and(x.shr(6))
	if core.count() != 0 {
		before := x.shl(1).or(x.shl(2)).or(x.shl(3)).or(x.shl(4))
		after := x.shr(7).or(x.shr(8)).or(x.shr(9)).or(x.shr(10))
		score += penaltyFinder * core.andNot(before.and(after)).count()
	}
	return score
}

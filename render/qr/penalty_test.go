package qr

import (
	"math/rand/v2"
	"testing"
)

// TestScorer checks the bit-parallel penalty against the module-by-module
// one on real symbols of every version and on random matrices.
func TestScorer(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for v := 1; v <= 40; v++ {
		for _, random := range []bool{false, true} {
			l := Level(1 + r.IntN(4))
			m := newMatrix(v)
			if random {
				for i := range m.dark {
					if !m.fn[i] {
						m.dark[i] = r.IntN(3) == 0
					}
				}
			} else {
				data := make([]byte, dataCodewords(v, l))
				for i := range data {
					data[i] = byte(r.Uint32())
				}
				m.place(interleave(data, v, l))
			}
			s := newScorer(m)
			scratch := make([]bool, m.size*m.size)
			for p := 0; p < 8; p++ {
				got := s.score(p, l)
				m.applyMask(p)
				m.drawFormat(formatBits(l, p))
				want := m.refPenalty(scratch)
				m.applyMask(p)
				if got != want {
					t.Fatalf("version %d-%s mask %d (random %v): score %d, reference %d", v, l, p, random, got, want)
				}
			}
		}
	}
}

// TestLinePenalty checks rules 1 and 3 on hand-made lines.
func TestLinePenalty(t *testing.T) {
	tests := []struct {
		line string
		want int
	}{
		{"10101010101", 0},
		{"11111", 3},
		{"1111111", 5},
		{"111110000011111", 9},
		{"0000", 0}, // a run of 4 is no run
		// A finder-like pattern with light on both sides counts once.
		{"0000101110100000", 40 + 3},
		// Beyond the symbol is light: these have light after them.
		{"1011101", 40},
		{"110111010", 40},
		// Dark on both sides: no light run of 4.
		{"1101110110000", 0},
		{"110111011", 0},
	}
	for _, tt := range tests {
		modules := make([]bool, len(tt.line))
		for i, c := range tt.line {
			modules[i] = c == '1'
		}
		if got := refLinePenalty(modules); got != tt.want {
			t.Errorf("refLinePenalty(%s) = %d, want %d", tt.line, got, tt.want)
		}
		s := &scorer{size: len(modules), full: firstBits(len(modules)), allButLast: firstBits(len(modules) - 1)}
		var l line
		for i, d := range modules {
			l.set(i, d)
		}
		if got := s.linePenalty(l); got != tt.want {
			t.Errorf("scorer.linePenalty(%s) = %d, want %d", tt.line, got, tt.want)
		}
	}
}

// refPenalty is the penalty of 7.8.3.1 computed module by module, the
// reference that the bit-parallel scorer is checked against. Rows and columns are scored alike (columns from a
// transposed copy in scratch, reused between calls). A finder-like pattern
// counts once however many light sides it has, and modules beyond the
// symbol count as light (the quiet zone).
func (m *matrix) refPenalty(scratch []bool) int {
	size := m.size
	score := 0
	cols := scratch[:size*size]
	dark := 0
	for y := 0; y < size; y++ {
		row := m.dark[y*size : (y+1)*size]
		score += refLinePenalty(row)
		for x, d := range row {
			cols[x*size+y] = d
			if d {
				dark++
			}
		}
	}
	for x := 0; x < size; x++ {
		score += refLinePenalty(cols[x*size : (x+1)*size])
	}
	for y := 0; y+1 < size; y++ {
		top, bottom := m.dark[y*size:(y+1)*size], m.dark[(y+1)*size:(y+2)*size]
		for x := 0; x+1 < size; x++ {
			c := top[x]
			if top[x+1] == c && bottom[x] == c && bottom[x+1] == c {
				score += penaltyBlock
			}
		}
	}
	total := size * size
	score += penaltyBalance * (abs(20*dark-10*total) / total)
	return score
}

// The finder-like pattern of rule 3, dark light dark dark dark light dark,
// as the last 7 bits of a history whose latest module is the lowest bit.
const (
	finderCore      = 0b1011101
	finderCoreLight = finderCore << 4 // the pattern followed by 4 light modules
)

// refLinePenalty scores one row or column for rules 1 and 3. For rule 3 it
// keeps the last 15 modules as bits, with 4 light modules before and after
// the line: a pattern counts when it ends after 4 light modules, or when 4
// light modules follow it and it was not already counted.
func refLinePenalty(line []bool) int {
	n := len(line)
	score := 0
	run := 0
	var hist uint32
	for i := 0; i < n+4; i++ {
		d := i < n && line[i]
		if i < n {
			if i > 0 && d == line[i-1] {
				run++
			} else {
				if run >= 5 {
					score += penaltyRun + run - 5
				}
				run = 1
			}
		}
		hist = (hist << 1) & 0x7FFF
		if d {
			hist |= 1
		}
		if hist&0x7F == finderCore && hist>>7&0xF == 0 {
			score += penaltyFinder
		} else if hist&0x7FF == finderCoreLight && hist>>11&0xF != 0 {
			score += penaltyFinder
		}
	}
	if run >= 5 {
		score += penaltyRun + run - 5
	}
	return score
}

package qr

import "fmt"

// Mode is the encoding mode of a segment (ISO/IEC 18004:2015, 7.4). Its
// value is the 4-bit mode indicator written before the segment.
type Mode uint8

// The modes this encoder writes. Kanji mode is left out: the codes ITHC
// prints are ASCII (HC1, SHC) or UTF-8 JSON (VDS-NC), carried in the other
// three.
const (
	// ModeNumeric holds the digits 0–9, three in 10 bits.
	ModeNumeric Mode = 1
	// ModeAlphanumeric holds the 45 characters 0–9, A–Z, space and
	// $%*+-./:, two in 11 bits: the Base45 alphabet of HC1 codes.
	ModeAlphanumeric Mode = 2
	// ModeByte holds any bytes, one in 8 bits. No ECI designator is
	// written: readers return the bytes (UTF-8 text stays UTF-8 in the
	// ones ITHC uses and in zbar's raw output).
	ModeByte Mode = 4
)

func (m Mode) String() string {
	switch m {
	case ModeNumeric:
		return "numeric"
	case ModeAlphanumeric:
		return "alphanumeric"
	case ModeByte:
		return "byte"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Segment is a run of data encoded in one mode.
type Segment struct {
	Mode Mode
	Data []byte
}

// versionGroup returns 0, 1 or 2 for versions 1–9, 10–26 and 27–40, the
// ranges in which the character count indicators keep one length.
func versionGroup(v int) int {
	switch {
	case v <= 9:
		return 0
	case v <= 26:
		return 1
	}
	return 2
}

// groupVersions are the first and last version of each version group.
var groupVersions = [3][2]int{{1, 9}, {10, 26}, {27, 40}}

// countBits returns the length of the character count indicator of mode m
// in version group g (table 3).
func countBits(m Mode, g int) int {
	switch m {
	case ModeNumeric:
		return [3]int{10, 12, 14}[g]
	case ModeAlphanumeric:
		return [3]int{9, 11, 13}[g]
	}
	return [3]int{8, 16, 16}[g]
}

// dataBits returns the length of the data bits of n characters in mode m.
func dataBits(m Mode, n int) int {
	switch m {
	case ModeNumeric:
		return 10*(n/3) + [3]int{0, 4, 7}[n%3]
	case ModeAlphanumeric:
		return 11*(n/2) + 6*(n%2)
	}
	return 8 * n
}

// segmentsBits returns the number of bits segs take in a symbol of version
// group g, or false when a segment is longer than its count indicator can
// say.
func segmentsBits(segs []Segment, g int) (int, bool) {
	total := 0
	for _, s := range segs {
		cb := countBits(s.Mode, g)
		if len(s.Data) >= 1<<cb {
			return 0, false
		}
		total += 4 + cb + dataBits(s.Mode, len(s.Data))
	}
	return total, true
}

// checkSegment reports why s cannot be encoded in its mode.
func checkSegment(i int, s Segment) error {
	switch s.Mode {
	case ModeNumeric:
		for j, c := range s.Data {
			if c < '0' || c > '9' {
				return fmt.Errorf("%w: segment %d (numeric): byte %d is %q, not a digit", ErrSegment, i, j, c)
			}
		}
	case ModeAlphanumeric:
		for j, c := range s.Data {
			if alphanumericValue[c] < 0 {
				return fmt.Errorf("%w: segment %d (alphanumeric): byte %d is %q, not one of %q", ErrSegment, i, j, c, alphanumericSet)
			}
		}
	case ModeByte:
	default:
		return fmt.Errorf("%w: segment %d: unknown mode %d", ErrSegment, i, uint8(s.Mode))
	}
	return nil
}

// autoSegments splits text into the segments that take the fewest bits in
// version group g, with two rules that follow the specifications of the
// codes ITHC prints: a text made only of alphanumeric characters, digits
// excepted, is one alphanumeric segment (HCERT asks for alphanumeric mode),
// and a text of digits only is one numeric segment.
func autoSegments(text []byte, g int) []Segment {
	digits, alnum := true, true
	for _, c := range text {
		if c < '0' || c > '9' {
			digits = false
		}
		if alphanumericValue[c] < 0 {
			alnum = false
		}
	}
	switch {
	case digits:
		return []Segment{{ModeNumeric, text}}
	case alnum:
		return []Segment{{ModeAlphanumeric, text}}
	}
	return optimalSegments(text, g)
}

// The states of optimalSegments: the mode of the segment a character ends
// and, for numeric and alphanumeric, how many of its characters are left
// over after the last complete group (3 digits, 2 alphanumerics).
const (
	stNum1 = iota // numeric, count mod 3 = 1
	stNum2        // numeric, count mod 3 = 2
	stNum0        // numeric, count mod 3 = 0
	stAlnum1
	stAlnum0
	stByte
	numStates
)

var stateMode = [numStates]Mode{ModeNumeric, ModeNumeric, ModeNumeric, ModeAlphanumeric, ModeAlphanumeric, ModeByte}

// optimalSegments returns the segmentation of text into numeric,
// alphanumeric and byte segments that takes the fewest bits in version
// group g. It is a shortest path over the characters: the state after each
// character is its segment's mode and the partial group it leaves, so that
// every cost is a whole number of bits (a digit costs 4, 3, 3 bits as it
// opens or fills a 10-bit group of three; an alphanumeric 6 then 5).
func optimalSegments(text []byte, g int) []Segment {
	n := len(text)
	const inf = int(^uint(0) >> 2)
	header := [numStates]int{}
	for s := range header {
		header[s] = 4 + countBits(stateMode[s], g)
	}
	// cost[s] is the fewest bits that encode text[:i] ending in state s;
	// from[i][s] is the state before character i−1 (numStates for the
	// start) and whether character i−1 opened a new segment.
	type step struct {
		prev  uint8
		fresh bool
	}
	from := make([][numStates]step, n+1)
	var cost [numStates]int
	for s := range cost {
		cost[s] = inf
	}
	start := true
	for i, c := range text {
		var next [numStates]int
		for s := range next {
			next[s] = inf
		}
		// best is the cheapest state to open a new segment from.
		best, bestState := 0, uint8(numStates)
		if !start {
			best = inf
			for s, v := range cost {
				if v < best {
					best, bestState = v, uint8(s)
				}
			}
		}
		relax := func(to int, v int, prev uint8, fresh bool) {
			if v < next[to] {
				next[to] = v
				from[i+1][to] = step{prev, fresh}
			}
		}
		if c >= '0' && c <= '9' {
			if !start {
				relax(stNum2, cost[stNum1]+3, stNum1, false)
				relax(stNum0, cost[stNum2]+3, stNum2, false)
				relax(stNum1, cost[stNum0]+4, stNum0, false)
			}
			relax(stNum1, best+header[stNum1]+4, bestState, true)
		}
		if alphanumericValue[c] >= 0 {
			if !start {
				relax(stAlnum0, cost[stAlnum1]+5, stAlnum1, false)
				relax(stAlnum1, cost[stAlnum0]+6, stAlnum0, false)
			}
			relax(stAlnum1, best+header[stAlnum1]+6, bestState, true)
		}
		if !start {
			relax(stByte, cost[stByte]+8, stByte, false)
		}
		relax(stByte, best+header[stByte]+8, bestState, true)
		cost = next
		start = false
	}
	// Walk back from the cheapest final state, cutting where a character
	// opened a segment.
	state := uint8(0)
	for s, v := range cost {
		if v < cost[state] {
			state = uint8(s)
		}
	}
	var cuts []int // start offsets of the segments, last first
	var modes []Mode
	for i := n; i > 0; i-- {
		st := from[i][state]
		if st.fresh {
			cuts = append(cuts, i-1)
			modes = append(modes, stateMode[state])
		}
		state = st.prev
	}
	segs := make([]Segment, len(cuts))
	end := n
	for k := range cuts {
		j := len(cuts) - 1 - k
		segs[j] = Segment{Mode: modes[k], Data: text[cuts[k]:end]}
		end = cuts[k]
	}
	return segs
}

// bitWriter appends bits, most significant first.
type bitWriter struct {
	buf []byte
	n   int // bits written
}

func (b *bitWriter) write(v uint32, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if b.n%8 == 0 {
			b.buf = append(b.buf, 0)
		}
		if v>>uint(i)&1 != 0 {
			b.buf[b.n/8] |= 0x80 >> uint(b.n%8)
		}
		b.n++
	}
}

// writeSegment appends the mode indicator, character count and data of s.
func (b *bitWriter) writeSegment(s Segment, g int) {
	b.write(uint32(s.Mode), 4)
	b.write(uint32(len(s.Data)), countBits(s.Mode, g))
	d := s.Data
	switch s.Mode {
	case ModeNumeric:
		for len(d) >= 3 {
			b.write(uint32(d[0]-'0')*100+uint32(d[1]-'0')*10+uint32(d[2]-'0'), 10)
			d = d[3:]
		}
		switch len(d) {
		case 2:
			b.write(uint32(d[0]-'0')*10+uint32(d[1]-'0'), 7)
		case 1:
			b.write(uint32(d[0]-'0'), 4)
		}
	case ModeAlphanumeric:
		for len(d) >= 2 {
			b.write(uint32(alphanumericValue[d[0]])*45+uint32(alphanumericValue[d[1]]), 11)
			d = d[2:]
		}
		if len(d) == 1 {
			b.write(uint32(alphanumericValue[d[0]]), 6)
		}
	default:
		for _, c := range d {
			b.write(uint32(c), 8)
		}
	}
}

package qr

// The tables of ISO/IEC 18004:2015 this encoder needs, indexed by version
// (1–40; index 0 is unused) and, where it applies, by error correction
// level in the order L, M, Q, H (Level−1).

// ecPerBlock is the number of error correction codewords in each block
// (table 9 of ISO/IEC 18004:2015). Every block of a symbol has the same
// number; only the data codewords differ, by one, between short and long
// blocks.
var ecPerBlock = [4][41]int{
	{0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
	{0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28},
	{0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
	{0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
}

// blocks is the number of error correction blocks (table 9).
var blocks = [4][41]int{
	{0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25},
	{0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49},
	{0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68},
	{0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81},
}

// alignment lists the row and column coordinates of the alignment pattern
// centres (annex E). Patterns sit at every pair of these coordinates except
// the three that would overlap a finder pattern.
var alignment = [41][]int{
	2:  {6, 18},
	3:  {6, 22},
	4:  {6, 26},
	5:  {6, 30},
	6:  {6, 34},
	7:  {6, 22, 38},
	8:  {6, 24, 42},
	9:  {6, 26, 46},
	10: {6, 28, 50},
	11: {6, 30, 54},
	12: {6, 32, 58},
	13: {6, 34, 62},
	14: {6, 26, 46, 66},
	15: {6, 26, 48, 70},
	16: {6, 26, 50, 74},
	17: {6, 30, 54, 78},
	18: {6, 30, 56, 82},
	19: {6, 30, 58, 86},
	20: {6, 34, 62, 90},
	21: {6, 28, 50, 72, 94},
	22: {6, 26, 50, 74, 98},
	23: {6, 30, 54, 78, 102},
	24: {6, 28, 54, 80, 106},
	25: {6, 32, 58, 84, 110},
	26: {6, 30, 58, 86, 114},
	27: {6, 34, 62, 90, 118},
	28: {6, 26, 50, 74, 98, 122},
	29: {6, 30, 54, 78, 102, 126},
	30: {6, 26, 52, 78, 104, 130},
	31: {6, 30, 56, 82, 108, 134},
	32: {6, 34, 60, 86, 112, 138},
	33: {6, 30, 58, 86, 114, 142},
	34: {6, 34, 62, 90, 118, 146},
	35: {6, 30, 54, 78, 102, 126, 150},
	36: {6, 24, 50, 76, 102, 128, 154},
	37: {6, 28, 54, 80, 106, 132, 158},
	38: {6, 32, 58, 84, 110, 136, 162},
	39: {6, 26, 54, 82, 110, 138, 166},
	40: {6, 30, 58, 86, 114, 142, 170},
}

// symbolSize returns the number of modules on a side of a version v symbol.
func symbolSize(v int) int { return 17 + 4*v }

// rawCodewords returns the number of 8-bit codewords a version v symbol
// holds (data and error correction together): the modules left once the
// function patterns are drawn, divided by 8 (the 0, 3, 4 or 7 bits left
// over are remainder bits). It counts the modules of each function pattern
// instead of reading table 1, and the tests check it against that table.
func rawCodewords(v int) int {
	size := symbolSize(v)
	n := size * size
	n -= 3 * 8 * 8       // three finder patterns with their separators
	n -= 2 * (size - 16) // the two timing patterns between the separators
	n -= 31              // format information (2 × 15) and the dark module
	if a := len(alignment[v]); a > 0 {
		// a×a alignment patterns of 25 modules, less the three at the
		// finder corners; those on row or column 6 overlap the timing
		// patterns by 5 modules each, which are counted there already.
		n -= (a*a - 3) * 25
		n += 2 * (a - 2) * 5
	}
	if v >= 7 {
		n -= 2 * 18 // version information
	}
	return n / 8
}

// dataCodewords returns the number of data codewords of version v at level l.
func dataCodewords(v int, l Level) int {
	i := l.index()
	return rawCodewords(v) - ecPerBlock[i][v]*blocks[i][v]
}

// alphanumericSet is the character set of the alphanumeric mode, in the
// order of the values it encodes (0–44).
const alphanumericSet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// alphanumericValue maps a byte to its alphanumeric value, or −1.
var alphanumericValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(alphanumericSet); i++ {
		t[alphanumericSet[i]] = int8(i)
	}
	return t
}()

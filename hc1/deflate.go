package hc1

import (
	"encoding/binary"
	"errors"
	"hash/adler32"
	"math/bits"
	"slices"
	"sync"

	"github.com/ithc/ithc/internal/limits"
)

// This file is the zlib writer of EncodeCOSE. compress/flate takes 13 to
// 22 µs to compress a 400-byte message at any level, most of it resetting
// state sized for 32 KiB windows and sorting to build Huffman codes; that is
// half the cost of an ES256 signature. A COSE message is small and whole in
// memory, so the writer here is simpler: one LZ77 pass over the message with
// hash chains and one-step lazy matching, then one block, in one of the
// three forms RFC 1951 offers (stored, fixed Huffman or dynamic Huffman with
// length-limited codes; see writeBlock for the choice).
//
// What it writes must be read by every verifier in the field, whatever
// inflater it uses, so the streams are plain: a single final block, no
// preset dictionary, every Huffman code complete (both trees always have at
// least two codes, as zlib itself writes). Tests check every stream with
// compress/zlib as well as with Inflate.

// LZ77 parameters: matches of 3 to 258 bytes up to 32 KiB back, as RFC 1951
// allows; a 3-byte match further than tooFar costs more than its literals.
const (
	minMatch   = 3
	maxMatch   = 258
	maxDist    = 32768
	tooFar     = 4096
	hashBits   = 12
	maxChain   = 128
	lazyLimit  = 32 // a match this long is taken without looking one byte on
	numLit     = 286
	numDist    = 30
	numCL      = 19
	endOfBlock = 256
)

// errDeflateTooLarge reports a message longer than a verifier accepts.
var errDeflateTooLarge = errors.New("hc1: COSE message larger than the 64 KiB a verifier inflates")

// token is one LZ77 output: a literal byte, or a match with its length in
// bits 16–24 and its distance in bits 0–15, marked by bit 31.
type token uint32

const matchFlag token = 1 << 31

func literal(b byte) token         { return token(b) }
func match(length, dist int) token { return matchFlag | token(length)<<16 | token(dist-1) }

// deflater holds the scratch space of one compression; deflaters are pooled.
type deflater struct {
	head   [1 << hashBits]int32 // per hash: last position + 1, 0 for none
	prev   []int32              // per position: previous position + 1 with its hash
	tokens []token

	litFreq  [numLit]uint32
	distFreq [numDist]uint32
	litLen   [numLit]uint8
	distLen  [numDist]uint8
	litCode  [numLit]uint16
	distCode [numDist]uint16

	cl     clEncoding
	huff   huffScratch
	writer bitWriter
}

var deflaters = sync.Pool{New: func() any { return new(deflater) }}

// lengthSym maps a match length (3–258) to its index in lengthBase.
var lengthSym = func() (t [maxMatch + 1]uint8) {
	for i := range lengthBase {
		for l := int(lengthBase[i]); l < int(lengthBase[i])+1<<lengthExtra[i] && l <= maxMatch; l++ {
			t[l] = uint8(i)
		}
	}
	t[maxMatch] = 28 // 258 has a code of its own, not the last of code 27's range
	return t
}()

// distSym returns the distance code (0–29) of a distance of 1 to 32768.
func distSym(d int) int {
	if d <= 4 {
		return d - 1
	}
	k := bits.Len(uint(d-1)) - 1
	return 2*k + int(uint(d-1)>>(k-1)&1)
}

// appendZlib appends the zlib stream (RFC 1950) of data to dst.
func appendZlib(dst, data []byte) ([]byte, error) {
	if len(data) > limits.MaxCOSE {
		return nil, errDeflateTooLarge
	}
	d := deflaters.Get().(*deflater)
	defer deflaters.Put(d)
	d.parse(data)
	// CMF 0x78: deflate, 32 KiB window; FLG 0xDA: maximum compression, no
	// dictionary; 0x78DA is a multiple of 31.
	dst = append(dst, 0x78, 0xDA)
	dst = d.writeBlock(dst, data)
	return binary.BigEndian.AppendUint32(dst, adler32.Checksum(data)), nil
}

func hash3(b []byte) uint32 {
	v := uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
	return v * 0x9E3779B1 >> (32 - hashBits)
}

// insert records position i in the hash chains.
func (d *deflater) insert(src []byte, i int) {
	if i+minMatch <= len(src) {
		h := hash3(src[i:])
		d.prev[i] = d.head[h]
		d.head[h] = int32(i + 1)
	}
}

// longest returns the longest earlier match of the bytes at i (length 0
// when there is none worth a match). i itself must not be inserted yet.
func (d *deflater) longest(src []byte, i int) (length, dist int) {
	n := len(src)
	if i+minMatch > n {
		return 0, 0
	}
	limit := min(maxMatch, n-i)
	best, bestDist := minMatch-1, 0
	cand := int(d.head[hash3(src[i:])]) - 1
	for chain := maxChain; cand >= 0 && i-cand <= maxDist && chain > 0; chain-- {
		// Quick reject on the byte that would make the match longer.
		if src[cand+best] == src[i+best] {
			l := commonPrefix(src[cand:], src[i:], limit)
			if l > best {
				best, bestDist = l, i-cand
				if l == limit {
					break
				}
			}
		}
		cand = int(d.prev[cand]) - 1
	}
	if best < minMatch || best == minMatch && bestDist > tooFar {
		return 0, 0
	}
	return best, bestDist
}

// commonPrefix returns the length of the common prefix of a and b, at most
// limit (both are at least limit long).
func commonPrefix(a, b []byte, limit int) int {
	n := 0
	for n+8 <= limit {
		if x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:]); x != 0 {
			return n + bits.TrailingZeros64(x)/8
		}
		n += 8
	}
	for n < limit && a[n] == b[n] {
		n++
	}
	return n
}

// parse turns src into tokens, counting symbol frequencies.
func (d *deflater) parse(src []byte) {
	n := len(src)
	clear(d.head[:])
	if cap(d.prev) < n {
		d.prev = make([]int32, n)
	}
	d.prev = d.prev[:n]
	d.tokens = d.tokens[:0]
	clear(d.litFreq[:])
	clear(d.distFreq[:])
	emitLiteral := func(b byte) {
		d.tokens = append(d.tokens, literal(b))
		d.litFreq[b]++
	}
	emitMatch := func(length, dist int) {
		d.tokens = append(d.tokens, match(length, dist))
		d.litFreq[257+int(lengthSym[length])]++
		d.distFreq[distSym(dist)]++
	}
	// cur is the match at i when pending (found while looking one on).
	var curLen, curDist int
	pending := false
	for i := 0; i < n; {
		if !pending {
			curLen, curDist = d.longest(src, i)
			d.insert(src, i)
		}
		pending = false
		if curLen == 0 {
			emitLiteral(src[i])
			i++
			continue
		}
		if curLen < lazyLimit && i+1 < n {
			// Lazy matching: a longer match one byte on is worth a literal.
			nextLen, nextDist := d.longest(src, i+1)
			d.insert(src, i+1)
			if nextLen > curLen {
				emitLiteral(src[i])
				i++
				curLen, curDist, pending = nextLen, nextDist, true
				continue
			}
			emitMatch(curLen, curDist)
			for j := i + 2; j < i+curLen; j++ {
				d.insert(src, j)
			}
			i += curLen
			continue
		}
		emitMatch(curLen, curDist)
		for j := i + 1; j < i+curLen; j++ {
			d.insert(src, j)
		}
		i += curLen
	}
	d.litFreq[endOfBlock]++
}

// Fixed Huffman code lengths (RFC 1951 3.2.6) and their codes. The codes
// are assigned over all 288 and 32 symbols: the last two of each are never
// used but have their place in the canonical order.
var (
	fixedLitLen, fixedDistLen   = fixedLengths()
	fixedLitCode, fixedDistCode = func() (lit [288]uint16, dist [32]uint16) {
		assignCodes(fixedLitLen[:], lit[:])
		assignCodes(fixedDistLen[:], dist[:])
		return lit, dist
	}()
)

func fixedLengths() (lit [288]uint8, dist [32]uint8) {
	for i := range lit {
		switch {
		case i < 144:
			lit[i] = 8
		case i < 256:
			lit[i] = 9
		case i < 280:
			lit[i] = 7
		default:
			lit[i] = 8
		}
	}
	for i := range dist {
		dist[i] = 5
	}
	return lit, dist
}

// dataBits is the size in bits of the tokens coded with the given lengths,
// end of block included.
func (d *deflater) dataBits(litLen, distLen []uint8) int {
	total := 0
	for s, f := range d.litFreq {
		total += int(f) * int(litLen[s])
		if s > endOfBlock {
			total += int(f) * int(lengthExtra[s-257])
		}
	}
	for s, f := range d.distFreq {
		total += int(f) * (int(distLen[s]) + int(distExtra[s]))
	}
	return total
}

// minSaving sets when compression is worth it: a Huffman block is written
// only when it is at least 1/minSaving smaller than the stored form. A
// stored block inflates at memory speed, a Huffman block of a DCC in about
// 2 µs, 3% of an ES256 verification, paid at every scan. A DCC beside its
// random signature hardly compresses (2.7% on average over the EU test
// codes, 10 bytes): 180 of the 195 stay stored, and the 15 that compress
// bring the total to that of compress/zlib at best compression
// (TestCompressionSize). A native payload repeats more text; it comes out
// 25% smaller.
const minSaving = 16

// writeBlock appends the whole of src as one final deflate block: the
// smaller of the fixed and dynamic Huffman forms, or the stored form when
// neither saves enough (minSaving).
func (d *deflater) writeBlock(dst, src []byte) []byte {
	buildLengths(d.litFreq[:], d.litLen[:], 15, &d.huff)
	buildLengths(d.distFreq[:], d.distLen[:], 15, &d.huff)
	nlit, ndist := numLit, numDist
	for nlit > 257 && d.litLen[nlit-1] == 0 {
		nlit--
	}
	for ndist > 1 && d.distLen[ndist-1] == 0 {
		ndist--
	}
	d.cl.encode(d.litLen[:nlit], d.distLen[:ndist], &d.huff)

	dynamicBits := 3 + 5 + 5 + 4 + d.cl.headerBits() + d.dataBits(d.litLen[:], d.distLen[:])
	fixedBits := 3 + d.dataBits(fixedLitLen[:], fixedDistLen[:])
	// Stored blocks start at the byte after the zlib header: no padding.
	storedBits := 8 * (storedLen(len(src)) - 6)

	switch {
	case min(fixedBits, dynamicBits) > storedBits-storedBits/minSaving:
		return appendStoredBlocks(dst, src)
	case fixedBits <= dynamicBits:
		w := &d.writer
		w.reset(dst)
		w.write(1, 1) // BFINAL
		w.write(1, 2) // BTYPE 01: fixed Huffman
		d.writeTokens(fixedLitLen[:], fixedDistLen[:], fixedLitCode[:], fixedDistCode[:])
		return w.flush()
	default:
		w := &d.writer
		w.reset(dst)
		w.write(1, 1) // BFINAL
		w.write(2, 2) // BTYPE 10: dynamic Huffman
		w.write(uint32(nlit-257), 5)
		w.write(uint32(ndist-1), 5)
		d.cl.write(w)
		assignCodes(d.litLen[:], d.litCode[:])
		assignCodes(d.distLen[:], d.distCode[:])
		d.writeTokens(d.litLen[:], d.distLen[:], d.litCode[:], d.distCode[:])
		return w.flush()
	}
}

// writeTokens writes the tokens and the end of block with the given codes
// and their lengths.
func (d *deflater) writeTokens(litLen, distLen []uint8, litCode, distCode []uint16) {
	w := &d.writer
	for _, t := range d.tokens {
		if t&matchFlag == 0 {
			w.write(uint32(litCode[t]), uint(litLen[t]))
			continue
		}
		length, dist := int(t>>16&0x1ff), int(t&0xffff)+1
		ls := int(lengthSym[length])
		w.write(uint32(litCode[257+ls]), uint(litLen[257+ls]))
		if x := lengthExtra[ls]; x > 0 {
			w.write(uint32(length-int(lengthBase[ls])), uint(x))
		}
		ds := distSym(dist)
		w.write(uint32(distCode[ds]), uint(distLen[ds]))
		if x := distExtra[ds]; x > 0 {
			w.write(uint32(dist-int(distBase[ds])), uint(x))
		}
	}
	w.write(uint32(litCode[endOfBlock]), uint(litLen[endOfBlock]))
}

// assignCodes gives each symbol with a nonzero length its canonical code
// (RFC 1951 3.2.2), bit-reversed for writing least significant bit first.
func assignCodes(lengths []uint8, codes []uint16) {
	var count, next [16]uint16
	for _, l := range lengths {
		count[l]++
	}
	count[0] = 0
	code := uint16(0)
	for l := 1; l < 16; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	for s, l := range lengths {
		if l != 0 {
			codes[s] = bits.Reverse16(next[l]) >> (16 - l)
			next[l]++
		}
	}
}

// huffScratch is the working space of buildLengths.
type huffScratch struct {
	syms   []uint64 // frequency<<16 | symbol of the used symbols, sorted
	weight []uint64 // per node: leaves first, then internal nodes
	parent []int
	depth  []int
	sorted []uint64 // sortKeys's output before it is copied back
	start  []uint32 // sortKeys's position of each frequency
}

// buildLengths sets lengths[s] to the code length of symbol s for an
// optimal prefix code of the frequencies, limited to maxBits, with 0 for
// unused symbols. The code is always complete and has at least two codes:
// a code of one symbol is paired with an unused one, as zlib does, since
// some inflaters reject a code of one bit.
func buildLengths(freq []uint32, lengths []uint8, maxBits int, h *huffScratch) {
	clear(lengths)
	// Each used symbol as one sort key: frequency, then symbol.
	h.syms = h.syms[:0]
	for s, f := range freq {
		if f != 0 {
			h.syms = append(h.syms, uint64(f)<<16|uint64(s))
		}
	}
	switch len(h.syms) {
	case 0:
		lengths[0], lengths[1] = 1, 1
		return
	case 1:
		s := int(h.syms[0] & 0xffff)
		other := 0
		if s == 0 {
			other = 1
		}
		lengths[s], lengths[other] = 1, 1
		return
	}
	h.sortKeys()
	// Huffman's algorithm with two queues: the leaves in frequency order,
	// and the internal nodes, created in nondecreasing weight order.
	n := len(h.syms)
	nodes := 2*n - 1
	h.weight = slices.Grow(h.weight[:0], nodes)[:nodes]
	h.parent = slices.Grow(h.parent[:0], nodes)[:nodes]
	h.depth = slices.Grow(h.depth[:0], nodes)[:nodes]
	for i, k := range h.syms {
		h.weight[i] = k >> 16
	}
	leaf, inner := 0, n // next leaf, next internal node to combine
	take := func(made int) int {
		if leaf < n && (inner >= made || h.weight[leaf] <= h.weight[inner]) {
			leaf++
			return leaf - 1
		}
		inner++
		return inner - 1
	}
	for made := n; made < nodes; made++ {
		a := take(made)
		b := take(made)
		h.weight[made] = h.weight[a] + h.weight[b]
		h.parent[a], h.parent[b] = made, made
	}
	// Depths from the root (the last node made) down.
	h.depth[nodes-1] = 0
	var count [numLit + 1]int // leaves per depth; a depth is below numLit
	maxDepth := 0
	for i := nodes - 2; i >= 0; i-- {
		h.depth[i] = h.depth[h.parent[i]] + 1
		if i < n {
			count[h.depth[i]]++
			maxDepth = max(maxDepth, h.depth[i])
		}
	}
	// Length limiting (as in JPEG, ITU T.81 Annex K.3): move pairs of
	// leaves up from the deepest level, each pair taking the place of a
	// shallower leaf that moves down one level. The code stays complete.
	for l := maxDepth; l > maxBits; l-- {
		for count[l] > 0 {
			j := l - 2
			for count[j] == 0 {
				j--
			}
			count[l] -= 2
			count[l-1]++
			count[j+1] += 2
			count[j]--
		}
	}
	// The least frequent symbols get the longest codes.
	i := 0
	for l := min(maxDepth, maxBits); l >= 1; l-- {
		for range count[l] {
			lengths[h.syms[i]&0xffff] = uint8(l)
			i++
		}
	}
}

// countingSortMax bounds the frequencies sortKeys sorts by counting: a
// message of a few hundred bytes has none near it.
const countingSortMax = 1024

// sortKeys sorts h.syms as slices.Sort does: by frequency, then by symbol.
// The keys are appended in increasing symbol order, so a stable counting
// sort by frequency gives that order in linear time when the frequencies
// are small, as in a code's message; slices.Sort took 80% of building a
// code, most of it spent on a stored DCC whose codes end up unused
// (issue 10). Larger frequencies take slices.Sort.
func (h *huffScratch) sortKeys() {
	maxFreq := uint64(0)
	for _, k := range h.syms {
		maxFreq = max(maxFreq, k>>16)
	}
	if maxFreq >= countingSortMax {
		slices.Sort(h.syms)
		return
	}
	h.start = slices.Grow(h.start[:0], int(maxFreq)+2)[:maxFreq+2]
	clear(h.start)
	for _, k := range h.syms {
		h.start[k>>16+1]++
	}
	for f := 1; f < len(h.start); f++ {
		h.start[f] += h.start[f-1]
	}
	h.sorted = slices.Grow(h.sorted[:0], len(h.syms))[:len(h.syms)]
	for _, k := range h.syms {
		h.sorted[h.start[k>>16]] = k
		h.start[k>>16]++
	}
	copy(h.syms, h.sorted)
}

// clEncoding is the run-length encoding of the code lengths of a dynamic
// block (RFC 1951 3.2.7) and the code of its symbols.
type clEncoding struct {
	syms  []uint8 // code length symbols 0–18
	extra []uint8 // their extra bits' values
	freq  [numCL]uint32
	len   [numCL]uint8
	code  [numCL]uint16
	nclen int // code length code lengths written, 4–19
}

// clExtra is the number of extra bits of code length symbols 16–18.
var clExtra = [3]uint{2, 3, 7}

func (c *clEncoding) add(sym, extra uint8) {
	c.syms = append(c.syms, sym)
	c.extra = append(c.extra, extra)
	c.freq[sym]++
}

// encode run-length encodes the literal/length and distance code lengths,
// as one sequence (a run may cross from one to the other), and builds the
// code of the code length symbols.
func (c *clEncoding) encode(litLen, distLen []uint8, h *huffScratch) {
	c.syms, c.extra = c.syms[:0], c.extra[:0]
	clear(c.freq[:])
	all := func(i int) uint8 {
		if i < len(litLen) {
			return litLen[i]
		}
		return distLen[i-len(litLen)]
	}
	total := len(litLen) + len(distLen)
	for i := 0; i < total; {
		v := all(i)
		run := 1
		for i+run < total && all(i+run) == v {
			run++
		}
		i += run
		if v == 0 {
			for run >= 11 {
				r := min(run, 138)
				c.add(18, uint8(r-11))
				run -= r
			}
			if run >= 3 {
				c.add(17, uint8(run-3))
				run = 0
			}
			for ; run > 0; run-- {
				c.add(0, 0)
			}
			continue
		}
		c.add(v, 0)
		run--
		for run >= 3 {
			r := min(run, 6)
			c.add(16, uint8(r-3))
			run -= r
		}
		for ; run > 0; run-- {
			c.add(v, 0)
		}
	}
	buildLengths(c.freq[:], c.len[:], 7, h)
	assignCodes(c.len[:], c.code[:])
	c.nclen = numCL
	for c.nclen > 4 && c.len[clOrder[c.nclen-1]] == 0 {
		c.nclen--
	}
}

// headerBits is the size of HCLEN's code lengths and the encoded lengths.
func (c *clEncoding) headerBits() int {
	total := 3 * c.nclen
	for s, f := range c.freq {
		total += int(f) * int(c.len[s])
		if s >= 16 {
			total += int(f) * int(clExtra[s-16])
		}
	}
	return total
}

// write writes HCLEN, the code length code lengths and the encoded lengths.
func (c *clEncoding) write(w *bitWriter) {
	w.write(uint32(c.nclen-4), 4)
	for _, s := range clOrder[:c.nclen] {
		w.write(uint32(c.len[s]), 3)
	}
	for i, s := range c.syms {
		w.write(uint32(c.code[s]), uint(c.len[s]))
		if s >= 16 {
			w.write(uint32(c.extra[i]), clExtra[s-16])
		}
	}
}

// bitWriter appends bits least significant first.
type bitWriter struct {
	out []byte
	acc uint64
	n   uint
}

func (w *bitWriter) reset(dst []byte) { w.out, w.acc, w.n = dst, 0, 0 }

// write appends the low nb (≤ 32) bits of v.
func (w *bitWriter) write(v uint32, nb uint) {
	w.acc |= uint64(v) << w.n
	w.n += nb
	for w.n >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

// flush pads to a byte boundary and returns the output.
func (w *bitWriter) flush() []byte {
	if w.n > 0 {
		w.out = append(w.out, byte(w.acc))
	}
	out := w.out
	w.out, w.acc, w.n = nil, 0, 0
	return out
}

// maxStored is the most a stored deflate block holds (RFC 1951 3.2.4).
const maxStored = 65535

// storedLen is the length of the zlib stream of n bytes in stored blocks.
func storedLen(n int) int {
	blocks := max(1, (n+maxStored-1)/maxStored)
	return 2 + 5*blocks + n + 4
}

// appendStoredBlocks appends data as stored deflate blocks, the last one
// final.
func appendStoredBlocks(dst, data []byte) []byte {
	rest := data
	for {
		n := min(len(rest), maxStored)
		final := byte(0)
		if n == len(rest) {
			final = 1
		}
		dst = append(dst, final, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
		dst = append(dst, rest[:n]...)
		rest = rest[n:]
		if final == 1 {
			return dst
		}
	}
}

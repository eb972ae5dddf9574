package hc1

import (
	"encoding/binary"
	"hash/adler32"
	"math/bits"

	"github.com/ithc/ithc/internal/limits"
)

// This file is a fast path for Inflate. compress/flate takes about 6 µs to
// inflate a 400-byte DCC in one dynamic-Huffman block (most of it building
// decoding tables and resetting its 32 KiB window state), as much as the
// rest of a verification without the signature. A code's whole output is
// small and held in memory, so a decoder can be much simpler: no window,
// one table per tree.
//
// The fast path only ever succeeds on a stream that is entirely valid: a
// zlib header without dictionary, deflate blocks (RFC 1951) with complete
// Huffman codes, distances within the output, output within
// limits.MaxCOSE, the Adler-32 that matches and nothing after it. Anything
// else, including valid but unusual streams (such as an incomplete code of
// more than one symbol), makes it report !ok, and Inflate runs
// compress/zlib instead, which accepts or rejects it with its own errors.
// So the results of Inflate are those of compress/zlib alone;
// FuzzInflateAgrees checks this.

// bitReader reads the bits of src least significant first.
type bitReader struct {
	src  []byte
	pos  int    // next byte of src to load
	bits uint64 // loaded bits, next bit lowest
	nb   uint   // number of loaded bits
}

// fill loads bytes until at least 57 bits are loaded or src is exhausted.
// Bits above nb may hold the next bytes of src: loading them again ORs the
// same bits in place.
func (br *bitReader) fill() {
	if br.pos+8 <= len(br.src) {
		br.bits |= binary.LittleEndian.Uint64(br.src[br.pos:]) << br.nb
		n := (63 - br.nb) >> 3
		br.pos += int(n)
		br.nb += n * 8
		return
	}
	for br.nb <= 56 && br.pos < len(br.src) {
		br.bits |= uint64(br.src[br.pos]) << br.nb
		br.pos++
		br.nb += 8
	}
}

// take returns the next n (≤ 32) bits; ok is false past the end of src.
func (br *bitReader) take(n uint) (uint32, bool) {
	if br.nb < n {
		br.fill()
		if br.nb < n {
			return 0, false
		}
	}
	v := uint32(br.bits & (1<<n - 1))
	br.bits >>= n
	br.nb -= n
	return v, true
}

// tableBits is the width of the direct lookup of a Huffman code; longer
// codes are decoded canonically, bit by bit.
const tableBits = 9

// huffman is a canonical Huffman code (RFC 1951 3.2.2).
type huffman struct {
	// table maps the next bits (up to tableBits) to symbol<<4 | length, or
	// 0 when the code is longer than tableBits (or unused).
	table [1 << tableBits]uint16
	mask  uint64      // index mask of table: 1<<min(longest code, tableBits) − 1
	count [16]uint16  // number of codes of each length
	syms  [288]uint16 // symbols ordered by code
}

// init builds h from code lengths; it reports false for an over-subscribed
// or incomplete code (the fast path leaves those to compress/flate), except
// as described below. An all-zero set of lengths is accepted only when
// empty is true.
func (h *huffman) init(lengths []uint8, empty bool) bool {
	h.count = [16]uint16{}
	for _, l := range lengths {
		h.count[l]++
	}
	h.count[0] = 0
	left := 1
	for l := 1; l < 16; l++ {
		left = left<<1 - int(h.count[l])
		if left < 0 {
			return false
		}
	}
	// Incomplete codes are accepted in the two cases compress/flate
	// accepts them: no code at all (for distances, where a block without
	// matches needs none), and a single one-bit code, as written for a
	// block with one distance. The unassigned codes fail when decoded.
	if left != 0 && !(empty && left == 1<<15) && !(h.count[1] == 1 && left == 1<<14) {
		return false
	}
	var offs [16]uint16
	for l := 1; l < 15; l++ {
		offs[l+1] = offs[l] + h.count[l]
	}
	for s, l := range lengths {
		if l != 0 {
			h.syms[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	// The table covers the longest code, up to tableBits.
	width := 0
	for l := 1; l <= tableBits; l++ {
		if h.count[l] != 0 {
			width = l
		}
	}
	for l := tableBits + 1; l < 16; l++ {
		if h.count[l] != 0 {
			width = tableBits
		}
	}
	size := 1 << width
	h.mask = uint64(size - 1)
	table := h.table[:size]
	clear(table)
	code, i := 0, 0
	for l := 1; l <= width; l++ {
		for range h.count[l] {
			// The code, most significant bit first, is read reversed.
			rev := int(bits.Reverse16(uint16(code)) >> (16 - l))
			e := h.syms[i]<<4 | uint16(l)
			for k := rev; k < len(table); k += 1 << l {
				table[k] = e
			}
			code++
			i++
		}
		code <<= 1
	}
	return true
}

// decode reads one symbol; ok is false on a bad code or past the end.
func (h *huffman) decode(br *bitReader) (int, bool) {
	if br.nb < 15 {
		br.fill()
	}
	if e := h.table[br.bits&h.mask&(1<<tableBits-1)]; e != 0 {
		l := uint(e & 15)
		if l > br.nb {
			return 0, false
		}
		br.bits >>= l
		br.nb -= l
		return int(e >> 4), true
	}
	// Canonical decoding, one bit at a time (as zlib's puff does).
	code, first, index := 0, 0, 0
	for l := uint(1); l < 16; l++ {
		if l > br.nb {
			return 0, false
		}
		code |= int(br.bits >> (l - 1) & 1)
		count := int(h.count[l])
		if code-first < count {
			br.bits >>= l
			br.nb -= l
			return int(h.syms[index+code-first]), true
		}
		index += count
		first = (first + count) << 1
		code <<= 1
	}
	return 0, false
}

// Length and distance bases and extra bits (RFC 1951 3.2.5).
var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	// clOrder is the order of the code length code lengths.
	clOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// fixedLit and fixedDist are the codes of fixed-Huffman blocks.
var fixedLit, fixedDist = func() (*huffman, *huffman) {
	var l [288]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	var d [30]uint8
	for i := range d {
		d[i] = 5
	}
	lit, dist := new(huffman), new(huffman)
	lit.init(l[:], false)
	// 30 five-bit codes are an incomplete code: build it by hand as
	// complete with 32 codes, and reject symbols 30 and 31 when decoding.
	var d32 [32]uint8
	for i := range d32 {
		d32[i] = 5
	}
	dist.init(d32[:], false)
	return lit, dist
}()

// inflateState holds the decoding tables of one fast inflation.
type inflateState struct {
	lit, dist, cl huffman
	lengths       [286 + 30]uint8
}

// fastInflate decodes the zlib stream src into dst[:0]. ok is false when
// src is not entirely valid or not handled here; dst is then garbage.
func fastInflate(dst, src []byte, st *inflateState) ([]byte, bool) {
	if len(src) < 2+1+4 {
		return nil, false
	}
	cmf, flg := src[0], src[1]
	if cmf&0x0f != 8 || cmf>>4 > 7 || (uint(cmf)<<8|uint(flg))%31 != 0 || flg&0x20 != 0 {
		return nil, false
	}
	out := dst[:0]
	br := bitReader{src: src[:len(src)-4], pos: 2}
	for {
		final, ok1 := br.take(1)
		typ, ok2 := br.take(2)
		if !ok1 || !ok2 {
			return nil, false
		}
		var ok bool
		switch typ {
		case 0:
			out, ok = storedBlock(&br, out)
		case 1:
			out, ok = huffmanBlock(&br, out, fixedLit, fixedDist)
		case 2:
			if !st.dynamicTables(&br) {
				return nil, false
			}
			out, ok = huffmanBlock(&br, out, &st.lit, &st.dist)
		default:
			return nil, false
		}
		if !ok {
			return nil, false
		}
		if final == 1 {
			break
		}
	}
	// The checksum follows the final block at the next byte boundary,
	// and ends the input.
	if br.pos-int(br.nb/8) != len(src)-4 {
		return nil, false
	}
	if binary.BigEndian.Uint32(src[len(src)-4:]) != adler32.Checksum(out) {
		return nil, false
	}
	return out, true
}

func storedBlock(br *bitReader, out []byte) ([]byte, bool) {
	br.take(br.nb % 8)
	n, ok1 := br.take(16)
	nn, ok2 := br.take(16)
	if !ok1 || !ok2 || n != ^nn&0xffff {
		return nil, false
	}
	// Whole bytes still loaded come first, then the rest of src.
	for ; n > 0 && br.nb >= 8; n-- {
		b, _ := br.take(8)
		out = append(out, byte(b))
	}
	if n == 0 {
		return out, len(out) <= limits.MaxCOSE
	}
	// No whole byte is loaded now: read the rest from src directly, and
	// drop the bits of src that fill may have loaded beyond nb.
	if int(n) > len(br.src)-br.pos || len(out)+int(n) > limits.MaxCOSE {
		return nil, false
	}
	out = append(out, br.src[br.pos:br.pos+int(n)]...)
	br.pos += int(n)
	br.bits = 0
	return out, true
}

// dynamicTables reads the code trees of a dynamic-Huffman block.
func (st *inflateState) dynamicTables(br *bitReader) bool {
	hlit, ok1 := br.take(5)
	hdist, ok2 := br.take(5)
	hclen, ok3 := br.take(4)
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	nlit, ndist, nclen := int(hlit)+257, int(hdist)+1, int(hclen)+4
	if nlit > 286 || ndist > 30 {
		return false
	}
	var cl [19]uint8
	for i := range nclen {
		v, ok := br.take(3)
		if !ok {
			return false
		}
		cl[clOrder[i]] = uint8(v)
	}
	if !st.cl.init(cl[:], false) {
		return false
	}
	lengths := st.lengths[:nlit+ndist]
	for i := 0; i < len(lengths); {
		sym, ok := st.cl.decode(br)
		if !ok {
			return false
		}
		if sym < 16 {
			lengths[i] = uint8(sym)
			i++
			continue
		}
		var rep uint32
		var val uint8
		switch sym {
		case 16:
			if i == 0 {
				return false
			}
			val = lengths[i-1]
			r, ok := br.take(2)
			if !ok {
				return false
			}
			rep = 3 + r
		case 17:
			r, ok := br.take(3)
			if !ok {
				return false
			}
			rep = 3 + r
		default:
			r, ok := br.take(7)
			if !ok {
				return false
			}
			rep = 11 + r
		}
		if i+int(rep) > len(lengths) {
			return false
		}
		for range rep {
			lengths[i] = val
			i++
		}
	}
	if lengths[256] == 0 {
		return false
	}
	return st.lit.init(lengths[:nlit], false) && st.dist.init(lengths[nlit:], true)
}

// huffmanBlock decodes the symbols of a Huffman block up to its end.
func huffmanBlock(br *bitReader, out []byte, lit, dist *huffman) ([]byte, bool) {
	for {
		sym, ok := lit.decode(br)
		if !ok {
			return nil, false
		}
		switch {
		case sym < 256:
			if len(out) >= limits.MaxCOSE {
				return nil, false
			}
			out = append(out, byte(sym))
			continue
		case sym == 256:
			return out, true
		case sym > 285:
			return nil, false
		}
		sym -= 257
		extra, ok := br.take(uint(lengthExtra[sym]))
		if !ok {
			return nil, false
		}
		n := int(lengthBase[sym]) + int(extra)
		dsym, ok := dist.decode(br)
		if !ok || dsym >= 30 {
			return nil, false
		}
		dextra, ok := br.take(uint(distExtra[dsym]))
		if !ok {
			return nil, false
		}
		d := int(distBase[dsym]) + int(dextra)
		if d > len(out) || len(out)+n > limits.MaxCOSE {
			return nil, false
		}
		// Byte by byte: the copy may overlap what it writes.
		start := len(out) - d
		for k := range n {
			out = append(out, out[start+k])
		}
	}
}

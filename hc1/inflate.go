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
//
// Costs, for a DCC in one dynamic block (BenchmarkInflateHuffman, about
// 3 µs): the code-length codes are decoded and counted in one pass with the
// bit reader in locals; each table is built by length, one store per code
// and a doubling copy per length, with no clearing except for the few
// prefixes of codes longer than tableBits; the symbols are decoded in one
// loop that refills once per symbol and inlines the table lookups, leaving
// only codes longer than tableBits to a call.

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
// codes are decoded canonically, bit by bit, after their first tableBits
// bits.
const tableBits = 9

// huffman is a canonical Huffman code (RFC 1951 3.2.2).
type huffman struct {
	// table maps the next bits (up to tableBits) to symbol<<4 | length, or
	// 0 when the code is longer than tableBits (or unused).
	table [1 << tableBits]uint16
	mask  uint64     // index mask of table: 1<<min(longest code, tableBits) − 1
	count [16]uint16 // number of codes of each length
	first [16]uint16 // first code of each length (canonical order)
	// syms lists the symbols ordered by code, those of length l from
	// offs[l].
	syms [512]uint16
	offs [16]uint16
}

// countLengths returns the number of codes of each length.
func countLengths(lengths []uint8) (count [16]uint16) {
	for _, l := range lengths {
		count[l&15]++
	}
	return count
}

// init builds h from code lengths (each below 16) and their counts
// (countLengths); it reports false for an over-subscribed or incomplete
// code (the fast path leaves those to compress/flate), except as described
// below. An all-zero set of lengths is accepted only when empty is true.
func (h *huffman) init(lengths []uint8, count [16]uint16, empty bool) bool {
	count[0] = 0
	left := 1
	for l := 1; l < 16; l++ {
		left = left<<1 - int(count[l])
		if left < 0 {
			return false
		}
	}
	// Incomplete codes are accepted in the two cases compress/flate
	// accepts them: no code at all (for distances, where a block without
	// matches needs none), and a single one-bit code, as written for a
	// block with one distance. The unassigned codes fail when decoded.
	if left != 0 && !(empty && left == 1<<15) && !(count[1] == 1 && left == 1<<14) {
		return false
	}
	h.count = count
	// The table covers the longest code, up to tableBits.
	width := 0
	var first, offs [16]uint16
	code, off := uint16(0), uint16(0)
	for l := 1; l < 16; l++ {
		if count[l] != 0 {
			width = l
		}
		code = (code + count[l-1]) << 1
		first[l] = code
		offs[l] = off
		off += count[l]
	}
	h.first, h.offs = first, offs
	// Symbols in canonical order: by length, then by value.
	next := offs
	for s, l := range lengths {
		if l != 0 {
			h.syms[next[l&15]&511] = uint16(s)
			next[l&15]++
		}
	}
	width = min(width, tableBits)
	size := 1 << width
	h.mask = uint64(size - 1)
	table := h.table[:size]
	if left != 0 {
		// The unassigned codes of an incomplete code stay 0.
		clear(table)
	}
	// The table is built for each length in turn: the entries of the
	// codes of length l, at their code read reversed (least significant
	// bit first), then doubled for length l+1, where each entry so far
	// also stands for the index with bit l set.
	i := 0
	for l := 1; l <= width; l++ {
		if l > 1 {
			copy(table[1<<(l-1):1<<l], table[:1<<(l-1)])
		}
		c := first[l]
		for range count[l] {
			table[int(bits.Reverse16(c)>>(16-l))&(size-1)] = h.syms[i&511]<<4 | uint16(l)
			c++
			i++
		}
	}
	if width == tableBits && first[tableBits]+count[tableBits] < 1<<tableBits {
		// The entries of the prefixes of long codes: the codes of length
		// tableBits from the first unassigned one.
		for c := first[tableBits] + count[tableBits]; c < 1<<tableBits; c++ {
			table[bits.Reverse16(c)>>(16-tableBits)] = 0
		}
	}
	return true
}

// decodeLong decodes a code longer than tableBits from the nb loaded bits
// (next bit lowest), returning its symbol and length; n is 0 on a bad code
// or past the end.
func (h *huffman) decodeLong(b uint64, nb uint) (sym int, n uint) {
	// The first tableBits bits of the code, most significant first.
	code := int(bits.Reverse16(uint16(b)) >> (16 - tableBits))
	for l := uint(tableBits + 1); l < 16; l++ {
		if l > nb {
			return 0, 0
		}
		code = code<<1 | int(b>>(l-1)&1)
		if d := code - int(h.first[l]); d >= 0 && d < int(h.count[l]) {
			return int(h.syms[(int(h.offs[l])+d)&511]), l
		}
	}
	return 0, 0
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

// fixedLit and fixedDist are the codes of fixed-Huffman blocks, from the
// lengths in fixedLitLen and fixedDistLen (deflate.go).
var fixedLit, fixedDist = func() (*huffman, *huffman) {
	lit, dist := new(huffman), new(huffman)
	lit.init(fixedLitLen[:], countLengths(fixedLitLen[:]), false)
	// 30 five-bit codes are an incomplete code: it is built as complete
	// with 32 codes, and symbols 30 and 31 are rejected when decoding.
	dist.init(fixedDistLen[:], countLengths(fixedDistLen[:]), false)
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
	var clCount [16]uint16
	for i := range nclen {
		v, ok := br.take(3)
		if !ok {
			return false
		}
		cl[clOrder[i]] = uint8(v)
		clCount[v]++
	}
	if !st.cl.init(cl[:], clCount, false) {
		return false
	}
	// The code lengths, counted as they are read: count[0] those of the
	// literal/length code, count[1] those of the distance code. A repeat
	// may cross from one to the other.
	var count [2][16]uint16
	lengths := st.lengths[:nlit+ndist]
	table := &st.cl.table
	mask := st.cl.mask & (1<<tableBits - 1)
	src, pos, b, nb := br.src, br.pos, br.bits, br.nb
	for i := 0; i < len(lengths); {
		// A code length code and its extra bits take at most 7+7 bits.
		if nb < 16 {
			if pos+8 <= len(src) {
				b |= binary.LittleEndian.Uint64(src[pos:]) << nb
				n := (63 - nb) >> 3
				pos += int(n)
				nb += n * 8
			} else {
				for nb <= 56 && pos < len(src) {
					b |= uint64(src[pos]) << nb
					pos++
					nb += 8
				}
			}
		}
		// Code length codes are at most 7 bits: the table holds them all.
		e := table[b&mask]
		l := uint(e & 15)
		if e == 0 || l > nb {
			return false
		}
		b >>= l
		nb -= l
		sym := uint8(e >> 4)
		if sym < 16 {
			lengths[i] = sym
			if i < nlit {
				count[0][sym]++
			} else {
				count[1][sym]++
			}
			i++
			continue
		}
		var rep int
		var val uint8
		switch sym {
		case 16:
			if i == 0 || nb < 2 {
				return false
			}
			val = lengths[i-1]
			rep = 3 + int(b&3)
			b >>= 2
			nb -= 2
		case 17:
			if nb < 3 {
				return false
			}
			rep = 3 + int(b&7)
			b >>= 3
			nb -= 3
		default:
			if nb < 7 {
				return false
			}
			rep = 11 + int(b&0x7f)
			b >>= 7
			nb -= 7
		}
		if i+rep > len(lengths) {
			return false
		}
		inLit := max(min(rep, nlit-i), 0)
		count[0][val&15] += uint16(inLit)
		count[1][val&15] += uint16(rep - inLit)
		for range rep {
			lengths[i] = val
			i++
		}
	}
	br.pos, br.bits, br.nb = pos, b, nb
	if lengths[256] == 0 {
		return false
	}
	return st.lit.init(lengths[:nlit], count[0], false) && st.dist.init(lengths[nlit:], count[1], true)
}

// huffmanBlock decodes the symbols of a Huffman block up to its end. It
// keeps the bit reader's state in locals, refilled once per symbol: after a
// refill at least 56 bits are loaded unless src is exhausted, enough for a
// length, its extra bits, a distance and its extra bits (at most 48).
func huffmanBlock(br *bitReader, out []byte, lit, dist *huffman) ([]byte, bool) {
	src, pos, b, nb := br.src, br.pos, br.bits, br.nb
	litTable, litMask := &lit.table, lit.mask&(1<<tableBits-1)
	distTable, distMask := &dist.table, dist.mask&(1<<tableBits-1)
	for {
		if nb < 48 {
			if pos+8 <= len(src) {
				b |= binary.LittleEndian.Uint64(src[pos:]) << nb
				n := (63 - nb) >> 3
				pos += int(n)
				nb += n * 8
			} else {
				for nb <= 56 && pos < len(src) {
					b |= uint64(src[pos]) << nb
					pos++
					nb += 8
				}
			}
		}
		var sym int
		if e := litTable[b&litMask]; e != 0 {
			l := uint(e & 15)
			if l > nb {
				return nil, false
			}
			b >>= l
			nb -= l
			sym = int(e >> 4)
		} else {
			var l uint
			if sym, l = lit.decodeLong(b, nb); l == 0 {
				return nil, false
			}
			b >>= l
			nb -= l
		}
		if sym < 256 {
			if len(out) >= limits.MaxCOSE {
				return nil, false
			}
			out = append(out, byte(sym))
			continue
		}
		if sym == 256 {
			br.pos, br.bits, br.nb = pos, b, nb
			return out, true
		}
		sym -= 257
		if sym >= len(lengthBase) {
			return nil, false
		}
		xl := uint(lengthExtra[sym])
		if xl > nb {
			return nil, false
		}
		n := int(lengthBase[sym]) + int(b&(1<<xl-1))
		b >>= xl
		nb -= xl
		var dsym int
		if e := distTable[b&distMask]; e != 0 {
			l := uint(e & 15)
			if l > nb {
				return nil, false
			}
			b >>= l
			nb -= l
			dsym = int(e >> 4)
		} else {
			var l uint
			if dsym, l = dist.decodeLong(b, nb); l == 0 {
				return nil, false
			}
			b >>= l
			nb -= l
		}
		if dsym >= len(distBase) {
			return nil, false
		}
		xd := uint(distExtra[dsym])
		if xd > nb {
			return nil, false
		}
		d := int(distBase[dsym]) + int(b&(1<<xd-1))
		b >>= xd
		nb -= xd
		if d > len(out) || len(out)+n > limits.MaxCOSE {
			return nil, false
		}
		start := len(out) - d
		if d >= n {
			out = append(out, out[start:start+n]...)
			continue
		}
		// Byte by byte: the copy overlaps what it writes.
		for k := range n {
			out = append(out, out[start+k])
		}
	}
}

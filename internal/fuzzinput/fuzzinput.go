// Package fuzzinput reads typed values from a fuzzer's bytes, for fuzz
// targets that build structures (a certificate, a verification result)
// instead of parsing bytes. Past the end of the input every read returns
// a zero value, so any input builds something.
//
// Strings and times lean towards the cases a fuzzer takes long to find
// alone: every kind of JSON escape, invalid and unusual UTF-8, times at
// the edges of years 1 and 9999, far outside them and in odd zones.
package fuzzinput

import (
	"math"
	"strings"
	"time"
)

// Reader hands out values decoded from a fuzzer's bytes.
type Reader struct{ b []byte }

// New returns a Reader of data.
func New(data []byte) *Reader { return &Reader{b: data} }

// Byte returns the next byte, or 0 past the end.
func (r *Reader) Byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// Uint32 returns the next four bytes, big-endian.
func (r *Reader) Uint32() uint32 {
	var u uint32
	for range 4 {
		u = u<<8 | uint32(r.Byte())
	}
	return u
}

// Uint64 returns the next eight bytes, big-endian.
func (r *Reader) Uint64() uint64 { return uint64(r.Uint32())<<32 | uint64(r.Uint32()) }

// Odd are strings that need care in JSON and UTF-8: escapes of every kind,
// HTML characters, line and paragraph separators, invalid, truncated and
// surrogate UTF-8, the replacement character, the highest code point.
var Odd = []string{
	"\u2028", "\u2029", "\xff", "\xe2\x80", "\xed\xa0\x80", "\ufffd", "\x00", "\x1f", "\x7f", "\b\f\n\r\t",
	`"`, `\`, "/", "<", ">", "&", "</script>", "ü", "张", "Müller 证书", "😀", "\U0010ffff", "\xf4\x90\x80\x80", "\xc3", "A",
}

// String reads a length byte: below 0xc0, that many bytes modulo 64 of
// the input follow as they are; from 0xc0, the string is up to 64 pieces
// of Odd, each chosen by one byte.
func (r *Reader) String() string {
	n := int(r.Byte())
	if n < 0xc0 {
		n = min(n%64, len(r.b))
		s := string(r.b[:n])
		r.b = r.b[n:]
		return s
	}
	var b strings.Builder
	for range n - 0xc0 + 1 {
		b.WriteString(Odd[int(r.Byte())%len(Odd)])
	}
	return b.String()
}

// Strings reads nil, an empty list or up to 5 strings.
func (r *Reader) Strings() []string {
	switch n := int(r.Byte() % 8); n {
	case 0:
		return nil
	case 1:
		return []string{}
	default:
		out := make([]string, n-2)
		for i := range out {
			out[i] = r.String()
		}
		return out
	}
}

// Float64 returns an arbitrary float64, often one of the edge cases of
// JSON number formatting, NaN or an infinity.
func (r *Reader) Float64() float64 {
	edges := []float64{0, math.Copysign(0, -1), 1e21, 1e-7, 1e-6, 999999999999999999999, 0.12, -1, math.NaN(), math.Inf(1), math.Inf(-1)}
	switch k := r.Byte(); {
	case k < 64:
		return edges[int(k)%len(edges)]
	case k < 128:
		return float64(int8(r.Byte())) / 100
	}
	return math.Float64frombits(r.Uint64())
}

// Time returns the zero time (in some zone), a time near the edges of
// years 1 and 9999, or one anywhere in about ±290 years × 2³¹ (most far
// outside years 0–9999), with or without a fraction of a second, in a
// fixed zone of any name and an offset of up to ±546 hours.
func (r *Reader) Time() time.Time {
	k := r.Byte()
	if k < 32 {
		return time.Time{}.In(time.FixedZone("", int(int8(k))*1800))
	}
	zone := time.FixedZone(r.String(), int(int16(r.Uint32()))*60)
	if k < 128 {
		secs := int64(r.Uint64()%(2*86400*366)) - 86400*366
		base := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
		if k&1 == 1 {
			base = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return base.Add(time.Duration(secs) * time.Second).In(zone)
	}
	nsec := int64(r.Uint32() % 1e9)
	if k&2 == 0 {
		nsec = 0
	}
	return time.Unix(int64(r.Uint64())>>(k%32), nsec).In(zone)
}

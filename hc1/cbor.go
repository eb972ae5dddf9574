package hc1

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/ithc/ithc/internal/limits"
)

// This file is a small, strict CBOR (RFC 8949) reader and writer for the
// COSE envelope, the CWT claims and the native payload. It exists for speed
// (the envelope is on the verification hot path and needs no reflection)
// and for control: every structure is well-formedness checked, bounded in
// depth (limits.MaxCBORDepth) and size (limits.MaxCBORItems), and maps
// reject duplicate keys.

// CBOR major types.
const (
	majorUint   = 0
	majorNint   = 1
	majorBytes  = 2
	majorText   = 3
	majorArray  = 4
	majorMap    = 5
	majorTag    = 6
	majorSimple = 7
)

// indefinite is the argument value reader.head returns for an indefinite
// length (additional information 31).
const indefinite = math.MaxUint64

var errTruncated = errors.New("unexpected end of data")

// reader reads CBOR items from data. Errors carry the offset.
type reader struct {
	data []byte
	off  int
	// lazyText skips, in skip, the UTF-8 check of text strings and the
	// duplicate check of map keys: set while skipping a payload whose own
	// decoder (dcc.ParseCBOR, UnmarshalNative) checks both. Map keys are
	// still read as in any map (integers, definite-length UTF-8 text).
	lazyText bool
	// str, when not empty, is a copy of data as a string: readText then
	// returns substrings of it instead of allocating each string. The
	// native payload decoder sets it, so that the strings of a certificate
	// cost one allocation rather than one each (issue 10), and alias a
	// copy, never data, which may be a pooled Scratch buffer.
	str string
}

func (r *reader) errorf(format string, args ...any) error {
	return fmt.Errorf("%s at offset %d", fmt.Sprintf(format, args...), r.off)
}

// head reads an initial byte and its argument. For major type 7 the
// argument is the raw bits of a float or the simple value.
func (r *reader) head() (major byte, arg uint64, err error) {
	if r.off >= len(r.data) {
		return 0, 0, r.errorf("%v", errTruncated)
	}
	b := r.data[r.off]
	major, ai := b>>5, b&0x1f
	p := r.off + 1
	switch {
	case ai < 24:
		arg = uint64(ai)
	case ai == 24:
		if p+1 > len(r.data) {
			return 0, 0, r.errorf("%v", errTruncated)
		}
		arg = uint64(r.data[p])
		p++
	case ai == 25:
		if p+2 > len(r.data) {
			return 0, 0, r.errorf("%v", errTruncated)
		}
		arg = uint64(binary.BigEndian.Uint16(r.data[p:]))
		p += 2
	case ai == 26:
		if p+4 > len(r.data) {
			return 0, 0, r.errorf("%v", errTruncated)
		}
		arg = uint64(binary.BigEndian.Uint32(r.data[p:]))
		p += 4
	case ai == 27:
		if p+8 > len(r.data) {
			return 0, 0, r.errorf("%v", errTruncated)
		}
		arg = binary.BigEndian.Uint64(r.data[p:])
		p += 8
	case ai == 31 && (major == majorBytes || major == majorText || major == majorArray || major == majorMap):
		arg = indefinite
	default:
		return 0, 0, r.errorf("malformed initial byte 0x%02x", b)
	}
	if ai == 27 && arg == indefinite && major >= majorBytes && major <= majorMap {
		return 0, 0, r.errorf("length %d exceeds the remaining %d bytes", arg, len(r.data)-p)
	}
	if major == majorSimple && ai == 24 && arg < 32 {
		return 0, 0, r.errorf("malformed simple value %d", arg)
	}
	r.off = p
	return major, arg, nil
}

// peekMajor returns the major type of the next item without consuming it.
func (r *reader) peekMajor() (byte, bool) {
	if r.off >= len(r.data) {
		return 0, false
	}
	return r.data[r.off] >> 5, true
}

// readBytes reads a definite-length byte string, aliasing data.
func (r *reader) readBytes() ([]byte, error) {
	start := r.off
	major, n, err := r.head()
	if err != nil {
		return nil, err
	}
	if major != majorBytes || n == indefinite {
		r.off = start
		return nil, r.errorf("want a definite-length byte string, got %s", describe(major, n))
	}
	return r.take(n)
}

// readTaggedBytes is readBytes that also accepts one CBOR tag around the
// byte string, ignoring it and setting *tagged. An Icelandic and a Spanish
// test issuer's encoder wrapped the byte strings of COSE_Sign1 in tags 2, 3
// and 4; the bytes inside are the ones signed, so the tag changes nothing
// a verifier relies on.
func (r *reader) readTaggedBytes(tagged *bool) ([]byte, error) {
	if m, ok := r.peekMajor(); ok && m == majorTag {
		if _, _, err := r.head(); err != nil {
			return nil, err
		}
		if m, ok := r.peekMajor(); !ok || m != majorBytes {
			return nil, r.errorf("a tag around something other than a byte string")
		}
		*tagged = true
	}
	return r.readBytes()
}

// readText reads a definite-length text string that is valid UTF-8.
func (r *reader) readText() (string, error) {
	b, err := r.readTextBytes()
	if err != nil || len(r.str) != len(r.data) {
		return string(b), err
	}
	return r.str[r.off-len(b) : r.off], nil
}

// readTextBytes is readText returning the bytes, aliasing data.
func (r *reader) readTextBytes() ([]byte, error) {
	start := r.off
	major, n, err := r.head()
	if err != nil {
		return nil, err
	}
	if major != majorText || n == indefinite {
		r.off = start
		return nil, r.errorf("want a definite-length text string, got %s", describe(major, n))
	}
	b, err := r.take(n)
	if err != nil {
		return nil, err
	}
	if !validUTF8(b) {
		r.off = start
		return nil, r.errorf("text string is not valid UTF-8")
	}
	return b, nil
}

func (r *reader) take(n uint64) ([]byte, error) {
	if n > uint64(len(r.data)-r.off) {
		return nil, r.errorf("string of %d bytes exceeds the remaining %d", n, len(r.data)-r.off)
	}
	b := r.data[r.off : r.off+int(n) : r.off+int(n)]
	r.off += int(n)
	return b, nil
}

// readInt reads an integer (major type 0 or 1) that fits an int64.
func (r *reader) readInt() (int64, error) {
	start := r.off
	major, v, err := r.head()
	if err != nil {
		return 0, err
	}
	if (major != majorUint && major != majorNint) || v > math.MaxInt64 {
		r.off = start
		return 0, r.errorf("want an integer, got %s", describe(major, v))
	}
	if major == majorNint {
		return -1 - int64(v), nil
	}
	return int64(v), nil
}

// readNumber reads an integer or a finite float.
func (r *reader) readNumber() (float64, bool, error) {
	start := r.off
	major, v, err := r.head()
	if err != nil {
		return 0, false, err
	}
	switch {
	case major == majorUint && v <= 1<<53:
		return float64(v), true, nil
	case major == majorNint && v < 1<<53:
		return -1 - float64(v), true, nil
	case major == majorSimple:
		var f float64
		switch r.off - start {
		case 3:
			f = float16ToFloat64(uint16(v))
		case 5:
			f = float64(math.Float32frombits(uint32(v)))
		case 9:
			f = math.Float64frombits(v)
		default:
			r.off = start
			return 0, false, r.errorf("want a number, got %s", describe(major, v))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			r.off = start
			return 0, false, r.errorf("number is not finite")
		}
		return f, false, nil
	}
	r.off = start
	return 0, false, r.errorf("want a number, got %s", describe(major, v))
}

// mapHeader reads the head of a map; n is indefinite for an indefinite map.
func (r *reader) mapHeader() (uint64, error) {
	start := r.off
	major, n, err := r.head()
	if err != nil {
		return 0, err
	}
	if major != majorMap {
		r.off = start
		return 0, r.errorf("want a map, got %s", describe(major, n))
	}
	if n != indefinite && n > limits.MaxCBORItems {
		r.off = start
		return 0, r.errorf("map of %d pairs exceeds the limit of %d", n, limits.MaxCBORItems)
	}
	return n, nil
}

// arrayHeader reads the head of a definite-length array.
func (r *reader) arrayHeader() (uint64, error) {
	start := r.off
	major, n, err := r.head()
	if err != nil {
		return 0, err
	}
	if major != majorArray || n == indefinite {
		r.off = start
		return 0, r.errorf("want a definite-length array, got %s", describe(major, n))
	}
	if n > limits.MaxCBORItems {
		r.off = start
		return 0, r.errorf("array of %d items exceeds the limit of %d", n, limits.MaxCBORItems)
	}
	return n, nil
}

// atBreak reports whether the next byte is the break code and consumes it.
func (r *reader) atBreak() bool {
	if r.off < len(r.data) && r.data[r.off] == 0xff {
		r.off++
		return true
	}
	return false
}

// mapKey is a decoded map key, for duplicate detection: integers by value,
// text strings by content, anything else by its encoding. raw aliases the
// input, so reading a key does not allocate.
type mapKey struct {
	kind byte // majorUint for any integer, majorText, or 0xff for raw
	i    int64
	raw  []byte
}

func (k *mapKey) equal(o *mapKey) bool {
	return k.kind == o.kind && k.i == o.i && bytes.Equal(k.raw, o.raw)
}

// keyer iterates over a map, checking keys for duplicates. The first keys
// are kept in a fixed array; larger maps spill into a slice.
type keyer struct {
	n     uint64
	i     uint64
	small [12]mapKey
	more  []mapKey
}

func newKeyer(n uint64) keyer { return keyer{n: n} }

// next reports whether another pair follows and reads its key.
func (k *keyer) next(r *reader, depth int) (mapKey, bool, error) {
	if k.n == indefinite {
		if k.i >= limits.MaxCBORItems {
			return mapKey{}, false, r.errorf("map exceeds the limit of %d pairs", limits.MaxCBORItems)
		}
		if r.atBreak() {
			return mapKey{}, false, nil
		}
		if r.off >= len(r.data) {
			return mapKey{}, false, r.errorf("%v", errTruncated)
		}
	} else if k.i >= k.n {
		return mapKey{}, false, nil
	}
	start := r.off
	var key mapKey
	m, ok := r.peekMajor()
	switch {
	case !ok:
		return mapKey{}, false, r.errorf("%v", errTruncated)
	case m == majorUint || m == majorNint:
		v, err := r.readInt()
		if err != nil {
			// Integers beyond int64 are compared by encoding.
			if err := r.skip(depth + 1); err != nil {
				return mapKey{}, false, err
			}
			key = mapKey{kind: 0xff, raw: r.data[start:r.off]}
		} else {
			key = mapKey{kind: majorUint, i: v}
		}
	case m == majorText:
		b, err := r.readTextBytes()
		if err != nil {
			return mapKey{}, false, err
		}
		key = mapKey{kind: majorText, raw: b}
	default:
		if err := r.skip(depth + 1); err != nil {
			return mapKey{}, false, err
		}
		key = mapKey{kind: 0xff, raw: r.data[start:r.off]}
	}
	seen := k.small[:min(k.i, uint64(len(k.small)))]
	for j := range seen {
		if seen[j].equal(&key) {
			r.off = start
			return mapKey{}, false, r.errorf("duplicate map key %s", key)
		}
	}
	for j := range k.more {
		if k.more[j].equal(&key) {
			r.off = start
			return mapKey{}, false, r.errorf("duplicate map key %s", key)
		}
	}
	if k.i < uint64(len(k.small)) {
		k.small[k.i] = key
	} else {
		k.more = append(k.more, key)
	}
	k.i++
	return key, true, nil
}

func (k mapKey) String() string {
	switch k.kind {
	case majorUint:
		return fmt.Sprint(k.i)
	case majorText:
		return fmt.Sprintf("%q", k.raw)
	}
	return fmt.Sprintf("h'%x'", k.raw)
}

// skip reads over one well-formed item at the given nesting depth.
func (r *reader) skip(depth int) error {
	if depth > limits.MaxCBORDepth {
		return r.errorf("nesting exceeds the limit of %d", limits.MaxCBORDepth)
	}
	// Fast path: a small integer, or a byte or text string shorter than
	// 24 bytes that is whole (and, for text, valid UTF-8 unless lazyText).
	if r.off < len(r.data) {
		ib := r.data[r.off]
		switch {
		case ib < 0x18, ib >= 0x20 && ib < 0x38:
			r.off++
			return nil
		case ib >= 0x40 && ib < 0x58, ib >= 0x60 && ib < 0x78:
			end := r.off + 1 + int(ib&0x1f)
			if end <= len(r.data) {
				if b := r.data[r.off+1 : end]; ib < 0x60 || r.lazyText || isASCII(b) {
					r.off = end
					return nil
				}
			}
		}
	}
	start := r.off
	major, n, err := r.head()
	if err != nil {
		return err
	}
	switch major {
	case majorUint, majorNint, majorSimple:
		return nil
	case majorBytes, majorText:
		if n != indefinite {
			b, err := r.take(n)
			if err == nil && major == majorText && !r.lazyText && !validUTF8(b) {
				r.off = start
				return r.errorf("text string is not valid UTF-8")
			}
			return err
		}
		for i := 0; ; i++ {
			if i > limits.MaxCBORItems {
				return r.errorf("indefinite string exceeds the limit of %d chunks", limits.MaxCBORItems)
			}
			if r.atBreak() {
				return nil
			}
			cs := r.off
			cm, cn, err := r.head()
			if err != nil {
				return err
			}
			if cm != major || cn == indefinite {
				r.off = cs
				return r.errorf("malformed chunk in an indefinite-length string")
			}
			b, err := r.take(cn)
			if err != nil {
				return err
			}
			if major == majorText && !r.lazyText && !validUTF8(b) {
				r.off = cs
				return r.errorf("text string is not valid UTF-8")
			}
		}
	case majorArray:
		if n != indefinite && n > limits.MaxCBORItems {
			r.off = start
			return r.errorf("array of %d items exceeds the limit of %d", n, limits.MaxCBORItems)
		}
		for i := uint64(0); n == indefinite || i < n; i++ {
			if n == indefinite {
				if i > limits.MaxCBORItems {
					return r.errorf("array exceeds the limit of %d items", limits.MaxCBORItems)
				}
				if r.atBreak() {
					return nil
				}
			}
			if err := r.skip(depth + 1); err != nil {
				return err
			}
		}
		return nil
	case majorMap:
		r.off = start
		n, err := r.mapHeader()
		if err != nil {
			return err
		}
		if r.lazyText {
			return r.skipPairs(n, depth)
		}
		k := newKeyer(n)
		for {
			_, ok, err := k.next(r, depth)
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			if err := r.skip(depth + 1); err != nil {
				return err
			}
		}
	case majorTag:
		return r.skip(depth + 1)
	}
	return nil
}

// skipPairs reads over the n pairs (n may be indefinite) of a map whose
// head skip has read, reading each key as keyer.next does, but without
// checking for duplicates: for lazyText.
func (r *reader) skipPairs(n uint64, depth int) error {
	for i := uint64(0); ; i++ {
		if n == indefinite {
			if i >= limits.MaxCBORItems {
				return r.errorf("map exceeds the limit of %d pairs", limits.MaxCBORItems)
			}
			if r.atBreak() {
				return nil
			}
		} else if i >= n {
			return nil
		}
		m, ok := r.peekMajor()
		if !ok {
			return r.errorf("%v", errTruncated)
		}
		if ib := r.data[r.off]; ib >= 0x60 && ib < 0x78 && r.off+1+int(ib&0x1f) <= len(r.data) &&
			isASCII(r.data[r.off+1:r.off+1+int(ib&0x1f)]) {
			// A short ASCII key: what readTextBytes accepts, read inline.
			r.off += 1 + int(ib&0x1f)
		} else if m == majorText {
			if _, err := r.readTextBytes(); err != nil {
				return err
			}
		} else if err := r.skip(depth + 1); err != nil {
			return err
		}
		if err := r.skip(depth + 1); err != nil {
			return err
		}
	}
}

func describe(major byte, arg uint64) string {
	names := [...]string{"an unsigned integer", "a negative integer", "a byte string", "a text string", "an array", "a map", "a tag", "a simple value or float"}
	if major == majorTag {
		return fmt.Sprintf("tag %d", arg)
	}
	return names[major&7]
}

func float16ToFloat64(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 31:
		if frac == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(frac+1024, exp-25)
}

// isASCII reports whether b is all ASCII (and so valid UTF-8); it is
// inlined, whereas a call to validUTF8 costs more than a short key.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// validUTF8 is utf8.Valid with an ASCII fast path.
func validUTF8(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return utf8Valid(b)
		}
	}
	return true
}

// writer builds deterministic CBOR (RFC 8949 section 4.2.1: shortest
// heads, definite lengths; callers write map keys in ascending order).
type writer struct {
	b []byte
}

func (w *writer) head(major byte, v uint64) {
	m := major << 5
	switch {
	case v < 24:
		w.b = append(w.b, m|byte(v))
	case v <= math.MaxUint8:
		w.b = append(w.b, m|24, byte(v))
	case v <= math.MaxUint16:
		w.b = append(w.b, m|25, byte(v>>8), byte(v))
	case v <= math.MaxUint32:
		w.b = append(w.b, m|26, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	default:
		w.b = append(w.b, m|27)
		w.b = binary.BigEndian.AppendUint64(w.b, v)
	}
}

func (w *writer) int(v int64) {
	if v < 0 {
		w.head(majorNint, uint64(-1-v))
		return
	}
	w.head(majorUint, uint64(v))
}

func (w *writer) bytes(b []byte) {
	w.head(majorBytes, uint64(len(b)))
	w.b = append(w.b, b...)
}

func (w *writer) text(s string) {
	w.head(majorText, uint64(len(s)))
	w.b = append(w.b, s...)
}

// float writes f in the shortest of float32 and float64 that holds it
// exactly (float16 is not used, which RFC 8949 allows for our own payload).
func (w *writer) float(f float64) {
	if f32 := float32(f); float64(f32) == f {
		w.b = append(w.b, 0xfa)
		w.b = binary.BigEndian.AppendUint32(w.b, math.Float32bits(f32))
		return
	}
	w.b = append(w.b, 0xfb)
	w.b = binary.BigEndian.AppendUint64(w.b, math.Float64bits(f))
}

func utf8Valid(b []byte) bool { return utf8.Valid(b) }

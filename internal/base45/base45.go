// Package base45 implements the Base45 encoding of RFC 9285, strictly.
//
// Base45 encodes two bytes as three characters of a 45-character alphabet
// (the QR alphanumeric set) and a final odd byte as two characters. Decode
// rejects every non-canonical input: characters outside the alphabet, a
// trailing single character, a triplet whose value exceeds 65535 and a
// final pair whose value exceeds 255. The encoding is therefore a bijection:
// Encode(Decode(s)) == s for every s Decode accepts.
//
// Start with Encode and Decode; AppendEncode and DecodeInto avoid
// allocations on hot paths.
package base45

import (
	"errors"
	"fmt"
	"slices"
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// invalid marks a byte outside the alphabet in decodeTable.
const invalid = 0xff

// decodeTable maps a byte to its Base45 value, or invalid.
var decodeTable = func() (t [256]byte) {
	for i := range t {
		t[i] = invalid
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// weight0, weight1 and weight2 map a byte to its Base45 value times 1, 45
// and 45², or to 1<<20 when it is outside the alphabet: the sum of a
// triplet's weights is its value, or at least 1<<20 when a character is
// invalid.
var weight0, weight1, weight2 = func() (w0, w1, w2 [256]uint32) {
	for i, v := range decodeTable {
		if v == invalid {
			w0[i], w1[i], w2[i] = 1<<20, 1<<20, 1<<20
		} else {
			w0[i], w1[i], w2[i] = uint32(v), uint32(v)*45, uint32(v)*45*45
		}
	}
	return
}()

// ErrInvalid is wrapped by every decoding error.
var ErrInvalid = errors.New("base45: invalid input")

// CorruptInputError reports where and why decoding failed.
type CorruptInputError struct {
	// Offset is the index in the input of the offending character (or of
	// the first character of the offending group).
	Offset int
	// Reason says what is wrong.
	Reason string
}

func (e *CorruptInputError) Error() string {
	return fmt.Sprintf("base45: %s at offset %d", e.Reason, e.Offset)
}

// Unwrap returns ErrInvalid.
func (e *CorruptInputError) Unwrap() error { return ErrInvalid }

// EncodedLen returns the length of the Base45 encoding of n bytes.
func EncodedLen(n int) int { return n/2*3 + n%2*2 }

// DecodedLen returns the length of the data decoded from n valid Base45
// characters (a malformed length is rounded down).
func DecodedLen(n int) int { return n/3*2 + n%3/2 }

// Encode returns the Base45 encoding of src.
func Encode(src []byte) string {
	return string(AppendEncode(make([]byte, 0, EncodedLen(len(src))), src))
}

// AppendEncode appends the Base45 encoding of src to dst and returns the
// extended buffer.
func AppendEncode(dst, src []byte) []byte {
	n := len(src)
	for i := 0; i+1 < n; i += 2 {
		v := uint(src[i])<<8 | uint(src[i+1])
		c := v % 45
		v /= 45
		d := v % 45
		e := v / 45
		dst = append(dst, alphabet[c], alphabet[d], alphabet[e])
	}
	if n%2 == 1 {
		v := uint(src[n-1])
		dst = append(dst, alphabet[v%45], alphabet[v/45])
	}
	return dst
}

// Decode returns the bytes that the Base45 string s encodes.
func Decode(s string) ([]byte, error) {
	return DecodeInto(make([]byte, 0, DecodedLen(len(s))), s)
}

// DecodeInto appends the bytes that s encodes to dst and returns the
// extended buffer. On error it returns nil and a *CorruptInputError.
func DecodeInto(dst []byte, s string) ([]byte, error) {
	n := len(s)
	if n%3 == 1 {
		return nil, &CorruptInputError{Offset: n - 1, Reason: "trailing single character"}
	}
	base := len(dst)
	dst = slices.Grow(dst, DecodedLen(n))[:base+DecodedLen(n)]
	out := dst[base:]
	i := 0
	// Whole triplets; rest and out shrink together, so the compiler can
	// drop the bounds checks.
	for rest := s[:n/3*3]; len(rest) >= 3 && len(out) >= 2; rest, out = rest[3:], out[2:] {
		v := weight0[rest[0]] + weight1[rest[1]] + weight2[rest[2]]
		if v > 0xffff { // a character outside the alphabet weighs 1<<20
			if v >= 1<<20 {
				return nil, badChar(s, i)
			}
			return nil, &CorruptInputError{Offset: i, Reason: fmt.Sprintf("triplet %q value %d exceeds 65535", s[i:i+3], v)}
		}
		out[0], out[1] = byte(v>>8), byte(v)
		i += 3
	}
	if i < n {
		c, d := decodeTable[s[i]], decodeTable[s[i+1]]
		if c == invalid || d == invalid {
			return nil, badChar(s, i)
		}
		v := uint(c) + uint(d)*45
		if v > 0xff {
			return nil, &CorruptInputError{Offset: i, Reason: fmt.Sprintf("pair %q value %d exceeds 255", s[i:i+2], v)}
		}
		out[0] = byte(v)
	}
	return dst, nil
}

// badChar reports the first character outside the alphabet at or after i.
func badChar(s string, i int) error {
	for ; i < len(s); i++ {
		if decodeTable[s[i]] == invalid {
			break
		}
	}
	return &CorruptInputError{Offset: i, Reason: fmt.Sprintf("invalid character %q", s[i])}
}

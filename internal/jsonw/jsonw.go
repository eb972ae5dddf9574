// Package jsonw appends JSON values to byte slices, as encoding/json writes them.
//
// It is for hand-written encoders on hot paths (healthcert.Certificate,
// verify.Result) that must produce exactly the bytes a json.Encoder with
// SetEscapeHTML(false) would, without its reflection and allocations.
package jsonw

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// safe reports the bytes written as they are inside a JSON string: ASCII
// from the space on, except '"' and '\\'. Bytes from 0x80 on are false, so
// that UTF-8 sequences take the slow path and are checked.
var safe = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

const hex = "0123456789abcdef"

// AppendString appends s as a JSON string, escaped as encoding/json does with
// SetEscapeHTML(false) (invalid UTF-8 becomes \ufffd; U+2028/U+2029 are escaped).
//
// Precisely, as encoding/json of Go 1.27 writes it: '"' and '\\' are
// escaped with a backslash; control characters are written as \b, \f, \n,
// \r, \t or \u00XX; each byte of invalid UTF-8 becomes the replacement
// character U+FFFD written as it is (the three bytes EF BF BD, not the
// escape sequence); U+2028 and U+2029 become the escape sequences \u2028
// and \u2029; everything else, '<', '>' and '&' included, is written as
// it is.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0 // s[start:i] is pending: it needs no escape
	for i := 0; i < len(s); {
		// the fast path: a run of plain ASCII
		for i < len(s) && safe[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		if b := s[i]; b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			// valid UTF-8 stays in the pending run
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendFloat appends f as encoding/json writes a float64; NaN and ±Inf are an error.
//
// The form is the shortest that reads back as f, as ECMAScript writes
// numbers: plain decimal for magnitudes from 1e-6 up to below 1e21 (and
// for zero, "-0" for negative zero), exponent form otherwise ("1e+21",
// "1e-7"). The error is a *json.UnsupportedValueError, the one
// encoding/json returns, and dst is returned unchanged with it.
func AppendFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, &json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, 64)}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// a one-digit negative exponent without its zero: e-07 becomes e-7
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// AppendMarshal appends v as a json.Encoder with SetEscapeHTML(false)
// writes it ('<', '>' and '&' as they are), without the encoder's
// trailing newline. On error it returns dst unchanged.
func AppendMarshal(dst []byte, v any) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	out := buf.Bytes()
	return out[:len(out)-1], nil
}

// Marshal is json.Marshal without HTML escaping: AppendMarshal(nil, v).
func Marshal(v any) ([]byte, error) { return AppendMarshal(nil, v) }

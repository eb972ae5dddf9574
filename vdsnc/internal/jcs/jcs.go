// Package jcs reads JSON strictly and writes it in the canonical form of
// RFC 8785, the JSON Canonicalization Scheme (JCS), over which ICAO VDS-NC
// seals are signed.
//
// Parse reads a document into a Value tree; AppendCanonical writes a tree
// in canonical form; Canonicalize does both. The canonical form is:
//
//   - no white space;
//   - object members sorted by their keys compared as arrays of UTF-16
//     code units (RFC 8785 section 3.2.3), at every level;
//   - strings with only the escapes ECMAScript's JSON.stringify uses: \"
//     and \\, \b \t \n \f \r, \u00xx in lower-case hex for the other
//     controls below U+0020; every other character as its UTF-8 bytes;
//   - numbers as IEEE 754 doubles written as ECMAScript's
//     Number.prototype.toString writes them (section 3.2.2.3): the
//     shortest digits that read back to the same double, in plain notation
//     for decimal exponents from -6 to 20 and in exponent notation
//     ("1e+21", "1e-7") outside; -0 is written 0.
//
// Parsing is strict, as the I-JSON profile (RFC 7493) that RFC 8785
// requires: valid UTF-8 only (no byte-order mark), no duplicate keys
// (compared after unescaping), no lone surrogate escape, numbers within
// the range of a double (1e400 is an error; an underflow reads as 0, as
// JSON.parse reads it), nothing after the document. Size, depth and
// member counts are bounded by the Limits the caller passes. Noncharacters
// such as U+FFFF are accepted: ECMAScript serialises them like any
// character.
//
// The package is written for package vdsnc; it has no dependency beyond the
// standard library.
package jcs

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the type of a JSON value.
type Kind uint8

// The kinds.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

var kindNames = [...]string{"null", "boolean", "number", "string", "array", "object"}

// String returns the JSON name of the kind, such as "object".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Value is one JSON value. Only the field of its Kind is meaningful.
type Value struct {
	Kind   Kind
	Bool   bool
	Number float64
	String string
	Array  []*Value
	// Object holds the members in document order; keys are unique.
	Object []Member
}

// Member is one member of an object.
type Member struct {
	Key   string
	Value *Value
}

// Get returns the value of the member key of an object, or nil when v is
// not an object or has no such member.
func (v *Value) Get(key string) *Value {
	if v == nil || v.Kind != Object {
		return nil
	}
	for i := range v.Object {
		if v.Object[i].Key == key {
			return v.Object[i].Value
		}
	}
	return nil
}

// Limits bound what Parse accepts. Each must be positive.
type Limits struct {
	// MaxBytes is the largest document, in bytes.
	MaxBytes int
	// MaxDepth is the deepest nesting of arrays and objects (a scalar
	// document has depth 0, "[]" depth 1).
	MaxDepth int
	// MaxItems is the largest number of elements of one array or members
	// of one object.
	MaxItems int
}

// SyntaxError reports where and why a document is not accepted.
type SyntaxError struct {
	// Offset is the byte offset of the problem in the document.
	Offset int
	// Msg says what is wrong, in lower case.
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("jcs: at byte %d: %s", e.Offset, e.Msg)
}

// ErrNotFinite is returned by AppendNumber for NaN and infinities, which
// JSON cannot hold (RFC 8785 section 3.2.2.3).
var ErrNotFinite = errors.New("jcs: number is not finite")

// Parse reads one JSON document. On error it returns a *SyntaxError and no
// value.
func Parse(data []byte, lim Limits) (*Value, error) {
	if lim.MaxBytes <= 0 || lim.MaxDepth <= 0 || lim.MaxItems <= 0 {
		return nil, errors.New("jcs: limits must be positive")
	}
	if len(data) > lim.MaxBytes {
		return nil, &SyntaxError{Offset: lim.MaxBytes, Msg: fmt.Sprintf("document of %d bytes, more than %d", len(data), lim.MaxBytes)}
	}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		return nil, &SyntaxError{Offset: 0, Msg: "byte-order mark before the document"}
	}
	p := parser{data: data, lim: lim}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return nil, p.errorf("data after the document")
	}
	return v, nil
}

type parser struct {
	data []byte
	pos  int
	lim  Limits
}

func (p *parser) errorf(format string, args ...any) *SyntaxError {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (*Value, error) {
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		return &Value{Kind: String, String: s}, nil
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return p.literal("true", &Value{Kind: Bool, Bool: true})
	case c == 'f':
		return p.literal("false", &Value{Kind: Bool})
	case c == 'n':
		return p.literal("null", &Value{Kind: Null})
	default:
		return nil, p.errorf("unexpected %s", describe(p.data[p.pos:]))
	}
}

// describe names the character at the start of b for an error message.
func describe(b []byte) string {
	r, size := utf8.DecodeRune(b)
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf("byte %#02x", b[0])
	}
	return fmt.Sprintf("character %q", r)
}

func (p *parser) literal(word string, v *Value) (*Value, error) {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return nil, p.errorf("invalid literal (want %s)", word)
	}
	p.pos += len(word)
	return v, nil
}

func (p *parser) object(depth int) (*Value, error) {
	if depth > p.lim.MaxDepth {
		return nil, p.errorf("nesting deeper than %d", p.lim.MaxDepth)
	}
	p.pos++ // '{'
	v := &Value{Kind: Object}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return v, nil
	}
	var seen map[string]struct{}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			if p.pos >= len(p.data) {
				return nil, p.errorf("unexpected end of input in an object")
			}
			return nil, p.errorf("want a member name (a string), got %s", describe(p.data[p.pos:]))
		}
		keyAt := p.pos
		key, err := p.string()
		if err != nil {
			return nil, err
		}
		if len(v.Object) >= p.lim.MaxItems {
			return nil, &SyntaxError{Offset: keyAt, Msg: fmt.Sprintf("object with more than %d members", p.lim.MaxItems)}
		}
		// Duplicate keys: a linear scan for small objects, a set beyond.
		dup := false
		if seen != nil {
			_, dup = seen[key]
		} else {
			for i := range v.Object {
				if v.Object[i].Key == key {
					dup = true
					break
				}
			}
		}
		if dup {
			return nil, &SyntaxError{Offset: keyAt, Msg: fmt.Sprintf("duplicate key %q", key)}
		}
		if seen != nil {
			seen[key] = struct{}{}
		} else if len(v.Object) == 16 {
			seen = make(map[string]struct{}, 32)
			for i := range v.Object {
				seen[v.Object[i].Key] = struct{}{}
			}
			seen[key] = struct{}{}
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("want ':' after member name %q", key)
		}
		p.pos++
		p.skipSpace()
		m, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		v.Object = append(v.Object, Member{Key: key, Value: m})
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input in an object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return v, nil
		default:
			return nil, p.errorf("want ',' or '}' in an object, got %s", describe(p.data[p.pos:]))
		}
	}
}

func (p *parser) array(depth int) (*Value, error) {
	if depth > p.lim.MaxDepth {
		return nil, p.errorf("nesting deeper than %d", p.lim.MaxDepth)
	}
	p.pos++ // '['
	v := &Value{Kind: Array}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return v, nil
	}
	for {
		p.skipSpace()
		if len(v.Array) >= p.lim.MaxItems {
			return nil, p.errorf("array with more than %d elements", p.lim.MaxItems)
		}
		e, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		v.Array = append(v.Array, e)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input in an array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return v, nil
		default:
			return nil, p.errorf("want ',' or ']' in an array, got %s", describe(p.data[p.pos:]))
		}
	}
}

// string reads a string token at p.pos (which is '"').
func (p *parser) string() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: no escape.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			s := string(p.data[start:p.pos])
			p.pos++
			return s, nil
		case c == '\\':
			return p.escapedString(start)
		case c < 0x20:
			return "", p.errorf("control character %#02x in a string (must be escaped)", c)
		case c < utf8.RuneSelf:
			p.pos++
		default:
			r, size := utf8.DecodeRune(p.data[p.pos:])
			if r == utf8.RuneError && size <= 1 {
				return "", p.errorf("invalid utf-8 in a string")
			}
			p.pos += size
		}
	}
	return "", &SyntaxError{Offset: start - 1, Msg: "unterminated string"}
}

// escapedString continues reading a string that has an escape at p.pos;
// the characters from start to p.pos are plain.
func (p *parser) escapedString(start int) (string, error) {
	buf := make([]byte, 0, p.pos-start+16)
	buf = append(buf, p.data[start:p.pos]...)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c == '\\':
			if p.pos+1 >= len(p.data) {
				return "", p.errorf("unterminated escape")
			}
			e := p.data[p.pos+1]
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
				p.pos += 2
			case 'b':
				buf = append(buf, '\b')
				p.pos += 2
			case 'f':
				buf = append(buf, '\f')
				p.pos += 2
			case 'n':
				buf = append(buf, '\n')
				p.pos += 2
			case 'r':
				buf = append(buf, '\r')
				p.pos += 2
			case 't':
				buf = append(buf, '\t')
				p.pos += 2
			case 'u':
				r, err := p.unicodeEscape()
				if err != nil {
					return "", err
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return "", p.errorf("invalid escape: backslash followed by %s", describe(p.data[p.pos+1:]))
			}
		case c < 0x20:
			return "", p.errorf("control character %#02x in a string (must be escaped)", c)
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p.pos++
		default:
			r, size := utf8.DecodeRune(p.data[p.pos:])
			if r == utf8.RuneError && size <= 1 {
				return "", p.errorf("invalid utf-8 in a string")
			}
			buf = append(buf, p.data[p.pos:p.pos+size]...)
			p.pos += size
		}
	}
	return "", &SyntaxError{Offset: start - 1, Msg: "unterminated string"}
}

// unicodeEscape reads \uXXXX at p.pos, and its low surrogate when it is a
// high surrogate.
func (p *parser) unicodeEscape() (rune, error) {
	at := p.pos
	u, ok := p.hex4()
	if !ok {
		return 0, &SyntaxError{Offset: at, Msg: "invalid \\u escape (want four hex digits)"}
	}
	switch {
	case u >= 0xDC00 && u <= 0xDFFF:
		return 0, &SyntaxError{Offset: at, Msg: fmt.Sprintf("lone low surrogate \\u%04x", u)}
	case u >= 0xD800 && u <= 0xDBFF:
		lowAt := p.pos
		if p.pos+1 >= len(p.data) || p.data[p.pos] != '\\' || p.data[p.pos+1] != 'u' {
			return 0, &SyntaxError{Offset: at, Msg: fmt.Sprintf("lone high surrogate \\u%04x", u)}
		}
		l, ok := p.hex4()
		if !ok {
			return 0, &SyntaxError{Offset: lowAt, Msg: "invalid \\u escape (want four hex digits)"}
		}
		if l < 0xDC00 || l > 0xDFFF {
			return 0, &SyntaxError{Offset: at, Msg: fmt.Sprintf("lone high surrogate \\u%04x (followed by \\u%04x)", u, l)}
		}
		return utf16.DecodeRune(rune(u), rune(l)), nil
	}
	return rune(u), nil
}

// hex4 reads "\uXXXX" at p.pos and advances past it.
func (p *parser) hex4() (uint16, bool) {
	if len(p.data)-p.pos < 6 {
		return 0, false
	}
	var u uint16
	for _, c := range p.data[p.pos+2 : p.pos+6] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		u = u<<4 | uint16(d)
	}
	p.pos += 6
	return u, true
}

// number reads a number token: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() (*Value, error) {
	start := p.pos
	i := p.pos
	d := p.data
	if d[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
		if i < len(d) && d[i] >= '0' && d[i] <= '9' {
			return nil, &SyntaxError{Offset: start, Msg: "number with a leading zero"}
		}
	case digits() == 0:
		return nil, &SyntaxError{Offset: start, Msg: "invalid number (no digit)"}
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			return nil, &SyntaxError{Offset: start, Msg: "invalid number (no digit after '.')"}
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			return nil, &SyntaxError{Offset: start, Msg: "invalid number (no digit in the exponent)"}
		}
	}
	text := string(d[start:i])
	f, err := strconv.ParseFloat(text, 64)
	if math.IsInf(f, 0) {
		return nil, &SyntaxError{Offset: start, Msg: fmt.Sprintf("number %s is outside the range of a double", abbreviate(text))}
	}
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		// Unreachable for text that matched the grammar above.
		return nil, &SyntaxError{Offset: start, Msg: fmt.Sprintf("invalid number %s", abbreviate(text))}
	}
	p.pos = i
	return &Value{Kind: Number, Number: f}, nil
}

// abbreviate shortens a long token for an error message.
func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// Canonicalize parses data and returns its canonical form.
func Canonicalize(data []byte, lim Limits) ([]byte, error) {
	v, err := Parse(data, lim)
	if err != nil {
		return nil, err
	}
	return AppendCanonical(make([]byte, 0, len(data)), v)
}

// AppendCanonical appends the canonical form of v to dst. It fails only for
// a tree Parse cannot produce: a NaN or infinite number, an invalid kind,
// a string that is not valid UTF-8, or duplicate keys.
func AppendCanonical(dst []byte, v *Value) ([]byte, error) {
	if v == nil {
		return dst, errors.New("jcs: nil value")
	}
	switch v.Kind {
	case Null:
		return append(dst, "null"...), nil
	case Bool:
		if v.Bool {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case Number:
		return AppendNumber(dst, v.Number)
	case String:
		return appendString(dst, v.String)
	case Array:
		dst = append(dst, '[')
		for i, e := range v.Array {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = AppendCanonical(dst, e); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case Object:
		order := make([]int, len(v.Object))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return CompareKeys(v.Object[a].Key, v.Object[b].Key) })
		dst = append(dst, '{')
		for i, j := range order {
			if i > 0 {
				if CompareKeys(v.Object[order[i-1]].Key, v.Object[j].Key) == 0 {
					return dst, fmt.Errorf("jcs: duplicate key %q", v.Object[j].Key)
				}
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendString(dst, v.Object[j].Key); err != nil {
				return dst, err
			}
			dst = append(dst, ':')
			if dst, err = AppendCanonical(dst, v.Object[j].Value); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	return dst, fmt.Errorf("jcs: invalid kind %d", v.Kind)
}

// CompareKeys orders two member names as RFC 8785 sorts them: as arrays of
// UTF-16 code units. It returns -1, 0 or +1. Both must be valid UTF-8.
func CompareKeys(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ua, ub := firstUnit(ra), firstUnit(rb)
			if ua != ub {
				if ua < ub {
					return -1
				}
				return 1
			}
			// Two supplementary characters with the same high surrogate:
			// their low surrogates order as the code points do.
			if ra < rb {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

// firstUnit returns the first UTF-16 code unit of r.
func firstUnit(r rune) rune {
	if r >= 0x10000 {
		return 0xD800 + (r-0x10000)>>10
	}
	return r
}

const hexDigits = "0123456789abcdef"

// appendString appends s quoted as ECMAScript's JSON.stringify quotes it.
func appendString(dst []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return dst, errors.New("jcs: string is not valid utf-8")
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"'), nil
}

// AppendNumber appends f as ECMAScript's Number.prototype.toString writes
// it (ECMA-262, Number::toString; RFC 8785 section 3.2.2.3). NaN and the
// infinities return ErrNotFinite.
func AppendNumber(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, ErrNotFinite
	}
	if f == 0 { // both zeros
		return append(dst, '0'), nil
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	// The shortest digits that read back to f, closest to f on a tie of
	// length: "d.ddde±x".
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	e := 0
	for e < len(b) && b[e] != 'e' {
		e++
	}
	var digits [24]byte
	k := 0
	for _, c := range b[:e] {
		if c != '.' {
			digits[k] = c
			k++
		}
	}
	exp, _ := strconv.Atoi(string(b[e+1:]))
	// ECMAScript's n: the value is 0.d1d2…dk × 10^n.
	n := exp + 1
	s := digits[:k]
	switch {
	case k <= n && n <= 21:
		dst = append(dst, s...)
		for range n - k {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, s[:n]...)
		dst = append(dst, '.')
		dst = append(dst, s[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for range -n {
			dst = append(dst, '0')
		}
		dst = append(dst, s...)
	default:
		dst = append(dst, s[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, s[1:]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst, nil
}

// Equal reports whether two trees hold the same JSON value: objects with
// the same members in any order, numbers equal as doubles (0 equals -0).
func Equal(a, b *Value) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case Null:
		return true
	case Bool:
		return a.Bool == b.Bool
	case Number:
		return a.Number == b.Number
	case String:
		return a.String == b.String
	case Array:
		if len(a.Array) != len(b.Array) {
			return false
		}
		for i := range a.Array {
			if !Equal(a.Array[i], b.Array[i]) {
				return false
			}
		}
		return true
	case Object:
		if len(a.Object) != len(b.Object) {
			return false
		}
		for _, m := range a.Object {
			o := b.Get(m.Key)
			if o == nil || !Equal(m.Value, o) {
				return false
			}
		}
		return true
	}
	return false
}

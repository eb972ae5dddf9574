package shc

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ithc/ithc/internal/limits"
)

// parseJSON reads one JSON document (RFC 8259) strictly into a tree of
// map[string]any, []any, string, json.Number, bool and nil: valid UTF-8,
// no duplicate keys, nesting at most limits.MaxSHCJSONDepth deep, nothing
// but white space after the document. It is a small recursive-descent
// parser: encoding/json's token API, which the first version used, took
// half the time of a whole card verification.
func parseJSON(data []byte) (any, error) {
	v, _, err := parseJSONSpan(data, nil)
	return v, err
}

// parseJSONSpan is parseJSON that also returns the bytes of the value at
// the object path target (nil when absent), without copying them.
func parseJSONSpan(data []byte, target []string) (any, []byte, error) {
	if !utf8.Valid(data) {
		return nil, nil, errors.New("not valid utf-8")
	}
	p := &jsonParser{data: data, target: target, spanStart: -1}
	p.space()
	v, err := p.value(0, 0)
	if err != nil {
		return nil, nil, err
	}
	p.space()
	if p.pos != len(p.data) {
		return nil, nil, fmt.Errorf("data after the json document at offset %d", p.pos)
	}
	var span []byte
	if p.spanStart >= 0 {
		span = data[p.spanStart:p.spanEnd:p.spanEnd]
	}
	return v, span, nil
}

type jsonParser struct {
	data []byte
	pos  int
	// target is the object path whose value's span is recorded.
	target             []string
	spanStart, spanEnd int
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("json offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *jsonParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// value reads a value; match is how many elements of the target path the
// path of this value matches, or -1 when it left the path.
func (p *jsonParser) value(depth, match int) (any, error) {
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of json")
	}
	if match >= 0 && match == len(p.target) && p.target != nil {
		start := p.pos
		v, err := p.value(depth, -1)
		p.spanStart, p.spanEnd = start, p.pos
		return v, err
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		if depth >= limits.MaxSHCJSONDepth {
			return nil, p.errorf("nested deeper than %d", limits.MaxSHCJSONDepth)
		}
		return p.object(depth, match)
	case c == '[':
		if depth >= limits.MaxSHCJSONDepth {
			return nil, p.errorf("nested deeper than %d", limits.MaxSHCJSONDepth)
		}
		return p.array(depth)
	case c == '"':
		return p.string()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	default:
		return nil, p.errorf("invalid character %q looking for a value", c)
	}
}

func (p *jsonParser) literal(word string) error {
	if !strings.HasPrefix(string(p.data[p.pos:min(len(p.data), p.pos+len(word))]), word) {
		return p.errorf("invalid literal, expected %s", word)
	}
	p.pos += len(word)
	return nil
}

func (p *jsonParser) object(depth, match int) (any, error) {
	p.pos++ // {
	m := map[string]any{}
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return m, nil
	}
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errorf("object key expected")
		}
		k, err := p.string()
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			return nil, p.errorf("duplicate key %q", k)
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("':' expected after object key")
		}
		p.pos++
		p.space()
		childMatch := -1
		if match >= 0 && match < len(p.target) && p.target[match] == k {
			childMatch = match + 1
		}
		v, err := p.value(depth+1, childMatch)
		if err != nil {
			return nil, err
		}
		m[k] = v
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of json in an object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return m, nil
		default:
			return nil, p.errorf("',' or '}' expected in an object")
		}
	}
}

func (p *jsonParser) array(depth int) (any, error) {
	p.pos++ // [
	a := []any{}
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return a, nil
	}
	for {
		p.space()
		v, err := p.value(depth+1, -1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of json in an array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return a, nil
		default:
			return nil, p.errorf("',' or ']' expected in an array")
		}
	}
}

func (p *jsonParser) string() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: no escape.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := string(p.data[start:p.pos])
			p.pos++
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.errorf("control character %#x in a string", c)
		}
		p.pos++
	}
	var b strings.Builder
	b.Write(p.data[start:p.pos])
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), nil
		case c < 0x20:
			return "", p.errorf("control character %#x in a string", c)
		case c != '\\':
			b.WriteByte(c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.data) {
			break
		}
		e := p.data[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errorf("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
					save := p.pos
					p.pos += 2
					if r2, ok = p.hex4(); !ok {
						return "", p.errorf("invalid \\u escape")
					}
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						b.WriteRune(d)
						continue
					}
					p.pos = save
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
		default:
			return "", p.errorf("invalid escape \\%c", e)
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.pos+4 > len(p.data) {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

func (p *jsonParser) number() (any, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.data[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.data) && p.data[p.pos] == '0':
		p.pos++
	case digits() == 0:
		return nil, p.errorf("invalid number")
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return nil, p.errorf("invalid number: no digit after '.'")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.errorf("invalid number: no digit in the exponent")
		}
	}
	return json.Number(p.data[start:p.pos]), nil
}

// jsonType names the JSON type of a tree value, for error messages.
func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

package cms

import (
	"encoding/asn1"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// Identifier octets used by CMS. Tag numbers above 30 (multi-byte
// identifiers) never occur in CMS and are refused.
const (
	tagBoolean         = 0x01
	tagInteger         = 0x02
	tagOctetString     = 0x04
	tagNull            = 0x05
	tagOID             = 0x06
	tagUTCTime         = 0x17
	tagGeneralizedTime = 0x18
	tagSequence        = 0x30 // constructed
	tagSet             = 0x31 // constructed

	flagConstructed = 0x20
	classContext    = 0x80

	tagOctetStringConstructed = tagOctetString | flagConstructed // BER segmented OCTET STRING
)

// ctx returns the identifier octet of context-specific tag n, constructed
// or primitive.
func ctx(n byte, constructed bool) byte {
	t := classContext | n
	if constructed {
		t |= flagConstructed
	}
	return t
}

// A ParseError reports malformed input: where in the structure it is (a
// path such as "signedData.signerInfos[0].signedAttrs[2]") and what is
// wrong with it.
type ParseError struct {
	Path   string // empty for the message as a whole
	Reason string
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return "cms: " + e.Reason
	}
	return "cms: " + e.Path + ": " + e.Reason
}

func parseErr(path, format string, args ...any) *ParseError {
	return &ParseError{Path: path, Reason: fmt.Sprintf(format, args...)}
}

// reason returns err's message without the "cms: " prefix, to nest it in
// another error.
func reason(err error) string {
	if pe, ok := err.(*ParseError); ok {
		if pe.Path == "" {
			return pe.Reason
		}
		return pe.Path + ": " + pe.Reason
	}
	return err.Error()
}

// joinPath appends a field name to a path.
func joinPath(path, field string) string {
	if field == "" {
		return path
	}
	if path == "" {
		return field
	}
	if strings.HasPrefix(field, "[") {
		return path + field
	}
	return path + "." + field
}

// value is one decoded type-length-value.
type value struct {
	tag        byte
	body       []byte // the contents octets; for an indefinite length, everything before the end-of-contents octets
	raw        []byte // the whole encoding: identifier, length, contents (and end-of-contents)
	indefinite bool
}

func (v value) constructed() bool { return v.tag&flagConstructed != 0 }

// readValue reads one value from the front of in and returns it with what
// follows. With ber, a constructed value may have an indefinite length and
// an OCTET STRING may be constructed; otherwise the encoding must be DER.
// Lengths must be minimal in both modes. depth counts the indefinite-length
// values being scanned around this one.
func readValue(in []byte, ber bool, depth int) (value, []byte, error) {
	if len(in) < 2 {
		if len(in) == 0 {
			return value{}, nil, fmt.Errorf("truncated: a value is missing")
		}
		return value{}, nil, fmt.Errorf("truncated: a value header is cut short")
	}
	tag := in[0]
	if tag&0x1f == 0x1f {
		return value{}, nil, fmt.Errorf("tag number above 30 (identifier octet %#02x) is not used by CMS", tag)
	}
	if tag == 0 {
		return value{}, nil, fmt.Errorf("unexpected end-of-contents octets")
	}
	cons := tag&flagConstructed != 0
	if tag&0xc0 == 0 { // universal class
		switch n := tag & 0x1f; {
		case n == 16 || n == 17:
			if !cons {
				return value{}, nil, fmt.Errorf("primitive encoding of a SEQUENCE or SET")
			}
		case n == tagOctetString && cons:
			if !ber {
				return value{}, nil, fmt.Errorf("constructed OCTET STRING (BER) where DER is required")
			}
		case cons:
			return value{}, nil, fmt.Errorf("constructed encoding of universal type %d (BER) is not accepted", n)
		}
	}
	l := in[1]
	hdr := 2
	var length uint64
	switch {
	case l < 0x80:
		length = uint64(l)
	case l == 0x80:
		return readIndefinite(in, tag, ber, depth)
	case l == 0xff:
		return value{}, nil, fmt.Errorf("reserved length octet 0xff")
	default:
		n := int(l & 0x7f)
		if n > 4 {
			return value{}, nil, fmt.Errorf("length of %d octets is larger than any CMS message", n)
		}
		if len(in) < 2+n {
			return value{}, nil, fmt.Errorf("truncated: a length is cut short")
		}
		if in[2] == 0 {
			return value{}, nil, fmt.Errorf("non-minimal length encoding (leading zero octet)")
		}
		for _, b := range in[2 : 2+n] {
			length = length<<8 | uint64(b)
		}
		if length < 0x80 {
			return value{}, nil, fmt.Errorf("non-minimal length encoding (long form for %d)", length)
		}
		hdr += n
	}
	if length > uint64(len(in)-hdr) {
		return value{}, nil, fmt.Errorf("truncated: value of %d bytes, only %d left", length, len(in)-hdr)
	}
	end := hdr + int(length)
	return value{tag: tag, body: in[hdr:end], raw: in[:end]}, in[end:], nil
}

// readIndefinite reads an indefinite-length value whose identifier octet
// is tag: its contents run to the first end-of-contents octets at its own
// level, so every nested value is read to find them.
func readIndefinite(in []byte, tag byte, ber bool, depth int) (value, []byte, error) {
	if !ber {
		return value{}, nil, fmt.Errorf("indefinite length (BER) where DER is required")
	}
	if tag&flagConstructed == 0 {
		return value{}, nil, fmt.Errorf("indefinite length on a primitive value")
	}
	if depth >= limits.MaxCMSDepth {
		return value{}, nil, fmt.Errorf("indefinite-length values nested deeper than %d", limits.MaxCMSDepth)
	}
	pos := 2
	for {
		if len(in)-pos < 2 {
			return value{}, nil, fmt.Errorf("truncated: indefinite-length value without end-of-contents octets")
		}
		if in[pos] == 0 {
			if in[pos+1] != 0 {
				return value{}, nil, fmt.Errorf("malformed end-of-contents octets")
			}
			break
		}
		_, rest, err := readValue(in[pos:], ber, depth+1)
		if err != nil {
			return value{}, nil, err
		}
		pos = len(in) - len(rest)
	}
	return value{tag: tag, body: in[2:pos], raw: in[:pos+2], indefinite: true}, in[pos+2:], nil
}

// checkDER checks that body is a sequence of DER type-length-values, nested
// at most limits.MaxCMSDepth deep. It checks the structure (tags, minimal
// definite lengths, primitive strings), not the contents of primitives.
func checkDER(body []byte, depth int) error {
	if depth >= limits.MaxCMSDepth {
		return fmt.Errorf("values nested deeper than %d", limits.MaxCMSDepth)
	}
	for len(body) > 0 {
		v, rest, err := readValue(body, false, 0)
		if err != nil {
			return err
		}
		if v.constructed() {
			if err := checkDER(v.body, depth+1); err != nil {
				return err
			}
		}
		body = rest
	}
	return nil
}

// cursor reads the values of one constructed value in order, naming each
// by its path for errors.
type cursor struct {
	data []byte
	path string
	ber  bool
}

func (c *cursor) empty() bool { return len(c.data) == 0 }

// peek returns the identifier octet of the next value, or 0 at the end.
func (c *cursor) peek() byte {
	if len(c.data) == 0 {
		return 0
	}
	return c.data[0]
}

// next reads the next value, called field in errors.
func (c *cursor) next(field string) (value, error) {
	path := joinPath(c.path, field)
	if len(c.data) == 0 {
		return value{}, parseErr(path, "missing (the enclosing value ends early)")
	}
	v, rest, err := readValue(c.data, c.ber, 0)
	if err != nil {
		return value{}, parseErr(path, "%v", err)
	}
	c.data = rest
	return v, nil
}

// expect reads the next value and checks its identifier octet.
func (c *cursor) expect(tag byte, field string) (value, error) {
	if len(c.data) > 0 && c.data[0] != tag {
		return value{}, parseErr(joinPath(c.path, field), "expected %s, found %s", tagName(tag), tagName(c.data[0]))
	}
	return c.next(field)
}

// done reports trailing values inside the constructed value.
func (c *cursor) done() error {
	if len(c.data) > 0 {
		return parseErr(c.path, "unexpected %s after the last field", tagName(c.data[0]))
	}
	return nil
}

// into returns a cursor over the contents of v, at path.
func (c *cursor) into(v value, path string) *cursor {
	return &cursor{data: v.body, path: path, ber: c.ber}
}

// tagName names an identifier octet for errors.
func tagName(tag byte) string {
	switch tag {
	case tagBoolean:
		return "BOOLEAN"
	case tagInteger:
		return "INTEGER"
	case tagOctetString:
		return "OCTET STRING"
	case tagOctetStringConstructed:
		return "constructed OCTET STRING"
	case tagNull:
		return "NULL"
	case tagOID:
		return "OBJECT IDENTIFIER"
	case tagUTCTime:
		return "UTCTime"
	case tagGeneralizedTime:
		return "GeneralizedTime"
	case tagSequence:
		return "SEQUENCE"
	case tagSet:
		return "SET"
	case 0:
		return "end-of-contents"
	}
	if tag&0xc0 == classContext {
		return fmt.Sprintf("[%d]", tag&0x1f)
	}
	return fmt.Sprintf("identifier octet %#02x", tag)
}

// parseInt decodes a DER INTEGER body.
func parseInt(body []byte) (*big.Int, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("empty INTEGER")
	}
	if len(body) > 1 && (body[0] == 0 && body[1]&0x80 == 0 || body[0] == 0xff && body[1]&0x80 != 0) {
		return nil, fmt.Errorf("non-minimal INTEGER encoding")
	}
	n := new(big.Int).SetBytes(body)
	if body[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(body))*8))
	}
	return n, nil
}

// parseSmallInt decodes a DER INTEGER body that must fit a small version
// number.
func parseSmallInt(body []byte) (int, error) {
	n, err := parseInt(body)
	if err != nil {
		return 0, err
	}
	if !n.IsInt64() || n.Int64() < 0 || n.Int64() > 1000 {
		return 0, fmt.Errorf("INTEGER %s out of range", n)
	}
	return int(n.Int64()), nil
}

// parseOID decodes an OBJECT IDENTIFIER body.
func parseOID(body []byte) (asn1.ObjectIdentifier, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("empty OBJECT IDENTIFIER")
	}
	if body[len(body)-1]&0x80 != 0 {
		return nil, fmt.Errorf("OBJECT IDENTIFIER ends inside an arc")
	}
	var arcs []int
	v, start := 0, true
	for _, b := range body {
		if start && b == 0x80 {
			return nil, fmt.Errorf("non-minimal OBJECT IDENTIFIER arc")
		}
		if v >= 1<<24 {
			return nil, fmt.Errorf("OBJECT IDENTIFIER arc too large")
		}
		v = v<<7 | int(b&0x7f)
		start = b&0x80 == 0
		if !start {
			continue
		}
		if len(arcs) == 0 {
			switch {
			case v < 40:
				arcs = append(arcs, 0, v)
			case v < 80:
				arcs = append(arcs, 1, v-40)
			default:
				arcs = append(arcs, 2, v-80)
			}
		} else {
			arcs = append(arcs, v)
		}
		if len(arcs) > limits.MaxCMSOIDComponents {
			return nil, fmt.Errorf("OBJECT IDENTIFIER with more than %d arcs", limits.MaxCMSOIDComponents)
		}
		v = 0
	}
	return asn1.ObjectIdentifier(arcs), nil
}

// parseTime decodes a UTCTime or GeneralizedTime in the DER form RFC 5280
// §4.1.2.5 uses: seconds present, no fraction, "Z". UTCTime years 50–99
// are 1950–1999.
func parseTime(v value) (time.Time, error) {
	s := string(v.body)
	var full string
	switch v.tag {
	case tagUTCTime:
		if len(s) != 13 || !digits(s[:12]) || s[12] != 'Z' {
			return time.Time{}, fmt.Errorf("UTCTime %q is not of the form YYMMDDHHMMSSZ", s)
		}
		century := "20"
		if s[0] >= '5' {
			century = "19"
		}
		full = century + s
	case tagGeneralizedTime:
		if len(s) != 15 || !digits(s[:14]) || s[14] != 'Z' {
			return time.Time{}, fmt.Errorf("GeneralizedTime %q is not of the form YYYYMMDDHHMMSSZ", s)
		}
		full = s
	default:
		return time.Time{}, fmt.Errorf("expected UTCTime or GeneralizedTime, found %s", tagName(v.tag))
	}
	t, err := time.Parse("20060102150405Z", full)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: %v", s, err)
	}
	return t, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// --- building DER ---

// tlv encodes a DER value with identifier tag and the concatenation of
// parts as contents.
func tlv(tag byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n+6)
	out = append(out, tag)
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	default:
		lenBytes := []byte{}
		for m := n; m > 0; m >>= 8 {
			lenBytes = append([]byte{byte(m)}, lenBytes...)
		}
		out = append(out, 0x80|byte(len(lenBytes)))
		out = append(out, lenBytes...)
	}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// encodeOID returns the DER encoding of oid.
func encodeOID(oid asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(oid)
	if err != nil {
		panic("cms: encoding a fixed OID: " + err.Error()) // only fixed, valid OIDs are encoded
	}
	return b
}

// encodeInt returns the DER encoding of n.
func encodeInt(n *big.Int) []byte {
	b, err := asn1.Marshal(n)
	if err != nil {
		panic("cms: encoding an INTEGER: " + err.Error()) // cannot fail for a non-nil big.Int
	}
	return b
}

// encodeTime returns signingTime as RFC 5652 §11.3 requires: UTCTime for
// the years 1950–2049, GeneralizedTime otherwise, in UTC, to the second.
func encodeTime(t time.Time) []byte {
	t = t.UTC()
	if y := t.Year(); y >= 1950 && y < 2050 {
		return tlv(tagUTCTime, []byte(t.Format("060102150405Z")))
	}
	return tlv(tagGeneralizedTime, []byte(t.Format("20060102150405Z")))
}

// describeOID names well-known OIDs for errors.
func describeOID(oid asn1.ObjectIdentifier) string {
	if name, ok := oidNames[oid.String()]; ok {
		return name + " (" + oid.String() + ")"
	}
	return oid.String()
}

// shortOID names a well-known OID, or gives it dotted.
func shortOID(oid asn1.ObjectIdentifier) string {
	if name, ok := oidNames[oid.String()]; ok {
		return name
	}
	return oid.String()
}

// quoteBytes shortens binary values in errors.
func quoteBytes(b []byte) string {
	const max = 32
	if len(b) > max {
		return fmt.Sprintf("%x… (%d bytes)", b[:max], len(b))
	}
	return fmt.Sprintf("%x", b)
}

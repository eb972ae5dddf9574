package dcc

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"

	"github.com/ithc/ithc/internal/limits"
)

// encMode encodes payloads in RFC 8949 core deterministic encoding.
var encMode = func() cbor.EncMode {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic("dcc: cbor encoding options: " + err.Error())
	}
	return em
}()

// The CBOR payload decoder is a small hand-written strict reader rather than
// fxamacker's struct decoding: it is on the verification hot path, where it
// takes 3 allocations against fxamacker's 17, and less time
// (BenchmarkParseCBOR, BenchmarkParseCBORFxamacker), and it records which
// keys were present or null for the schema stage.

// Presence bits, one per key, of each object.
const (
	bVer = 1 << iota
	bNam
	bDob
	bV
	bT
	bR
)

const (
	bFn = 1 << iota
	bFnt
	bGn
	bGnt
)

const (
	bTg = 1 << iota
	bVp
	bMp
	bMa
	bDn
	bSd
	bDt
	bCo
	bIs
	bCi
	bTt
	bNm
	bSc
	bDr
	bTr
	bTc
	bFr
	bDf
	bDu
)

// maxDose bounds dn and sd: any larger integer is an error, not a dose.
const maxDose = math.MaxInt32

// parseError is an error about the input; it matches ErrMalformed.
type parseError struct{ msg string }

func (e *parseError) Error() string        { return e.msg }
func (e *parseError) Is(target error) bool { return target == ErrMalformed }

// path names where in the payload a value is, built into text only on error.
type path struct {
	group byte // 0 top level, 'n' nam, 'v', 't', 'r'
	index int
	key   string
}

func (p path) String() string {
	switch p.group {
	case 0:
		if p.key == "" {
			return "payload"
		}
		return p.key
	case 'n':
		if p.key == "" {
			return "nam"
		}
		return "nam." + p.key
	}
	s := string(p.group) + "[" + strconv.Itoa(p.index) + "]"
	if p.key != "" {
		s += "." + p.key
	}
	return s
}

// reader decodes CBOR from b. s is b as a string: definite-length text is
// sliced from it without copying.
type reader struct {
	b    []byte
	s    string
	off  int
	json bool // input came from ParseJSON: report no CBOR offsets
}

func (r *reader) errf(p path, format string, args ...any) error {
	msg := "dcc: cbor: "
	if r.json {
		msg = "dcc: json: "
	}
	msg += p.String() + ": " + fmt.Sprintf(format, args...)
	if !r.json {
		msg += " at offset " + strconv.Itoa(r.off)
	}
	return &parseError{msg}
}

// head reads an item's initial byte and argument. For indefinite length
// (additional information 31) it returns indef true.
func (r *reader) head(p path) (major byte, arg uint64, indef bool, err error) {
	if r.off >= len(r.b) {
		return 0, 0, false, r.errf(p, "unexpected end of data")
	}
	ib := r.b[r.off]
	major, ai := ib>>5, ib&31
	r.off++
	switch {
	case ai < 24:
		return major, uint64(ai), false, nil
	case ai <= 27:
		n := 1 << (ai - 24)
		if len(r.b)-r.off < n {
			return 0, 0, false, r.errf(p, "unexpected end of data")
		}
		for _, c := range r.b[r.off : r.off+n] {
			arg = arg<<8 | uint64(c)
		}
		r.off += n
		return major, arg, false, nil
	case ai == 31:
		if major == 0 || major == 1 || major == 6 {
			r.off--
			return 0, 0, false, r.errf(p, "indefinite length for major type %d", major)
		}
		return major, 0, true, nil
	default:
		r.off--
		return 0, 0, false, r.errf(p, "reserved additional information %d", ai)
	}
}

// peekNull consumes a null or undefined and reports whether it did.
func (r *reader) peekNull() bool {
	if r.off < len(r.b) && (r.b[r.off] == 0xf6 || r.b[r.off] == 0xf7) {
		r.off++
		return true
	}
	return false
}

// more reports whether a container has another element: for indefinite
// length it consumes the break; i counts the elements read so far.
func (r *reader) more(p path, indef bool, n uint64, i int) (bool, error) {
	if !indef {
		return uint64(i) < n, nil
	}
	if r.off >= len(r.b) {
		return false, r.errf(p, "unexpected end of data in indefinite-length item")
	}
	if r.b[r.off] == 0xff {
		r.off++
		return false, nil
	}
	if i >= limits.MaxCBORItems {
		return false, r.errf(p, "more than %d elements", limits.MaxCBORItems)
	}
	return true, nil
}

// container reads the head of an array (major 4) or map (major 5).
func (r *reader) container(p path, want byte, depth int) (n uint64, indef bool, err error) {
	if depth > limits.MaxCBORDepth {
		return 0, false, r.errf(p, "nested deeper than %d", limits.MaxCBORDepth)
	}
	start := r.off
	major, n, indef, err := r.head(p)
	if err != nil {
		return 0, false, err
	}
	if major != want {
		r.off = start
		return 0, false, r.errf(p, "%s, want %s", typeName(major), typeName(want))
	}
	if !indef {
		if n > limits.MaxCBORItems {
			r.off = start
			return 0, false, r.errf(p, "%d elements, more than %d", n, limits.MaxCBORItems)
		}
		min := n
		if major == 5 {
			min *= 2
		}
		if rem := len(r.b) - r.off; min > uint64(rem) {
			r.off = start
			return 0, false, r.errf(p, "%d elements exceed the remaining %d bytes", n, rem)
		}
	}
	return n, indef, nil
}

func typeName(major byte) string {
	return [...]string{"unsigned integer", "negative integer", "byte string", "text string", "array", "map", "tag", "simple value or float"}[major&7]
}

// text reads a text string, definite or indefinite length.
func (r *reader) text(p path) (string, error) {
	// Fast path: a definite-length text shorter than 256 bytes, whole
	// and valid UTF-8 (what nearly every field is); anything else takes
	// the general path, which reports the error.
	if off := r.off; off+1 < len(r.b) {
		ib, n, at := r.b[off], 0, off+1
		switch {
		case ib >= 0x60 && ib < 0x78:
			n = int(ib - 0x60)
		case ib == 0x78:
			n, at = int(r.b[off+1]), off+2
		default:
			at = -1
		}
		if at > 0 && at+n <= len(r.s) {
			if s := r.s[at : at+n]; isASCII(s) || utf8.ValidString(s) {
				r.off = at + n
				return s, nil
			}
		}
	}
	start := r.off
	major, n, indef, err := r.head(p)
	if err != nil {
		return "", err
	}
	if major != 3 {
		r.off = start
		return "", r.errf(p, "%s, want text string", typeName(major))
	}
	if !indef {
		return r.chunk(p, n, start)
	}
	var sb strings.Builder
	for i := 0; ; i++ {
		more, err := r.more(p, true, 0, i)
		if err != nil {
			return "", err
		}
		if !more {
			break
		}
		cstart := r.off
		major, n, indef, err := r.head(p)
		if err != nil {
			return "", err
		}
		if major != 3 || indef {
			r.off = cstart
			return "", r.errf(p, "indefinite-length text string holds a %s chunk", typeName(major))
		}
		c, err := r.chunk(p, n, cstart)
		if err != nil {
			return "", err
		}
		if sb.Len()+len(c) > limits.MaxDCCText {
			r.off = start
			return "", r.errf(p, "text longer than %d bytes", limits.MaxDCCText)
		}
		sb.WriteString(c)
	}
	return sb.String(), nil
}

// isASCII reports whether s is all ASCII; it is inlined, whereas
// utf8.ValidString costs a call per short string.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// chunk slices n bytes of text at the current offset.
func (r *reader) chunk(p path, n uint64, start int) (string, error) {
	if n > limits.MaxDCCText {
		r.off = start
		return "", r.errf(p, "text of %d bytes, longer than %d", n, limits.MaxDCCText)
	}
	if rem := len(r.b) - r.off; n > uint64(rem) {
		r.off = start
		return "", r.errf(p, "text of %d bytes exceeds the remaining %d", n, rem)
	}
	s := r.s[r.off : r.off+int(n)]
	if !utf8.ValidString(s) {
		r.off = start
		return "", r.errf(p, "text is not valid UTF-8")
	}
	r.off += int(n)
	return s, nil
}

// str reads a string field value into *dst, recording presence and null.
// tag, when not -1, is a CBOR tag number accepted around the string.
func (r *reader) str(p path, dst *string, null *uint32, bit uint32, tag int64) error {
	if r.peekNull() {
		*null |= bit
		return nil
	}
	if tag >= 0 && r.off < len(r.b) && r.b[r.off]>>5 == 6 {
		start := r.off
		_, n, _, err := r.head(p)
		if err != nil {
			return err
		}
		if n != uint64(tag) {
			r.off = start
			return r.errf(p, "unexpected tag %d", n)
		}
	}
	s, err := r.text(p)
	if err != nil {
		return err
	}
	*dst = s
	return nil
}

// dose reads dn or sd: an integer, or a float with an integral value (real
// issuers emit 1.0).
func (r *reader) dose(p path, dst *int, null *uint32, bit uint32) error {
	if r.peekNull() {
		*null |= bit
		return nil
	}
	start := r.off
	major, arg, _, err := r.head(p)
	if err != nil {
		return err
	}
	var v float64
	switch major {
	case 0:
		if arg > maxDose {
			r.off = start
			return r.errf(p, "integer %d out of range", arg)
		}
		*dst = int(arg)
		return nil
	case 1:
		if arg >= maxDose {
			r.off = start
			return r.errf(p, "integer -1-%d out of range", arg)
		}
		*dst = -1 - int(arg)
		return nil
	case 7:
		var ok bool
		if v, ok = floatValue(r.b[start], arg); !ok {
			r.off = start
			return r.errf(p, "simple value, want integer")
		}
	default:
		r.off = start
		return r.errf(p, "%s, want integer", typeName(major))
	}
	if v != math.Trunc(v) || math.Abs(v) > maxDose {
		r.off = start
		return r.errf(p, "float %v is not an integer in range", v)
	}
	*dst = int(v)
	return nil
}

// floatValue decodes a half, single or double float from its initial byte
// and argument bits.
func floatValue(ib byte, bits uint64) (float64, bool) {
	switch ib {
	case 0xf9:
		return halfToFloat(uint16(bits)), true
	case 0xfa:
		return float64(math.Float32frombits(uint32(bits))), true
	case 0xfb:
		return math.Float64frombits(bits), true
	}
	return 0, false
}

func halfToFloat(h uint16) float64 {
	sign, exp, frac := h>>15, int(h>>10)&0x1f, float64(h&0x3ff)
	var v float64
	switch exp {
	case 0:
		v = math.Ldexp(frac, -24)
	case 31:
		if frac == 0 {
			v = math.Inf(1)
		} else {
			v = math.NaN()
		}
	default:
		v = math.Ldexp(frac+1024, exp-25)
	}
	if sign == 1 {
		v = -v
	}
	return v
}

// keys detects duplicate unknown keys of one map without allocating for the
// few a payload has.
type keys struct {
	n     int
	small [8]string
	more  []string
}

func (k *keys) add(key string) (dup bool) {
	for _, s := range k.small[:min(k.n, len(k.small))] {
		if s == key {
			return true
		}
	}
	for _, s := range k.more {
		if s == key {
			return true
		}
	}
	if k.n < len(k.small) {
		k.small[k.n] = key
	} else {
		k.more = append(k.more, key)
	}
	k.n++
	return false
}

// mapKey reads the next key of a map and checks the known ones for
// duplicates with the presence mask; unknown keys are checked in k, and
// their values skipped.
func (r *reader) mapKey(p path, seen *uint32, k *keys, lookup func(string) uint32) (key string, bit uint32, err error) {
	start := r.off
	key, err = r.text(p)
	if err != nil {
		return "", 0, err
	}
	bit = lookup(key)
	if bit == 0 {
		if k.add(key) {
			r.off = start
			p.key = key
			return "", 0, r.errf(p, "duplicate map key")
		}
		return key, 0, nil
	}
	if *seen&bit != 0 {
		r.off = start
		p.key = key
		return "", 0, r.errf(p, "duplicate map key")
	}
	*seen |= bit
	return key, bit, nil
}

func payloadKey(k string) uint32 {
	switch k {
	case "ver":
		return bVer
	case "nam":
		return bNam
	case "dob":
		return bDob
	case "v":
		return bV
	case "t":
		return bT
	case "r":
		return bR
	}
	return 0
}

func nameKey(k string) uint32 {
	switch k {
	case "fn":
		return bFn
	case "fnt":
		return bFnt
	case "gn":
		return bGn
	case "gnt":
		return bGnt
	}
	return 0
}

func vaccinationKey(k string) uint32 {
	switch k {
	case "tg":
		return bTg
	case "vp":
		return bVp
	case "mp":
		return bMp
	case "ma":
		return bMa
	case "dn":
		return bDn
	case "sd":
		return bSd
	case "dt":
		return bDt
	case "co":
		return bCo
	case "is":
		return bIs
	case "ci":
		return bCi
	}
	return 0
}

func testKey(k string) uint32 {
	switch k {
	case "tg":
		return bTg
	case "tt":
		return bTt
	case "nm":
		return bNm
	case "ma":
		return bMa
	case "sc":
		return bSc
	case "dr":
		return bDr
	case "tr":
		return bTr
	case "tc":
		return bTc
	case "co":
		return bCo
	case "is":
		return bIs
	case "ci":
		return bCi
	}
	return 0
}

func recoveryKey(k string) uint32 {
	switch k {
	case "tg":
		return bTg
	case "fr":
		return bFr
	case "co":
		return bCo
	case "is":
		return bIs
	case "df":
		return bDf
	case "du":
		return bDu
	case "ci":
		return bCi
	}
	return 0
}

// ParseCBOR decodes an EU DCC payload from CBOR: the value of HCERT claim
// -260, sub-claim 1. It checks the encoding and the types of known fields;
// the schema (required fields, formats, value sets) is Check's job. Errors
// wrap ErrMalformed and name the field and the byte offset.
func ParseCBOR(b []byte) (*Payload, error) {
	if len(b) > limits.MaxDCCPayload {
		return nil, &parseError{fmt.Sprintf("dcc: cbor: payload of %d bytes, more than %d", len(b), limits.MaxDCCPayload)}
	}
	r := &reader{b: b, s: string(b)}
	return r.parse()
}

func (r *reader) parse() (*Payload, error) {
	p := new(Payload)
	if err := r.payload(p); err != nil {
		return nil, err
	}
	if r.off != len(r.b) {
		return nil, r.errf(path{}, "%d trailing bytes", len(r.b)-r.off)
	}
	return p, nil
}

func (r *reader) payload(p *Payload) error {
	at := path{}
	n, indef, err := r.container(at, 5, 1)
	if err != nil {
		return err
	}
	var k keys
	for i := 0; ; i++ {
		if more, err := r.more(at, indef, n, i); err != nil || !more {
			return err
		}
		key, bit, err := r.mapKey(at, &p.seen, &k, payloadKey)
		if err != nil {
			return err
		}
		kp := path{key: key}
		switch bit {
		case bVer:
			err = r.str(kp, &p.Version, &p.null, bit, -1)
		case bDob:
			err = r.str(kp, &p.DateOfBirth, &p.null, bit, 1004)
		case bNam:
			if r.peekNull() {
				p.null |= bit
				continue
			}
			err = r.name(&p.Name)
		case bV:
			err = r.group(kp, 'v', p)
		case bT:
			err = r.group(kp, 't', p)
		case bR:
			err = r.group(kp, 'r', p)
		default:
			err = r.skip(kp, 2)
		}
		if err != nil {
			return err
		}
	}
}

func (r *reader) name(nm *Name) error {
	at := path{group: 'n'}
	n, indef, err := r.container(at, 5, 2)
	if err != nil {
		return err
	}
	var k keys
	for i := 0; ; i++ {
		if more, err := r.more(at, indef, n, i); err != nil || !more {
			return err
		}
		key, bit, err := r.mapKey(at, &nm.seen, &k, nameKey)
		if err != nil {
			return err
		}
		kp := path{group: 'n', key: key}
		switch bit {
		case bFn:
			err = r.str(kp, &nm.Family, &nm.null, bit, -1)
		case bFnt:
			err = r.str(kp, &nm.FamilyICAO, &nm.null, bit, -1)
		case bGn:
			err = r.str(kp, &nm.Given, &nm.null, bit, -1)
		case bGnt:
			err = r.str(kp, &nm.GivenICAO, &nm.null, bit, -1)
		default:
			err = r.skip(kp, 3)
		}
		if err != nil {
			return err
		}
	}
}

// group reads the array of v, t or r.
func (r *reader) group(at path, g byte, p *Payload) error {
	if r.peekNull() {
		p.null |= payloadKey(string(g))
		return nil
	}
	n, indef, err := r.container(at, 4, 2)
	if err != nil {
		return err
	}
	if !indef {
		switch g {
		case 'v':
			p.Vaccinations = make([]Vaccination, 0, n)
		case 't':
			p.Tests = make([]Test, 0, n)
		case 'r':
			p.Recoveries = make([]Recovery, 0, n)
		}
	}
	for i := 0; ; i++ {
		if more, err := r.more(at, indef, n, i); err != nil || !more {
			return err
		}
		ep := path{group: g, index: i}
		switch g {
		case 'v':
			p.Vaccinations = append(p.Vaccinations, Vaccination{})
			err = r.vaccination(ep, &p.Vaccinations[i])
		case 't':
			p.Tests = append(p.Tests, Test{})
			err = r.test(ep, &p.Tests[i])
		case 'r':
			p.Recoveries = append(p.Recoveries, Recovery{})
			err = r.recovery(ep, &p.Recoveries[i])
		}
		if err != nil {
			return err
		}
	}
}

func (r *reader) vaccination(at path, v *Vaccination) error {
	n, indef, err := r.container(at, 5, 3)
	if err != nil {
		return err
	}
	var k keys
	for i := 0; ; i++ {
		if more, err := r.more(at, indef, n, i); err != nil || !more {
			return err
		}
		key, bit, err := r.mapKey(at, &v.seen, &k, vaccinationKey)
		if err != nil {
			return err
		}
		kp := at
		kp.key = key
		switch bit {
		case bTg:
			err = r.str(kp, &v.Disease, &v.null, bit, -1)
		case bVp:
			err = r.str(kp, &v.VaccineType, &v.null, bit, -1)
		case bMp:
			err = r.str(kp, &v.Product, &v.null, bit, -1)
		case bMa:
			err = r.str(kp, &v.Manufacturer, &v.null, bit, -1)
		case bDn:
			err = r.dose(kp, &v.DoseNumber, &v.null, bit)
		case bSd:
			err = r.dose(kp, &v.TotalDoses, &v.null, bit)
		case bDt:
			err = r.str(kp, &v.Date, &v.null, bit, 1004)
		case bCo:
			err = r.str(kp, &v.Country, &v.null, bit, -1)
		case bIs:
			err = r.str(kp, &v.Issuer, &v.null, bit, -1)
		case bCi:
			err = r.str(kp, &v.ID, &v.null, bit, -1)
		default:
			err = r.skip(kp, 4)
		}
		if err != nil {
			return err
		}
	}
}

func (r *reader) test(at path, t *Test) error {
	n, indef, err := r.container(at, 5, 3)
	if err != nil {
		return err
	}
	var k keys
	for i := 0; ; i++ {
		if more, err := r.more(at, indef, n, i); err != nil || !more {
			return err
		}
		key, bit, err := r.mapKey(at, &t.seen, &k, testKey)
		if err != nil {
			return err
		}
		kp := at
		kp.key = key
		switch bit {
		case bTg:
			err = r.str(kp, &t.Disease, &t.null, bit, -1)
		case bTt:
			err = r.str(kp, &t.Type, &t.null, bit, -1)
		case bNm:
			err = r.str(kp, &t.Name, &t.null, bit, -1)
		case bMa:
			err = r.str(kp, &t.Device, &t.null, bit, -1)
		case bSc:
			err = r.str(kp, &t.SampleTime, &t.null, bit, 0)
		case bDr:
			err = r.str(kp, &t.ResultTime, &t.null, bit, 0)
		case bTr:
			err = r.str(kp, &t.Result, &t.null, bit, -1)
		case bTc:
			err = r.str(kp, &t.Centre, &t.null, bit, -1)
		case bCo:
			err = r.str(kp, &t.Country, &t.null, bit, -1)
		case bIs:
			err = r.str(kp, &t.Issuer, &t.null, bit, -1)
		case bCi:
			err = r.str(kp, &t.ID, &t.null, bit, -1)
		default:
			err = r.skip(kp, 4)
		}
		if err != nil {
			return err
		}
	}
}

func (r *reader) recovery(at path, rc *Recovery) error {
	n, indef, err := r.container(at, 5, 3)
	if err != nil {
		return err
	}
	var k keys
	for i := 0; ; i++ {
		if more, err := r.more(at, indef, n, i); err != nil || !more {
			return err
		}
		key, bit, err := r.mapKey(at, &rc.seen, &k, recoveryKey)
		if err != nil {
			return err
		}
		kp := at
		kp.key = key
		switch bit {
		case bTg:
			err = r.str(kp, &rc.Disease, &rc.null, bit, -1)
		case bFr:
			err = r.str(kp, &rc.FirstPositive, &rc.null, bit, 1004)
		case bCo:
			err = r.str(kp, &rc.Country, &rc.null, bit, -1)
		case bIs:
			err = r.str(kp, &rc.Issuer, &rc.null, bit, -1)
		case bDf:
			err = r.str(kp, &rc.ValidFrom, &rc.null, bit, 1004)
		case bDu:
			err = r.str(kp, &rc.ValidUntil, &rc.null, bit, 1004)
		case bCi:
			err = r.str(kp, &rc.ID, &rc.null, bit, -1)
		default:
			err = r.skip(kp, 4)
		}
		if err != nil {
			return err
		}
	}
}

// skip checks and skips one item of an unknown field.
func (r *reader) skip(at path, depth int) error {
	_, err := r.value(at, depth, false)
	return err
}

// value decodes one item into a JSON-like value (when keep is true) or
// only checks it. Integers become int64 (float64 beyond its range), floats
// float64, tags are unwrapped, integer map keys become decimal strings.
func (r *reader) value(at path, depth int, keep bool) (any, error) {
	if depth > limits.MaxCBORDepth {
		return nil, r.errf(at, "nested deeper than %d", limits.MaxCBORDepth)
	}
	if r.off >= len(r.b) {
		return nil, r.errf(at, "unexpected end of data")
	}
	start := r.off
	switch r.b[r.off] >> 5 {
	case 3:
		s, err := r.text(at)
		return s, err
	case 4, 5:
		major := r.b[r.off] >> 5
		n, indef, err := r.container(at, major, depth)
		if err != nil {
			return nil, err
		}
		var arr []any
		var obj map[string]any
		if keep && major == 4 {
			arr = make([]any, 0, min(n, 16))
		} else if keep {
			obj = make(map[string]any, min(n, 16))
		}
		var k keys
		for i := 0; ; i++ {
			more, err := r.more(at, indef, n, i)
			if err != nil {
				return nil, err
			}
			if !more {
				break
			}
			if major == 4 {
				v, err := r.value(at, depth+1, keep)
				if err != nil {
					return nil, err
				}
				if keep {
					arr = append(arr, v)
				}
				continue
			}
			kstart := r.off
			key, err := r.key(at, depth+1)
			if err != nil {
				return nil, err
			}
			if k.add(key) {
				r.off = kstart
				return nil, r.errf(at, "duplicate map key %q", key)
			}
			v, err := r.value(at, depth+1, keep)
			if err != nil {
				return nil, err
			}
			if keep {
				obj[key] = v
			}
		}
		if major == 4 {
			return arr, nil
		}
		return obj, nil
	}
	major, arg, indef, err := r.head(at)
	if err != nil {
		return nil, err
	}
	switch major {
	case 0:
		if arg > math.MaxInt64 {
			return float64(arg), nil
		}
		return int64(arg), nil
	case 1:
		if arg > math.MaxInt64 {
			return -1 - float64(arg), nil
		}
		return -1 - int64(arg), nil
	case 2:
		if indef {
			r.off = start
			return nil, r.errf(at, "indefinite-length byte string has no JSON form")
		}
		r.off = start
		return nil, r.errf(at, "byte string has no JSON form")
	case 6:
		return r.value(at, depth+1, keep)
	}
	// major 7
	switch ib := r.b[start]; {
	case ib == 0xf4:
		return false, nil
	case ib == 0xf5:
		return true, nil
	case ib == 0xf6 || ib == 0xf7:
		return nil, nil
	case ib >= 0xf9 && ib <= 0xfb:
		v, _ := floatValue(ib, arg)
		return v, nil
	case ib == 0xff:
		r.off = start
		return nil, r.errf(at, "unexpected break")
	default:
		r.off = start
		return nil, r.errf(at, "unsupported simple value %d", arg)
	}
}

// key reads a map key of DecodeGeneric: a text string, or an integer
// written in decimal.
func (r *reader) key(at path, depth int) (string, error) {
	if r.off < len(r.b) && r.b[r.off]>>5 <= 1 {
		v, err := r.value(at, depth, true)
		if err != nil {
			return "", err
		}
		if i, ok := v.(int64); ok {
			return strconv.FormatInt(i, 10), nil
		}
		return strconv.FormatFloat(v.(float64), 'f', -1, 64), nil
	}
	if r.off < len(r.b) && r.b[r.off]>>5 != 3 {
		return "", r.errf(at, "map key is a %s, want text string or integer", typeName(r.b[r.off]>>5))
	}
	return r.text(at)
}

// DecodeGeneric decodes CBOR into a JSON-like value — map[string]any,
// []any, string, int64, float64, bool or nil — for comparing a payload with
// its JSON form. Tags are unwrapped (tag 0 around sc becomes its string),
// integer map keys (as in CWT claims) become decimal strings, and byte
// strings, having no JSON form, are an error. Duplicate keys, trailing
// bytes and items beyond internal/limits are errors wrapping ErrMalformed.
func DecodeGeneric(b []byte) (any, error) {
	if len(b) > limits.MaxDCCPayload {
		return nil, &parseError{fmt.Sprintf("dcc: cbor: %d bytes, more than %d", len(b), limits.MaxDCCPayload)}
	}
	r := &reader{b: b, s: string(b)}
	v, err := r.value(path{}, 1, true)
	if err != nil {
		return nil, err
	}
	if r.off != len(b) {
		return nil, r.errf(path{}, "%d trailing bytes", len(b)-r.off)
	}
	return v, nil
}

// payloadWire is Payload without its methods, for the encoder.
type payloadWire Payload

// MarshalCBOR encodes p in RFC 8949 core deterministic encoding: definite
// lengths, shortest arguments, map keys sorted bytewise. Optional fields
// (fn, fnt, gn, gnt, nm, ma, dr, tc) are omitted when empty, and the groups
// v, t, r when they have no entry, unless the parsed payload had them
// present and empty (or null, for a group): re-encoding a parsed payload
// loses nothing.
func (p *Payload) MarshalCBOR() ([]byte, error) {
	var v any = (*payloadWire)(p)
	if p.emptyOptionalPresent() {
		v = p.wireMap()
	}
	b, err := encMode.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("dcc: cbor: encode: %w", err)
	}
	return b, nil
}

// ParseJSON decodes an EU DCC payload from JSON, with the same rules as
// ParseCBOR: duplicate keys, trailing data, wrong types and input beyond
// internal/limits are errors wrapping ErrMalformed.
func ParseJSON(b []byte) (*Payload, error) {
	v, err := DecodeGenericJSON(b)
	if err != nil {
		return nil, err
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, &parseError{fmt.Sprintf("dcc: json: payload is %T, want object", v)}
	}
	// One decoder for both forms: the JSON value is re-encoded as CBOR and
	// read by the CBOR reader, so both apply the same rules.
	c, err := encMode.Marshal(v)
	if err != nil {
		return nil, &parseError{"dcc: json: " + err.Error()}
	}
	r := &reader{b: c, s: string(c), json: true}
	return r.parse()
}

// DecodeGenericJSON decodes one JSON value into the JSON-like values of
// DecodeGeneric (numbers as json.Number), without applying the DCC schema:
// a payload with a field of the wrong type decodes. Syntax errors,
// duplicate keys, trailing data and input beyond internal/limits are errors
// wrapping ErrMalformed.
func DecodeGenericJSON(b []byte) (any, error) {
	if len(b) > limits.MaxJSONInput {
		return nil, &parseError{fmt.Sprintf("dcc: json: %d bytes, more than %d", len(b), limits.MaxJSONInput)}
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	v, err := jsonValue(dec, 1)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, &parseError{"dcc: json: trailing data after the payload"}
	}
	return v, nil
}

// jsonValue reads one JSON value, rejecting duplicate keys and nesting
// deeper than limits.MaxJSONDepth.
func jsonValue(dec *json.Decoder, depth int) (any, error) {
	if depth > limits.MaxJSONDepth {
		return nil, &parseError{fmt.Sprintf("dcc: json: nested deeper than %d at offset %d", limits.MaxJSONDepth, dec.InputOffset())}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, &parseError{fmt.Sprintf("dcc: json: %v at offset %d", err, dec.InputOffset())}
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := make(map[string]any)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, &parseError{fmt.Sprintf("dcc: json: %v at offset %d", err, dec.InputOffset())}
				}
				key, _ := kt.(string)
				if _, dup := obj[key]; dup {
					return nil, &parseError{fmt.Sprintf("dcc: json: duplicate key %q at offset %d", key, dec.InputOffset())}
				}
				if len(obj) >= limits.MaxCBORItems {
					return nil, &parseError{fmt.Sprintf("dcc: json: object with more than %d members", limits.MaxCBORItems)}
				}
				v, err := jsonValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				obj[key] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, &parseError{fmt.Sprintf("dcc: json: %v", err)}
			}
			return obj, nil
		case '[':
			arr := []any{}
			for dec.More() {
				if len(arr) >= limits.MaxCBORItems {
					return nil, &parseError{fmt.Sprintf("dcc: json: array with more than %d elements", limits.MaxCBORItems)}
				}
				v, err := jsonValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, &parseError{fmt.Sprintf("dcc: json: %v", err)}
			}
			return arr, nil
		}
		return nil, &parseError{fmt.Sprintf("dcc: json: unexpected %v", t)}
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return nil, &parseError{fmt.Sprintf("dcc: json: number %s out of range", t)}
		}
		return f, nil
	default:
		return t, nil // string, bool, nil
	}
}

// emptyOptionalPresent reports whether a parsed payload had an optional
// field present with an empty value, which the struct encoding would drop.
func (p *Payload) emptyOptionalPresent() bool {
	for _, g := range []struct {
		bit uint32
		n   int
	}{{bV, len(p.Vaccinations)}, {bT, len(p.Tests)}, {bR, len(p.Recoveries)}} {
		if p.null&g.bit != 0 || p.seen&g.bit != 0 && g.n == 0 {
			return true
		}
	}
	n := &p.Name
	if n.seen&bFn != 0 && n.Family == "" || n.seen&bFnt != 0 && n.FamilyICAO == "" ||
		n.seen&bGn != 0 && n.Given == "" || n.seen&bGnt != 0 && n.GivenICAO == "" {
		return true
	}
	for i := range p.Tests {
		t := &p.Tests[i]
		if t.seen&bNm != 0 && t.Name == "" || t.seen&bMa != 0 && t.Device == "" ||
			t.seen&bDr != 0 && t.ResultTime == "" || t.seen&bTc != 0 && t.Centre == "" {
			return true
		}
	}
	return false
}

// wireMap is the payload as a generic map for the encoder, keeping every
// optional field that is non-empty or was present when parsed.
func (p *Payload) wireMap() map[string]any {
	opt := func(m map[string]any, key, val string, seen, bit uint32) {
		if val != "" || seen&bit != 0 {
			m[key] = val
		}
	}
	nam := map[string]any{}
	opt(nam, "fn", p.Name.Family, p.Name.seen, bFn)
	opt(nam, "fnt", p.Name.FamilyICAO, p.Name.seen, bFnt)
	opt(nam, "gn", p.Name.Given, p.Name.seen, bGn)
	opt(nam, "gnt", p.Name.GivenICAO, p.Name.seen, bGnt)
	m := map[string]any{"ver": p.Version, "nam": nam, "dob": p.DateOfBirth}
	// A group written null or as an empty array stays so.
	for _, g := range []struct {
		key string
		bit uint32
		n   int
	}{{"v", bV, len(p.Vaccinations)}, {"t", bT, len(p.Tests)}, {"r", bR, len(p.Recoveries)}} {
		switch {
		case p.null&g.bit != 0:
			m[g.key] = nil
		case p.seen&g.bit != 0 && g.n == 0:
			m[g.key] = []any{}
		}
	}
	if len(p.Vaccinations) > 0 {
		m["v"] = p.Vaccinations
	}
	if len(p.Recoveries) > 0 {
		m["r"] = p.Recoveries
	}
	if len(p.Tests) > 0 {
		tests := make([]map[string]any, len(p.Tests))
		for i := range p.Tests {
			t := &p.Tests[i]
			e := map[string]any{"tg": t.Disease, "tt": t.Type, "sc": t.SampleTime, "tr": t.Result,
				"co": t.Country, "is": t.Issuer, "ci": t.ID}
			opt(e, "nm", t.Name, t.seen, bNm)
			opt(e, "ma", t.Device, t.seen, bMa)
			opt(e, "dr", t.ResultTime, t.seen, bDr)
			opt(e, "tc", t.Centre, t.seen, bTc)
			tests[i] = e
		}
		m["t"] = tests
	}
	return m
}

package healthcert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ithc/ithc/internal/limits"
)

// ErrInvalidJSON is wrapped by every error of ParseJSON and
// Certificate.UnmarshalJSON about the input.
var ErrInvalidJSON = errors.New("healthcert: invalid json")

// timeLayout is RFC 3339 in whole seconds.
const timeLayout = time.RFC3339

// ParseJSON reads a certificate in the JSON form described in the package
// documentation. It checks the form strictly (see there) but not the
// content: call Certificate.Validate on the result.
func ParseJSON(data []byte) (*Certificate, error) {
	var c Certificate
	if err := c.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return &c, nil
}

// UnmarshalJSON reads the JSON form as ParseJSON does. On error c is left
// unchanged.
func (c *Certificate) UnmarshalJSON(data []byte) error {
	if len(data) > limits.MaxJSONInput {
		return fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidJSON, len(data), limits.MaxJSONInput)
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: not valid utf-8", ErrInvalidJSON)
	}
	if err := checkStructure(data); err != nil {
		return err
	}
	var r reader
	var v Certificate
	o := r.object("", data)
	v.ID = o.str("id")
	if is := o.obj("issuer"); is != nil {
		v.Issuer.Country = is.str("country")
		v.Issuer.Name = is.str("name")
		is.done()
	}
	v.IssuedAt = o.time("issued_at")
	v.ExpiresAt = o.time("expires_at")
	if h := o.obj("holder"); h != nil {
		if n := h.obj("name"); n != nil {
			v.Holder.Name = Name{
				Family: n.str("family"), Given: n.str("given"),
				FamilyICAO: n.str("family_icao"), GivenICAO: n.str("given_icao"),
			}
			n.done()
		}
		v.Holder.DateOfBirth = h.date("date_of_birth")
		v.Holder.Sex = Sex(h.str("sex"))
		if d := h.obj("document"); d != nil {
			v.Holder.Document = &TravelDocument{Type: d.str("type"), Number: d.str("number"), IssuingState: d.str("issuing_state")}
			d.done()
		}
		h.done()
	}
	for i, raw := range o.array("events") {
		if e := r.event(fmt.Sprintf("events[%d]", i), raw); e != nil {
			v.Events = append(v.Events, e)
		}
	}
	o.done()
	if r.err != nil {
		return r.err
	}
	*c = v
	return nil
}

// reader decodes the JSON form, keeping the first error.
type reader struct{ err error }

func (r *reader) fail(path, format string, args ...any) {
	if r.err == nil {
		if path == "" {
			path = "document"
		}
		r.err = fmt.Errorf("%w: %s: %s", ErrInvalidJSON, path, fmt.Sprintf(format, args...))
	}
}

// object is one JSON object being read; every key must be taken.
type object struct {
	r    *reader
	path string
	m    map[string]json.RawMessage
	used map[string]bool
}

// object starts reading raw as an object, or returns an object that
// yields zero values after recording an error.
func (r *reader) object(path string, raw []byte) *object {
	o := &object{r: r, path: path, used: map[string]bool{}}
	if r.err != nil {
		return o
	}
	if b := bytes.TrimLeft(raw, " \t\r\n"); len(b) == 0 || b[0] != '{' {
		r.fail(path, "want an object")
		return o
	}
	if err := json.Unmarshal(raw, &o.m); err != nil {
		r.fail(path, "%v", err)
	}
	return o
}

func (o *object) key(k string) string {
	if o.path == "" {
		return k
	}
	return o.path + "." + k
}

// take returns the raw value of k, or nil if absent; null is an error.
func (o *object) take(k string) json.RawMessage {
	if o.r.err != nil {
		return nil
	}
	raw, ok := o.m[k]
	if !ok {
		return nil
	}
	o.used[k] = true
	if string(raw) == "null" {
		o.r.fail(o.key(k), "null is not allowed; leave the key out")
		return nil
	}
	return raw
}

// decode unmarshals the value of k into dst, with what it wants in errors.
func (o *object) decode(k string, dst any, want string) bool {
	raw := o.take(k)
	if raw == nil {
		return false
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		o.r.fail(o.key(k), "want %s, got %s", want, abbreviate(raw))
		return false
	}
	return true
}

func (o *object) str(k string) string {
	var s string
	o.decode(k, &s, "a string")
	return s
}

func (o *object) int(k string) int {
	var n int32
	o.decode(k, &n, "an integer")
	return int(n)
}

func (o *object) float(k string) float64 {
	var f float64
	o.decode(k, &f, "a number")
	return f
}

func (o *object) time(k string) time.Time {
	var s string
	if !o.decode(k, &s, "an rfc 3339 time") {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, s)
	switch {
	case err != nil:
		o.r.fail(o.key(k), "%q is not an rfc 3339 time such as 2026-11-20T08:00:00Z", s)
	case t.Nanosecond() != 0:
		o.r.fail(o.key(k), "%q has fractional seconds; want whole seconds", s)
	case t.UTC().Year() < 1 || t.UTC().Year() > 9999:
		o.r.fail(o.key(k), "%q is outside years 1–9999 in utc", s)
	}
	return t.UTC()
}

func (o *object) date(k string) Date {
	var s string
	if !o.decode(k, &s, "a date string") {
		return Date{}
	}
	d, err := ParseDate(s)
	if err != nil {
		o.r.fail(o.key(k), "%q is not a date YYYY-MM-DD, YYYY-MM or YYYY", s)
	}
	return d
}

// obj returns the object under k, or nil if absent.
func (o *object) obj(k string) *object {
	raw := o.take(k)
	if raw == nil {
		return nil
	}
	return o.r.object(o.key(k), raw)
}

func (o *object) array(k string) []json.RawMessage {
	var a []json.RawMessage
	o.decode(k, &a, "an array")
	return a
}

// done records an error for the first key (in sorted order) not taken.
func (o *object) done() {
	if o.r.err != nil {
		return
	}
	var extra []string
	for k := range o.m {
		if !o.used[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		o.r.fail(o.key(extra[0]), "unknown field %q", extra[0])
	}
}

// event reads one event object.
func (r *reader) event(p string, raw []byte) Event {
	o := r.object(p, raw)
	t := EventType(o.str("type"))
	if r.err != nil {
		return nil
	}
	common := func() Common {
		return Common{Disease: o.str("disease"), Country: o.str("country"), Centre: o.str("centre")}
	}
	var e Event
	switch t {
	case TypeVaccination:
		e = &Vaccination{
			Common: common(), VaccineType: o.str("vaccine_type"), Product: o.str("product"),
			Manufacturer: o.str("manufacturer"), DoseNumber: o.int("dose_number"),
			TotalDoses: o.int("total_doses"), Date: o.date("date"),
		}
	case TypeNucleicAcidTest:
		e = &NucleicAcidTest{
			Common: common(), Method: o.str("method"), Name: o.str("name"),
			SampleTime: o.time("sample_time"), Result: TestResult(o.str("result")),
		}
	case TypeAntibodyTest:
		a := &AntibodyTest{
			Common: common(), Isotype: Isotype(o.str("isotype")), Method: o.str("method"),
			Device: o.str("device"), SampleTime: o.time("sample_time"), Result: TestResult(o.str("result")),
		}
		if q := o.obj("quantity"); q != nil {
			a.Quantity = &Quantity{Value: q.float("value"), Unit: q.str("unit"), CutOff: q.float("cut_off")}
			q.done()
		}
		e = a
	case TypeAntigenTest:
		e = &AntigenTest{
			Common: common(), Device: o.str("device"), Name: o.str("name"),
			SampleTime: o.time("sample_time"), Result: TestResult(o.str("result")),
		}
	case TypeRecovery:
		e = &Recovery{
			Common: common(), FirstPositive: o.date("first_positive"),
			ValidFrom: o.date("valid_from"), ValidUntil: o.date("valid_until"),
		}
	case "":
		r.fail(p+".type", "missing event type")
		return nil
	default:
		r.fail(p+".type", "unknown event type %q", string(t))
		return nil
	}
	o.done()
	return e
}

// abbreviate quotes a raw JSON value for an error message, cut to 40 bytes.
func abbreviate(raw []byte) string {
	s := string(raw)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// checkStructure checks the JSON syntax of data, its nesting depth, that
// no object repeats a key and that nothing follows the document.
func checkStructure(data []byte) error {
	type frame struct {
		obj     bool
		keys    map[string]bool
		path    string
		key     string // the current key of an object
		wantKey bool
		idx     int
	}
	var stack []*frame
	childPath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.obj {
			if f.path == "" {
				return f.key
			}
			return f.path + "." + f.key
		}
		return fmt.Sprintf("%s[%d]", f.path, f.idx)
	}
	where := func(p string) string {
		if p == "" {
			return "document"
		}
		return p
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	started := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if !started || len(stack) > 0 {
				return fmt.Errorf("%w: unexpected end of input", ErrInvalidJSON)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalidJSON, where(childPath()), err)
		}
		if started && len(stack) == 0 {
			return fmt.Errorf("%w: data after the document at byte %d", ErrInvalidJSON, dec.InputOffset())
		}
		started = true
		if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].wantKey {
			f := stack[n-1]
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:n-1]
				goto valueDone
			}
			k, _ := tok.(string)
			if f.keys[k] {
				f.key = k
				return fmt.Errorf("%w: %s: duplicate key %q", ErrInvalidJSON, where(childPath()), k)
			}
			f.keys[k] = true
			f.key = k
			f.wantKey = false
			continue
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if len(stack) >= limits.MaxJSONDepth {
					return fmt.Errorf("%w: %s: nested more than %d deep", ErrInvalidJSON, where(childPath()), limits.MaxJSONDepth)
				}
				stack = append(stack, &frame{obj: d == '{', keys: map[string]bool{}, path: childPath(), wantKey: d == '{'})
				continue
			case ']':
				stack = stack[:len(stack)-1]
			}
		}
	valueDone:
		if n := len(stack); n > 0 {
			if f := stack[n-1]; f.obj {
				f.wantKey = true
			} else {
				f.idx++
			}
		}
	}
}

package vdsnc

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/vdsnc/internal/jcs"
)

// The members of each object of a message, as the ICAO VDS-NC guidelines
// (and WHO's logical model of them, smart.who.int/ddcc CertICAO) define
// them; any other member is an error, as the ICAO JSON schemas say
// (additionalProperties false).
var (
	vaccMsgKeys  = []string{"uvci", "pid", "ve"}
	vaccPIDKeys  = []string{"n", "dob", "sex", "i", "ai"}
	vaccEKeys    = []string{"des", "nam", "dis", "vd"}
	vaccDoseKeys = []string{"dvc", "seq", "ctr", "adm", "lot", "dvn"}
	testMsgKeys  = []string{"utci", "pid", "sp", "dat", "tr", "opt"}
	testPIDKeys  = []string{"n", "dob", "dt", "dn"}
	testSPKeys   = []string{"spn", "ctr", "cd"}
	testCDKeys   = []string{"p", "e", "a"}
	testDatKeys  = []string{"sc", "ri"}
	testTRKeys   = []string{"tc", "r", "m"}
)

// The closed value sets of the guidelines.
var (
	sexes         = []string{"F", "M", "X"}
	documentTypes = []string{"P", "A", "C", "I", "AC", "V", "D"}
	testTypes     = []string{TestPCR, TestMolecularOther, TestAntigen, TestAntibody}
	testResults   = []string{ResultPositive, ResultNegative, ResultNormal, ResultAbnormal}
	testMethods   = []string{"nasopharyngeal", "oropharyngeal", "saliva", "blood", "other"}
)

// maxProblems bounds the problems one schema error lists.
const maxProblems = 20

// schema collects the problems of a message.
type schema struct {
	problems []string
	more     int
}

func (s *schema) add(path, format string, args ...any) {
	if len(s.problems) >= maxProblems {
		s.more++
		return
	}
	s.problems = append(s.problems, path+": "+fmt.Sprintf(format, args...))
}

func (s *schema) err() error {
	if len(s.problems) == 0 {
		return nil
	}
	d := strings.Join(s.problems, "; ")
	if s.more > 0 {
		d += fmt.Sprintf("; and %d more", s.more)
	}
	return fail(StatusInvalidSigningFormat, StageSchema, "%s", d)
}

// object returns v when it is an object whose members are all in keys,
// reporting a problem otherwise (nil for a value that is not an object).
func (s *schema) object(path string, v *jcs.Value, keys []string) *jcs.Value {
	if v == nil {
		s.add(path, "missing")
		return nil
	}
	if v.Kind != jcs.Object {
		s.add(path, "a %s, want an object", v.Kind)
		return nil
	}
	for _, m := range v.Object {
		if !slices.Contains(keys, m.Key) {
			s.add(fmt.Sprintf("%s.%q", path, m.Key), "unknown member (want one of %s)", strings.Join(keys, ", "))
		}
	}
	return v
}

// str returns the string member key of obj. A required member that is
// absent or empty is a problem; an optional empty string reads as absent.
// Strings must hold no control character.
func (s *schema) str(obj *jcs.Value, path, key string, required bool) string {
	if obj == nil {
		return ""
	}
	p := path + "." + key
	v := obj.Get(key)
	switch {
	case v == nil:
		if required {
			s.add(p, "missing")
		}
		return ""
	case v.Kind != jcs.String:
		s.add(p, "a %s, want a string", v.Kind)
		return ""
	case v.String == "":
		if required {
			s.add(p, "empty")
		}
		return ""
	}
	for i, r := range v.String {
		if unicode.IsControl(r) {
			s.add(p, "control character %U at byte %d", r, i)
			return ""
		}
	}
	return v.String
}

// oneOf returns the string member key of obj when it is one of values.
func (s *schema) oneOf(obj *jcs.Value, path, key string, required bool, values []string) string {
	v := s.str(obj, path, key, required)
	if v != "" && !slices.Contains(values, v) {
		s.add(path+"."+key, "%q is not one of %s", v, strings.Join(values, ", "))
		return ""
	}
	return v
}

// state returns the member key of obj, a Doc 9303 state code.
func (s *schema) state(obj *jcs.Value, path, key string) string {
	v := s.str(obj, path, key, true)
	if v != "" && !isStateCode(v) {
		s.add(path+"."+key, "%q is not a Doc 9303 three-letter code", v)
		return ""
	}
	return v
}

// date returns the member key of obj, an ISO 8601 date; complete requires
// YYYY-MM-DD, otherwise YYYY-MM and YYYY are accepted too.
func (s *schema) date(obj *jcs.Value, path, key string, required, complete bool) healthcert.Date {
	v := s.str(obj, path, key, required)
	if v == "" {
		return healthcert.Date{}
	}
	d, err := healthcert.ParseDate(v)
	switch {
	case err != nil:
		s.add(path+"."+key, "%q is not a date (YYYY-MM-DD)", v)
	case complete && !d.IsComplete():
		s.add(path+"."+key, "%q is not a complete date (YYYY-MM-DD)", v)
	default:
		return d
	}
	return healthcert.Date{}
}

// dateTime returns the member key of obj, an RFC 3339 date-time.
func (s *schema) dateTime(obj *jcs.Value, path, key string) time.Time {
	v := s.str(obj, path, key, true)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		s.add(path+"."+key, "%q is not an RFC 3339 date-time", v)
		return time.Time{}
	}
	return t
}

// integer returns the member key of obj, an integer in [lo, hi].
func (s *schema) integer(obj *jcs.Value, path, key string, lo, hi int) int {
	p := path + "." + key
	v := obj.Get(key)
	switch {
	case v == nil:
		s.add(p, "missing")
	case v.Kind != jcs.Number:
		s.add(p, "a %s, want a number", v.Kind)
	case v.Number != float64(int(v.Number)) || v.Number < float64(lo) || v.Number > float64(hi):
		s.add(p, "%v is not an integer from %d to %d", v.Number, lo, hi)
	default:
		return int(v.Number)
	}
	return 0
}

// array returns the elements of the array member key of obj; it must
// have at least one.
func (s *schema) array(obj *jcs.Value, path, key string) []*jcs.Value {
	p := path + "." + key
	v := obj.Get(key)
	switch {
	case v == nil:
		s.add(p, "missing")
	case v.Kind != jcs.Array:
		s.add(p, "a %s, want an array", v.Kind)
	case len(v.Array) == 0:
		s.add(p, "empty")
	default:
		return v.Array
	}
	return nil
}

// decodeMessage reads data.msg into c.Vaccination or c.Test, according
// to c.Header.Type. Problems are reported together as one *Error at
// StageSchema.
func decodeMessage(msg *jcs.Value, c *Content) error {
	var s schema
	c.Vaccination, c.Test = nil, nil
	switch c.Header.Type {
	case TypeVaccination:
		m := s.vaccination(msg)
		if err := s.err(); err != nil {
			return err
		}
		c.Vaccination = m
	case TypeTest:
		m := s.test(msg)
		if err := s.err(); err != nil {
			return err
		}
		c.Test = m
	default:
		return fail(StatusInvalidSigningFormat, StageSchema, "unknown seal type %q", c.Header.Type)
	}
	return nil
}

func (s *schema) vaccination(v *jcs.Value) *VaccinationMessage {
	const p = "msg"
	msg := s.object(p, v, vaccMsgKeys)
	if msg == nil {
		return nil
	}
	m := &VaccinationMessage{UVCI: s.str(msg, p, "uvci", true)}
	if pid := s.object(p+".pid", msg.Get("pid"), vaccPIDKeys); pid != nil {
		m.Person = Person{
			Name:                 s.str(pid, p+".pid", "n", true),
			DateOfBirth:          s.date(pid, p+".pid", "dob", false, false),
			Sex:                  s.oneOf(pid, p+".pid", "sex", false, sexes),
			DocumentNumber:       s.str(pid, p+".pid", "i", false),
			AdditionalIdentifier: s.str(pid, p+".pid", "ai", false),
		}
		// An empty i identifies no one, so the check is on what was read.
		if m.Person.DateOfBirth.IsZero() && m.Person.DocumentNumber == "" {
			s.add(p+".pid", "neither dob nor i: one of them must identify the holder")
		}
	}
	for i, ev := range s.array(msg, p, "ve") {
		ep := fmt.Sprintf("%s.ve[%d]", p, i)
		e := s.object(ep, ev, vaccEKeys)
		if e == nil {
			continue
		}
		out := VaccineEvent{
			Vaccine: s.str(e, ep, "des", true),
			Product: s.str(e, ep, "nam", true),
			Disease: s.str(e, ep, "dis", false),
		}
		for j, dv := range s.array(e, ep, "vd") {
			dp := fmt.Sprintf("%s.vd[%d]", ep, j)
			d := s.object(dp, dv, vaccDoseKeys)
			if d == nil {
				continue
			}
			out.Doses = append(out.Doses, Dose{
				Date:     s.date(d, dp, "dvc", true, true),
				Sequence: s.integer(d, dp, "seq", 1, 99),
				Country:  s.state(d, dp, "ctr"),
				// The guidelines require adm and lot; they are read as
				// optional because neither the ITHC model nor the EU DCC
				// records a lot, nor always a centre (see docs/vdsnc.md).
				Centre:   s.str(d, dp, "adm", false),
				Lot:      s.str(d, dp, "lot", false),
				NextDate: s.date(d, dp, "dvn", false, true),
			})
		}
		m.Events = append(m.Events, out)
	}
	return m
}

func (s *schema) test(v *jcs.Value) *TestMessage {
	const p = "msg"
	msg := s.object(p, v, testMsgKeys)
	if msg == nil {
		return nil
	}
	m := &TestMessage{UTCI: s.str(msg, p, "utci", true), Optional: s.str(msg, p, "opt", false)}
	if pid := s.object(p+".pid", msg.Get("pid"), testPIDKeys); pid != nil {
		m.Person = Person{
			Name:           s.str(pid, p+".pid", "n", true),
			DateOfBirth:    s.date(pid, p+".pid", "dob", true, false),
			DocumentType:   s.oneOf(pid, p+".pid", "dt", true, documentTypes),
			DocumentNumber: s.str(pid, p+".pid", "dn", true),
		}
	}
	if sp := s.object(p+".sp", msg.Get("sp"), testSPKeys); sp != nil {
		m.Provider = Provider{Name: s.str(sp, p+".sp", "spn", true), Country: s.state(sp, p+".sp", "ctr")}
		// The contact details are required by the guidelines; their
		// members are read leniently (none is needed to judge a test).
		if cd := s.object(p+".sp.cd", sp.Get("cd"), testCDKeys); cd != nil {
			m.Provider.Phone = s.str(cd, p+".sp.cd", "p", false)
			m.Provider.Email = s.str(cd, p+".sp.cd", "e", false)
			m.Provider.Address = s.str(cd, p+".sp.cd", "a", false)
		}
	}
	if dat := s.object(p+".dat", msg.Get("dat"), testDatKeys); dat != nil {
		m.SampleTime = s.dateTime(dat, p+".dat", "sc")
		m.ReportTime = s.dateTime(dat, p+".dat", "ri")
		if !m.SampleTime.IsZero() && !m.ReportTime.IsZero() && m.SampleTime.After(m.ReportTime) {
			s.add(p+".dat.sc", "specimen collected at %s, after the report was issued at %s",
				m.SampleTime.Format(time.RFC3339), m.ReportTime.Format(time.RFC3339))
		}
	}
	if tr := s.object(p+".tr", msg.Get("tr"), testTRKeys); tr != nil {
		m.Result = TestResult{
			Type:   s.oneOf(tr, p+".tr", "tc", true, testTypes),
			Result: s.oneOf(tr, p+".tr", "r", true, testResults),
			Method: s.oneOf(tr, p+".tr", "m", false, testMethods),
		}
	}
	return m
}

// --- encoding, for issuance ---

// maxName is the longest holder name of a seal: the 39 characters of the
// name field of a passport's machine-readable zone (Doc 9303-4).
const maxName = 39

func str(s string) *jcs.Value        { return &jcs.Value{Kind: jcs.String, String: s} }
func num(n int) *jcs.Value           { return &jcs.Value{Kind: jcs.Number, Number: float64(n)} }
func obj(m ...jcs.Member) *jcs.Value { return &jcs.Value{Kind: jcs.Object, Object: m} }

// optional appends the member key with value v when v is not empty.
func optional(o *jcs.Value, key, v string) {
	if v != "" {
		o.Object = append(o.Object, jcs.Member{Key: key, Value: str(v)})
	}
}

func optionalDate(o *jcs.Value, key string, d healthcert.Date) {
	if !d.IsZero() {
		optional(o, key, d.String())
	}
}

// tree returns data, {"hdr": ..., "msg": ...}, of c. It checks the form
// of c as a verifier will (decodeMessage) and what only an issuer must
// respect (the length of the name).
func (c *Content) tree() (*jcs.Value, error) {
	h := c.Header
	if h.Version == 0 {
		h.Version = Version
	}
	hdr := obj(jcs.Member{Key: "t", Value: str(h.Type)}, jcs.Member{Key: "v", Value: num(h.Version)},
		jcs.Member{Key: "is", Value: str(h.IssuingState)})
	var msg *jcs.Value
	var person *Person
	switch {
	case h.Type == TypeVaccination && c.Vaccination != nil && c.Test == nil:
		m := c.Vaccination
		person = &m.Person
		pid := obj(jcs.Member{Key: "n", Value: str(m.Person.Name)})
		optionalDate(pid, "dob", m.Person.DateOfBirth)
		optional(pid, "sex", m.Person.Sex)
		optional(pid, "i", m.Person.DocumentNumber)
		optional(pid, "ai", m.Person.AdditionalIdentifier)
		if m.Person.DocumentType != "" {
			return nil, fmt.Errorf("vdsnc: msg.pid: an %s seal has no document type (dt)", TypeVaccination)
		}
		ve := &jcs.Value{Kind: jcs.Array}
		for _, e := range m.Events {
			ev := obj(jcs.Member{Key: "des", Value: str(e.Vaccine)}, jcs.Member{Key: "nam", Value: str(e.Product)})
			optional(ev, "dis", e.Disease)
			vd := &jcs.Value{Kind: jcs.Array}
			for _, d := range e.Doses {
				dv := obj(jcs.Member{Key: "dvc", Value: str(d.Date.String())}, jcs.Member{Key: "seq", Value: num(d.Sequence)},
					jcs.Member{Key: "ctr", Value: str(d.Country)})
				optional(dv, "adm", d.Centre)
				optional(dv, "lot", d.Lot)
				optionalDate(dv, "dvn", d.NextDate)
				vd.Array = append(vd.Array, dv)
			}
			ev.Object = append(ev.Object, jcs.Member{Key: "vd", Value: vd})
			ve.Array = append(ve.Array, ev)
		}
		msg = obj(jcs.Member{Key: "uvci", Value: str(m.UVCI)}, jcs.Member{Key: "pid", Value: pid}, jcs.Member{Key: "ve", Value: ve})
	case h.Type == TypeTest && c.Test != nil && c.Vaccination == nil:
		m := c.Test
		person = &m.Person
		if m.Person.Sex != "" || m.Person.AdditionalIdentifier != "" {
			return nil, fmt.Errorf("vdsnc: msg.pid: an %s seal has no sex or additional identifier", TypeTest)
		}
		pid := obj(jcs.Member{Key: "n", Value: str(m.Person.Name)})
		optionalDate(pid, "dob", m.Person.DateOfBirth)
		optional(pid, "dt", m.Person.DocumentType)
		optional(pid, "dn", m.Person.DocumentNumber)
		cd := obj()
		optional(cd, "p", m.Provider.Phone)
		optional(cd, "e", m.Provider.Email)
		optional(cd, "a", m.Provider.Address)
		sp := obj(jcs.Member{Key: "spn", Value: str(m.Provider.Name)}, jcs.Member{Key: "ctr", Value: str(m.Provider.Country)},
			jcs.Member{Key: "cd", Value: cd})
		dat := obj(jcs.Member{Key: "sc", Value: str(formatTime(m.SampleTime))}, jcs.Member{Key: "ri", Value: str(formatTime(m.ReportTime))})
		tr := obj(jcs.Member{Key: "tc", Value: str(m.Result.Type)}, jcs.Member{Key: "r", Value: str(m.Result.Result)})
		optional(tr, "m", m.Result.Method)
		msg = obj(jcs.Member{Key: "utci", Value: str(m.UTCI)}, jcs.Member{Key: "pid", Value: pid},
			jcs.Member{Key: "sp", Value: sp}, jcs.Member{Key: "dat", Value: dat}, jcs.Member{Key: "tr", Value: tr})
		optional(msg, "opt", m.Optional)
	default:
		return nil, fmt.Errorf("vdsnc: header type %q with a vaccination message %t and a test message %t: want %s with exactly a vaccination message or %s with exactly a test message",
			h.Type, c.Vaccination != nil, c.Test != nil, TypeVaccination, TypeTest)
	}
	if n := utf8.RuneCountInString(person.Name); n > maxName {
		return nil, fmt.Errorf("vdsnc: msg.pid.n: %q has %d characters, more than the %d of the seal", person.Name, n, maxName)
	}
	// What we write must read back as a verifier reads it.
	var hs Header
	if err := parseHeader(hdr, &hs); err != nil {
		return nil, fmt.Errorf("vdsnc: %v", strings.TrimPrefix(err.Error(), "vdsnc: "))
	}
	check := Content{Header: hs}
	if err := decodeMessage(msg, &check); err != nil {
		return nil, err
	}
	return obj(jcs.Member{Key: "hdr", Value: hdr}, jcs.Member{Key: "msg", Value: msg}), nil
}

// formatTime writes an RFC 3339 time with its offset, in whole seconds
// unless it has a fraction.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// MarshalData returns the canonical JSON (RFC 8785) of the data of c:
// {"hdr":{...},"msg":{...}}, the bytes a seal's signature covers. It
// fails when c does not have the form a verifier accepts.
func (c *Content) MarshalData() ([]byte, error) {
	t, err := c.tree()
	if err != nil {
		return nil, err
	}
	return jcs.AppendCanonical(nil, t)
}

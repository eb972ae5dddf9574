package dcc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ithc/ithc/valueset"
)

// ErrSchema is matched (errors.Is) by every *SchemaError.
var ErrSchema = errors.New("dcc: payload does not conform to the schema")

// Problem is one way a payload breaks its schema.
type Problem struct {
	// Field locates the value, such as "nam.fnt" or "v[0].dn"; "payload"
	// for the payload as a whole.
	Field string
	// Message says what is wrong, in English, lowercase.
	Message string
}

func (p Problem) String() string { return p.Field + ": " + p.Message }

// SchemaError is the result of a failed Check: every problem found.
type SchemaError struct {
	// Release is the schema release applied, such as "1.3.3".
	Release  string
	Problems []Problem
}

func (e *SchemaError) Error() string {
	var b strings.Builder
	b.WriteString("dcc: schema ")
	b.WriteString(e.Release)
	b.WriteString(": ")
	if len(e.Problems) == 0 {
		b.WriteString("invalid")
		return b.String()
	}
	b.WriteString(e.Problems[0].String())
	if n := len(e.Problems) - 1; n > 0 {
		fmt.Fprintf(&b, " (and %d more)", n)
	}
	return b.String()
}

// Is reports whether target is ErrSchema.
func (e *SchemaError) Is(target error) bool { return target == ErrSchema }

// release is a schema release and what it requires.
type release struct {
	name          string
	v             [3]int
	dob           int // dobDate, dobPartial, dobPartialOrEmpty
	maxLen        int // fn, fnt, gn, gnt, is, ci, tc
	doseMax       int // 0: no maximum
	fntOrGnt      bool
	tcRequired    bool
	nmMaxLen      int // 0: no maximum
	resultTimeDef bool
}

const (
	dobDate = iota
	dobPartial
	dobPartialOrEmpty
)

// releases are the published schema releases (eu-dcc-schema tags), oldest
// first, with the differences between their combined schemas.
var releases = []release{
	{name: "1.0.0", v: [3]int{1, 0, 0}, dob: dobDate, maxLen: 50, doseMax: 9, tcRequired: true, resultTimeDef: true},
	{name: "1.0.1", v: [3]int{1, 0, 1}, dob: dobDate, maxLen: 50, doseMax: 9, tcRequired: true, resultTimeDef: true},
	{name: "1.1.0", v: [3]int{1, 1, 0}, dob: dobPartial, maxLen: 50, doseMax: 9, tcRequired: true, resultTimeDef: true},
	{name: "1.2.0", v: [3]int{1, 2, 0}, dob: dobPartial, maxLen: 50, doseMax: 9, tcRequired: true},
	{name: "1.2.1", v: [3]int{1, 2, 1}, dob: dobPartial, maxLen: 50, doseMax: 9, tcRequired: true},
	{name: "1.3.0", v: [3]int{1, 3, 0}, dob: dobPartialOrEmpty, maxLen: 80, nmMaxLen: 80},
	{name: "1.3.1", v: [3]int{1, 3, 1}, dob: dobPartialOrEmpty, maxLen: 80, nmMaxLen: 80},
	{name: "1.3.2", v: [3]int{1, 3, 2}, dob: dobPartialOrEmpty, maxLen: 80, nmMaxLen: 80, fntOrGnt: true},
	{name: "1.3.3", v: [3]int{1, 3, 3}, dob: dobPartialOrEmpty, maxLen: 80, nmMaxLen: 80, fntOrGnt: true},
}

// releaseFor returns the release whose schema applies to version ver: the
// newest release not newer than ver, of the same major version. ok is false
// for an unparsable version or another major version; the newest release is
// then returned, to report every other problem too.
func releaseFor(ver string) (rel release, ok bool) {
	latest := releases[len(releases)-1]
	var parts [3]string
	rest := ver
	for i := range parts {
		var found bool
		parts[i], rest, found = strings.Cut(rest, ".")
		if found != (i < 2) {
			return latest, false
		}
	}
	var v [3]int
	for i, s := range parts {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || s == "" || s[0] == '+' {
			return latest, false
		}
		v[i] = n
	}
	if v[0] != latest.v[0] {
		return latest, false
	}
	for i := len(releases) - 1; i >= 0; i-- {
		r := releases[i]
		if v[1] > r.v[1] || v[1] == r.v[1] && v[2] >= r.v[2] {
			return r, true
		}
	}
	return latest, false
}

// checker collects problems.
type checker struct {
	rel      release
	sets     *valueset.Sets
	problems []Problem
}

// add records a problem at field. The field's text is built only here, so
// that a valid payload is checked without building any.
func (c *checker) add(field path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Field: field.String(), Message: fmt.Sprintf(format, args...)})
}

// Check validates p against the EU DCC JSON schema of its version — the
// schema stage of a verifier — and returns nil or a *SchemaError listing
// every problem. Versions without a release of their own use the nearest
// older release (1.0.4 uses 1.0.1); another major version is a problem.
//
// Beyond the JSON schema, Check applies what the EU conformance tests treat
// as part of schema validation, in every release: exactly one of v, t, r
// with exactly one entry, and value-set membership of tg, vp, vaccination
// ma, tt, tr, co and, for rapid antigen tests, the device ma. co may also be
// an organisation code of valueset.IssuingOrganisations (the schema's
// pattern [A-Z]{1,10} admits codes such as "UNHCR"). mp is not checked for
// membership: real issuers use product names the EU list lacks, and which
// products are accepted is a business rule. Membership is checked only in
// the sets that sets defines; nil means valueset.Default(), and an empty
// &valueset.Sets{} checks the JSON schema alone.
//
// Date fields ("format": "date") also accept a date followed by a time, as
// real issuers wrote; date-times accept the offsets "+02", "+0200",
// "+02:00" and "Z", fractional seconds, and no offset.
func (p *Payload) Check(sets *valueset.Sets) error {
	if sets == nil {
		sets = valueset.Default()
	}
	rel, ok := releaseFor(p.Version)
	c := &checker{rel: rel, sets: sets}
	parsed := p.seen|p.null != 0

	switch {
	case p.null&bVer != 0:
		c.add(path{key: "ver"}, "null, want string")
	case parsed && p.seen&bVer == 0 || !parsed && p.Version == "":
		c.add(path{key: "ver"}, "is required")
	case !versionPattern(p.Version):
		c.add(path{key: "ver"}, "%q does not match ^\\d+.\\d+.\\d+$", p.Version)
	case !ok:
		c.add(path{key: "ver"}, "unsupported version %q: this verifier knows schema releases %s to %s", p.Version, releases[0].name, rel.name)
	}

	switch {
	case p.null&bNam != 0:
		c.add(path{key: "nam"}, "null, want object")
	case parsed && p.seen&bNam == 0:
		c.add(path{key: "nam"}, "is required")
	default:
		c.name(&p.Name)
	}

	switch {
	case p.null&bDob != 0:
		c.add(path{key: "dob"}, "null, want string")
	case parsed && p.seen&bDob == 0:
		c.add(path{key: "dob"}, "is required")
	default:
		c.dob(p.DateOfBirth)
	}

	groups, entries := 0, 0
	for _, g := range []struct {
		key   string
		bit   uint32
		count int
	}{{"v", bV, len(p.Vaccinations)}, {"t", bT, len(p.Tests)}, {"r", bR, len(p.Recoveries)}} {
		if p.null&g.bit != 0 {
			c.add(path{key: g.key}, "null, want array")
			continue
		}
		if p.seen&g.bit != 0 || g.count > 0 {
			groups++
			entries += g.count
			if g.count == 0 {
				c.add(path{key: g.key}, "empty array, want exactly 1 entry")
			} else if g.count > 1 {
				c.add(path{key: g.key}, "%d entries, want exactly 1", g.count)
			}
		}
	}
	switch {
	case groups == 0:
		c.add(path{}, "one of v, t, r is required")
	case groups > 1:
		c.add(path{}, "%d of v, t, r present (%d entries), want exactly one", groups, entries)
	}
	for i := range p.Vaccinations {
		c.vaccination(i, &p.Vaccinations[i])
	}
	for i := range p.Tests {
		c.test(i, &p.Tests[i])
	}
	for i := range p.Recoveries {
		c.recovery(i, &p.Recoveries[i])
	}
	if len(c.problems) > 0 {
		return &SchemaError{Release: rel.name, Problems: c.problems}
	}
	return nil
}

// fieldState tells whether an object's field is present: from the parser's
// record, or for a payload built in Go from the value being non-zero.
type fieldState struct {
	seen, null uint32
	parsed     bool
}

func (f fieldState) has(bit uint32, zero bool) bool {
	if f.parsed {
		return f.seen&bit != 0
	}
	return !zero
}

// str checks one string field: presence, null, length in characters and a
// pattern. It returns whether the value is present and should be checked
// further.
func (c *checker) str(f fieldState, field path, bit uint32, v string, required bool, maxLen int) bool {
	if f.null&bit != 0 {
		c.add(field, "null, want string")
		return false
	}
	if !f.has(bit, v == "") {
		if required {
			c.add(field, "is required")
		}
		return false
	}
	// A text has no more characters than bytes: only a longer one is
	// counted.
	if maxLen > 0 && len(v) > maxLen {
		if n := utf8.RuneCountInString(v); n > maxLen {
			c.add(field, "%d characters, longer than %d", n, maxLen)
		}
	}
	return true
}

func (c *checker) member(field path, setID, code string) {
	if c.sets.Defines(setID) && !c.sets.Has(setID, code) {
		c.add(field, "%q is not a code of value set %s", code, setID)
	}
}

func (c *checker) country(field path, code string) {
	if !strings.ContainsFunc(code, func(r rune) bool { return r >= 'A' && r <= 'Z' }) {
		c.add(field, "%q does not match [A-Z]{1,10}", code)
	}
	if !c.sets.Defines(valueset.CountryCodes) || c.sets.Has(valueset.CountryCodes, code) ||
		c.sets.Has(valueset.IssuingOrganisations, code) {
		return
	}
	c.add(field, "%q is not a code of value set %s", code, valueset.CountryCodes)
}

func (c *checker) name(n *Name) {
	f := fieldState{n.seen, n.null, n.seen|n.null != 0}
	max := c.rel.maxLen
	c.str(f, path{group: 'n', key: "fn"}, bFn, n.Family, false, max)
	c.str(f, path{group: 'n', key: "gn"}, bGn, n.Given, false, max)
	hasFnt := c.str(f, path{group: 'n', key: "fnt"}, bFnt, n.FamilyICAO, false, max)
	hasGnt := c.str(f, path{group: 'n', key: "gnt"}, bGnt, n.GivenICAO, false, max)
	if hasFnt && !icaoPattern(n.FamilyICAO) {
		c.add(path{group: 'n', key: "fnt"}, "%q does not match ^[A-Z<]*$", n.FamilyICAO)
	}
	if hasGnt && !icaoPattern(n.GivenICAO) {
		c.add(path{group: 'n', key: "gnt"}, "%q does not match ^[A-Z<]*$", n.GivenICAO)
	}
	switch {
	case c.rel.fntOrGnt && !hasFnt && !hasGnt:
		c.add(path{key: "nam"}, "fnt or gnt is required")
	case !c.rel.fntOrGnt && !hasFnt && f.null&bFnt == 0:
		c.add(path{group: 'n', key: "fnt"}, "is required")
	}
}

func (c *checker) dob(s string) {
	switch c.rel.dob {
	case dobDate:
		if len(s) < 10 || (s[:2] != "19" && s[:2] != "20") || !dateLenient(s) {
			c.add(path{key: "dob"}, "%q is not a date YYYY-MM-DD in 1900-2099", s)
		}
	default:
		if s == "" && c.rel.dob == dobPartialOrEmpty {
			return
		}
		if !partialDOB(s) {
			c.add(path{key: "dob"}, "%q does not match ^(19|20)\\d\\d(-\\d\\d){0,2}$", s)
		}
	}
}

// date checks a "format": "date" field, leniently.
func (c *checker) date(field path, s string) {
	if !dateLenient(s) {
		c.add(field, "%q is not a date YYYY-MM-DD", s)
	}
}

func (c *checker) dateTime(field path, s string) {
	if _, err := parseDateTime(s); err != nil {
		c.add(field, "%q is not a date-time: %v", s, err)
	}
}

func (c *checker) dose(f fieldState, field path, bit uint32, v int) {
	if f.null&bit != 0 {
		c.add(field, "null, want integer")
		return
	}
	if !f.has(bit, v == 0) {
		c.add(field, "is required")
		return
	}
	if v < 1 {
		c.add(field, "%d is less than the minimum 1", v)
	}
	if c.rel.doseMax > 0 && v > c.rel.doseMax {
		c.add(field, "%d is more than the maximum %d", v, c.rel.doseMax)
	}
}

// with returns the path of field key of the object at p.
func (p path) with(key string) path {
	p.key = key
	return p
}

// common checks tg, co, is and ci of an entry.
func (c *checker) common(f fieldState, at path, tg, co, is, ci string) {
	if c.str(f, at.with("tg"), bTg, tg, true, 0) {
		c.member(at.with("tg"), valueset.DiseaseAgentTargeted, tg)
	}
	if c.str(f, at.with("co"), bCo, co, true, 0) {
		c.country(at.with("co"), co)
	}
	c.str(f, at.with("is"), bIs, is, true, c.rel.maxLen)
	c.str(f, at.with("ci"), bCi, ci, true, c.rel.maxLen)
}

func (c *checker) vaccination(i int, v *Vaccination) {
	at := path{group: 'v', index: i}
	f := fieldState{v.seen, v.null, v.seen|v.null != 0}
	c.common(f, at, v.Disease, v.Country, v.Issuer, v.ID)
	if c.str(f, at.with("vp"), bVp, v.VaccineType, true, 0) {
		c.member(at.with("vp"), valueset.VaccineTypes, v.VaccineType)
	}
	c.str(f, at.with("mp"), bMp, v.Product, true, 0)
	if c.str(f, at.with("ma"), bMa, v.Manufacturer, true, 0) {
		c.member(at.with("ma"), valueset.VaccineAuthHolders, v.Manufacturer)
	}
	c.dose(f, at.with("dn"), bDn, v.DoseNumber)
	c.dose(f, at.with("sd"), bSd, v.TotalDoses)
	if c.str(f, at.with("dt"), bDt, v.Date, true, 0) {
		c.date(at.with("dt"), v.Date)
	}
}

func (c *checker) test(i int, t *Test) {
	at := path{group: 't', index: i}
	f := fieldState{t.seen, t.null, t.seen|t.null != 0}
	c.common(f, at, t.Disease, t.Country, t.Issuer, t.ID)
	// tt is required but not checked against the value set: schema 1.0.0
	// left it free text, issuers kept writing free text in 1.0.x (Ireland's
	// "COVID-19 test", which the conformance data expects to pass), and which
	// test types a country accepts is an acceptance rule, not the schema.
	c.str(f, at.with("tt"), bTt, t.Type, true, 0)
	c.str(f, at.with("nm"), bNm, t.Name, false, c.rel.nmMaxLen)
	// The device id and its value set apply to rapid antigen tests only.
	// Issuers of NAAT certificates write it empty (HU, IT) or name the kit's
	// maker in it (LV: "1drop Inc"), which is no device to check.
	if c.str(f, at.with("ma"), bMa, t.Device, false, 0) && t.Type != TestTypeNAAT &&
		(t.Device != "" || t.Type == TestTypeRAT) {
		c.member(at.with("ma"), valueset.TestManufacturers, t.Device)
	}
	if c.str(f, at.with("sc"), bSc, t.SampleTime, true, 0) {
		c.dateTime(at.with("sc"), t.SampleTime)
	}
	if c.rel.resultTimeDef && c.str(f, at.with("dr"), bDr, t.ResultTime, false, 0) {
		c.dateTime(at.with("dr"), t.ResultTime)
	}
	if c.str(f, at.with("tr"), bTr, t.Result, true, 0) {
		c.member(at.with("tr"), valueset.TestResults, t.Result)
	}
	c.str(f, at.with("tc"), bTc, t.Centre, c.rel.tcRequired, c.rel.maxLen)
}

func (c *checker) recovery(i int, r *Recovery) {
	at := path{group: 'r', index: i}
	f := fieldState{r.seen, r.null, r.seen|r.null != 0}
	c.common(f, at, r.Disease, r.Country, r.Issuer, r.ID)
	if c.str(f, at.with("fr"), bFr, r.FirstPositive, true, 0) {
		c.date(at.with("fr"), r.FirstPositive)
	}
	if c.str(f, at.with("df"), bDf, r.ValidFrom, true, 0) {
		c.date(at.with("df"), r.ValidFrom)
	}
	if c.str(f, at.with("du"), bDu, r.ValidUntil, true, 0) {
		c.date(at.with("du"), r.ValidUntil)
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// versionPattern is ^\d+.\d+.\d+$ (the '.' of the schema matches any
// character).
func versionPattern(s string) bool {
	i, groups := 0, 0
	for groups < 3 {
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return false
		}
		groups++
		if groups < 3 {
			if i >= len(s) {
				return false
			}
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
		}
	}
	return i == len(s)
}

func icaoPattern(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < 'A' || s[i] > 'Z') && s[i] != '<' {
			return false
		}
	}
	return true
}

// partialDOB is ^(19|20)\d\d(-\d\d){0,2}$.
func partialDOB(s string) bool {
	if len(s) != 4 && len(s) != 7 && len(s) != 10 {
		return false
	}
	if s[:2] != "19" && s[:2] != "20" || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	for i := 4; i < len(s); i += 3 {
		if s[i] != '-' || !isDigit(s[i+1]) || !isDigit(s[i+2]) {
			return false
		}
	}
	return true
}

// dateLenient accepts a full date, optionally followed by 'T' and a time.
func dateLenient(s string) bool {
	if len(s) < 10 {
		return false
	}
	if _, _, _, err := parseYMD(s[:10]); err != nil {
		return false
	}
	if len(s) == 10 {
		return true
	}
	_, err := parseDateTime(s)
	return err == nil
}

// parseFullDate parses YYYY-MM-DD, a valid calendar date.
func parseFullDate(s string) (time.Time, error) {
	y, m, d, err := parseYMD(s)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
}

// parseYMD is parseFullDate returning the year, month and day, without
// the cost of a time.Time.
func parseYMD(s string) (y, m, d int, err error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, errors.New("want YYYY-MM-DD")
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return 0, 0, 0, errors.New("want YYYY-MM-DD")
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, errors.New("no such calendar date")
	}
	return y, m, d, nil
}

// daysIn returns the number of days of month m (1 to 12) of year y in the
// proleptic Gregorian calendar, as package time counts them.
func daysIn(y, m int) int {
	if m == 2 {
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, s != ""
}

// parseDateTime parses an RFC 3339 date-time leniently, as real DCCs carry
// them: "T" or "t" separator, seconds optional, fractional seconds, and an
// offset "Z", "+HH", "+HHMM", "+HH:MM" or none (UTC).
func parseDateTime(s string) (time.Time, error) {
	if len(s) < 16 {
		return time.Time{}, errors.New("want YYYY-MM-DDThh:mm:ss and an offset")
	}
	day, err := parseFullDate(s[:10])
	if err != nil {
		return time.Time{}, err
	}
	if s[10] != 'T' && s[10] != 't' {
		return time.Time{}, errors.New("want 'T' after the date")
	}
	rest := s[11:]
	hh, ok1 := digits(rest[0:2])
	mm, ok2 := digits(rest[3:5])
	if !ok1 || !ok2 || rest[2] != ':' || hh > 23 || mm > 59 {
		return time.Time{}, errors.New("want the time as hh:mm:ss")
	}
	rest = rest[5:]
	ss, nanos := 0, 0
	if len(rest) >= 3 && rest[0] == ':' {
		var ok bool
		if ss, ok = digits(rest[1:3]); !ok || ss > 60 {
			return time.Time{}, errors.New("invalid seconds")
		}
		rest = rest[3:]
		if len(rest) > 0 && rest[0] == '.' {
			i := 1
			for i < len(rest) && isDigit(rest[i]) {
				if i <= 9 {
					nanos = nanos*10 + int(rest[i]-'0')
				}
				i++
			}
			if i == 1 {
				return time.Time{}, errors.New("empty fraction of a second")
			}
			for j := min(i, 10); j < 10; j++ {
				nanos *= 10
			}
			rest = rest[i:]
		}
	}
	if ss == 60 { // a leap second: time.Time has none
		ss = 59
		nanos = 999999999
	}
	loc := time.UTC
	switch {
	case rest == "" || rest == "Z" || rest == "z":
	case rest[0] == '+' || rest[0] == '-':
		z := rest[1:]
		var oh, om int
		var ok bool
		switch len(z) {
		case 2:
			oh, ok = digits(z)
		case 4:
			oh, ok = digits(z[:2])
			om, _ = digits(z[2:])
			_, ok2 := digits(z[2:])
			ok = ok && ok2
		case 5:
			oh, ok = digits(z[:2])
			var ok2 bool
			om, ok2 = digits(z[3:])
			ok = ok && ok2 && z[2] == ':'
		}
		if !ok || oh > 23 || om > 59 {
			return time.Time{}, fmt.Errorf("invalid offset %q", rest)
		}
		off := oh*3600 + om*60
		if rest[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	default:
		return time.Time{}, fmt.Errorf("invalid offset %q", rest)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), hh, mm, ss, nanos, loc), nil
}

package healthcert

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ithc/ithc/internal/limits"
)

// ErrInvalidCertificate is wrapped by every *ValidationError.
var ErrInvalidCertificate = errors.New("healthcert: invalid certificate")

// MaxTotalDoses is the largest number of doses of a vaccination schedule.
const MaxTotalDoses = 20

// dateSlack is how far a calendar date may lie after the UTC date of the
// issuance time: the local date anywhere on Earth is at most 14 hours ahead
// of UTC (UTC+14), so a vaccination recorded in local time at issuance is
// not "in the future".
const dateSlack = 14 * time.Hour

// Problem is one broken invariant of a certificate.
type Problem struct {
	// Field is the path of the offending value in the JSON form, such as
	// "holder.name.family_icao" or "events[2].sample_time".
	Field string
	// Message says what is wrong, in lower case.
	Message string
}

// String returns "field: message", or the message alone for the whole
// certificate.
func (p Problem) String() string {
	if p.Field == "" {
		return p.Message
	}
	return p.Field + ": " + p.Message
}

// ValidationError lists every problem Certificate.Validate found. It
// wraps ErrInvalidCertificate.
type ValidationError struct {
	Problems []Problem
}

// Error lists every problem, separated by "; ".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("healthcert: invalid certificate: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap returns ErrInvalidCertificate.
func (e *ValidationError) Unwrap() error { return ErrInvalidCertificate }

// validator collects problems.
type validator struct{ problems []Problem }

func (v *validator) add(field, format string, args ...any) {
	v.problems = append(v.problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// text checks an optional free-text field: valid UTF-8, no control
// characters, at most limits.MaxCertText bytes.
func (v *validator) text(field, s string) {
	switch {
	case len(s) > limits.MaxCertText:
		v.add(field, "%d bytes, more than %d", len(s), limits.MaxCertText)
	case !utf8.ValidString(s):
		v.add(field, "not valid utf-8")
	default:
		for i, r := range s {
			if unicode.IsControl(r) {
				v.add(field, "control character %U at byte %d", r, i)
				return
			}
		}
	}
}

// required checks a mandatory free-text field.
// measure checks that a quantitative value is a finite, non-negative number.
func (v *validator) measure(field string, x float64) {
	if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
		v.add(field, "%v is not a finite non-negative number", x)
	}
}

func (v *validator) required(field, s string) {
	if s == "" {
		v.add(field, "missing")
		return
	}
	v.text(field, s)
}

// country checks an ISO 3166-1 alpha-2 shaped code.
func (v *validator) country(field, s string) {
	if s == "" {
		v.add(field, "missing")
	} else if !isAlpha2(s) {
		v.add(field, "%q is not an iso 3166-1 alpha-2 code (two letters A–Z)", s)
	}
}

// Validate checks every invariant of the certificate and returns nil or a
// *ValidationError listing all problems found, each with the path of the
// offending field. Dates are compared with the UTC calendar date of
// IssuedAt allowing for the UTC+14 time zone; times are compared exactly.
// Codes (diseases, vaccines, tests) are checked for presence only: their
// value sets belong to package valueset.
func (c *Certificate) Validate() error {
	if c == nil {
		return &ValidationError{Problems: []Problem{{Field: "", Message: "no certificate"}}}
	}
	var v validator
	v.id(c.ID)
	v.country("issuer.country", c.Issuer.Country)
	v.text("issuer.name", c.Issuer.Name)
	if c.IssuedAt.IsZero() {
		v.add("issued_at", "missing")
	}
	if c.ExpiresAt.IsZero() {
		v.add("expires_at", "missing")
	}
	if !c.IssuedAt.IsZero() && !c.ExpiresAt.IsZero() && !c.IssuedAt.Before(c.ExpiresAt) {
		v.add("expires_at", "%s is not after issued_at %s", c.ExpiresAt.UTC().Format(time.RFC3339), c.IssuedAt.UTC().Format(time.RFC3339))
	}
	latest := Date{}
	if !c.IssuedAt.IsZero() {
		latest = DateOf(c.IssuedAt.UTC().Add(dateSlack))
	}
	v.holder(&c.Holder, latest)
	switch {
	case len(c.Events) == 0:
		v.add("events", "no events")
	case len(c.Events) > limits.MaxEvents:
		v.add("events", "%d events, more than %d", len(c.Events), limits.MaxEvents)
	default:
		for i, e := range c.Events {
			// Fields are named relative to the event and prefixed with its
			// path only when there is a problem: building "events[i].x" for
			// every field of every event made most of the allocations of a
			// verification of a native code (issue 10).
			n := len(v.problems)
			v.event(e, c.IssuedAt, latest)
			if len(v.problems) > n {
				p := fmt.Sprintf("events[%d]", i)
				for j := n; j < len(v.problems); j++ {
					v.problems[j].Field = p + v.problems[j].Field
				}
			}
		}
	}
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

// id checks the UCI.
func (v *validator) id(s string) {
	switch {
	case s == "":
		v.add("id", "missing")
		return
	case len(s) > limits.MaxUCI:
		v.add("id", "%d characters, more than %d", len(s), limits.MaxUCI)
		return
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7E {
			v.add("id", "byte %#02x at offset %d is not printable ascii", s[i], i)
			return
		}
	}
	if strings.HasPrefix(s, uvciPrefix) {
		if _, err := ParseUVCI(s); err != nil {
			v.add("id", "%s", strings.TrimPrefix(err.Error(), "healthcert: "))
		}
	}
}

func (v *validator) holder(h *Holder, latest Date) {
	n := &h.Name
	v.text("holder.name.family", n.Family)
	v.text("holder.name.given", n.Given)
	if n.Family == "" && n.Given == "" {
		v.add("holder.name", "neither family nor given name")
	}
	v.icaoName("holder.name.family_icao", n.FamilyICAO, n.Family)
	v.icaoName("holder.name.given_icao", n.GivenICAO, n.Given)
	if err := h.DateOfBirth.check(); err != nil {
		v.add("holder.date_of_birth", "%s", err)
	} else if !latest.IsZero() && h.DateOfBirth.After(latest) {
		v.add("holder.date_of_birth", "%s is after the issuance date", h.DateOfBirth)
	}
	switch h.Sex {
	case SexUnspecified, SexFemale, SexMale, SexOther:
	default:
		v.add("holder.sex", "%q is not one of \"F\", \"M\", \"X\" or empty", h.Sex)
	}
	if d := h.Document; d != nil {
		if !isLetters(d.Type, 1, 2) {
			v.add("holder.document.type", "%q is not 1–2 letters A–Z", d.Type)
		}
		if !isMRZAlnum(d.Number, 1, 20) {
			v.add("holder.document.number", "%q is not 1–20 characters A–Z and 0–9", d.Number)
		}
		v.country("holder.document.issuing_state", d.IssuingState)
	}
}

// icaoName checks the ICAO form of a name component that has the native
// form native.
func (v *validator) icaoName(field, s, native string) {
	if s == "" {
		if native != "" {
			v.add(field, "missing (see icao.Fill)")
		}
		return
	}
	if err := CheckICAOName(s); err != nil {
		v.add(field, "%q: %s", s, err)
	}
}

func isLetters(s string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func isMRZAlnum(s string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// event checks one event; fields are named from the event (".method"),
// and Validate prefixes them with the event's path.
func (v *validator) event(e Event, issued time.Time, latest Date) {
	var c *Common
	switch e := e.(type) {
	case *Vaccination:
		if e == nil {
			break
		}
		c = &e.Common
		v.required(".vaccine_type", e.VaccineType)
		v.required(".product", e.Product)
		v.required(".manufacturer", e.Manufacturer)
		if e.TotalDoses < 1 || e.TotalDoses > MaxTotalDoses {
			v.add(".total_doses", "%d outside 1–%d", e.TotalDoses, MaxTotalDoses)
		}
		// A booster after a completed series may count past the series
		// (3 of 2, as several EU issuers wrote boosters).
		if e.DoseNumber < 1 || e.DoseNumber > MaxTotalDoses {
			v.add(".dose_number", "%d outside 1–%d", e.DoseNumber, MaxTotalDoses)
		}
		v.pastDate(".date", e.Date, latest)
	case *NucleicAcidTest:
		if e == nil {
			break
		}
		c = &e.Common
		v.required(".method", e.Method)
		v.text(".name", e.Name)
		v.sampleTime(".sample_time", e.SampleTime, issued)
		v.result(".result", e.Result)
	case *AntibodyTest:
		if e == nil {
			break
		}
		c = &e.Common
		switch e.Isotype {
		case IgM, IgG, TotalAntibody, IgA, NeutralisingAb:
		case "":
			v.add(".isotype", "missing")
		default:
			v.add(".isotype", "%q is not one of IgM, IgG, IgA, total, neutralising", e.Isotype)
		}
		v.text(".method", e.Method)
		v.text(".device", e.Device)
		v.sampleTime(".sample_time", e.SampleTime, issued)
		v.result(".result", e.Result)
		if q := e.Quantity; q != nil {
			v.measure(".quantity.value", q.Value)
			v.required(".quantity.unit", q.Unit)
			v.measure(".quantity.cut_off", q.CutOff)
		}
	case *AntigenTest:
		if e == nil {
			break
		}
		c = &e.Common
		v.required(".device", e.Device)
		v.text(".name", e.Name)
		v.sampleTime(".sample_time", e.SampleTime, issued)
		v.result(".result", e.Result)
	case *Recovery:
		if e == nil {
			break
		}
		c = &e.Common
		v.pastDate(".first_positive", e.FirstPositive, latest)
		for _, d := range []struct {
			f string
			d Date
		}{{".valid_from", e.ValidFrom}, {".valid_until", e.ValidUntil}} {
			if !d.d.IsZero() && !d.d.IsComplete() {
				v.add(d.f, "%s is not a complete valid date", d.d)
			}
		}
		if e.ValidFrom.IsComplete() && e.ValidUntil.IsComplete() && e.ValidFrom.After(e.ValidUntil) {
			v.add(".valid_until", "%s is before valid_from %s", e.ValidUntil, e.ValidFrom)
		}
	}
	if c == nil {
		v.add("", "no event")
		return
	}
	v.required(".disease", c.Disease)
	v.country(".country", c.Country)
	v.text(".centre", c.Centre)
}

// pastDate checks a date that must be complete and not after the
// issuance date.
func (v *validator) pastDate(field string, d Date, latest Date) {
	switch {
	case d.IsZero():
		v.add(field, "missing")
	case !d.IsComplete():
		v.add(field, "%s is not a complete valid date", d)
	case !latest.IsZero() && d.After(latest):
		v.add(field, "%s is after the issuance date", d)
	}
}

func (v *validator) sampleTime(field string, t, issued time.Time) {
	switch {
	case t.IsZero():
		v.add(field, "missing")
	case !issued.IsZero() && t.After(issued):
		v.add(field, "%s is after issued_at %s", t.UTC().Format(time.RFC3339), issued.UTC().Format(time.RFC3339))
	}
}

func (v *validator) result(field string, r TestResult) {
	switch r {
	case ResultNegative, ResultPositive, ResultInconclusive:
	case "":
		v.add(field, "missing")
	default:
		v.add(field, "%q is not one of negative, positive, inconclusive", r)
	}
}

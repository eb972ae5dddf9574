// Package view turns a certificate into what its human-readable forms
// show: the paper certificate (package render/pdf) and the wallet page
// (package render/html) print the same Form, so that both say the same
// thing in the same words.
//
// A Form holds every label in a pair of languages (Chinese and English by
// default; ParsePair reads others) and every value formatted: dates in ISO
// 8601 (unambiguous in every language), times in UTC, codes by their
// value-set display names, results and document types translated. The
// strings of all languages are in one table, lang.go.
//
// New checks every text of the certificate before anything is printed:
// valid UTF-8, no control or bidirectional-override characters (which
// could make a printed name read differently from the signed one), at most
// limits.MaxRenderText bytes, at most limits.MaxRenderEvents events. It
// does not check the certificate's content (Certificate.Validate does):
// a form shows what the code says, including a decoded EU DCC with fields
// the native model would refuse.
package view

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/valueset"
)

// ErrInput is wrapped by every error about the certificate given to New.
var ErrInput = errors.New("view: certificate cannot be shown")

// DefaultPair is the language pair of the forms when none is chosen.
const DefaultPair = "zh,en"

// Pair is the languages of a form: First is shown first (and larger on
// paper); Second is nil on a form in one language.
type Pair struct {
	First, Second *Language
}

// Languages returns the codes of the languages the forms speak, sorted.
func Languages() []string {
	codes := make([]string, 0, len(languages))
	for c := range languages {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return codes
}

// ParsePair reads a language pair, "zh,en", or a single language, "en".
// The empty string means DefaultPair.
func ParsePair(s string) (Pair, error) {
	if s == "" {
		s = DefaultPair
	}
	parts := strings.Split(s, ",")
	if len(parts) > 2 {
		return Pair{}, fmt.Errorf("view: language pair %q: at most two languages", s)
	}
	var p Pair
	for i, code := range parts {
		l := languages[strings.ToLower(strings.TrimSpace(code))]
		if l == nil {
			return Pair{}, fmt.Errorf("view: language %q is not available; choose from %s", code, strings.Join(Languages(), ", "))
		}
		if i == 0 {
			p.First = l
		} else if l != p.First {
			p.Second = l
		}
	}
	return p, nil
}

// String returns the pair as ParsePair reads it.
func (p Pair) String() string {
	if p.Second == nil {
		return p.First.Code
	}
	return p.First.Code + "," + p.Second.Code
}

// Text is a string in the two languages of a pair. Second is empty for a
// value that is the same in every language (a name, a date, a code) and
// on a form in one language.
type Text struct {
	First, Second string
}

// String returns both languages, "姓名 / Name", or the one there is.
func (t Text) String() string {
	if t.Second == "" {
		return t.First
	}
	return t.First + " / " + t.Second
}

func (p Pair) text(f func(*Language) string) Text {
	t := Text{First: f(p.First)}
	if p.Second != nil {
		t.Second = f(p.Second)
	}
	return t
}

func neutral(s string) Text { return Text{First: s} }

// Field is a label and its value.
type Field struct {
	Label, Value Text
}

// Event is one row of the events table.
type Event struct {
	Number int
	Type   Text
	// Date is the vaccination date, the sample time of a test or the
	// first positive test of a recovery.
	Date string
	// Details are language-neutral lines: the disease, the vaccine or
	// test, its product, manufacturer or device, by value-set name.
	Details []string
	// Result holds the result of a test (with a quantity), the dose of a
	// vaccination, or the validity of a recovery.
	Result []Text
	// Place is the centre and the country code.
	Place string
}

// Form is a certificate as its human-readable forms show it.
type Form struct {
	Pair  Pair
	Title Text

	HolderTitle Text
	Holder      []Field

	CertificateTitle Text
	Certificate      []Field

	EventsTitle Text
	// Columns are the headings of the events table: number, event, date,
	// details, result, place.
	Columns [6]Text
	Events  []Event

	InstructionsTitle Text
	Instructions      []Text
	QRCaption         Text
	CodeText          Text
	Language          Text

	// ID is the certificate identifier and Name the holder's name in
	// native script, for document titles.
	ID, Name string
}

// Page returns "page n of m" in the pair's languages.
func (f *Form) Page(n, m int) Text {
	return f.Pair.text(func(l *Language) string { return fmt.Sprintf(l.Page, n, m) })
}

// none is shown for an unknown value.
const none = "—"

// New builds the form of c in the languages p (DefaultPair when p is the
// zero Pair). sets names the codes (valueset.Default when nil).
func New(c *healthcert.Certificate, p Pair, sets *valueset.Sets) (*Form, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: no certificate", ErrInput)
	}
	if p.First == nil {
		var err error
		if p, err = ParsePair(""); err != nil {
			return nil, err
		}
	}
	if sets == nil {
		sets = valueset.Default()
	}
	if err := checkTexts(c); err != nil {
		return nil, err
	}
	f := &Form{Pair: p, ID: c.ID}
	tr := p.text
	f.Title = tr(func(l *Language) string { return l.Title })

	h := &c.Holder
	f.Name = nativeName(h.Name.Family, h.Name.Given)
	icao := nativeName(strings.ReplaceAll(h.Name.FamilyICAO, "<", " "), strings.ReplaceAll(h.Name.GivenICAO, "<", " "))
	f.HolderTitle = tr(func(l *Language) string { return l.Holder })
	f.Holder = []Field{
		{tr(func(l *Language) string { return l.HolderName }), neutral(orNone(f.Name))},
		{tr(func(l *Language) string { return l.NameICAO }), neutral(orNone(icao))},
		{tr(func(l *Language) string { return l.DateOfBirth }), neutral(orNone(h.DateOfBirth.String()))},
	}
	if h.Sex != healthcert.SexUnspecified {
		f.Holder = append(f.Holder, Field{tr(func(l *Language) string { return l.Sex }),
			tr(func(l *Language) string { return orCode(l.Sexes[h.Sex], string(h.Sex)) })})
	}
	if d := h.Document; d != nil {
		f.Holder = append(f.Holder, Field{tr(func(l *Language) string { return l.Document }),
			tr(func(l *Language) string {
				s := orCode(l.Documents[d.Type], d.Type) + " " + d.Number
				if d.IssuingState != "" {
					s += " (" + d.IssuingState + ")"
				}
				return strings.TrimSpace(s)
			})})
	}

	f.CertificateTitle = tr(func(l *Language) string { return l.Certificate })
	issuer := c.Issuer.Name
	if c.Issuer.Country != "" {
		issuer = strings.TrimSpace(issuer + " (" + c.Issuer.Country + ")")
	}
	f.Certificate = []Field{
		{tr(func(l *Language) string { return l.CertificateID }), neutral(orNone(c.ID))},
		{tr(func(l *Language) string { return l.Issuer }), neutral(orNone(issuer))},
		{tr(func(l *Language) string { return l.IssuedAt }), neutral(timeString(c.IssuedAt))},
		{tr(func(l *Language) string { return l.ExpiresAt }), neutral(timeString(c.ExpiresAt))},
	}

	f.EventsTitle = tr(func(l *Language) string { return l.Events })
	f.Columns = [6]Text{
		tr(func(l *Language) string { return l.ColNumber }),
		tr(func(l *Language) string { return l.ColEvent }),
		tr(func(l *Language) string { return l.ColDate }),
		tr(func(l *Language) string { return l.ColDetails }),
		tr(func(l *Language) string { return l.ColResult }),
		tr(func(l *Language) string { return l.ColPlace }),
	}
	for i, e := range c.Events {
		ev, err := event(e, p, sets)
		if err != nil {
			return nil, fmt.Errorf("%w: events[%d]: %v", ErrInput, i, err)
		}
		ev.Number = i + 1
		f.Events = append(f.Events, ev)
	}

	f.InstructionsTitle = tr(func(l *Language) string { return l.InstructionsTitle })
	for i := range p.First.Instructions {
		f.Instructions = append(f.Instructions, tr(func(l *Language) string { return l.Instructions[i] }))
	}
	f.QRCaption = tr(func(l *Language) string { return l.QRCaption })
	f.CodeText = tr(func(l *Language) string { return l.CodeText })
	f.Language = tr(func(l *Language) string { return l.Language })
	return f, nil
}

func event(e healthcert.Event, p Pair, sets *valueset.Sets) (Event, error) {
	if e == nil {
		return Event{}, errors.New("no event")
	}
	tr := p.text
	typ := e.Type()
	ev := Event{Type: tr(func(l *Language) string { return l.EventTypes[typ] })}
	var common healthcert.Common
	result := func(r healthcert.TestResult) Text {
		return tr(func(l *Language) string { return orCode(l.Results[r], string(r)) })
	}
	switch e := e.(type) {
	case *healthcert.Vaccination:
		common = e.Common
		ev.Date = orNone(e.Date.String())
		ev.Details = lines(
			display(sets, valueset.DiseaseAgentTargeted, e.Disease),
			display(sets, valueset.VaccineTypes, e.VaccineType),
			productName(sets, e.Product),
			display(sets, valueset.VaccineAuthHolders, e.Manufacturer))
		ev.Result = []Text{tr(func(l *Language) string { return fmt.Sprintf(l.Dose, e.DoseNumber, e.TotalDoses) })}
	case *healthcert.NucleicAcidTest:
		common = e.Common
		ev.Date = timeString(e.SampleTime)
		ev.Details = lines(
			display(sets, valueset.DiseaseAgentTargeted, e.Disease),
			display(sets, valueset.NAATMethods, e.Method),
			e.Name)
		ev.Result = []Text{result(e.Result)}
	case *healthcert.AntibodyTest:
		common = e.Common
		ev.Date = timeString(e.SampleTime)
		method := display(sets, valueset.AntibodyMethods, e.Method)
		if method == e.Method {
			method = display(sets, valueset.SerologyTestTypes, e.Method)
		}
		ev.Details = lines(
			display(sets, valueset.DiseaseAgentTargeted, e.Disease),
			string(e.Isotype),
			method,
			e.Device)
		ev.Result = []Text{result(e.Result)}
		if q := e.Quantity; q != nil {
			value := strconv.FormatFloat(q.Value, 'g', -1, 64) + " " + q.Unit
			cut := strconv.FormatFloat(q.CutOff, 'g', -1, 64)
			ev.Result = append(ev.Result, tr(func(l *Language) string {
				return strings.TrimSpace(value) + " (" + fmt.Sprintf(l.CutOff, cut) + ")"
			}))
		}
	case *healthcert.AntigenTest:
		common = e.Common
		ev.Date = timeString(e.SampleTime)
		ev.Details = lines(
			display(sets, valueset.DiseaseAgentTargeted, e.Disease),
			display(sets, valueset.TestManufacturers, e.Device),
			e.Name)
		ev.Result = []Text{result(e.Result)}
	case *healthcert.Recovery:
		common = e.Common
		ev.Date = orNone(e.FirstPositive.String())
		ev.Details = lines(display(sets, valueset.DiseaseAgentTargeted, e.Disease))
		from, until := orNone(e.ValidFrom.String()), orNone(e.ValidUntil.String())
		ev.Result = []Text{tr(func(l *Language) string { return fmt.Sprintf(l.ValidFromTo, from, until) })}
	default:
		return Event{}, fmt.Errorf("unknown event type %q", typ)
	}
	ev.Place = strings.Join(lines(common.Centre, common.Country), ", ")
	if ev.Place == "" {
		ev.Place = none
	}
	return ev, nil
}

// display returns the value-set name of code, or the code itself.
func display(sets *valueset.Sets, set, code string) string {
	if d, ok := sets.Display(set, code); ok && d != "" {
		return d
	}
	return code
}

func productName(sets *valueset.Sets, code string) string {
	if d, ok := sets.Display(valueset.VaccineProducts, code); ok && d != "" {
		return d
	}
	return display(sets, valueset.ExtraVaccineProducts, code)
}

// lines returns the non-empty strings of s.
func lines(s ...string) []string {
	out := s[:0]
	for _, l := range s {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}

func orCode(s, code string) string {
	if s == "" {
		return code
	}
	return s
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return none
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// nativeName joins family and given names: with no space when both are
// written in Han characters ("张伟"), else "Family, Given".
func nativeName(family, given string) string {
	switch {
	case family == "":
		return given
	case given == "":
		return family
	case isHan(family) && isHan(given):
		return family + given
	}
	return family + ", " + given
}

func isHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

// checkTexts checks every string of c that a form prints.
func checkTexts(c *healthcert.Certificate) error {
	if len(c.Events) > limits.MaxRenderEvents {
		return fmt.Errorf("%w: %d events, more than %d", ErrInput, len(c.Events), limits.MaxRenderEvents)
	}
	type field struct {
		name, s string
	}
	h := &c.Holder
	fields := []field{
		{"id", c.ID}, {"issuer.country", c.Issuer.Country}, {"issuer.name", c.Issuer.Name},
		{"holder.name.family", h.Name.Family}, {"holder.name.given", h.Name.Given},
		{"holder.name.family_icao", h.Name.FamilyICAO}, {"holder.name.given_icao", h.Name.GivenICAO},
		{"holder.sex", string(h.Sex)},
	}
	if d := h.Document; d != nil {
		fields = append(fields, field{"holder.document.type", d.Type}, field{"holder.document.number", d.Number},
			field{"holder.document.issuing_state", d.IssuingState})
	}
	for i, e := range c.Events {
		p := fmt.Sprintf("events[%d].", i)
		var common healthcert.Common
		switch e := e.(type) {
		case *healthcert.Vaccination:
			common = e.Common
			fields = append(fields, field{p + "vaccine_type", e.VaccineType}, field{p + "product", e.Product}, field{p + "manufacturer", e.Manufacturer})
		case *healthcert.NucleicAcidTest:
			common = e.Common
			fields = append(fields, field{p + "method", e.Method}, field{p + "name", e.Name}, field{p + "result", string(e.Result)})
		case *healthcert.AntibodyTest:
			common = e.Common
			fields = append(fields, field{p + "isotype", string(e.Isotype)}, field{p + "method", e.Method}, field{p + "device", e.Device}, field{p + "result", string(e.Result)})
			if e.Quantity != nil {
				fields = append(fields, field{p + "quantity.unit", e.Quantity.Unit})
			}
		case *healthcert.AntigenTest:
			common = e.Common
			fields = append(fields, field{p + "device", e.Device}, field{p + "name", e.Name}, field{p + "result", string(e.Result)})
		case *healthcert.Recovery:
			common = e.Common
		}
		fields = append(fields, field{p + "disease", common.Disease}, field{p + "country", common.Country}, field{p + "centre", common.Centre})
	}
	for _, f := range fields {
		if err := CheckText(f.s); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInput, f.name, err)
		}
	}
	return nil
}

// CheckText reports why s cannot be printed on a form: invalid UTF-8, a
// control character, a bidirectional formatting character, or more than
// limits.MaxRenderText bytes.
func CheckText(s string) error {
	if len(s) > limits.MaxRenderText {
		return fmt.Errorf("%d bytes, more than %d", len(s), limits.MaxRenderText)
	}
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return fmt.Errorf("invalid UTF-8 at byte %d", i)
		case unicode.IsControl(r):
			return fmt.Errorf("control character %U at byte %d", r, i)
		case unicode.Is(unicode.Bidi_Control, r):
			return fmt.Errorf("bidirectional formatting character %U at byte %d", r, i)
		}
	}
	return nil
}

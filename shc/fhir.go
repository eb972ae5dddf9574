package shc

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ithc/ithc/internal/limits"
)

// Coding is a FHIR Coding: a code in a code system.
type Coding struct {
	System string `json:"system"`
	Code   string `json:"code"`
}

// Patient is the holder, from the bundle's Patient resource.
type Patient struct {
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
	// BirthDate is a FHIR date: YYYY, YYYY-MM or YYYY-MM-DD.
	BirthDate string `json:"birthDate,omitempty"`
	// Gender is a FHIR administrative gender, rarely present (the
	// specification's data minimisation leaves it out).
	Gender string `json:"gender,omitempty"`
}

// Immunization is one Immunization resource.
type Immunization struct {
	// Ref is the entry's fullUrl, such as "resource:1".
	Ref string `json:"ref"`
	// VaccineCodes are vaccineCode.coding: CVX, SNOMED CT or ICD-11.
	VaccineCodes []Coding `json:"vaccineCodes"`
	// Occurrence is occurrenceDateTime, a FHIR date or dateTime.
	Occurrence string `json:"occurrence"`
	// Performer is performer[0].actor.display, when present.
	Performer string `json:"performer,omitempty"`
	LotNumber string `json:"lotNumber,omitempty"`
	// DoseNumber and SeriesDoses are protocolApplied[0]'s
	// doseNumberPositiveInt and seriesDosesPositiveInt, rarely present.
	DoseNumber  int `json:"doseNumber,omitempty"`
	SeriesDoses int `json:"seriesDoses,omitempty"`
	// PatientRef is patient.reference when it names the bundle's
	// Patient, else empty.
	PatientRef string `json:"patientRef,omitempty"`
}

// Quantity is a FHIR Quantity.
type Quantity struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
	Code  string  `json:"code,omitempty"`
}

// Observation is one Observation resource.
type Observation struct {
	Ref    string `json:"ref"`
	Status string `json:"status"`
	// Codes are code.coding, LOINC for a laboratory test.
	Codes []Coding `json:"codes"`
	// Effective is effectiveDateTime, when present.
	Effective string `json:"effective,omitempty"`
	// ValueCodes are valueCodeableConcept.coding (SNOMED CT results).
	ValueCodes []Coding `json:"valueCodes,omitempty"`
	// Interpretation are interpretation[0].coding (HL7 v3
	// ObservationInterpretation), the qualitative result of a
	// quantitative test.
	Interpretation []Coding `json:"interpretation,omitempty"`
	// ValueQuantity is valueQuantity.
	ValueQuantity *Quantity `json:"valueQuantity,omitempty"`
	// ReferenceHigh is referenceRange[0].high.value: the cut-off of a
	// quantitative result.
	ReferenceHigh *float64 `json:"referenceHigh,omitempty"`
	Performer     string   `json:"performer,omitempty"`
	// SubjectRef is subject.reference when it names the bundle's Patient.
	SubjectRef string `json:"subjectRef,omitempty"`
}

// Bundle is the content of a card's FHIR bundle that the native model can
// hold, and the list of what it cannot.
type Bundle struct {
	Patient       *Patient        `json:"patient,omitempty"`
	Immunizations []*Immunization `json:"immunizations,omitempty"`
	Observations  []*Observation  `json:"observations,omitempty"`
	// Others lists the other resources, as "resource:3 DiagnosticReport".
	Others []string `json:"others,omitempty"`
	// Raw is the bundle's JSON as received.
	Raw json.RawMessage `json:"-"`
	// order holds the Immunizations and Observations in entry order.
	order []any
}

// Strictness says how ParseBundle treats the specification's
// recommendations (SHOULD), such as short "resource:N" references.
type Strictness int

const (
	// Lenient reports recommendations not followed as warnings: a
	// verifier accepts what issuers really sent.
	Lenient Strictness = iota
	// Strict makes them errors, as the specification's validator does: for
	// issuers checking their output.
	Strict
)

var (
	shortRef   = regexp.MustCompile(`^resource:(0|[1-9][0-9]*)$`)
	fhirDate   = regexp.MustCompile(`^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$`)
	fhirDTTime = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$`)
)

// validFHIRDateTime reports whether s is a FHIR date or dateTime.
func validFHIRDateTime(s string) bool { return fhirDate.MatchString(s) || fhirDTTime.MatchString(s) }

// maxShownProblems is how many problems of a bundle an error names.
const maxShownProblems = 8

// bundleChecker collects the problems of one bundle.
type bundleChecker struct {
	strict   Strictness
	errs     []string
	warnings []Finding
}

// must records a violation of FHIR or of a SHALL of the specification.
func (c *bundleChecker) must(path, format string, args ...any) {
	c.errs = append(c.errs, path+": "+fmt.Sprintf(format, args...))
}

// should records a recommendation not followed.
func (c *bundleChecker) should(path, format string, args ...any) {
	if c.strict == Strict {
		c.must(path, format, args...)
		return
	}
	c.warnings = append(c.warnings, warn(CodeFHIRSchema, "%s: %s", path, fmt.Sprintf(format, args...)))
}

// advise records a data-minimisation advice not followed: always a warning.
func (c *bundleChecker) advise(path, format string, args ...any) {
	c.warnings = append(c.warnings, warn(CodeFHIRSchema, "%s: %s", path, fmt.Sprintf(format, args...)))
}

// ParseBundle reads and checks a card's FHIR bundle (FHIR R4 JSON, as
// SMART Health Cards 1.3 restrict it) and extracts the resources the
// native model can hold: the Patient, Immunizations and Observations.
//
// Errors (FHIR_SCHEMA_ERROR), all reported at once with their paths:
// not a Bundle of type "collection"; no entry, or more than
// limits.MaxSHCEntries; an entry without resource; an empty string,
// array or object or a null (FHIR JSON has none); a Coding with an element
// FHIR does not define; an Immunization whose status is not "completed",
// without a coded vaccine, a patient reference or exactly one
// occurrenceDateTime; an Observation with an invalid status or without a
// code; a date that is not a FHIR date or dateTime; a reference of an
// Immunization or Observation to no entry of the bundle.
//
// Recommendations (errors when strict, else warnings): fullUrl and
// references in the short form "resource:N".
//
// Data-minimisation advice (always warnings): Resource.id, .meta (other
// than meta.security), .text, Coding.display, CodeableConcept.text,
// Reference.display.
func ParseBundle(data []byte, strict Strictness) (*Bundle, []Finding, error) {
	tree, err := parseJSON(data)
	if err != nil {
		return nil, nil, fail(StatusInvalidSigningFormat, StageFHIR, CodeJSONParse, "the fhir bundle is not json: %v", err)
	}
	return parseBundleTree(tree, append(json.RawMessage(nil), data...), strict)
}

// parseBundleTree is ParseBundle on a parsed tree.
func parseBundleTree(tree any, raw json.RawMessage, strict Strictness) (*Bundle, []Finding, error) {
	c := &bundleChecker{strict: strict}
	b := c.bundle(tree)
	b.Raw = raw
	// Map iteration found the problems in random order: sort them, so that
	// a report is the same from one run to the next.
	sort.Strings(c.errs)
	sort.SliceStable(c.warnings, func(i, j int) bool { return c.warnings[i].Message < c.warnings[j].Message })
	if len(c.errs) > 0 {
		shown := c.errs
		if len(shown) > maxShownProblems {
			shown = shown[:maxShownProblems]
		}
		detail := strings.Join(shown, "; ")
		if len(c.errs) > 1 {
			detail = fmt.Sprintf("%d problems: %s", len(c.errs), detail)
		}
		if len(c.errs) > len(shown) {
			detail += fmt.Sprintf("; and %d more", len(c.errs)-len(shown))
		}
		return nil, c.warnings, fail(StatusInvalidSigningFormat, StageFHIR, CodeFHIRSchema, "%s", detail)
	}
	return b, c.warnings, nil
}

func (c *bundleChecker) bundle(tree any) *Bundle {
	b := &Bundle{}
	top, ok := tree.(map[string]any)
	if !ok {
		c.must("Bundle", "is %s, not an object", jsonType(tree))
		return b
	}
	c.empties(&fpath{key: "Bundle"}, top)
	if top["resourceType"] != "Bundle" {
		c.must("Bundle.resourceType", "is %v, not \"Bundle\"", top["resourceType"])
		return b
	}
	if top["type"] != "collection" {
		c.must("Bundle.type", "is %v, not \"collection\"", top["type"])
	}
	for _, k := range []string{"id", "meta", "text"} {
		if _, ok := top[k]; ok {
			c.advise("Bundle."+k, "leave out (data minimisation)")
		}
	}
	entries, ok := top["entry"].([]any)
	switch {
	case !ok || len(entries) == 0:
		c.must("Bundle.entry", "no entries")
		return b
	case len(entries) > limits.MaxSHCEntries:
		c.must("Bundle.entry", "%d entries, more than %d", len(entries), limits.MaxSHCEntries)
		return b
	}
	// First pass: the fullUrl of every entry, to resolve references.
	types := map[string]string{}
	for i, e := range entries {
		em, _ := e.(map[string]any)
		path := fmt.Sprintf("Bundle.entry[%d]", i)
		if em == nil {
			c.must(path, "is %s, not an object", jsonType(e))
			continue
		}
		url, _ := em["fullUrl"].(string)
		if url == "" {
			c.must(path+".fullUrl", "missing")
		} else if !shortRef.MatchString(url) {
			c.should(path+".fullUrl", "%q is not of the short form \"resource:N\"", url)
		}
		r, _ := em["resource"].(map[string]any)
		if r == nil {
			c.must(path+".resource", "missing")
			continue
		}
		rt, _ := r["resourceType"].(string)
		if rt == "" {
			c.must(path+".resource.resourceType", "missing")
			continue
		}
		if url != "" {
			if _, dup := types[url]; dup {
				c.must(path+".fullUrl", "%q is used by another entry", url)
			}
			types[url] = rt
		}
	}
	for i, e := range entries {
		em, _ := e.(map[string]any)
		r, _ := em["resource"].(map[string]any)
		rt, _ := r["resourceType"].(string)
		if rt == "" {
			continue
		}
		url, _ := em["fullUrl"].(string)
		path := fmt.Sprintf("Bundle.entry[%d].resource(%s)", i, rt)
		c.minimised(path, rt, r)
		c.references(&fpath{key: path}, r)
		switch rt {
		case "Patient":
			p := c.patient(path, r)
			if b.Patient != nil {
				c.must(path, "a second Patient: a card is about one person")
			}
			b.Patient = p
		case "Immunization":
			if im := c.immunization(path, url, r, types); im != nil {
				b.Immunizations = append(b.Immunizations, im)
				b.order = append(b.order, im)
			}
		case "Observation":
			if ob := c.observation(path, url, r, types); ob != nil {
				b.Observations = append(b.Observations, ob)
				b.order = append(b.order, ob)
			}
		default:
			b.Others = append(b.Others, strings.TrimSpace(url+" "+rt))
		}
	}
	return b
}

// fpath is the path of a value in the bundle, built only when a problem
// is reported: formatting it for every value visited took a fifth of a
// verification.
type fpath struct {
	parent *fpath
	key    string // object member, or "" for an array element
	index  int
}

func (p *fpath) String() string {
	if p.parent == nil {
		return p.key
	}
	if p.key == "" {
		return p.parent.String() + "[" + strconv.Itoa(p.index) + "]"
	}
	return p.parent.String() + "." + p.key
}

// empties reports empty values, which FHIR JSON forbids.
func (c *bundleChecker) empties(path *fpath, v any) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			c.must(path.String(), "empty object")
		}
		for k, e := range t {
			c.empties(&fpath{parent: path, key: k}, e)
		}
	case []any:
		if len(t) == 0 {
			c.must(path.String(), "empty array")
		}
		for i, e := range t {
			c.empties(&fpath{parent: path, index: i}, e)
		}
	case string:
		if t == "" {
			c.must(path.String(), "empty string")
		}
	case nil:
		c.must(path.String(), "null")
	}
}

// minimised gives the data-minimisation advice of one resource.
func (c *bundleChecker) minimised(path, rt string, r map[string]any) {
	if _, ok := r["id"]; ok {
		c.advise(path+".id", "leave out (data minimisation)")
	}
	if _, ok := r["text"]; ok {
		c.advise(path+".text", "leave out (data minimisation)")
	}
	if meta, ok := r["meta"]; ok {
		m, _ := meta.(map[string]any)
		_, hasSec := m["security"]
		if m == nil || len(m) != 1 || !hasSec {
			c.advise(path+".meta", "only meta.security may be present (data minimisation)")
		}
		if m != nil {
			if sec, ok := m["security"].([]any); ok {
				for i, s := range sec {
					c.coding(fmt.Sprintf("%s.meta.security[%d]", path, i), s)
				}
			}
		}
	}
	var walk func(p *fpath, v any, inActor bool)
	walk = func(p *fpath, v any, inActor bool) {
		switch t := v.(type) {
		case map[string]any:
			if codings, ok := t["coding"].([]any); ok {
				for i, cd := range codings {
					m, ok := cd.(map[string]any)
					if !ok || !codingKeysOK(m) {
						c.coding(fmt.Sprintf("%s.coding[%d]", p, i), cd)
					}
					if _, ok := m["display"]; ok {
						c.advise(fmt.Sprintf("%s.coding[%d].display", p, i), "leave out (data minimisation)")
					}
				}
				if _, ok := t["text"]; ok {
					c.advise(p.String()+".text", "leave out (data minimisation)")
				}
			}
			if _, ok := t["display"]; ok && !inActor {
				if _, isRef := t["reference"]; isRef {
					c.advise(p.String()+".display", "leave out (data minimisation)")
				}
			}
			for k, e := range t {
				if k == "coding" {
					continue
				}
				switch e.(type) {
				case map[string]any, []any:
					walk(&fpath{parent: p, key: k}, e, rt == "Immunization" && k == "actor")
				}
			}
		case []any:
			for i, e := range t {
				switch e.(type) {
				case map[string]any, []any:
					walk(&fpath{parent: p, index: i}, e, false)
				}
			}
		}
	}
	walk(&fpath{key: path}, r, false)
}

// codingKeysOK reports whether a Coding has only elements FHIR defines.
func codingKeysOK(m map[string]any) bool {
	for k := range m {
		switch k {
		case "system", "version", "code", "display", "userSelected", "id", "extension":
		default:
			return false
		}
	}
	return true
}

// coding checks the elements of a Coding.
func (c *bundleChecker) coding(path string, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		c.must(path, "is %s, not a Coding", jsonType(v))
		return
	}
	for k := range m {
		switch k {
		case "system", "version", "code", "display", "userSelected", "id", "extension":
		default:
			c.must(path+"."+k, "is not an element of Coding")
		}
	}
}

// references checks every Reference.reference of a resource.
func (c *bundleChecker) references(path *fpath, v any) {
	switch t := v.(type) {
	case map[string]any:
		if ref, ok := t["reference"].(string); ok && ref != "" && !shortRef.MatchString(ref) {
			c.should(path.String()+".reference", "%q is not of the short form \"resource:N\"", ref)
		}
		for k, e := range t {
			switch e.(type) {
			case map[string]any, []any:
				c.references(&fpath{parent: path, key: k}, e)
			}
		}
	case []any:
		for i, e := range t {
			switch e.(type) {
			case map[string]any, []any:
				c.references(&fpath{parent: path, index: i}, e)
			}
		}
	}
}

func (c *bundleChecker) patient(path string, r map[string]any) *Patient {
	p := &Patient{}
	if names, ok := r["name"].([]any); ok && len(names) > 0 {
		n, _ := names[0].(map[string]any)
		p.Family, _ = n["family"].(string)
		if given, ok := n["given"].([]any); ok {
			for _, g := range given {
				if s, ok := g.(string); ok {
					p.Given = append(p.Given, s)
				}
			}
		}
		if p.Family == "" && len(p.Given) == 0 {
			if text, ok := n["text"].(string); ok {
				p.Family = text
			}
		}
	} else {
		c.must(path+".name", "missing: a card names its holder")
	}
	if bd, has := r["birthDate"]; has {
		s, _ := bd.(string)
		if !fhirDate.MatchString(s) {
			c.must(path+".birthDate", "%v is not a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)", bd)
		}
		p.BirthDate = s
	}
	p.Gender, _ = r["gender"].(string)
	return p
}

// subjectRef checks the reference of a resource to its patient.
func (c *bundleChecker) subjectRef(path string, v any, types map[string]string, required bool) string {
	m, _ := v.(map[string]any)
	ref, _ := m["reference"].(string)
	if ref == "" {
		if required {
			c.must(path, "missing reference to the Patient")
		}
		return ""
	}
	switch types[ref] {
	case "Patient":
		return ref
	case "":
		c.should(path+".reference", "%q is no entry of the bundle", ref)
	default:
		c.should(path+".reference", "%q is a %s, not the Patient", ref, types[ref])
	}
	return ""
}

// codings reads the codings of a CodeableConcept that must have a coded
// value.
func (c *bundleChecker) codings(path string, v any, required bool) []Coding {
	m, ok := v.(map[string]any)
	if !ok {
		if required || v != nil {
			c.must(path, "missing CodeableConcept")
		}
		return nil
	}
	list, _ := m["coding"].([]any)
	var out []Coding
	for i, e := range list {
		cm, _ := e.(map[string]any)
		sys, _ := cm["system"].(string)
		code, _ := cm["code"].(string)
		if sys == "" || code == "" {
			c.must(fmt.Sprintf("%s.coding[%d]", path, i), "a coding needs a system and a code")
			continue
		}
		out = append(out, Coding{System: sys, Code: code})
	}
	if len(out) == 0 && len(list) == 0 {
		c.must(path+".coding", "no coding")
	}
	return out
}

func (c *bundleChecker) immunization(path, url string, r map[string]any, types map[string]string) *Immunization {
	im := &Immunization{Ref: url}
	switch st, _ := r["status"].(string); st {
	case "completed":
	case "entered-in-error", "not-done":
		c.must(path+".status", "%q: only a completed immunization belongs on a health card", st)
	default:
		c.must(path+".status", "%v is not \"completed\" (FHIR codes are lower case: completed, entered-in-error, not-done)", r["status"])
	}
	im.VaccineCodes = c.codings(path+".vaccineCode", r["vaccineCode"], true)
	im.PatientRef = c.subjectRef(path+".patient", r["patient"], types, true)
	dt, hasDT := r["occurrenceDateTime"]
	_, hasStr := r["occurrenceString"]
	switch {
	case hasDT && hasStr:
		c.must(path+".occurrence[x]", "both occurrenceDateTime and occurrenceString: one only")
	case !hasDT && hasStr:
		c.must(path+".occurrenceDateTime", "missing (occurrenceString is not a date SMART Health Cards accept)")
	case !hasDT:
		c.must(path+".occurrenceDateTime", "missing")
	default:
		s, _ := dt.(string)
		if !validFHIRDateTime(s) {
			c.must(path+".occurrenceDateTime", "%v is not a FHIR dateTime", dt)
		}
		im.Occurrence = s
	}
	if perf, ok := r["performer"].([]any); ok && len(perf) > 0 {
		pm, _ := perf[0].(map[string]any)
		actor, _ := pm["actor"].(map[string]any)
		im.Performer, _ = actor["display"].(string)
	}
	if lot, has := r["lotNumber"]; has {
		s, ok := lot.(string)
		if !ok {
			c.must(path+".lotNumber", "is %s, not a string", jsonType(lot))
		}
		im.LotNumber = s
	}
	if pa, ok := r["protocolApplied"].([]any); ok && len(pa) > 0 {
		pm, _ := pa[0].(map[string]any)
		im.DoseNumber = positiveInt(pm["doseNumberPositiveInt"])
		im.SeriesDoses = positiveInt(pm["seriesDosesPositiveInt"])
	}
	return im
}

var observationStatus = map[string]bool{
	"registered": true, "preliminary": true, "final": true, "amended": true, "corrected": true,
	"cancelled": true, "entered-in-error": true, "unknown": true,
}

func (c *bundleChecker) observation(path, url string, r map[string]any, types map[string]string) *Observation {
	ob := &Observation{Ref: url}
	ob.Status, _ = r["status"].(string)
	if !observationStatus[ob.Status] {
		c.must(path+".status", "%v is not a FHIR observation status", r["status"])
	}
	ob.Codes = c.codings(path+".code", r["code"], true)
	ob.SubjectRef = c.subjectRef(path+".subject", r["subject"], types, false)
	if eff, has := r["effectiveDateTime"]; has {
		s, _ := eff.(string)
		if !validFHIRDateTime(s) {
			c.must(path+".effectiveDateTime", "%v is not a FHIR dateTime", eff)
		}
		ob.Effective = s
	}
	if v, has := r["valueCodeableConcept"]; has {
		ob.ValueCodes = c.codings(path+".valueCodeableConcept", v, true)
	}
	if v, has := r["valueQuantity"]; has {
		q, _ := v.(map[string]any)
		n, ok := q["value"].(json.Number)
		f, err := strconv.ParseFloat(string(n), 64)
		if !ok || err != nil {
			c.must(path+".valueQuantity.value", "missing or not a number")
		} else {
			ob.ValueQuantity = &Quantity{Value: f}
			ob.ValueQuantity.Unit, _ = q["unit"].(string)
			ob.ValueQuantity.Code, _ = q["code"].(string)
		}
	}
	if in, ok := r["interpretation"].([]any); ok && len(in) > 0 {
		ob.Interpretation = c.codings(path+".interpretation[0]", in[0], true)
	}
	if _, hasCC := r["valueCodeableConcept"]; hasCC && ob.ValueQuantity != nil {
		c.must(path+".value[x]", "both valueCodeableConcept and valueQuantity: one only")
	}
	if rr, ok := r["referenceRange"].([]any); ok && len(rr) > 0 {
		rm, _ := rr[0].(map[string]any)
		high, _ := rm["high"].(map[string]any)
		if n, ok := high["value"].(json.Number); ok {
			if f, err := strconv.ParseFloat(string(n), 64); err == nil {
				ob.ReferenceHigh = &f
			}
		}
	}
	if perf, ok := r["performer"].([]any); ok && len(perf) > 0 {
		pm, _ := perf[0].(map[string]any)
		ob.Performer, _ = pm["display"].(string)
	}
	return ob
}

// positiveInt reads a FHIR positiveInt, 0 when absent or invalid.
func positiveInt(v any) int {
	n, ok := v.(json.Number)
	if !ok {
		return 0
	}
	i, err := strconv.Atoi(string(n))
	if err != nil || i < 1 || i > 1000 {
		return 0
	}
	return i
}

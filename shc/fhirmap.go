package shc

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/ithc/ithc/healthcert"
)

// The prefixes of vaccine codes of other systems than the EU value sets
// in the native model's Product field: "cvx:207", "icd11:XM0GQ8",
// "snomed:28531000087107".
const (
	prefixCVX    = "cvx:"
	prefixICD11  = "icd11:"
	prefixSNOMED = "snomed:"
	prefixMVX    = "mvx:"
)

// covidVaccineSNOMED and covidVaccineICD11 are the vaccine codes of the
// other systems that name a COVID-19 vaccine (SNOMED CT; ICD-11 extension
// codes of the WHO DDCC value sets).
var (
	covidVaccineSNOMED = map[string]bool{"28531000087107": true, "1119349007": true, "1119305005": true, "29061000087103": true}
	covidVaccineICD11  = map[string]bool{"XM68M6": true, "XM1NL1": true, "XM0GQ8": true, "XM5DF6": true}
)

// maxObservationWarnings is how many unmapped Observations get a warning
// of their own; the summary warning counts them all.
const maxObservationWarnings = 8

var loincCode = regexp.MustCompile(`^[0-9]{1,7}-[0-9]$`)

// ToCertificate maps a verified card into the native model, so that the
// same acceptance rules and display apply. SMART Health Cards carry less
// than a native certificate, and the mapping invents nothing:
//
//   - ID is empty (a card has no identifier) and Issuer.Country is empty
//     (a card names its issuer by URL, which goes to Issuer.Name unless
//     the trust directory gave a name);
//   - IssuedAt is nbf and ExpiresAt exp (zero when the card has none);
//   - the holder's name is the Patient's first name, given names joined
//     by spaces; ICAO forms are left to package icao;
//   - a vaccination's Product is its CVX code ("cvx:207"), else its
//     ICD-11 code ("icd11:…"), else its SNOMED CT code ("snomed:…");
//     VaccineType is the SNOMED CT code when the card has one;
//     Manufacturer is the CVX code's MVX manufacturer ("mvx:PFR") when the
//     CVX code names one product; dose numbers come from protocolApplied,
//     which cards rarely carry (0 otherwise); Country is empty;
//   - an Observation whose first LOINC code is a SARS-CoV-2 nucleic-acid,
//     antibody or antigen test becomes that event, with the LOINC code as
//     method, the SNOMED CT qualitative result, the quantity and its
//     reference-range high as cut-off;
//   - every other resource (a DiagnosticReport, a general laboratory
//     result) is not mapped, and a warning lists them.
//
// The certificate is therefore not expected to pass
// healthcert.Certificate.Validate, which requires what cards lack.
func ToCertificate(p *Payload, b *Bundle, issuerName string) (*healthcert.Certificate, []Finding) {
	var warnings []Finding
	c := &healthcert.Certificate{Issuer: healthcert.Issuer{Name: p.Iss}}
	if issuerName != "" {
		c.Issuer.Name = issuerName
	}
	c.IssuedAt = p.NBF.Time().Truncate(time.Second)
	if p.EXP != 0 && p.EXP <= maxSaneSeconds {
		c.ExpiresAt = p.EXP.Time().Truncate(time.Second)
	}
	if pt := b.Patient; pt != nil {
		c.Holder.Name = healthcert.Name{Family: pt.Family, Given: strings.Join(pt.Given, " ")}
		if pt.BirthDate != "" {
			d, err := healthcert.ParseDate(pt.BirthDate)
			if err != nil {
				warnings = append(warnings, warn(CodeFHIRSchema, "patient birthDate %q: %v; left out", pt.BirthDate, err))
			} else {
				c.Holder.DateOfBirth = d
			}
		}
		switch pt.Gender {
		case "male":
			c.Holder.Sex = healthcert.SexMale
		case "female":
			c.Holder.Sex = healthcert.SexFemale
		case "other":
			c.Holder.Sex = healthcert.SexOther
		}
	}
	unmapped := map[string]int{}
	order := b.order
	if order == nil { // a Bundle built by hand
		for _, im := range b.Immunizations {
			order = append(order, im)
		}
		for _, ob := range b.Observations {
			order = append(order, ob)
		}
	}
	unmappedObs := 0
	for _, res := range order {
		switch res := res.(type) {
		case *Immunization:
			if res.PatientRef == "" {
				warnings = append(warnings, warn(CodeFHIRSchema, "%s Immunization not mapped: it does not refer to the Patient", res.Ref))
				unmapped["Immunization"]++
				continue
			}
			v, err := vaccination(res)
			if err != nil {
				warnings = append(warnings, warn(CodeFHIRSchema, "%s Immunization not mapped: %v", res.Ref, err))
				unmapped["Immunization"]++
				continue
			}
			c.Events = append(c.Events, v)
		case *Observation:
			e, err := testEvent(res)
			if err == nil && res.SubjectRef == "" {
				err = fmt.Errorf("it does not refer to the Patient")
			}
			if err != nil {
				unmapped["Observation"]++
				if unmappedObs++; unmappedObs <= maxObservationWarnings {
					warnings = append(warnings, warn(CodeFHIRSchema, "%s Observation not mapped: %v", res.Ref, err))
				}
				continue
			}
			c.Events = append(c.Events, e)
		}
	}
	for _, o := range b.Others {
		_, rt, _ := strings.Cut(o, " ")
		if rt == "" {
			rt = o
		}
		unmapped[rt]++
	}
	if len(unmapped) > 0 {
		names := make([]string, 0, len(unmapped))
		for rt, n := range unmapped {
			names = append(names, fmt.Sprintf("%s×%d", rt, n))
		}
		sort.Strings(names)
		warnings = append(warnings, warn(CodeFHIRSchema, "resources the native model does not hold, not mapped: %s", strings.Join(names, ", ")))
	}
	return c, warnings
}

func vaccination(im *Immunization) (*healthcert.Vaccination, error) {
	v := &healthcert.Vaccination{
		DoseNumber: im.DoseNumber,
		TotalDoses: im.SeriesDoses,
	}
	v.Centre = im.Performer
	for _, cd := range im.VaccineCodes {
		switch cd.System {
		case SystemCVX:
			if !strings.HasPrefix(v.Product, prefixCVX) {
				v.Product = prefixCVX + cd.Code
			}
			if mvx, ok := covidCVX[cd.Code]; ok {
				v.Disease = diseaseCOVID19
				if mvx != "" {
					v.Manufacturer = prefixMVX + mvx
				}
			}
		case SystemICD11:
			if v.Product == "" || strings.HasPrefix(v.Product, prefixSNOMED) {
				v.Product = prefixICD11 + cd.Code
			}
			if covidVaccineICD11[cd.Code] {
				v.Disease = diseaseCOVID19
			}
		case SystemSNOMED:
			if v.VaccineType == "" {
				v.VaccineType = cd.Code
			}
			if v.Product == "" {
				v.Product = prefixSNOMED + cd.Code
			}
			if covidVaccineSNOMED[cd.Code] {
				v.Disease = diseaseCOVID19
			}
		}
	}
	if v.Product == "" {
		return nil, fmt.Errorf("no CVX, ICD-11 or SNOMED CT vaccine code")
	}
	date := im.Occurrence
	if len(date) > 10 {
		date = date[:10]
	}
	d, err := healthcert.ParseDate(date)
	if err != nil {
		return nil, fmt.Errorf("occurrence %q: %v", im.Occurrence, err)
	}
	v.Date = d
	return v, nil
}

func testEvent(ob *Observation) (healthcert.Event, error) {
	switch ob.Status {
	case "final", "amended", "corrected":
	default:
		return nil, fmt.Errorf("status %q is not a final result", ob.Status)
	}
	var loinc string
	var kind testKind
	for _, cd := range ob.Codes {
		if cd.System != SystemLOINC {
			continue
		}
		if k, ok := covidLOINC[cd.Code]; ok {
			loinc, kind = cd.Code, k
			break
		}
	}
	if loinc == "" {
		return nil, fmt.Errorf("no LOINC code of a SARS-CoV-2 test the mapping knows")
	}
	var result healthcert.TestResult
	for _, cd := range ob.ValueCodes {
		if cd.System == SystemSNOMED {
			if r, ok := resultSNOMED[cd.Code]; ok {
				result = r
				break
			}
		}
	}
	if result == "" {
		for _, cd := range ob.Interpretation {
			if r, ok := resultOfInterpretation[cd.Code]; ok && cd.System == SystemInterpretation {
				result = r
				break
			}
		}
	}
	var sample time.Time
	if ob.Effective != "" {
		t, err := parseFHIRTime(ob.Effective)
		if err != nil {
			return nil, err
		}
		sample = t
	}
	common := healthcert.Common{Disease: diseaseCOVID19, Centre: ob.Performer}
	switch kind.event {
	case healthcert.TypeNucleicAcidTest:
		return &healthcert.NucleicAcidTest{Common: common, Method: loinc, SampleTime: sample, Result: result}, nil
	case healthcert.TypeAntigenTest:
		return &healthcert.AntigenTest{Common: common, SampleTime: sample, Result: result}, nil
	default:
		a := &healthcert.AntibodyTest{Common: common, Isotype: kind.isotype, Method: loinc, SampleTime: sample, Result: result}
		if q := ob.ValueQuantity; q != nil {
			unit := q.Code
			if unit == "" {
				unit = q.Unit
			}
			a.Quantity = &healthcert.Quantity{Value: q.Value, Unit: unit}
			if ob.ReferenceHigh != nil {
				a.Quantity.CutOff = *ob.ReferenceHigh
			}
		}
		return a, nil
	}
}

// parseFHIRTime reads a FHIR dateTime; a date alone is midnight UTC.
func parseFHIRTime(s string) (time.Time, error) {
	if fhirDTTime.MatchString(s) {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("dateTime %q: %v", s, err)
		}
		return t.UTC(), nil
	}
	d, err := healthcert.ParseDate(s)
	if err != nil || !d.IsComplete() {
		return time.Time{}, fmt.Errorf("dateTime %q is not a complete date or date and time", s)
	}
	t, _ := d.Time()
	return t, nil
}

// FromCertificate writes a native certificate's holder and events as the
// FHIR bundle of a SMART Health Card: a Patient and one Immunization or
// Observation per event, with short "resource:N" references and nothing
// data minimisation leaves out. Every event must have a form in SMART
// Health Cards: a vaccination a CVX, ICD-11 or SNOMED CT code (Product
// "cvx:…", "icd11:…", "snomed:…", or a SNOMED CT VaccineType); a test a
// LOINC method or a kind with a default LOINC code. A recovery has no
// such form and is an error, as is an EU product code without one of
// these codes: the mapping invents no code.
func FromCertificate(c *healthcert.Certificate) ([]byte, error) {
	if c == nil {
		return nil, fmt.Errorf("shc: no certificate")
	}
	type obj = map[string]any
	name := obj{}
	if c.Holder.Name.Family != "" {
		name["family"] = c.Holder.Name.Family
	}
	if c.Holder.Name.Given != "" {
		name["given"] = strings.Fields(c.Holder.Name.Given)
	}
	if len(name) == 0 {
		return nil, fmt.Errorf("shc: the holder has no name")
	}
	patient := obj{"resourceType": "Patient", "name": []any{name}}
	if !c.Holder.DateOfBirth.IsZero() {
		patient["birthDate"] = c.Holder.DateOfBirth.String()
	}
	entries := []any{obj{"fullUrl": "resource:0", "resource": patient}}
	for i, e := range c.Events {
		var r obj
		switch e := e.(type) {
		case *healthcert.Vaccination:
			coding, err := vaccineCoding(e)
			if err != nil {
				return nil, fmt.Errorf("shc: events[%d]: %v", i, err)
			}
			if !e.Date.IsComplete() {
				return nil, fmt.Errorf("shc: events[%d]: vaccination date %q is not a complete date", i, e.Date)
			}
			r = obj{
				"resourceType":       "Immunization",
				"status":             "completed",
				"vaccineCode":        obj{"coding": []any{coding}},
				"patient":            obj{"reference": "resource:0"},
				"occurrenceDateTime": e.Date.String(),
			}
			if e.Centre != "" {
				r["performer"] = []any{obj{"actor": obj{"display": e.Centre}}}
			}
			if e.DoseNumber > 0 {
				pa := obj{"doseNumberPositiveInt": e.DoseNumber}
				if e.TotalDoses > 0 {
					pa["seriesDosesPositiveInt"] = e.TotalDoses
				}
				r["protocolApplied"] = []any{pa}
			}
		case *healthcert.NucleicAcidTest:
			r = observation(e.Type(), "", e.Method, e.SampleTime, e.Result, e.Centre, nil)
		case *healthcert.AntibodyTest:
			r = observation(e.Type(), e.Isotype, e.Method, e.SampleTime, e.Result, e.Centre, e.Quantity)
		case *healthcert.AntigenTest:
			r = observation(e.Type(), "", "", e.SampleTime, e.Result, e.Centre, nil)
		default:
			return nil, fmt.Errorf("shc: events[%d]: a %s has no SMART Health Card form", i, e.Type())
		}
		if r == nil {
			return nil, fmt.Errorf("shc: events[%d]: no LOINC code for this %s", i, e.Type())
		}
		entries = append(entries, obj{"fullUrl": fmt.Sprintf("resource:%d", len(entries)), "resource": r})
	}
	return json.Marshal(obj{"resourceType": "Bundle", "type": "collection", "entry": entries})
}

func vaccineCoding(v *healthcert.Vaccination) (map[string]any, error) {
	for _, p := range []struct{ prefix, system string }{{prefixCVX, SystemCVX}, {prefixICD11, SystemICD11}, {prefixSNOMED, SystemSNOMED}} {
		if code, ok := strings.CutPrefix(v.Product, p.prefix); ok && code != "" {
			return map[string]any{"system": p.system, "code": code}, nil
		}
	}
	if v.VaccineType != "" && strings.Trim(v.VaccineType, "0123456789") == "" {
		return map[string]any{"system": SystemSNOMED, "code": v.VaccineType}, nil
	}
	return nil, fmt.Errorf("product %q and vaccine type %q give no CVX, ICD-11 or SNOMED CT code", v.Product, v.VaccineType)
}

func observation(t healthcert.EventType, iso healthcert.Isotype, method string, sample time.Time, result healthcert.TestResult, centre string, q *healthcert.Quantity) map[string]any {
	code := method
	if !loincCode.MatchString(code) {
		code = defaultLOINC[t][iso]
	}
	if code == "" {
		return nil
	}
	r := map[string]any{
		"resourceType": "Observation",
		"status":       "final",
		"code":         map[string]any{"coding": []any{map[string]any{"system": SystemLOINC, "code": code}}},
		"subject":      map[string]any{"reference": "resource:0"},
	}
	if !sample.IsZero() {
		r["effectiveDateTime"] = sample.UTC().Format(time.RFC3339)
	}
	if s, ok := snomedResult[result]; ok && q == nil {
		r["valueCodeableConcept"] = map[string]any{"coding": []any{map[string]any{"system": SystemSNOMED, "code": s}}}
	}
	if q != nil {
		// value[x] holds one value: the quantity; the qualitative result
		// goes to interpretation.
		if s, ok := interpretationOf[result]; ok {
			r["interpretation"] = []any{map[string]any{"coding": []any{map[string]any{"system": SystemInterpretation, "code": s}}}}
		}
		vq := map[string]any{"value": q.Value}
		if q.Unit != "" {
			vq["system"] = SystemUCUM
			vq["code"] = q.Unit
		}
		r["valueQuantity"] = vq
		if q.CutOff != 0 {
			r["referenceRange"] = []any{map[string]any{"high": map[string]any{"value": q.CutOff}}}
		}
	}
	if centre != "" {
		r["performer"] = []any{map[string]any{"display": centre}}
	}
	return r
}

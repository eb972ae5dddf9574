package shc

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ithc/ithc/healthcert"
)

// bundleWith returns a bundle of a Patient and the given resources, each
// in an entry resource:1, resource:2…
func bundleWith(resources ...string) []byte {
	entries := []string{`{"fullUrl":"resource:0","resource":{"resourceType":"Patient","name":[{"family":"Doe","given":["Jane"]}],"birthDate":"1980-02"}}`}
	for i, r := range resources {
		entries = append(entries, `{"fullUrl":"resource:`+itoa(i+1)+`","resource":`+r+`}`)
	}
	return []byte(`{"resourceType":"Bundle","type":"collection","entry":[` + strings.Join(entries, ",") + `]}`)
}

const goodImmunization = `{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"208"}]},"patient":{"reference":"resource:0"},"occurrenceDateTime":"2021-01-01"}`

func TestParseBundleErrors(t *testing.T) {
	imm := func(old, new string) string { return strings.Replace(goodImmunization, old, new, 1) }
	tests := []struct {
		name   string
		bundle []byte
		strict Strictness // the mode in which it is an error
		part   string     // in the error detail
	}{
		{"not a bundle", []byte(`{"resourceType":"Patient"}`), Lenient, "Bundle.resourceType"},
		{"not json", []byte(`{"resourceType":`), Lenient, "not json"},
		{"a list", []byte(`[]`), Lenient, "not an object"},
		{"type searchset", []byte(strings.Replace(string(bundleWith()), "collection", "searchset", 1)), Lenient, "Bundle.type"},
		{"no entries", []byte(`{"resourceType":"Bundle","type":"collection","entry":[]}`), Lenient, "empty array"},
		{"empty string", bundleWith(imm(`"2021-01-01"`, `"2021-01-01","lotNumber":""`)), Lenient, "empty string"},
		{"null", bundleWith(imm(`"2021-01-01"`, `"2021-01-01","lotNumber":null`)), Lenient, "null"},
		{"status Completed", bundleWith(imm(`"completed"`, `"Completed"`)), Lenient, "status"},
		{"status not-done", bundleWith(imm(`"completed"`, `"not-done"`)), Lenient, "only a completed immunization"},
		{"no vaccine code", bundleWith(imm(`"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"208"}]},`, ``)), Lenient, "vaccineCode"},
		{"coding without system", bundleWith(imm(`"system":"http://hl7.org/fhir/sid/cvx",`, ``)), Lenient, "system and a code"},
		{"unknown coding element", bundleWith(imm(`"code":"208"`, `"code":"208","badKey":"x"`)), Lenient, "not an element of Coding"},
		{"no occurrence", bundleWith(imm(`,"occurrenceDateTime":"2021-01-01"`, ``)), Lenient, "occurrenceDateTime: missing"},
		{"two occurrences", bundleWith(imm(`"2021-01-01"`, `"2021-01-01","occurrenceString":"Jan 1"`)), Lenient, "one only"},
		{"bad date", bundleWith(imm(`"2021-01-01"`, `"01-01-2021"`)), Lenient, "not a FHIR dateTime"},
		{"two patients", bundleWith(`{"resourceType":"Patient","name":[{"family":"X"}]}`), Lenient, "second Patient"},
		{"duplicate fullUrl", []byte(strings.Replace(string(bundleWith(goodImmunization)), `"resource:1"`, `"resource:0"`, 1)), Lenient, "another entry"},
		{"long reference", bundleWith(imm(`"resource:0"`, `"Patient/resource:0"`)), Strict, "short form"},
		{"long fullUrl", []byte(strings.Replace(string(bundleWith(goodImmunization)), `"fullUrl":"resource:1"`, `"fullUrl":"urn:uuid:1"`, 1)), Strict, "short form"},
		{"dangling reference", bundleWith(imm(`"resource:0"`, `"resource:9"`)), Strict, "no entry"},
		{"observation status", bundleWith(`{"resourceType":"Observation","status":"done","code":{"coding":[{"system":"http://loinc.org","code":"94500-6"}]}}`), Lenient, "observation status"},
		{"observation two values", bundleWith(`{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"94500-6"}]},"valueQuantity":{"value":1},"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"260415000"}]}}`), Lenient, "one only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _, err := ParseBundle(tt.bundle, tt.strict)
			if err == nil || b != nil || !strings.Contains(err.Error(), tt.part) {
				t.Fatalf("ParseBundle() = %v; want an error naming %q", err, tt.part)
			}
			if e, ok := err.(*Error); !ok || e.Stage != StageFHIR {
				t.Errorf("error %T %v is not at stage fhir", err, err)
			}
			if tt.strict == Strict {
				b, w, err := ParseBundle(tt.bundle, Lenient)
				if err != nil || b == nil || !hasCode(w, CodeFHIRSchema) {
					t.Errorf("lenient: %v, warnings %v", err, w)
				}
			}
		})
	}
}

func TestParseBundleAdvice(t *testing.T) {
	withDisplay := strings.Replace(goodImmunization, `"code":"208"`, `"code":"208","display":"Pfizer"`, 1)
	withID := strings.Replace(goodImmunization, `{"resourceType"`, `{"id":"x","meta":{"versionId":"1"},"resourceType"`, 1)
	b, w, err := ParseBundle(bundleWith(withDisplay, withID), Strict)
	if err != nil || len(b.Immunizations) != 2 {
		t.Fatalf("ParseBundle = %v", err)
	}
	if len(w) != 3 {
		t.Errorf("%d warnings, want 3 (display, id, meta): %v", len(w), w)
	}
}

func TestMappingEvents(t *testing.T) {
	antigen := `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"97097-0"}]},"subject":{"reference":"resource:0"},"effectiveDateTime":"2021-02-01T10:00:00+08:00","valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"260415000"}]}}`
	other := `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2345-7"}]},"subject":{"reference":"resource:0"},"valueQuantity":{"value":90}}`
	icd := strings.Replace(goodImmunization, `"system":"http://hl7.org/fhir/sid/cvx","code":"208"`, `"system":"http://id.who.int/icd11/mms","code":"XM0GQ8"`, 1)
	report := `{"resourceType":"DiagnosticReport","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"x"}]}}`
	b, _, err := ParseBundle(bundleWith(goodImmunization, antigen, other, icd, report), Strict)
	if err != nil {
		t.Fatal(err)
	}
	p := &Payload{Iss: testIssuerURL, NBF: NumericDate(testNow.Unix())}
	c, w := ToCertificate(p, b, "")
	if len(c.Events) != 3 {
		t.Fatalf("%d events, want 3", len(c.Events))
	}
	if c.Holder.DateOfBirth != (healthcert.Date{Year: 1980, Month: 2}) || c.Holder.Name.Given != "Jane" {
		t.Errorf("holder %+v", c.Holder)
	}
	if v := c.Events[2].(*healthcert.Vaccination); v.Product != "icd11:XM0GQ8" || v.Disease != diseaseCOVID19 {
		t.Errorf("icd-11 vaccination %+v", v)
	}
	ag := c.Events[1].(*healthcert.AntigenTest)
	if ag.Result != healthcert.ResultNegative || ag.SampleTime.Hour() != 2 {
		t.Errorf("antigen test %+v", ag)
	}
	joined := ""
	for _, f := range w {
		joined += f.Message + "\n"
	}
	if !strings.Contains(joined, "DiagnosticReport×1") || !strings.Contains(joined, "Observation×1") {
		t.Errorf("the unmapped resources are not all named: %s", joined)
	}
}

func TestFromCertificateErrors(t *testing.T) {
	base := sampleCertificate()
	tests := []struct {
		name  string
		event healthcert.Event
	}{
		{"recovery", &healthcert.Recovery{FirstPositive: healthcert.Date{Year: 2021, Month: 1, Day: 1}}},
		{"eu product only", &healthcert.Vaccination{Product: "EU/1/20/1528", VaccineType: "J07BX03", Date: healthcert.Date{Year: 2021, Month: 1, Day: 1}}},
		{"partial date", &healthcert.Vaccination{Product: "cvx:208", Date: healthcert.Date{Year: 2021}}},
	}
	for _, tt := range tests {
		c := *base
		c.Events = []healthcert.Event{tt.event}
		if b, err := FromCertificate(&c); err == nil || b != nil {
			t.Errorf("%s: FromCertificate succeeded", tt.name)
		}
	}
	c := *base
	c.Holder.Name = healthcert.Name{}
	if _, err := FromCertificate(&c); err == nil {
		t.Errorf("a holder without a name was written")
	}
	// A SNOMED CT vaccine type alone is enough.
	c = *base
	c.Events = []healthcert.Event{&healthcert.Vaccination{Product: "EU/1/20/1528", VaccineType: "1119349007", Date: healthcert.Date{Year: 2021, Month: 1, Day: 1}}}
	b, err := FromCertificate(&c)
	if err != nil || !strings.Contains(string(b), `"system":"http://snomed.info/sct","code":"1119349007"`) && !strings.Contains(string(b), `"code":"1119349007","system":"http://snomed.info/sct"`) {
		t.Errorf("snomed vaccine type: %s, %v", b, err)
	}
}

func TestExample02NotMapped(t *testing.T) {
	data := readTestFile(t, filepath.Join(examplesDir(t), "example-02-a-fhirBundle.json"))
	b, w, err := ParseBundle(data, Lenient)
	if err != nil {
		t.Fatal(err)
	}
	c, mw := ToCertificate(&Payload{Iss: exampleIssuer}, b, "")
	if len(c.Events) != 0 || len(mw) == 0 || len(w) == 0 {
		t.Errorf("example 02: %d events, %d mapping warnings, %d bundle warnings", len(c.Events), len(mw), len(w))
	}
	if _, _, err := ParseBundle(data, Strict); err == nil {
		t.Errorf("example 02 passes strictly, though its references are long")
	}
	var any map[string]any
	if json.Unmarshal(b.Raw, &any) != nil {
		t.Errorf("Bundle.Raw is not the bundle")
	}
}

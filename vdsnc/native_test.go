package vdsnc

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/shareddata"
)

// nativeHolder is the holder of the native test certificates.
func nativeHolder(t testing.TB) healthcert.Holder {
	return healthcert.Holder{
		Name:        healthcert.Name{Family: "张", Given: "伟", FamilyICAO: "ZHANG", GivenICAO: "WEI"},
		DateOfBirth: date(t, "1990-05-17"),
		Sex:         healthcert.SexMale,
		Document:    &healthcert.TravelDocument{Type: "P", Number: "E12345678", IssuingState: "CN"},
	}
}

func nativeCert(t testing.TB, events ...healthcert.Event) *healthcert.Certificate {
	return &healthcert.Certificate{
		ID:        "URN:UVCI:01:CN:0123456789ABCDEF#A",
		Issuer:    healthcert.Issuer{Country: "CN", Name: "National Health Commission"},
		IssuedAt:  time.Date(2026, 5, 30, 8, 0, 0, 0, time.UTC),
		ExpiresAt: time.Date(2027, 5, 30, 8, 0, 0, 0, time.UTC),
		Holder:    nativeHolder(t),
		Events:    events,
	}
}

var covidCommon = healthcert.Common{Disease: "840539006", Country: "CN", Centre: "Beijing Centre"}

func vaccination(t testing.TB, n int, day string) *healthcert.Vaccination {
	return &healthcert.Vaccination{Common: covidCommon, VaccineType: "1119349007", Product: "EU/1/20/1528",
		Manufacturer: "ORG-100030215", DoseNumber: n, TotalDoses: 2, Date: date(t, day)}
}

// TestNativeRoundTrip converts native certificates to seals, signs and
// verifies them, and maps them back: the events come back the same, but
// for what a seal cannot hold.
func TestNativeRoundTrip(t *testing.T) {
	ca := newCSCA(t, "CN", testNotBefore, testNotAfter)
	cert, key := ca.newSigner(t, signerOptions{name: "native"})
	anchors := pool(t, ca.cert)
	sample := time.Date(2026, 5, 30, 1, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		cert  *healthcert.Certificate
		typ   string
		notes []string
	}{
		{"vaccinations", nativeCert(t, vaccination(t, 1, "2021-03-03"), vaccination(t, 2, "2021-03-24")), TypeVaccination,
			[]string{"native script", "no manufacturer", "no expiry"}},
		{"nucleic acid", nativeCert(t, &healthcert.NucleicAcidTest{Common: covidCommon, Method: NAATMethod, SampleTime: sample, Result: healthcert.ResultNegative}), TypeTest,
			[]string{"native script", "holds no sex", "no expiry"}},
		{"antigen", nativeCert(t, &healthcert.AntigenTest{Common: covidCommon, SampleTime: sample, Result: healthcert.ResultPositive}), TypeTest,
			[]string{"device"}},
		{"antibody", nativeCert(t, &healthcert.AntibodyTest{Common: covidCommon, SampleTime: sample, Result: healthcert.ResultNegative}), TypeTest,
			[]string{"isotype"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, notes, err := FromCertificate(tc.cert, ConvertOptions{Phone: "+86 10 1234"})
			if err != nil {
				t.Fatalf("FromCertificate() error: %v", err)
			}
			if c.Header.Type != tc.typ || c.Header.IssuingState != "CHN" {
				t.Errorf("header = %+v", c.Header)
			}
			for _, n := range tc.notes {
				if !strings.Contains(strings.Join(notes, "; "), n) {
					t.Errorf("notes %q lack %q", notes, n)
				}
			}
			seal, err := Sign(c, key, cert, SignOptions{})
			if err != nil {
				t.Fatalf("Sign() error: %v", err)
			}
			r := Verify(seal, anchors, Options{Now: testNow})
			if r.Status != StatusVerified || r.Certificate == nil {
				t.Fatalf("Verify() = %s: %s; certificate %v, warnings %q", r.Status, r.Detail, r.Certificate, r.Warnings)
			}
			back := r.Certificate
			if back.ID != tc.cert.ID || back.Issuer.Country != "CN" {
				t.Errorf("id, issuer = %q, %q", back.ID, back.Issuer.Country)
			}
			h := back.Holder
			if h.Name.FamilyICAO != "ZHANG" || h.Name.GivenICAO != "WEI" || h.DateOfBirth != tc.cert.Holder.DateOfBirth ||
				h.Document == nil || h.Document.Number != "E12345678" {
				t.Errorf("holder = %+v, document %+v", h, h.Document)
			}
			if len(back.Events) != len(tc.cert.Events) {
				t.Fatalf("%d events back, want %d", len(back.Events), len(tc.cert.Events))
			}
			for i, e := range tc.cert.Events {
				want := withoutUncarried(e)
				if !eventsEqual(back.Events[i], want) {
					t.Errorf("event %d = %+v\nwant %+v", i, back.Events[i], want)
				}
			}
		})
	}
}

// withoutUncarried returns e without what a seal does not carry.
func withoutUncarried(e healthcert.Event) healthcert.Event {
	switch e := e.(type) {
	case *healthcert.Vaccination:
		v := *e
		v.Manufacturer, v.TotalDoses = "", 0
		return &v
	case *healthcert.AntibodyTest:
		a := *e
		a.Isotype, a.Method, a.Device, a.Quantity = "", "", "", nil
		return &a
	case *healthcert.AntigenTest:
		a := *e
		a.Device, a.Name = "", ""
		return &a
	case *healthcert.NucleicAcidTest:
		n := *e
		n.Name = ""
		return &n
	}
	return e
}

// eventsEqual compares events, times by instant.
func eventsEqual(a, b healthcert.Event) bool {
	norm := func(e healthcert.Event) healthcert.Event {
		switch e := e.(type) {
		case *healthcert.NucleicAcidTest:
			n := *e
			n.SampleTime = n.SampleTime.UTC()
			return &n
		case *healthcert.AntigenTest:
			n := *e
			n.SampleTime = n.SampleTime.UTC()
			return &n
		case *healthcert.AntibodyTest:
			n := *e
			n.SampleTime = n.SampleTime.UTC()
			return &n
		}
		return e
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func TestFromCertificateErrors(t *testing.T) {
	sample := time.Date(2026, 5, 30, 1, 0, 0, 0, time.UTC)
	nat := func() *healthcert.NucleicAcidTest {
		return &healthcert.NucleicAcidTest{Common: covidCommon, Method: NAATMethod, SampleTime: sample, Result: healthcert.ResultNegative}
	}
	cases := []struct {
		name string
		cert func() *healthcert.Certificate
		want string
	}{
		{"nil", func() *healthcert.Certificate { return nil }, "no certificate"},
		{"recovery", func() *healthcert.Certificate {
			return nativeCert(t, &healthcert.Recovery{Common: covidCommon, FirstPositive: date(t, "2021-01-01")})
		}, "no recovery seal"},
		{"mixed", func() *healthcert.Certificate { return nativeCert(t, vaccination(t, 1, "2021-03-03"), nat()) }, "not both"},
		{"two tests", func() *healthcert.Certificate { return nativeCert(t, nat(), nat()) }, "holds one test"},
		{"inconclusive", func() *healthcert.Certificate {
			n := nat()
			n.Result = healthcert.ResultInconclusive
			return nativeCert(t, n)
		}, `result "inconclusive"`},
		{"other disease", func() *healthcert.Certificate {
			n := nat()
			n.Disease = "6142004"
			return nativeCert(t, n)
		}, "COVID-19 tests only"},
		{"no centre", func() *healthcert.Certificate {
			n := nat()
			n.Centre = ""
			return nativeCert(t, n)
		}, "testing facility"},
		{"no document", func() *healthcert.Certificate {
			c := nativeCert(t, nat())
			c.Holder.Document = nil
			return c
		}, "travel document"},
		{"document type", func() *healthcert.Certificate {
			c := nativeCert(t, nat())
			c.Holder.Document.Type = "X"
			return c
		}, `travel document type "X"`},
		{"no report time", func() *healthcert.Certificate {
			c := nativeCert(t, nat())
			c.IssuedAt = time.Time{}
			return c
		}, "report time"},
		{"no icao name", func() *healthcert.Certificate {
			c := nativeCert(t, vaccination(t, 1, "2021-03-03"))
			c.Holder.Name.FamilyICAO, c.Holder.Name.GivenICAO = "", ""
			return c
		}, "no ICAO 9303 form"},
		{"bad icao name", func() *healthcert.Certificate {
			c := nativeCert(t, vaccination(t, 1, "2021-03-03"))
			c.Holder.Name.GivenICAO = "Wei"
			return c
		}, `given_icao "Wei"`},
		{"vaccine type", func() *healthcert.Certificate {
			v := vaccination(t, 1, "2021-03-03")
			v.VaccineType = "123456"
			return nativeCert(t, v)
		}, `vaccine type "123456" has no known ICD-11 code`},
		{"issuer", func() *healthcert.Certificate {
			c := nativeCert(t, vaccination(t, 1, "2021-03-03"))
			c.Issuer.Country = "QQ"
			return c
		}, `issuer country "QQ"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := FromCertificate(tc.cert(), ConvertOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || c != nil {
				t.Errorf("FromCertificate() = %v, %v; want an error with %q", c, err, tc.want)
			}
		})
	}
}

// TestFromCertificateGrouping checks that doses of one vaccine share a ve
// entry, and that ICD-11 codes pass through.
func TestFromCertificateGrouping(t *testing.T) {
	other := vaccination(t, 1, "2021-06-01")
	other.VaccineType, other.Product = "XM1NL1", "CoronaVac"
	c, _, err := FromCertificate(nativeCert(t, vaccination(t, 1, "2021-03-03"), other, vaccination(t, 2, "2021-03-24")), ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ve := c.Vaccination.Events
	if len(ve) != 2 || len(ve[0].Doses) != 2 || len(ve[1].Doses) != 1 {
		t.Fatalf("ve = %+v", ve)
	}
	if ve[0].Vaccine != "XM0GQ8" || ve[0].Product != "Comirnaty" || ve[0].Disease != "RA01.0" || ve[1].Vaccine != "XM1NL1" || ve[1].Product != "CoronaVac" {
		t.Errorf("ve = %+v", ve)
	}
	if ve[0].Doses[1].Sequence != 2 || ve[0].Doses[1].Country != "CHN" || c.Vaccination.Person.Name != "ZHANG  WEI" || c.Vaccination.Person.DocumentNumber != "E12345678" {
		t.Errorf("doses, person = %+v, %+v", ve[0].Doses, c.Vaccination.Person)
	}
}

// TestSampleCertificates maps the samples to the ITHC model.
func TestSampleCertificates(t *testing.T) {
	dir := shareddata.Path(t, "vdsnc")
	s, err := ParseSeal(readFile(t, filepath.Join(dir, "uto-testkey-example-1.json")))
	if err != nil {
		t.Fatal(err)
	}
	c, notes, err := s.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	n := c.Holder.Name
	if n.Family != "CITIZEN" || n.Given != "JANE SUE" || n.FamilyICAO != "CITIZEN" || n.GivenICAO != "JANE<SUE" || c.Holder.Sex != healthcert.SexFemale {
		t.Errorf("holder = %+v", c.Holder)
	}
	v := c.Events[0].(*healthcert.Vaccination)
	want := &healthcert.Vaccination{Common: healthcert.Common{Disease: "840539006", Country: "AU", Centre: "General Practitioner"},
		VaccineType: "28531000087107", Product: "AstraZeneca Vaxzevria", DoseNumber: 1, Date: date(t, "2021-09-15")}
	if c.Issuer.Country != "AU" || c.ID != "VB0009990012" || !reflect.DeepEqual(v, want) {
		t.Errorf("certificate = %+v, event %+v", c, v)
	}
	if !strings.Contains(strings.Join(notes, "; "), `"AstraZeneca Vaxzevria" is no known product`) {
		t.Errorf("notes = %q", notes)
	}

	s, err = ParseSeal(readFile(t, filepath.Join(dir, "uto-icao-spec-example.json")))
	if err != nil {
		t.Fatal(err)
	}
	c, _, err = s.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	if v := c.Events[1].(*healthcert.Vaccination); v.Product != "EU/1/20/1528" || v.DoseNumber != 2 || v.Country != "UT" || c.Holder.Name.Family != "Smith Bill" || c.Holder.Name.FamilyICAO != "SMITH<BILL" {
		t.Errorf("event = %+v, holder %+v", v, c.Holder.Name)
	}

	s, err = ParseSeal(readFile(t, filepath.Join(dir, "uto-proof-of-test.json")))
	if err != nil {
		t.Fatal(err)
	}
	c, _, err = s.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	nat, ok := c.Events[0].(*healthcert.NucleicAcidTest)
	if !ok || nat.Result != healthcert.ResultNegative || nat.Method != NAATMethod || !c.IssuedAt.Equal(time.Date(2021, 2, 11, 6, 0, 0, 0, time.UTC)) ||
		c.Holder.Document.Type != "P" || c.Holder.Document.Number != "E1234567P" {
		t.Errorf("certificate = %+v, event %+v", c, c.Events[0])
	}
	// A result the model has no word for is an error.
	s.Test.Result.Result = ResultAbnormal
	if _, _, err := s.Certificate(); err == nil || !strings.Contains(err.Error(), `"abnormal"`) {
		t.Errorf("Certificate() with abnormal = %v", err)
	}
}

func TestNameOf(t *testing.T) {
	cases := []struct {
		in                          string
		family, given, fICAO, gICAO string
	}{
		{"CITIZEN  JANE SUE", "CITIZEN", "JANE SUE", "CITIZEN", "JANE<SUE"},
		{"Smith Bill", "Smith Bill", "", "SMITH<BILL", ""},
		{"O'BRIEN-SMITH  ANN", "O'BRIEN-SMITH", "ANN", "OBRIEN<SMITH", "ANN"},
		{"MÜLLER  JÜRGEN", "MÜLLER", "JÜRGEN", "", ""},
		{"  GIVEN", "", "GIVEN", "", "GIVEN"},
	}
	for _, c := range cases {
		n := nameOf(c.in)
		if n.Family != c.family || n.Given != c.given || n.FamilyICAO != c.fICAO || n.GivenICAO != c.gICAO {
			t.Errorf("nameOf(%q) = %+v", c.in, n)
		}
	}
}

func TestCountries(t *testing.T) {
	for _, c := range []struct{ a3, a2 string }{{"AUS", "AU"}, {"CHN", "CN"}, {"DEU", "DE"}, {"D", "DE"}, {"UTO", "UT"}, {"RKS", "XK"}, {"XKK", "XK"}} {
		if got, ok := Alpha2(c.a3); !ok || got != c.a2 {
			t.Errorf("Alpha2(%q) = %q, %v; want %q", c.a3, got, ok, c.a2)
		}
	}
	for _, bad := range []string{"UNO", "XXA", "", "AU", "aus"} {
		if got, ok := Alpha2(bad); ok {
			t.Errorf("Alpha2(%q) = %q", bad, got)
		}
	}
	if got, ok := Alpha3("de"); !ok || got != "DEU" {
		t.Errorf("Alpha3(de) = %q, %v", got, ok)
	}
	if _, ok := Alpha3("QQ"); ok {
		t.Error("Alpha3(QQ) succeeded")
	}
}

func TestFromCertificateUnidentified(t *testing.T) {
	c := nativeCert(t, vaccination(t, 1, "2021-03-03"))
	c.Holder.DateOfBirth, c.Holder.Document = healthcert.Date{}, nil
	if _, _, err := FromCertificate(c, ConvertOptions{}); err == nil || !strings.Contains(err.Error(), "convert: invalid_signing_format at stage schema: msg.pid: neither dob nor i") {
		t.Errorf("FromCertificate() = %v", err)
	}
}

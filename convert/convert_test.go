package convert_test

import (
	"crypto/ecdsa"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/convert"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/testca"
	"github.com/ithc/ithc/shc"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/vdsnc"
	"github.com/ithc/ithc/verify"
)

var (
	issued     = time.Date(2025, 11, 20, 8, 0, 0, 0, time.UTC)
	sampled    = time.Date(2025, 11, 19, 8, 0, 0, 0, time.UTC)
	checkedAt  = issued.Add(time.Hour)
	shcIssuer  = "https://health.example.cn/shc"
	covid      = healthcert.Common{Disease: "840539006", Country: "CN", Centre: "Beijing CDC"}
	clinic     = healthcert.Common{Disease: "840539006", Country: "CN", Centre: "Chaoyang clinic"}
	issuerName = "National Health Commission"
)

// threeEvents is the usual travel certificate: a nucleic-acid test, an
// IgM antibody test and a vaccination.
func threeEvents() *healthcert.Certificate {
	return &healthcert.Certificate{
		Issuer:    healthcert.Issuer{Country: "CN", Name: issuerName},
		IssuedAt:  issued,
		ExpiresAt: issued.AddDate(1, 0, 0),
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: "张", Given: "伟"},
			DateOfBirth: healthcert.Date{Year: 1990, Month: 5, Day: 17},
			Sex:         healthcert.SexMale,
			Document:    &healthcert.TravelDocument{Type: "P", Number: "E12345678", IssuingState: "CN"},
		},
		Events: []healthcert.Event{
			&healthcert.NucleicAcidTest{Common: covid, Method: "LP6464-4", SampleTime: sampled, Result: healthcert.ResultNegative},
			&healthcert.AntibodyTest{Common: covid, Isotype: healthcert.IgM, Method: "CLIA", SampleTime: sampled,
				Result: healthcert.ResultNegative, Quantity: &healthcert.Quantity{Value: 0.12, Unit: "{index}", CutOff: 1}},
			&healthcert.Vaccination{Common: clinic, VaccineType: "1119349007", Product: "EU/1/20/1528", Manufacturer: "ORG-100030215",
				DoseNumber: 2, TotalDoses: 2, Date: healthcert.Date{Year: 2021, Month: 4, Day: 1}},
		},
	}
}

// pki is one country's keys for every format: a CSCA and a document
// signer whose extended key usage is the VDS-NC barcode signer (and no
// DCC key-usage OID, so that it may sign every DCC), a P-256 key that
// also signs SMART Health Cards, and a verifier trusting all three.
type pki struct {
	ca       *testca.CA
	hc1      *trust.Store
	shcKeys  *shc.KeyStore
	anchors  *vdsnc.CSCAPool
	verifier *verify.Verifier
}

func newPKI(t testing.TB) *pki {
	t.Helper()
	ca := testca.New(t, "CN", testca.WithUsageOIDs(vdsnc.OIDExtKeyUsageVDSNC))
	jwks, err := convert.IssuerJWKS(ca.Signer().Public())
	if err != nil {
		t.Fatal(err)
	}
	keys, _, err := shc.ParseJWKS(shcIssuer, jwks)
	if err != nil {
		t.Fatalf("ParseJWKS(IssuerJWKS()) = %v", err)
	}
	store := shc.NewKeyStore()
	store.AddKeys(keys...)
	pool := vdsnc.NewCSCAPool()
	if err := pool.Add(ca.CSCA()); err != nil {
		t.Fatal(err)
	}
	hc1 := ca.Store()
	v := verify.NewWithTrust(verify.Trust{HC1: hc1, SHC: store, VDSNC: pool},
		verify.Options{Now: checkedAt, ClockSkew: verify.DefaultClockSkew})
	return &pki{ca: ca, hc1: hc1, shcKeys: store, anchors: pool, verifier: v}
}

func (p *pki) options() convert.Options {
	return convert.Options{Key: p.ca.Signer(), Certificate: p.ca.Certificate(), Issuer: shcIssuer}
}

// eventJSON is an event in the canonical JSON form, for comparison.
func eventJSON(t *testing.T, e healthcert.Event) string {
	t.Helper()
	b, err := healthcert.Certificate{Events: []healthcert.Event{e}}.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON(%T) = %v", e, err)
	}
	return string(b)
}

// carried describes what one format carries of the three events.
type carried struct {
	format convert.Format
	// kinds are the outputs' kinds, in order, and the events of each.
	kinds  []string
	events [][]int
	// skipped maps an event the format cannot carry to a word of the
	// reason the conversion must give.
	skipped map[int]string
	// back returns event i as it must read back from its verified
	// output: the original without what the format does not carry, and
	// with the codes the format writes instead.
	back func(i int, e healthcert.Event) healthcert.Event
	// notes must be among the outputs' notes: conversion says what it
	// drops.
	notes []string
}

var formats = []carried{
	{
		format:  convert.DCC,
		kinds:   []string{"dcc", "dcc"},
		events:  [][]int{{0}, {2}},
		skipped: map[int]string{1: "antibody"},
		back: func(_ int, e healthcert.Event) healthcert.Event {
			if v, ok := e.(*healthcert.Vaccination); ok {
				v.Centre = "" // a DCC vaccination names no centre
			}
			return e
		},
		notes: []string{`event 3 (vaccination): centre "Chaoyang clinic" is not carried`, `holder: sex "M" is not carried`,
			`holder: document.number "E12345678" is not carried`},
	},
	{
		format:  convert.SHC,
		kinds:   []string{"shc"},
		events:  [][]int{{0, 1, 2}},
		skipped: map[int]string{},
		back: func(_ int, e healthcert.Event) healthcert.Event {
			switch e := e.(type) {
			case *healthcert.NucleicAcidTest:
				e.Country = ""       // an Observation has no country
				e.Method = "94500-6" // the LOINC code of a SARS-CoV-2 NAAT
			case *healthcert.AntibodyTest:
				e.Country = ""
				e.Method = "94564-2" // the LOINC code of SARS-CoV-2 IgM in serum or plasma
			case *healthcert.Vaccination:
				e.Country = ""
				e.Product = "snomed:1119349007" // the card names the vaccine by its SNOMED CT code
				e.Manufacturer = ""
			}
			return e
		},
		notes: []string{`event 1 (nucleic_acid_test): method "LP6464-4" is written as "94500-6"`,
			`event 2 (antibody_test): method "CLIA" is written as "94564-2"`,
			`event 3 (vaccination): product "EU/1/20/1528" is written as "snomed:1119349007"`,
			`event 3 (vaccination): manufacturer "ORG-100030215" is not carried`,
			`holder: document.number "E12345678" is not carried`, `certificate: id`},
	},
	{
		format:  convert.VDSNC,
		kinds:   []string{vdsnc.TypeTest, vdsnc.TypeTest, vdsnc.TypeVaccination},
		events:  [][]int{{0}, {1}, {2}},
		skipped: map[int]string{},
		back: func(_ int, e healthcert.Event) healthcert.Event {
			switch e := e.(type) {
			case *healthcert.AntibodyTest:
				// A seal says "antibody": not which antibodies, by what
				// method, nor how much.
				e.Isotype, e.Method, e.Device, e.Quantity = "", "", "", nil
			case *healthcert.Vaccination:
				e.Manufacturer, e.TotalDoses = "", 0
			}
			return e
		},
		notes: []string{`event 2 (antibody_test): isotype "IgM" is not carried`, `event 2 (antibody_test): quantity.value "0.12" is not carried`,
			`event 3 (vaccination): total_doses "2" is not carried`, `holder: name.family "张" is written as "ZHANG"`},
	},
}

// TestConvertVerifyMapBack is the done-when of the bridges: a native
// certificate converted to DCC, SHC and VDS-NC verifies in each format
// and maps back to the same events, except what each format cannot carry,
// which the test lists and the conversion reports.
func TestConvertVerifyMapBack(t *testing.T) {
	p := newPKI(t)
	for _, want := range formats {
		t.Run(string(want.format), func(t *testing.T) {
			orig := threeEvents()
			res, err := convert.Convert(orig, want.format, p.options())
			if err != nil {
				t.Fatalf("Convert() = %v", err)
			}
			if len(res.Skipped) != len(want.skipped) {
				t.Errorf("Skipped = %+v, want events %v", res.Skipped, want.skipped)
			}
			for _, s := range res.Skipped {
				word, ok := want.skipped[s.Event]
				if !ok || !strings.Contains(s.Reason, word) || s.Type != orig.Events[s.Event].Type() {
					t.Errorf("Skipped %+v, want reasons %v", s, want.skipped)
				}
			}
			if len(res.Outputs) != len(want.kinds) {
				t.Fatalf("%d outputs, want %d (%v)", len(res.Outputs), len(want.kinds), want.kinds)
			}
			var notes []string
			for k, out := range res.Outputs {
				if out.Kind != want.kinds[k] || !equalInts(out.Events, want.events[k]) {
					t.Errorf("output %d: kind %q events %v, want %q %v", k, out.Kind, out.Events, want.kinds[k], want.events[k])
					continue
				}
				notes = append(notes, out.Notes...)
				if out.QR == "" {
					t.Fatalf("output %d has no QR text (notes %v)", k, out.Notes)
				}
				r := p.verifier.Verify(out.QR)
				if r.Status != verify.StatusVerified {
					t.Fatalf("output %d: Verify() = %s at %s: %s", k, r.Status, r.Stage, r.Detail)
				}
				if r.Format != verify.Detect(out.QR) || r.Format != map[convert.Format]string{convert.DCC: verify.FormatHC1,
					convert.SHC: verify.FormatSHC, convert.VDSNC: verify.FormatVDSNC}[want.format] {
					t.Errorf("output %d: Format = %q", k, r.Format)
				}
				if r.Certificate == nil || len(r.Certificate.Events) != len(out.Events) {
					t.Fatalf("output %d: mapped back to %+v, want %d events", k, r.Certificate, len(out.Events))
				}
				for j, i := range out.Events {
					expect := eventJSON(t, want.back(i, threeEvents().Events[i]))
					if got := eventJSON(t, r.Certificate.Events[j]); got != expect {
						t.Errorf("event %d read back from %s:\n got %s\nwant %s", i+1, want.format, got, expect)
					}
				}
			}
			for _, n := range want.notes {
				if !containsPrefix(notes, n) {
					t.Errorf("no note %q among %q", n, notes)
				}
			}
			if got := eventJSON(t, orig.Events[2]); got != eventJSON(t, threeEvents().Events[2]) {
				t.Errorf("Convert modified its input: %s", got)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// TestConvertHolder checks what each format keeps of the holder and the
// certificate, read back through verification.
func TestConvertHolder(t *testing.T) {
	p := newPKI(t)
	for _, tc := range []struct {
		format                 convert.Format
		output                 int
		family, familyICAO     string
		sex                    healthcert.Sex
		docType, docNumber, id bool
		issuedAt, expiresAt    bool
	}{
		{convert.DCC, 0, "张", "ZHANG", "", false, false, true, true, true},
		{convert.SHC, 0, "张", "", "", false, false, false, true, true},
		{convert.VDSNC, 0, "ZHANG", "ZHANG", "", true, true, true, true, false}, // test seal: report time, no sex
		{convert.VDSNC, 2, "ZHANG", "ZHANG", healthcert.SexMale, false, true, true, false, false},
	} {
		res, err := convert.Convert(threeEvents(), tc.format, p.options())
		if err != nil {
			t.Fatalf("Convert(%s) = %v", tc.format, err)
		}
		r := p.verifier.Verify(res.Outputs[tc.output].QR)
		c := r.Certificate
		if r.Status != verify.StatusVerified || c == nil {
			t.Fatalf("%s output %d: %s (%s)", tc.format, tc.output, r.Status, r.Detail)
		}
		h := c.Holder
		if h.Name.Family != tc.family || h.Name.FamilyICAO != tc.familyICAO || h.Sex != tc.sex || h.DateOfBirth.String() != "1990-05-17" {
			t.Errorf("%s output %d: holder %+v", tc.format, tc.output, h)
		}
		gotDocType := h.Document != nil && h.Document.Type == "P"
		gotDocNumber := h.Document != nil && h.Document.Number == "E12345678"
		if gotDocType != tc.docType || gotDocNumber != tc.docNumber {
			t.Errorf("%s output %d: document %+v", tc.format, tc.output, h.Document)
		}
		if (c.ID == res.Certificate.ID) != tc.id || c.IssuedAt.Equal(issued) != tc.issuedAt || c.ExpiresAt.Equal(issued.AddDate(1, 0, 0)) != tc.expiresAt {
			t.Errorf("%s output %d: id %q (want %q: %t), issued %s, expires %s", tc.format, tc.output, c.ID, res.Certificate.ID, tc.id, c.IssuedAt, c.ExpiresAt)
		}
	}
}

// TestConvertJSON: the native JSON form is lossless.
func TestConvertJSON(t *testing.T) {
	orig := threeEvents()
	res, err := convert.Convert(orig, convert.JSON, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	back, err := healthcert.ParseJSON([]byte(res.Outputs[0].Text))
	if err != nil {
		t.Fatalf("ParseJSON(Convert(json)) = %v", err)
	}
	a, _ := orig.MarshalJSON()
	b, _ := back.MarshalJSON()
	if string(a) != string(b) || len(res.Skipped) != 0 || !equalInts(res.Outputs[0].Events, []int{0, 1, 2}) {
		t.Errorf("json round trip:\n got %s\nwant %s", b, a)
	}
}

// TestConvertSkips: events of kinds a format has no form for are listed
// with their reason, and a certificate of nothing else is an error.
func TestConvertSkips(t *testing.T) {
	p := newPKI(t)
	recovery := &healthcert.Recovery{Common: covid, FirstPositive: healthcert.Date{Year: 2025, Month: 10, Day: 1},
		ValidFrom: healthcert.Date{Year: 2025, Month: 10, Day: 12}, ValidUntil: healthcert.Date{Year: 2026, Month: 3, Day: 30}}
	inconclusive := &healthcert.NucleicAcidTest{Common: covid, Method: "LP6464-4", SampleTime: sampled, Result: healthcert.ResultInconclusive}
	yellowFever := &healthcert.Vaccination{Common: healthcert.Common{Disease: "16541001", Country: "CN", Centre: "Port clinic"},
		VaccineType: "1119349007", Product: "EU/1/20/1528", Manufacturer: "ORG-100030215", DoseNumber: 1, TotalDoses: 1,
		Date: healthcert.Date{Year: 2024, Month: 1, Day: 2}}
	for _, tc := range []struct {
		format convert.Format
		events []healthcert.Event
		skip   []string // a word of each skip's reason, in event order; "" = carried
	}{
		{convert.DCC, []healthcert.Event{inconclusive, recovery}, []string{"inconclusive", ""}},
		{convert.DCC, []healthcert.Event{yellowFever}, []string{"COVID-19"}},
		{convert.SHC, []healthcert.Event{recovery, inconclusive}, []string{"recovery", ""}},
		{convert.VDSNC, []healthcert.Event{recovery, inconclusive}, []string{"recovery", "inconclusive"}},
	} {
		c := threeEvents()
		c.Events = tc.events
		res, err := convert.Convert(c, tc.format, p.options())
		carried := 0
		var skipped []convert.Skipped
		if res != nil {
			skipped = res.Skipped
			for _, o := range res.Outputs {
				carried += len(o.Events)
			}
		}
		wantCarried := 0
		for _, w := range tc.skip {
			if w == "" {
				wantCarried++
			}
		}
		if wantCarried == 0 {
			if !errors.Is(err, convert.ErrNothingToConvert) {
				t.Errorf("%s: Convert() error = %v, want ErrNothingToConvert", tc.format, err)
			}
		} else if err != nil || carried != wantCarried {
			t.Errorf("%s: Convert() = %d events carried, %v; want %d", tc.format, carried, err, wantCarried)
		}
		k := 0
		for i, w := range tc.skip {
			if w == "" {
				continue
			}
			if k >= len(skipped) || skipped[k].Event != i || !strings.Contains(skipped[k].Reason, w) {
				t.Errorf("%s: Skipped = %+v, want event %d skipped for %q", tc.format, skipped, i, w)
			}
			if err != nil && !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not give the reason %q", tc.format, err, w)
			}
			k++
		}
	}
}

// TestConvertErrors: bad input for a format is an error naming what is
// wrong, not a quiet drop.
func TestConvertErrors(t *testing.T) {
	p := newPKI(t)
	noDoc := threeEvents()
	noDoc.Holder.Document = nil
	atc := threeEvents()
	atc.Events[2].(*healthcert.Vaccination).VaccineType = "J07BX03"
	atc.Events[2].(*healthcert.Vaccination).Product = "BBIBP-CorV"
	noID := threeEvents()
	noID.Issuer.Country = ""
	late := threeEvents()
	late.ExpiresAt = time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC)
	other := testca.New(t, "FR")
	for _, tc := range []struct {
		name   string
		c      *healthcert.Certificate
		format convert.Format
		opts   convert.Options
		want   string
	}{
		{"unknown format", threeEvents(), "pdf", p.options(), "unknown format"},
		{"no key", threeEvents(), convert.DCC, convert.Options{}, "no signing key"},
		{"no certificate", threeEvents(), convert.VDSNC, convert.Options{Key: p.ca.Signer()}, "no document signer certificate"},
		{"certificate of another key", threeEvents(), convert.DCC, convert.Options{Key: p.ca.Signer(), Certificate: other.Certificate()}, "not of the signing key"},
		{"no issuer url", threeEvents(), convert.SHC, convert.Options{Key: p.ca.Signer()}, "no issuer url"},
		{"test seal without document", noDoc, convert.VDSNC, p.options(), "event 1 (nucleic_acid_test)"},
		{"vaccine without SMART code", atc, convert.SHC, p.options(), "no CVX, ICD-11 or SNOMED CT code"},
		{"invalid certificate", noID, convert.SHC, p.options(), "issuer.country"},
		{"expiry after the signer", late, convert.DCC, p.options(), "after the document signer expires"},
	} {
		res, err := convert.Convert(tc.c, tc.format, tc.opts)
		if err == nil || res != nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "convert: ") {
			t.Errorf("%s: Convert() = %v, %v; want an error with %q", tc.name, res, err, tc.want)
		}
	}
}

// TestConvertCompletes: a certificate without identifier, times or ICAO
// names is completed as ithc issue completes it, once for every output.
func TestConvertCompletes(t *testing.T) {
	p := newPKI(t)
	c := threeEvents()
	c.IssuedAt, c.ExpiresAt, c.Issuer.Country = time.Time{}, time.Time{}, ""
	opts := p.options()
	opts.Now = issued.Add(30 * time.Second).Add(400 * time.Millisecond)
	opts.ValidFor = 48 * time.Hour
	res, err := convert.Convert(c, convert.DCC, opts)
	if err != nil {
		t.Fatal(err)
	}
	done := res.Certificate
	if done.Issuer.Country != "CN" || !done.IssuedAt.Equal(issued.Add(30*time.Second)) || !done.ExpiresAt.Equal(done.IssuedAt.Add(48*time.Hour)) ||
		!strings.HasPrefix(done.ID, "URN:UVCI:01:CN:") || done.Holder.Name.FamilyICAO != "ZHANG" {
		t.Errorf("completed certificate %+v", done)
	}
	if c.ID != "" || !c.IssuedAt.IsZero() || c.Holder.Name.FamilyICAO != "" {
		t.Errorf("Convert modified its input: %+v", c)
	}
	for _, o := range res.Outputs {
		r := verify.NewWithTrust(verify.Trust{HC1: p.ca.Store()}, verify.Options{Now: done.IssuedAt.Add(time.Minute)}).Verify(o.Text)
		if r.Status != verify.StatusVerified || r.Certificate.ID != done.ID {
			t.Errorf("output %v: %s, id %q, want %q", o.Events, r.Status, r.Certificate.ID, done.ID)
		}
	}
}

// TestIssuerJWKS: the key set verifies the cards of its key, and names
// the key by its thumbprint.
func TestIssuerJWKS(t *testing.T) {
	ca := testca.New(t, "CN")
	jwks, err := convert.IssuerJWKS(ca.Signer().Public())
	if err != nil {
		t.Fatal(err)
	}
	keys, findings, err := shc.ParseJWKS(shcIssuer, jwks)
	kid, _ := shc.Thumbprint(ca.Signer().Public().(*ecdsa.PublicKey))
	if err != nil || len(keys) != 1 || len(findings) != 0 || keys[0].KID != kid || !keys[0].Public.Equal(ca.Signer().Public()) {
		t.Errorf("ParseJWKS(IssuerJWKS()) = %+v, %v, %v", keys, findings, err)
	}
	rsa := testca.New(t, "FR", testca.WithAlgorithm(testca.PS256))
	if _, err := convert.IssuerJWKS(rsa.Signer().Public()); err == nil {
		t.Error("IssuerJWKS(RSA key) succeeded")
	}
	p384 := testca.New(t, "DE", testca.WithAlgorithm(testca.ES384))
	if _, err := convert.IssuerJWKS(p384.Signer().Public()); err == nil {
		t.Error("IssuerJWKS(P-384 key) succeeded")
	}
}

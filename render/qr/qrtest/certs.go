package qrtest

import (
	"testing"
	"time"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/testca"
	"github.com/ithc/ithc/verify"
)

// Sample certificates for the tests of the forms: holders whose names
// are in the scripts the forms must print, every mix of event types, and
// codes signed by a test country.

// Names are holder names in Chinese, German (umlauts), Greek and Russian.
var Names = []healthcert.Name{
	{Family: "张", Given: "伟", FamilyICAO: "ZHANG", GivenICAO: "WEI"},
	{Family: "Müller", Given: "Jürgen", FamilyICAO: "MUELLER", GivenICAO: "JUERGEN"},
	{Family: "Παπαδόπουλος", Given: "Γεώργιος", FamilyICAO: "PAPADOPOULOS", GivenICAO: "GEORGIOS"},
	{Family: "Иванова", Given: "Анна", FamilyICAO: "IVANOVA", GivenICAO: "ANNA"},
}

// EventTypes are the event types of the model, in the order of a mix.
var EventTypes = []healthcert.EventType{
	healthcert.TypeNucleicAcidTest, healthcert.TypeAntibodyTest, healthcert.TypeAntigenTest,
	healthcert.TypeVaccination, healthcert.TypeRecovery,
}

// EventMixes returns every non-empty combination of event types (31).
func EventMixes() [][]healthcert.EventType {
	var mixes [][]healthcert.EventType
	for m := 1; m < 1<<len(EventTypes); m++ {
		var mix []healthcert.EventType
		for i, t := range EventTypes {
			if m&(1<<i) != 0 {
				mix = append(mix, t)
			}
		}
		mixes = append(mixes, mix)
	}
	return mixes
}

// Now is the issuance time of the sample certificates.
var Now = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// Certificate returns a valid certificate for name with one event of each
// type of mix, issued at Now by CN.
func Certificate(name healthcert.Name, mix ...healthcert.EventType) *healthcert.Certificate {
	sample := Now.Add(-30 * time.Hour)
	cdc := healthcert.Common{Disease: "840539006", Country: "CN", Centre: "Beijing Center for Disease Prevention and Control"}
	c := &healthcert.Certificate{
		ID:        "URN:UVCI:01:CN:QRTEST0000000001#P",
		Issuer:    healthcert.Issuer{Country: "CN", Name: "National Health Commission"},
		IssuedAt:  Now,
		ExpiresAt: Now.Add(30 * 24 * time.Hour),
		Holder: healthcert.Holder{
			Name:        name,
			DateOfBirth: healthcert.Date{Year: 1990, Month: 5, Day: 17},
			Sex:         healthcert.SexFemale,
			Document:    &healthcert.TravelDocument{Type: "P", Number: "E12345678", IssuingState: "CN"},
		},
	}
	for _, t := range mix {
		var e healthcert.Event
		switch t {
		case healthcert.TypeNucleicAcidTest:
			e = &healthcert.NucleicAcidTest{Common: cdc, Method: "LP6464-4", SampleTime: sample, Result: healthcert.ResultNegative}
		case healthcert.TypeAntibodyTest:
			e = &healthcert.AntibodyTest{Common: cdc, Isotype: healthcert.IgM, Method: "CLIA", SampleTime: sample,
				Result: healthcert.ResultNegative, Quantity: &healthcert.Quantity{Value: 0.12, Unit: "{index}", CutOff: 1}}
		case healthcert.TypeAntigenTest:
			e = &healthcert.AntigenTest{Common: cdc, Device: "1232", SampleTime: sample, Result: healthcert.ResultNegative}
		case healthcert.TypeVaccination:
			e = &healthcert.Vaccination{Common: healthcert.Common{Disease: "840539006", Country: "DE", Centre: "Impfzentrum Köln"},
				VaccineType: "1119349007", Product: "EU/1/20/1528", Manufacturer: "ORG-100030215",
				DoseNumber: 2, TotalDoses: 2, Date: healthcert.Date{Year: 2021, Month: 6, Day: 1}}
		case healthcert.TypeRecovery:
			e = &healthcert.Recovery{Common: healthcert.Common{Disease: "840539006", Country: "GR"},
				FirstPositive: healthcert.Date{Year: 2022, Month: 1, Day: 2},
				ValidFrom:     healthcert.Date{Year: 2022, Month: 1, Day: 13}, ValidUntil: healthcert.Date{Year: 2022, Month: 7, Day: 1}}
		}
		c.Events = append(c.Events, e)
	}
	return c
}

// Signer is a test country that signs sample certificates.
type Signer struct {
	ca *testca.CA
}

// NewSigner makes the test country CN.
func NewSigner(t testing.TB) *Signer {
	t.Helper()
	return &Signer{ca: testca.New(t, "CN")}
}

// Sign returns the HC1 code of c (native payload).
func (s *Signer) Sign(t testing.TB, c *healthcert.Certificate) string {
	t.Helper()
	if err := c.Validate(); err != nil {
		t.Fatalf("sample certificate: %v", err)
	}
	text, err := hc1.Sign(hc1.SignInput{Native: c}, s.ca.Signer(), hc1.SignOptions{Certificate: s.ca.Certificate()})
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// Verify verifies text against the test country's signer at Now and
// fails t unless it verifies.
func (s *Signer) Verify(t testing.TB, text string) *verify.Result {
	t.Helper()
	r := verify.New(s.ca.Store(), verify.Options{Now: Now.Add(time.Minute)}).Verify(text)
	if r.Status != verify.StatusVerified {
		t.Fatalf("code does not verify: %s: %v", r.Status, r.Err())
	}
	return r
}

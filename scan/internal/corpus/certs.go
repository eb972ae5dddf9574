package corpus

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
)

// Texts returns the HC1 codes the corpus draws: ITHC native certificates of
// every event mix (a nucleic-acid test alone, the usual travel set of a
// nucleic-acid test with IgM and IgG antibody tests, an antigen test, one and
// three vaccinations, a recovery, all seven events of every kind) and one EU
// DCC. They are signed with a fixed Ed25519 key, whose signatures are
// deterministic, so the corpus is the same at every run.
func Texts() ([]string, error) {
	seed := sha256.Sum256([]byte("ithc scan robustness corpus signing key"))
	key := ed25519.NewKeyFromSeed(seed[:])
	opts := hc1.SignOptions{KID: seed[:8]}
	var texts []string
	for i, c := range certificates() {
		text, err := hc1.Sign(hc1.SignInput{Native: c}, key, opts)
		if err != nil {
			return nil, fmt.Errorf("corpus: signing certificate %d: %w", i, err)
		}
		texts = append(texts, text)
	}
	text, err := hc1.Sign(hc1.SignInput{
		Issuer:    "AT",
		IssuedAt:  time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC),
		ExpiresAt: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC),
		DCC:       sampleDCC(),
	}, key, opts)
	if err != nil {
		return nil, fmt.Errorf("corpus: signing the dcc: %w", err)
	}
	return append(texts, text), nil
}

func date(y, m, d int) healthcert.Date { return healthcert.Date{Year: y, Month: m, Day: d} }

// certificates returns the native certificates of the corpus, one per
// event mix.
func certificates() []*healthcert.Certificate {
	covid := healthcert.Common{Disease: "840539006", Country: "CN", Centre: "北京协和医院"}
	sample := time.Date(2024, 2, 29, 7, 30, 0, 0, time.UTC)
	nat := &healthcert.NucleicAcidTest{Common: covid, Method: "LP6464-4", Name: "Daan RT-PCR",
		SampleTime: sample, Result: healthcert.ResultNegative}
	igm := &healthcert.AntibodyTest{Common: covid, Isotype: healthcert.IgM, Method: "CLIA", Device: "WANTAI-IGM",
		SampleTime: sample, Result: healthcert.ResultNegative,
		Quantity: &healthcert.Quantity{Value: 0.12, Unit: "{index}", CutOff: 1}}
	igg := &healthcert.AntibodyTest{Common: covid, Isotype: healthcert.IgG, Method: "ELISA",
		SampleTime: sample, Result: healthcert.ResultPositive,
		Quantity: &healthcert.Quantity{Value: 3.5, Unit: "{index}", CutOff: 1}}
	antigen := &healthcert.AntigenTest{Common: covid, Device: "1232", Name: "Abbott Panbio",
		SampleTime: time.Date(2024, 2, 28, 10, 0, 0, 0, time.UTC), Result: healthcert.ResultNegative}
	vac := func(dose int, d healthcert.Date) *healthcert.Vaccination {
		return &healthcert.Vaccination{Common: covid, VaccineType: "J07BX03", Product: "BBIBP-CorV",
			Manufacturer: "ORG-100020693", DoseNumber: dose, TotalDoses: 3, Date: d}
	}
	recovery := &healthcert.Recovery{Common: healthcert.Common{Disease: "840539006", Country: "CN"},
		FirstPositive: date(2022, 12, 20), ValidFrom: date(2022, 12, 31), ValidUntil: date(2023, 6, 20)}
	mixes := [][]healthcert.Event{
		{nat},
		{nat, igm, igg},
		{antigen},
		{vac(1, date(2021, 6, 1))},
		{vac(1, date(2021, 6, 1)), vac(2, date(2021, 7, 2)), vac(3, date(2022, 1, 15))},
		{recovery},
		{nat, igm, igg, antigen, vac(3, date(2022, 1, 15)), recovery, vac(1, date(2021, 6, 0))},
	}
	holders := []healthcert.Holder{
		{Name: healthcert.Name{Family: "张", Given: "伟", FamilyICAO: "ZHANG", GivenICAO: "WEI"},
			DateOfBirth: date(1985, 7, 0), Sex: healthcert.SexMale,
			Document: &healthcert.TravelDocument{Type: "P", Number: "E12345678", IssuingState: "CN"}},
		{Name: healthcert.Name{Family: "Müller", Given: "Jürgen", FamilyICAO: "MUELLER", GivenICAO: "JUERGEN"},
			DateOfBirth: date(1979, 11, 3),
			Document:    &healthcert.TravelDocument{Type: "P", Number: "C01X00T47", IssuingState: "DE"}},
		{Name: healthcert.Name{Family: "Παπαδοπούλου", Given: "Ελένη", FamilyICAO: "PAPADOPOULOU", GivenICAO: "ELENI"},
			DateOfBirth: date(1992, 2, 29), Sex: healthcert.SexFemale},
	}
	var out []*healthcert.Certificate
	for i, events := range mixes {
		out = append(out, &healthcert.Certificate{
			ID:        fmt.Sprintf("URN:UVCI:01:CN:SCAN%04dCORPUS#%c", i, 'A'+i),
			Issuer:    healthcert.Issuer{Country: "CN", Name: "National Health Commission"},
			IssuedAt:  time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC),
			ExpiresAt: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC),
			Holder:    holders[i%len(holders)],
			Events:    events,
		})
	}
	return out
}

// sampleDCC is an EU DCC vaccination payload (schema 1.3.0).
func sampleDCC() *dcc.Payload {
	return &dcc.Payload{
		Version:     "1.3.0",
		Name:        dcc.Name{Family: "Musterfrau-Gößinger", FamilyICAO: "MUSTERFRAU<GOESSINGER", Given: "Gabriele", GivenICAO: "GABRIELE"},
		DateOfBirth: "1998-02-26",
		Vaccinations: []dcc.Vaccination{{
			Disease: "840539006", VaccineType: "1119349007", Product: "EU/1/20/1528", Manufacturer: "ORG-100030215",
			DoseNumber: 1, TotalDoses: 2, Date: "2021-02-18", Country: "AT", Issuer: "Ministry of Health, Austria",
			ID: "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B",
		}},
	}
}

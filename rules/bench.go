package rules

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/verify"
)

// BenchSet returns what BenchmarkEvaluate20 measures, for internal/bench:
// an evaluator of a destination's full set of 20 acceptance rules and the
// rule context of one native certificate that passes them all. The set is
// the two embedded examples (GR-CN-0001, the whole entry policy, and
// GR-CN-0002) and benchRules, 18 rules of one check each in the manner of
// the EU countries' rules (a test's result and age, a vaccine's listing,
// doses and age, the certificate's dates), over the native payload.
func BenchSet() (*Evaluator, *verify.RuleContext, error) {
	ex, err := Examples()
	if err != nil {
		return nil, nil, err
	}
	rs := ex.Rules()
	for i, br := range benchRules {
		m := map[string]any{
			"Identifier": fmt.Sprintf("%s-CN-%04d", br.prefix, 100+i), "Type": TypeAcceptance, "Country": "CN",
			"Version": "1.0.0", "SchemaVersion": "1.0.0", "Engine": EngineCertLogic, "EngineVersion": "0.7.5",
			"CertificateType": map[string]string{"GR": CertGeneral, "TR": CertTest, "VR": CertVaccination}[br.prefix],
			"Description":     []Description{{Lang: "en", Desc: "Benchmark rule: " + br.desc}},
			"ValidFrom":       "2026-01-01T00:00:00Z", "ValidTo": "2030-12-31T00:00:00Z",
			"AffectedFields": []string{"events"}, "Logic": json.RawMessage(br.logic),
		}
		b, err := json.Marshal(m)
		if err != nil {
			return nil, nil, err
		}
		r, err := ParseRule(b)
		if err != nil {
			return nil, nil, fmt.Errorf("rules: bench rule %d: %w", i, err)
		}
		rs = append(rs, r)
	}
	set, err := NewSet(rs...)
	if err != nil {
		return nil, nil, err
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ctx := &verify.RuleContext{Country: "CN", Now: now, Format: verify.FormatHC1, IssuerCountry: "CN",
		KID: []byte{1, 2, 3, 4, 5, 6, 7, 8}, IssuedAt: now.Add(-24 * time.Hour), ExpiresAt: now.Add(29 * 24 * time.Hour),
		Certificate: benchCertificate(now)}
	return NewEvaluator(set, EvaluatorOptions{}), ctx, nil
}

// Pieces of the benchmark rules' logic.
const (
	benchClock = `{"plusTime":[{"var":"external.validationClock"},0,"hour"]}`
	benchDay   = `{"plusTime":[{"var":"external.validationClock"},0,"day"]}`
)

// benchLast is the value of field of the last event for which cond holds
// ("" when none).
func benchLast(cond, field string) string {
	return `{"reduce":[{"var":"payload.events"},{"if":[` + cond + `,{"var":"current.` + field + `"},{"var":"accumulator"}]},""]}`
}

var (
	benchNAAT    = `{"===":[{"var":"current.type"},"nucleic_acid_test"]}`
	benchIgM     = `{"and":[{"===":[{"var":"current.type"},"antibody_test"]},{"===":[{"var":"current.isotype"},"IgM"]}]}`
	benchVacc    = `{"===":[{"var":"current.type"},"vaccination"]}`
	benchNAATAt  = benchLast(benchNAAT, "sample_time")
	benchIgMAt   = benchLast(benchIgM, "sample_time")
	benchVaccDay = benchLast(benchVacc, "date")
)

var benchRules = []struct{ prefix, desc, logic string }{
	{"GR", "every event is about COVID-19", `{"reduce":[{"var":"payload.events"},{"if":[{"===":[{"var":"current.disease"},"840539006"]},{"var":"accumulator"},false]},true]}`},
	{"GR", "at most eight events", `{"<=":[{"reduce":[{"var":"payload.events"},{"+":[{"var":"accumulator"},1]},0]},8]}`},
	{"GR", "no positive test", `{"reduce":[{"var":"payload.events"},{"if":[{"===":[{"var":"current.result"},"positive"]},false,{"var":"accumulator"}]},true]}`},
	{"GR", "the holder's date of birth is given", `{"if":[{"var":"payload.holder.date_of_birth"},true,false]}`},
	{"GR", "the issuing country is a country", `{"in":[{"var":"payload.issuer.country"},{"var":"external.valueSets.country-2-codes"}]}`},
	{"GR", "the certificate has not expired", `{"not-after":[` + benchClock + `,{"plusTime":[{"var":"payload.expires_at"},0,"hour"]}]}`},
	{"GR", "the certificate was not issued in the future", `{"not-before":[` + benchClock + `,{"plusTime":[{"var":"payload.issued_at"},0,"hour"]}]}`},
	{"GR", "the first event took place in a country", `{"in":[{"var":"payload.events.0.country"},{"var":"external.valueSets.country-2-codes"}]}`},
	{"TR", "the nucleic-acid test method is accepted", `{"in":[` + benchLast(benchNAAT, "method") + `,["LP6464-4","94500-6","94309-2"]]}`},
	{"TR", "the nucleic-acid test is negative", `{"===":[` + benchLast(benchNAAT, "result") + `,"negative"]}`},
	{"TR", "the nucleic-acid test is at most 72 hours old", `{"and":[` + benchNAATAt + `,{"not-before":[{"plusTime":[` + benchNAATAt + `,72,"hour"]},` + benchClock + `]}]}`},
	{"TR", "the IgM antibody test is negative", `{"===":[` + benchLast(benchIgM, "result") + `,"negative"]}`},
	{"TR", "the IgM antibody test is at most 48 hours old", `{"and":[` + benchIgMAt + `,{"not-before":[{"plusTime":[` + benchIgMAt + `,48,"hour"]},` + benchClock + `]}]}`},
	{"VR", "the vaccine has a WHO listing", `{"in":[` + benchLast(benchVacc, "product") + `,{"var":"external.valueSets.ithc-who-eul-vaccines"}]}`},
	{"VR", "the vaccination series is complete", `{">=":[` + benchLast(benchVacc, "dose_number") + `,` + benchLast(benchVacc, "total_doses") + `]}`},
	{"VR", "the vaccination is at most 270 days old", `{"and":[` + benchVaccDay + `,{"not-after":[` + benchDay + `,{"plusTime":[` + benchVaccDay + `,270,"day"]}]}]}`},
	{"VR", "the vaccination is at least 14 days old", `{"and":[` + benchVaccDay + `,{"not-before":[` + benchDay + `,{"plusTime":[` + benchVaccDay + `,14,"day"]}]}]}`},
	{"VR", "the vaccine type is known", `{"in":[` + benchLast(benchVacc, "vaccine_type") + `,{"var":"external.valueSets.sct-vaccines-covid-19"}]}`},
}

// benchCertificate is the usual travel certificate: a nucleic-acid test,
// an IgM antibody test and two vaccinations.
func benchCertificate(now time.Time) *healthcert.Certificate {
	common := healthcert.Common{Disease: "840539006", Country: "CN", Centre: "Beijing CDC"}
	return &healthcert.Certificate{
		ID:     "URN:UVCI:01:CN:8Q4XK2#4",
		Issuer: healthcert.Issuer{Country: "CN", Name: "NHC"}, IssuedAt: now.Add(-24 * time.Hour), ExpiresAt: now.Add(29 * 24 * time.Hour),
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: "张", Given: "伟", FamilyICAO: "ZHANG", GivenICAO: "WEI"},
			DateOfBirth: healthcert.Date{Year: 1985, Month: 7},
			Document:    &healthcert.TravelDocument{Type: "P", Number: "E1234567", IssuingState: "CN"},
		},
		Events: []healthcert.Event{
			&healthcert.NucleicAcidTest{Common: common, Method: "LP6464-4", SampleTime: now.Add(-30 * time.Hour), Result: healthcert.ResultNegative},
			&healthcert.AntibodyTest{Common: common, Isotype: healthcert.IgM, Method: "CLIA", SampleTime: now.Add(-30 * time.Hour),
				Result: healthcert.ResultNegative, Quantity: &healthcert.Quantity{Value: 0.25, Unit: "{index}", CutOff: 1}},
			&healthcert.Vaccination{Common: common, VaccineType: "1157024006", Product: "BBIBP-CorV", Manufacturer: "ORG-100020693",
				DoseNumber: 1, TotalDoses: 2, Date: healthcert.DateOf(now.Add(-90 * 24 * time.Hour))},
			&healthcert.Vaccination{Common: common, VaccineType: "1157024006", Product: "BBIBP-CorV", Manufacturer: "ORG-100020693",
				DoseNumber: 2, TotalDoses: 2, Date: healthcert.DateOf(now.Add(-60 * 24 * time.Hour))},
		},
	}
}

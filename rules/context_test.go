package rules

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/valueset"
	"github.com/ithc/ithc/verify"
)

// nativeCert is a certificate with every kind of event, sampled shortly
// before now.
func nativeCert(now time.Time) *healthcert.Certificate {
	return &healthcert.Certificate{
		ID:       "URN:UVCI:01:CN:8Q4XK2#4",
		Issuer:   healthcert.Issuer{Country: "CN", Name: "NHC"},
		IssuedAt: now.Add(-24 * time.Hour), ExpiresAt: now.Add(30 * 24 * time.Hour),
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: "张", Given: "伟", FamilyICAO: "ZHANG", GivenICAO: "WEI"},
			DateOfBirth: healthcert.Date{Year: 1985, Month: 7},
			Sex:         healthcert.SexMale,
			Document:    &healthcert.TravelDocument{Type: "P", Number: "E1234567", IssuingState: "CN"},
		},
		Events: []healthcert.Event{
			&healthcert.NucleicAcidTest{Common: healthcert.Common{Disease: "840539006", Country: "CN", Centre: "Lab"},
				Method: "LP6464-4", SampleTime: now.Add(-30 * time.Hour), Result: healthcert.ResultNegative},
			&healthcert.AntibodyTest{Common: healthcert.Common{Disease: "840539006", Country: "CN"}, Isotype: healthcert.IgM,
				Method: "CLIA", SampleTime: now.Add(-30 * time.Hour), Result: healthcert.ResultNegative,
				Quantity: &healthcert.Quantity{Value: 0.25, Unit: "{index}", CutOff: 1}},
			&healthcert.Vaccination{Common: healthcert.Common{Disease: "840539006", Country: "CN"}, VaccineType: "J07BX03",
				Product: "BBIBP-CorV", Manufacturer: "ORG-100020693", DoseNumber: 2, TotalDoses: 2,
				Date: healthcert.DateOf(now.Add(-60 * 24 * time.Hour))},
			&healthcert.AntigenTest{Common: healthcert.Common{Disease: "840539006", Country: "CN"}, Device: "1232",
				SampleTime: now.Add(-10 * time.Hour), Result: healthcert.ResultNegative},
			&healthcert.Recovery{Common: healthcert.Common{Disease: "840539006", Country: "CN"},
				FirstPositive: healthcert.Date{Year: 2026, Month: 1, Day: 2}, ValidFrom: healthcert.Date{Year: 2026, Month: 1, Day: 13},
				ValidUntil: healthcert.Date{Year: 2026, Month: 7, Day: 1}},
		},
	}
}

// TestNativePayloadIsTheJSONForm: the payload built directly equals the
// documented JSON form (healthcert MarshalJSON) decoded by encoding/json.
func TestNativePayloadIsTheJSONForm(t *testing.T) {
	c := nativeCert(mustTime(t, "2026-06-01T12:00:00Z"))
	b, err := c.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var want any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if got := any(NativePayload(c)); !reflect.DeepEqual(got, want) {
		gb, _ := json.Marshal(got)
		t.Errorf("NativePayload() =\n%s\nwant\n%s", gb, b)
	}
	// A certificate with only the required members.
	min := &healthcert.Certificate{Holder: healthcert.Holder{Name: healthcert.Name{Family: "X"}},
		Events: []healthcert.Event{&healthcert.Vaccination{DoseNumber: 1, TotalDoses: 1}}}
	b, _ = min.MarshalJSON()
	want = nil
	_ = json.Unmarshal(b, &want)
	if got := any(NativePayload(min)); !reflect.DeepEqual(got, want) {
		gb, _ := json.Marshal(got)
		t.Errorf("NativePayload(minimal) =\n%s\nwant\n%s", gb, b)
	}
}

// TestDCCPayloadIsTheJSONForm: a DCC's payload members are the DCC as
// encoding/json decodes its JSON.
func TestDCCPayloadIsTheJSONForm(t *testing.T) {
	src := `{"ver":"1.3.0","nam":{"fn":"Musterfrau","fnt":"MUSTERFRAU","gn":"Erika","gnt":"ERIKA"},"dob":"1964-08-12",` +
		`"t":[{"tg":"840539006","tt":"LP217198-3","ma":"1232","sc":"2021-06-01T10:00:00Z","tr":"260415000","tc":"Testzentrum","co":"DE","is":"RKI","ci":"URN:UVCI:01:DE:X#1"}]}`
	p, err := dcc.ParseJSON([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	addDCC(m, p, nil)
	var want map[string]any
	_ = json.Unmarshal([]byte(src), &want)
	if !reflect.DeepEqual(m, want) {
		t.Errorf("addDCC() = %v, want %v", m, want)
	}
}

func TestData(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 250e6, time.UTC)
	c := &verify.RuleContext{Country: "FR", Region: "IDF", Now: now, IssuerCountry: "CN", KID: []byte{1, 2, 3},
		IssuedAt: now.Add(-time.Hour), Certificate: nativeCert(now)}
	vs := ValueSetsData(valueset.Default())
	d, err := Data(c, vs)
	if err != nil {
		t.Fatal(err)
	}
	ext := d["external"].(map[string]any)
	for k, want := range map[string]any{"validationClock": "2026-06-01T12:00:00.250Z", "countryCode": "FR", "region": "IDF",
		"issuerCountryCode": "CN", "kid": "AQID", "iat": "2026-06-01T11:00:00.250Z", "exp": nil} {
		if ext[k] != want {
			t.Errorf("external.%s = %v, want %v", k, ext[k], want)
		}
	}
	if _, ok := d["payload"].(map[string]any)["events"]; !ok {
		t.Error("payload has no events")
	}
	codes, _ := vs[valueset.VaccineProducts].([]any)
	if len(codes) == 0 {
		t.Errorf("valueSets[%s] is empty", valueset.VaccineProducts)
	}
	if _, err := Data(&verify.RuleContext{}, vs); err == nil {
		t.Error("Data() without a certificate = nil error")
	}
}

func TestFormatDate(t *testing.T) {
	for _, d := range []healthcert.Date{{Year: 1985, Month: 7}, {Year: 2026, Month: 12, Day: 31}, {Year: 7}, {Year: 2000, Month: 1, Day: 2}} {
		if got, want := formatDate(d), d.String(); got != want {
			t.Errorf("formatDate(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestNeeds: the data context holds only the payload members the rules
// read, and all of them when a rule reads the whole payload.
func TestNeeds(t *testing.T) {
	now := mustTime(t, "2026-06-01T12:00:00Z")
	c := &verify.RuleContext{Country: "CN", Now: now, Certificate: nativeCert(now)}
	events := mustRule(t, map[string]any{"Logic": map[string]any{"reduce": []any{map[string]any{"var": "payload.events"},
		map[string]any{"var": "current.x"}, 0}}})
	n := needsOf([]*Rule{events})
	d, err := data(c, nil, n)
	if err != nil {
		t.Fatal(err)
	}
	p := d["payload"].(map[string]any)
	if _, ok := p["events"]; !ok || len(p) != 1 {
		t.Errorf("payload members = %v, want only events", p)
	}
	whole := mustRule(t, map[string]any{"Identifier": "VR-CN-0002", "Logic": map[string]any{"if": []any{map[string]any{"var": "payload"}, true, false}}})
	if n := needsOf([]*Rule{events, whole}); n == nil || n.payload != nil {
		t.Errorf("needsOf(a rule reading the payload) = %+v, want all payload members", n)
	}
}

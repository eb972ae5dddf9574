package rules

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/valueset"
	"github.com/ithc/ithc/verify"
)

// probeRules read objects of the data context whole (their truthiness:
// an empty object is falsy) or through members no other rule names, to
// catch a context that leaves out what a rule can see.
var probeRules = []string{
	`{"if": [{"var": "payload.holder.document"}, true, false]}`,
	`{"if": [{"var": "payload.holder.name"}, true, false]}`,
	`{"if": [{"var": "payload.issuer"}, true, false]}`,
	`{"if": [{"var": "payload.events.1.quantity"}, true, false]}`,
	`{"reduce": [{"var": "payload.events"}, {"if": [{"var": "current"}, {"+": [{"var": "accumulator"}, 1]}, {"var": "accumulator"}]}, 0]}`,
	`{"reduce": [{"var": "payload.events"}, {"var": "current"}, 0]}`,
	`{"if": [{"reduce": [{"var": "payload.events"}, {"var": "current"}, 0]}, true, false]}`,
	`{"if": [{"var": "external"}, true, false]}`,
	`{"===": [{"var": "external.kid"}, "AQID"]}`,
	`{"if": [{"var": "external.iat"}, true, false]}`,
	`{"in": [{"var": "external.countryCode"}, ["FR", "CN"]]}`,
	`{"if": [{"var": "payload.nam"}, true, false]}`,
	`{"if": [{"var": "payload.v.0"}, true, false]}`,
	`{"if": [{"var": "payload.t.0"}, true, false]}`,
	`{"===": [{"var": "payload.t.0.tc"}, "Testzentrum"]}`,
	`{"if": [{"var": "payload"}, true, false]}`,
	`{"var": "payload.holder"}`,
}

// TestNeedsSameOutcome: a data context holding only what the rules of an
// evaluator read gives every rule the outcome the full context gives,
// whether the rule is alone (the narrowest context) or with the others.
func TestNeedsSameOutcome(t *testing.T) {
	ev, bench, err := BenchSet()
	if err != nil {
		t.Fatal(err)
	}
	rs := ev.Set().Rules()
	for i, logic := range probeRules {
		rs = append(rs, mustRule(t, map[string]any{"Identifier": "GR-CN-09" + string(rune('0'+i/10)) + string(rune('0'+i%10)),
			"CertificateType": "General", "Logic": json.RawMessage(logic)}))
	}
	p, err := dcc.ParseJSON([]byte(`{"ver":"1.3.0","nam":{"fn":"Musterfrau","fnt":"MUSTERFRAU","gn":"Erika","gnt":"ERIKA"},"dob":"1964-08-12",` +
		`"t":[{"tg":"840539006","tt":"LP217198-3","ma":"1232","sc":"2021-06-01T10:00:00Z","tr":"260415000","tc":"Testzentrum","co":"DE","is":"RKI","ci":"URN:UVCI:01:DE:X#1"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	minimal := &healthcert.Certificate{Holder: healthcert.Holder{Name: healthcert.Name{Family: "X"}},
		Events: []healthcert.Event{&healthcert.Vaccination{DoseNumber: 1, TotalDoses: 1}}}
	contexts := map[string]*verify.RuleContext{
		"bench":   bench,
		"native":  {Country: "FR", Now: now, IssuerCountry: "CN", KID: []byte{1, 2, 3}, IssuedAt: now.Add(-time.Hour), Certificate: nativeCert(now)},
		"minimal": {Country: "CN", Now: now, Certificate: minimal},
		"dcc":     {Country: "DE", Now: now, DCC: p},
	}
	vs := ValueSetsData(valueset.Default())
	for name, c := range contexts {
		full, err := Data(c, vs)
		if err != nil {
			t.Fatal(err)
		}
		all, err := data(c, vs, needsOf(rs))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			alone, err := data(c, vs, needsOf([]*Rule{r}))
			if err != nil {
				t.Fatal(err)
			}
			wantRes, wantDetail := Run(r, full)
			for ctxName, d := range map[string]map[string]any{"alone": alone, "all": all} {
				if res, detail := Run(r, d); res != wantRes || detail != wantDetail {
					t.Errorf("%s, %s, context for the rule %s: %s %q, with the full context %s %q", name, r.Identifier, ctxName, res, detail, wantRes, wantDetail)
				}
			}
		}
	}
}

// TestNeedsObjects: members no rule names are left out, and an object
// that would be left empty is built in full.
func TestNeedsObjects(t *testing.T) {
	now := mustTime(t, "2026-06-01T12:00:00Z")
	c := &verify.RuleContext{Country: "CN", Now: now, Certificate: nativeCert(now)}
	r := mustRule(t, map[string]any{"Logic": json.RawMessage(`{"and": [{"var": "payload.holder.document"}, ` +
		`{"reduce": [{"var": "payload.events"}, {"var": "current.result"}, ""]}]}`)})
	d, err := data(c, nil, needsOf([]*Rule{r}))
	if err != nil {
		t.Fatal(err)
	}
	p := d["payload"].(map[string]any)
	doc := p["holder"].(map[string]any)["document"].(map[string]any)
	if len(doc) != 3 {
		t.Errorf("holder.document = %v, want all three members (no rule names one)", doc)
	}
	if _, ok := p["holder"].(map[string]any)["name"]; ok {
		t.Errorf("holder has a name, which no rule reads")
	}
	for _, e := range p["events"].([]any) {
		m := e.(map[string]any)
		switch m["type"] {
		case nil:
			if len(m) != 1 || m["result"] == nil {
				t.Errorf("event %v, want only its result", m)
			}
		case "vaccination", "recovery": // no result: built in full
			if len(m) < 4 {
				t.Errorf("event %v, want all its members", m)
			}
		default:
			t.Errorf("event %v, want only its result", m)
		}
	}
	ext := d["external"].(map[string]any)
	if _, ok := ext["validationClock"]; !ok || len(ext) != 1 {
		t.Errorf("external = %v, want only validationClock", ext)
	}
}

// TestEvaluateNativeAllocs: once the data context is built, evaluating the
// 20 rules of BenchSet does not allocate.
func TestEvaluateNativeAllocs(t *testing.T) {
	ev, c, err := BenchSet()
	if err != nil {
		t.Fatal(err)
	}
	d, err := data(c, ev.valueSets, ev.needs)
	if err != nil {
		t.Fatal(err)
	}
	rs := ev.Set().Rules()
	allocs := testing.AllocsPerRun(50, func() {
		for _, r := range rs {
			Run(r, d)
		}
	})
	if allocs != 0 {
		t.Errorf("evaluating %d rules allocates %v times, want 0", len(rs), allocs)
	}
}

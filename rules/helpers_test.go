package rules

import (
	"encoding/json"
	"testing"
	"time"
)

// ruleJSON returns a valid rule in the gateway format with the changes
// given (member → value; a nil value removes the member).
func ruleJSON(t testing.TB, changes map[string]any) []byte {
	t.Helper()
	m := map[string]any{
		"Identifier": "VR-CN-0001", "Type": "Acceptance", "Country": "CN", "Version": "1.0.0",
		"SchemaVersion": "1.0.0", "Engine": "CERTLOGIC", "EngineVersion": "0.7.5", "CertificateType": "Vaccination",
		"Description": []any{
			map[string]any{"lang": "en", "desc": "The vaccination must be complete."},
			map[string]any{"lang": "zh", "desc": "疫苗接种必须完成全程，剂次不少于规定的总剂次数。"},
		},
		"ValidFrom": "2026-01-01T00:00:00Z", "ValidTo": "2030-01-01T00:00:00Z",
		"AffectedFields": []any{"events"},
		"Logic":          map[string]any{"!": []any{false}},
	}
	for k, v := range changes {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustRule(t testing.TB, changes map[string]any) *Rule {
	t.Helper()
	r, err := ParseRule(ruleJSON(t, changes))
	if err != nil {
		t.Fatalf("ParseRule() = %v", err)
	}
	return r
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

package rules

import (
	"strings"
	"testing"
)

func ids(rs []*Rule) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Identifier+"@"+r.Version)
	}
	return strings.Join(s, " ")
}

func TestSelect(t *testing.T) {
	set, err := NewSet(
		mustRule(t, map[string]any{"Version": "1.0.0", "ValidFrom": "2026-01-01T00:00:00Z"}),
		mustRule(t, map[string]any{"Version": "1.1.0", "ValidFrom": "2026-03-01T00:00:00Z"}),
		mustRule(t, map[string]any{"Version": "1.10.0", "ValidFrom": "2026-05-01T00:00:00Z", "ValidTo": "2026-06-01T00:00:00Z"}),
		mustRule(t, map[string]any{"Identifier": "TR-CN-0001", "CertificateType": "Test", "Region": "SH"}),
		mustRule(t, map[string]any{"Identifier": "GR-FR-0001", "Country": "FR", "CertificateType": "General"}),
		mustRule(t, map[string]any{"Identifier": "IR-FR-0001", "Country": "FR", "Type": "Invalidation", "CertificateType": "General"}),
		mustRule(t, map[string]any{"Identifier": "IR-CN-0001", "Type": "Invalidation", "CertificateType": "General"}),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		sel  Selection
		want string
	}{
		{"before every version", Selection{Country: "CN", Now: mustTime(t, "2025-12-31T23:59:59Z")}, ""},
		{"first version", Selection{Country: "CN", Now: mustTime(t, "2026-02-01T00:00:00Z")}, "VR-CN-0001@1.0.0"},
		{"second version from its ValidFrom", Selection{Country: "CN", Now: mustTime(t, "2026-03-01T00:00:00Z")}, "VR-CN-0001@1.1.0"},
		{"semantic order 1.10 > 1.1", Selection{Country: "CN", Now: mustTime(t, "2026-05-15T00:00:00Z")}, "VR-CN-0001@1.10.0"},
		{"expired newest falls back", Selection{Country: "CN", Now: mustTime(t, "2026-07-01T00:00:00Z")}, "VR-CN-0001@1.1.0"},
		{"region rule in its region", Selection{Country: "CN", Region: "SH", Now: mustTime(t, "2026-02-01T00:00:00Z")}, "TR-CN-0001@1.0.0 VR-CN-0001@1.0.0"},
		{"issuer invalidation rules", Selection{Country: "CN", IssuerCountry: "FR", Now: mustTime(t, "2026-02-01T00:00:00Z")}, "IR-FR-0001@1.0.0 VR-CN-0001@1.0.0"},
		{"own invalidation rule for own certificates", Selection{Country: "FR", IssuerCountry: "CN", Now: mustTime(t, "2026-02-01T00:00:00Z")}, "GR-FR-0001@1.0.0 IR-CN-0001@1.0.0"},
		{"after ValidTo", Selection{Country: "CN", Now: mustTime(t, "2030-01-01T00:00:01Z")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids(set.Select(tc.sel)); got != tc.want {
				t.Errorf("Select() = %q, want %q", got, tc.want)
			}
		})
	}
	if set.Len() != 7 || len(set.Versions("VR-CN-0001")) != 3 || set.Versions("VR-CN-0001")[0].Version != "1.10.0" {
		t.Errorf("Len() = %d, Versions() = %s", set.Len(), ids(set.Versions("VR-CN-0001")))
	}
}

func TestNewSetDuplicate(t *testing.T) {
	if _, err := NewSet(mustRule(t, nil), mustRule(t, nil)); err == nil {
		t.Error("NewSet() of one version twice = nil error")
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.0.0", "1.0.0", 0}, {"1.0.1", "1.0.0", 1}, {"1.9.0", "1.10.0", -1}, {"2.0.0", "10.0.0", -1},
		{"x", "0.0.0", -1}, {"1.0.0", "01.0.0", 1},
	} {
		if got := CompareVersions(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestDescriptionIn(t *testing.T) {
	r := mustRule(t, nil)
	for lang, want := range map[string]string{"zh": "疫苗", "zh-cn": "疫苗", "en": "The vaccination", "fr": "The vaccination", "": "The vaccination"} {
		if got := r.DescriptionIn(lang); !strings.HasPrefix(got, want) {
			t.Errorf("DescriptionIn(%q) = %q, want %q…", lang, got, want)
		}
	}
}

func TestRuleRoundTrip(t *testing.T) {
	r := mustRule(t, map[string]any{"ValidFrom": "2026-01-01T08:00:00+08:00", "Region": "SH",
		"Logic": map[string]any{"<": []any{1, map[string]any{"var": "payload.x"}}}})
	b, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	r2, err := ParseRule(b)
	if err != nil {
		t.Fatalf("ParseRule(MarshalJSON()) = %v", err)
	}
	b2, _ := r2.MarshalJSON()
	if string(b) != string(b2) {
		t.Errorf("round trip changed the rule:\n%s\n%s", b, b2)
	}
	if !strings.Contains(string(b), `"ValidFrom":"2026-01-01T08:00:00+08:00"`) || !strings.Contains(string(b), `{"<":[1,`) {
		t.Errorf("MarshalJSON() = %s: the offset or the operator changed", b)
	}
}

func TestParseRuleHostile(t *testing.T) {
	for name, data := range map[string]string{
		"empty":          ``,
		"array":          `[]`,
		"duplicate key":  strings.Replace(string(ruleJSON(t, nil)), `{"AffectedFields"`, `{"Country":"CN","AffectedFields"`, 1),
		"trailing data":  string(ruleJSON(t, nil)) + `{}`,
		"invalid utf-8":  "{\"Identifier\":\"\xff\"}",
		"deep logic":     string(ruleJSON(t, map[string]any{"Logic": deep(100)})),
		"time not real":  string(ruleJSON(t, map[string]any{"ValidFrom": "2026-02-30T00:00:00Z"})),
		"version 1.0.00": string(ruleJSON(t, map[string]any{"Version": "1.0.00"})),
		"engine":         string(ruleJSON(t, map[string]any{"Engine": "JSONLOGIC"})),
		"region number":  string(ruleJSON(t, map[string]any{"Region": 1})),
		"two english":    string(ruleJSON(t, map[string]any{"Description": []any{map[string]any{"lang": "en", "desc": "A long enough English text."}, map[string]any{"lang": "en", "desc": "Another long enough English text."}}})),
		"too large":      `{"x":"` + strings.Repeat("a", 300<<10) + `"}`,
	} {
		r, err := ParseRule([]byte(data))
		if err == nil || r != nil {
			t.Errorf("%s: ParseRule() = %v, %v; want nil and an error", name, r, err)
		}
	}
}

func deep(n int) any {
	var v any = true
	for range n {
		v = map[string]any{"!": []any{v}}
	}
	return v
}

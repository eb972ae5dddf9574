package rules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
)

// FuzzParseRule: no panic, nil rule with an error, and a parsed rule
// marshals to a form that parses to the same form.
func FuzzParseRule(f *testing.F) {
	f.Add(ruleJSON(f, nil))
	f.Add(ruleJSON(f, map[string]any{"Region": "SH", "ValidFrom": "2026-01-01T08:00:00+08:00"}))
	if dir, err := shareddata.Find("business-rules"); err == nil {
		files, _ := filepath.Glob(filepath.Join(dir, "*", "*", "rule.json"))
		for i, p := range files {
			if i%8 == 0 {
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRule(data)
		if err != nil {
			if r != nil {
				t.Fatal("ParseRule() returned a rule and an error")
			}
			return
		}
		b, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON() = %v", err)
		}
		r2, err := ParseRule(b)
		if err != nil {
			t.Fatalf("ParseRule(MarshalJSON()) = %v\n%s", err, b)
		}
		b2, _ := r2.MarshalJSON()
		if string(b) != string(b2) {
			t.Fatalf("round trip differs:\n%s\n%s", b, b2)
		}
	})
}

// FuzzParseSet: no panic, nil set with an error, and a parsed set
// marshals to a form that parses to the same number of rules.
func FuzzParseSet(f *testing.F) {
	f.Add([]byte(`{"rules":[` + string(ruleJSON(f, nil)) + `]}`))
	f.Add([]byte(`[` + string(ruleJSON(f, nil)) + `,` + string(ruleJSON(f, map[string]any{"Version": "1.0.1"})) + `]`))
	f.Add([]byte(`{"source":"x","version":3,"rules":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSet(data)
		if err != nil {
			if s != nil {
				t.Fatal("ParseSet() returned a set and an error")
			}
			return
		}
		b, err := MarshalSet(s)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := ParseSet(b)
		if err != nil || s2.Len() != s.Len() {
			t.Fatalf("ParseSet(MarshalSet()) = %v, %v", s2, err)
		}
	})
}

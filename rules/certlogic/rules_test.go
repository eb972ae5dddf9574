package certlogic

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
)

// businessRule is one real acceptance rule and its tests, from the shared
// test data (business-rules/<SET>/<Identifier>/rule.json, tests/*.json).
type businessRule struct {
	id    string
	logic any
	tests []map[string]any
	files []string
}

func loadBusinessRules(t testing.TB) []businessRule {
	t.Helper()
	root := shareddata.Path(t, "business-rules")
	ruleFiles, err := filepath.Glob(filepath.Join(root, "*", "*", "rule.json"))
	if err != nil || len(ruleFiles) == 0 {
		t.Fatalf("no rule.json below %s: %v", root, err)
	}
	var rules []businessRule
	for _, rf := range ruleFiles {
		rule := readJSON(t, rf).(map[string]any)
		br := businessRule{id: rule["Identifier"].(string), logic: rule["Logic"]}
		tests, _ := filepath.Glob(filepath.Join(filepath.Dir(rf), "tests", "*.json"))
		for _, tf := range tests {
			br.tests = append(br.tests, readJSON(t, tf).(map[string]any))
			br.files = append(br.files, tf)
		}
		rules = append(rules, br)
	}
	return rules
}

func readJSON(t testing.TB, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := DecodeData(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// TestBusinessRules evaluates the logic of real acceptance rules over
// their test payloads, as the EU engines do: the data context is
// {payload, external}, and the result must equal the expected value.
func TestBusinessRules(t *testing.T) {
	rules := loadBusinessRules(t)
	n := 0
	for _, r := range rules {
		e, err := CompileValue(r.logic)
		if err != nil {
			t.Errorf("%s: CompileValue = %v", r.id, err)
			continue
		}
		for i, tc := range r.tests {
			n++
			data := map[string]any{"payload": tc["payload"], "external": tc["external"]}
			got, err := e.Evaluate(data)
			if err != nil {
				got = false // an evaluation error fails the rule
			}
			if !jsonEqual(got, tc["expected"]) {
				t.Errorf("%s %s (%v): Evaluate = %v (error %v), want %v", r.id, filepath.Base(r.files[i]), tc["name"], got, err, tc["expected"])
			}
		}
	}
	if n < 100 {
		t.Errorf("ran %d rule tests, want at least 100", n)
	}
}

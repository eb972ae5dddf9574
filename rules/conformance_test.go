package rules

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
)

// TestRunTestsBusinessRules runs every rule test of the EU business-rules
// test data: each must pass.
func TestRunTestsBusinessRules(t *testing.T) {
	dir := shareddata.Path(t, "business-rules")
	rep, err := RunTests(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rules < 70 || rep.Total < 460 {
		t.Errorf("RunTests() found %d rules and %d tests, want the whole folder (71, 466)", rep.Rules, rep.Total)
	}
	for _, r := range rep.Tests {
		if !r.Passed {
			t.Errorf("%s/%s (%s): got %v, want %v %s", r.Rule, r.File, r.Name, r.Got, r.Expected, r.Error)
		}
	}
	if len(rep.RuleProblems) > 0 {
		t.Errorf("rule problems: %v", rep.RuleProblems)
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if last, want := lines[len(lines)-1], fmt.Sprintf("rules: %d/%d rule tests passed", rep.Total, rep.Total); last != want {
		t.Errorf("last line %q, want %q", last, want)
	}
}

// TestRunTestsFailures: a wrong expectation, a broken test file and a rule
// whose Logic does not compile each fail, and value sets come from the
// nearest valuesets folder when a test has none.
func TestRunTestsFailures(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, s string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("valuesets/valueSets.json", `{"vaccines-covid-19-names":["BBIBP-CorV"]}`)
	write("SET/VR-CN-0001/rule.json", string(ruleJSON(t, map[string]any{"Logic": map[string]any{
		"in": []any{map[string]any{"var": "payload.events.0.product"}, map[string]any{"var": "external.valueSets.vaccines-covid-19-names"}}}})))
	write("SET/VR-CN-0001/tests/a.json", `{"name":"listed","payload":{"events":[{"product":"BBIBP-CorV"}]},"expected":true,"external":{}}`)
	write("SET/VR-CN-0001/tests/b.json", `{"name":"wrong expectation","payload":{"events":[{"product":"BBIBP-CorV"}]},"expected":false,"external":{}}`)
	write("SET/VR-CN-0001/tests/c.json", `{"payload":{},"expected":true,"external":{}`)
	write("SET/VR-CN-0002/rule.json", string(ruleJSON(t, map[string]any{"Identifier": "VR-CN-0002", "Logic": map[string]any{"nope": []any{}}})))
	write("SET/VR-CN-0002/tests/a.json", `{"payload":{},"expected":true,"external":{}}`)
	rep, err := RunTests(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != 4 || rep.Passed != 1 || !rep.Tests[0].Passed {
		t.Errorf("RunTests() = %d/%d passed, tests %+v", rep.Passed, rep.Total, rep.Tests)
	}
	if len(rep.RuleProblems["SET/VR-CN-0002"]) == 0 {
		t.Errorf("RuleProblems = %v, want the uncompilable rule", rep.RuleProblems)
	}
	var b bytes.Buffer
	_ = rep.WriteText(&b)
	if !strings.HasSuffix(b.String(), "rules: 1/4 rule tests passed\n") || !strings.Contains(b.String(), "FAIL SET/VR-CN-0001/b.json (wrong expectation): got true, want false") {
		t.Errorf("WriteText() =\n%s", b.String())
	}
}

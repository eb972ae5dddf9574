package rules

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ithc/ithc/valueset"
)

// TestExamples: every example rule parses and passes its tests, and the
// value sets the tests read are those embedded in package valueset.
func TestExamples(t *testing.T) {
	set, err := Examples()
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() < 2 {
		t.Fatalf("Examples() holds %d rules", set.Len())
	}
	rep, err := RunTests("examples")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total < 20 || rep.Passed != rep.Total || len(rep.RuleProblems) > 0 {
		for _, r := range rep.Tests {
			if !r.Passed {
				t.Errorf("%s/%s (%s): got %v, want %v %s", r.Rule, r.File, r.Name, r.Got, r.Expected, r.Error)
			}
		}
		t.Fatalf("examples: %d/%d passed, problems %v", rep.Passed, rep.Total, rep.RuleProblems)
	}
	data, err := examples.ReadFile("examples/valuesets/valueSets.json")
	if err != nil {
		t.Fatal(err)
	}
	var sets map[string]any
	if err := json.Unmarshal(data, &sets); err != nil {
		t.Fatal(err)
	}
	embedded := ValueSetsData(valueset.Default())
	for id, codes := range sets {
		if !reflect.DeepEqual(codes, embedded[id]) {
			t.Errorf("examples/valuesets %s = %v, want the embedded set %v", id, codes, embedded[id])
		}
	}
}

package rules

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/verify"
)

// BenchmarkEvaluate20DCC evaluates 20 real rules (Austria's 16 and four of
// the EU template's, all taken as Austria's) against one EU DCC
// vaccination certificate of the test data.
func BenchmarkEvaluate20DCC(b *testing.B) {
	dir := shareddata.Path(b, "business-rules")
	files, _ := filepath.Glob(filepath.Join(dir, "AT", "*", "rule.json"))
	eu, _ := filepath.Glob(filepath.Join(dir, "EU", "*", "rule.json"))
	sort.Strings(eu)
	files = append(files, eu[:4]...)
	var rs []*Rule
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			b.Fatal(err)
		}
		m["Country"] = "AT"
		data, _ = json.Marshal(m)
		r, err := ParseRule(data)
		if err != nil {
			b.Fatal(err)
		}
		rs = append(rs, r)
	}
	set, err := NewSet(rs...)
	if err != nil {
		b.Fatal(err)
	}
	if set.Len() != 20 {
		b.Fatalf("%d rules", set.Len())
	}
	data, err := os.ReadFile(filepath.Join(dir, "AT", "VR-AT-0000", "tests", "test001.json"))
	if err != nil {
		b.Fatal(err)
	}
	var test struct {
		Payload json.RawMessage
	}
	if err := json.Unmarshal(data, &test); err != nil {
		b.Fatal(err)
	}
	p, err := dcc.ParseJSON(test.Payload)
	if err != nil {
		b.Fatal(err)
	}
	c, _ := p.Certificate()
	ctx := &verify.RuleContext{Country: "AT", IssuerCountry: "AT", Now: time.Date(2021, 8, 1, 0, 0, 0, 0, time.UTC), DCC: p, Certificate: c}
	ev := NewEvaluator(set, EvaluatorOptions{})
	out, err := ev.Evaluate(ctx)
	if err != nil || len(out) != 20 {
		b.Fatalf("Evaluate() = %d outcomes, %v", len(out), err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ev.Evaluate(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/cert")
}

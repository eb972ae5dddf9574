package certlogic

import (
	"path/filepath"
	"strings"
	"testing"
)

// benchData returns the compiled rules of a country and a data context
// from one of their tests: a real DCC payload with the value sets.
func benchData(b *testing.B, country, testFile string) ([]*Expr, []string, any) {
	b.Helper()
	var exprs []*Expr
	var ids []string
	var data any
	for _, r := range loadBusinessRules(b) {
		if !strings.HasPrefix(r.id[3:], country) {
			continue
		}
		e, err := CompileValue(r.logic)
		if err != nil {
			b.Fatalf("%s: %v", r.id, err)
		}
		exprs = append(exprs, e)
		ids = append(ids, r.id)
		for i, f := range r.files {
			if data == nil && strings.HasSuffix(f, filepath.FromSlash(testFile)) {
				tc := r.tests[i]
				data = map[string]any{"payload": tc["payload"], "external": tc["external"]}
			}
		}
	}
	if len(exprs) == 0 || data == nil {
		b.Fatalf("no rules of %s or no test %s", country, testFile)
	}
	return exprs, ids, data
}

// BenchmarkEvaluate evaluates real acceptance rules of DE over a real
// vaccination payload: every rule of the country per operation ("all",
// the cost per certificate), and each rule alone; and the 16 rules of AT
// (one of them a reduce) over the same payload.
func BenchmarkEvaluate(b *testing.B) {
	exprs, ids, data := benchData(b, "DE", "VR-DE-0003/tests/test007.json")
	atExprs, _, _ := benchData(b, "AT", "GR-AT-0000/tests/test001.json")
	b.Run("AT-all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, e := range atExprs {
				if _, err := e.Evaluate(data); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(atExprs)), "ns/rule")
	})
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, e := range exprs {
				if _, err := e.Evaluate(data); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(exprs)), "ns/rule")
	})
	for i, e := range exprs {
		b.Run(ids[i], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Evaluate(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompile compiles a real rule's logic from JSON.
func BenchmarkCompile(b *testing.B) {
	expr := []byte(`{"if":[{"var":"payload.v.0"},{"if":[{"not-before":[{"plusTime":[{"var":"external.validationClock"},0,"day"]},{"plusTime":[{"var":"payload.v.0.dt"},15,"day"]}]},true,{"if":[{">":[{"var":"payload.v.0.dn"},2]},true,{"if":[{"and":[{">":[{"var":"payload.v.0.dn"},1]},{"===":[{"var":"payload.v.0.mp"},"EU/1/20/1525"]}]},true,{"and":[{"and":[{"===":[{"var":"payload.v.0.sd"},1]},{"===":[{"var":"payload.v.0.dn"},1]}]},{"in":[{"var":"payload.v.0.mp"},["EU/1/20/1528","EU/1/20/1507","EU/1/21/1529"]]}]}]}]}]},true]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(expr); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEvaluateAllocs: evaluating real rules over a real payload does not
// allocate (allocation counts are deterministic, unlike timings).
func TestEvaluateAllocs(t *testing.T) {
	var exprs []*Expr
	var data any
	for _, r := range loadBusinessRules(t) {
		e, err := CompileValue(r.logic)
		if err != nil {
			t.Fatalf("%s: %v", r.id, err)
		}
		exprs = append(exprs, e)
		for i, f := range r.files {
			if strings.HasSuffix(f, filepath.FromSlash("VR-DE-0003/tests/test007.json")) {
				data = map[string]any{"payload": r.tests[i]["payload"], "external": r.tests[i]["external"]}
			}
		}
	}
	if data == nil {
		t.Fatal("test VR-DE-0003/tests/test007.json not found")
	}
	allocs := testing.AllocsPerRun(20, func() {
		for _, e := range exprs {
			_, _ = e.EvaluateBool(data)
		}
	})
	if allocs != 0 {
		t.Errorf("evaluating %d rules allocates %v times, want 0", len(exprs), allocs)
	}
}

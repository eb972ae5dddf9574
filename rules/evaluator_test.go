package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/verify"
)

// evaluator.Evaluate must satisfy the verify hook.
var _ verify.RuleEvaluator = (*Evaluator)(nil)

func outcomes(out []verify.RuleOutcome) string {
	var s []string
	for _, o := range out {
		s = append(s, o.Identifier+"="+o.Result)
	}
	return strings.Join(s, " ")
}

func TestEvaluateExamples(t *testing.T) {
	set, err := Examples()
	if err != nil {
		t.Fatal(err)
	}
	ev := NewEvaluator(set, EvaluatorOptions{})
	now := mustTime(t, "2026-06-01T12:00:00Z")
	ctx := func(c *healthcert.Certificate, country string, at time.Time) *verify.RuleContext {
		// Without the recovery, which alone meets GR-CN-0001.
		c.Events = c.Events[:len(c.Events)-1]
		return &verify.RuleContext{Country: country, Now: at, IssuerCountry: "CN", Certificate: c}
	}
	for _, tc := range []struct {
		name string
		c    *verify.RuleContext
		want string
	}{
		{"passes", ctx(nativeCert(now), "CN", now), "GR-CN-0001=passed GR-CN-0002=passed"},
		{"tests too old a day later", ctx(nativeCert(now), "CN", now.Add(24*time.Hour)), "GR-CN-0001=failed GR-CN-0002=passed"},
		{"no document", ctx(func() *healthcert.Certificate { c := nativeCert(now); c.Holder.Document = nil; return c }(), "CN", now), "GR-CN-0001=passed GR-CN-0002=failed"},
		{"another destination has no rules", ctx(nativeCert(now), "FR", now), ""},
		{"before the rules apply", ctx(nativeCert(now), "CN", mustTime(t, "2025-12-31T00:00:00Z")), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ev.Evaluate(tc.c)
			if err != nil {
				t.Fatal(err)
			}
			if got := outcomes(out); got != tc.want {
				t.Errorf("Evaluate() = %q, want %q", got, tc.want)
			}
			for _, o := range out {
				if o.Version != "1.0.0" || o.Type != TypeAcceptance || o.Country != "CN" || o.Description["en"] == "" || o.Description["zh"] == "" {
					t.Errorf("outcome %+v lacks version, type, country or descriptions", o)
				}
			}
		})
	}
}

func TestEvaluateTypesAndErrors(t *testing.T) {
	now := mustTime(t, "2026-06-01T12:00:00Z")
	set, err := NewSet(
		mustRule(t, map[string]any{"Identifier": "VR-CN-0001", "Logic": map[string]any{"===": []any{map[string]any{"var": "payload.events.0.type"}, "vaccination"}}}),
		mustRule(t, map[string]any{"Identifier": "TR-CN-0001", "CertificateType": "Test", "Logic": map[string]any{"if": []any{map[string]any{"var": "payload.events"}, true, false}}}),
		mustRule(t, map[string]any{"Identifier": "RR-CN-0001", "CertificateType": "Recovery", "Logic": map[string]any{"!": []any{false}}}),
		mustRule(t, map[string]any{"Identifier": "GR-CN-0001", "CertificateType": "General",
			"Logic": map[string]any{"if": []any{map[string]any{"var": "payload.id"}, true, false}}}),
		mustRule(t, map[string]any{"Identifier": "GR-CN-0002", "CertificateType": "General",
			"Logic": map[string]any{"+": []any{1, 2}}}),
		mustRule(t, map[string]any{"Identifier": "IR-FR-0001", "Country": "FR", "Type": "Invalidation", "CertificateType": "General",
			"Logic": map[string]any{"!": []any{map[string]any{"var": "payload.events.0.country"}}}}),
	)
	if err != nil {
		t.Fatal(err)
	}
	c := &healthcert.Certificate{ID: "URN:UVCI:01:FR:X", Holder: healthcert.Holder{Name: healthcert.Name{Family: "X"}},
		Events: []healthcert.Event{&healthcert.NucleicAcidTest{Common: healthcert.Common{Country: "FR"}, SampleTime: now, Result: healthcert.ResultNegative}}}
	out, err := NewEvaluator(set, EvaluatorOptions{}).Evaluate(&verify.RuleContext{Country: "CN", IssuerCountry: "FR", Now: now, Certificate: c})
	if err != nil {
		t.Fatal(err)
	}
	want := "GR-CN-0001=passed GR-CN-0002=error IR-FR-0001=failed RR-CN-0001=not_applicable TR-CN-0001=passed VR-CN-0001=not_applicable"
	if got := outcomes(out); got != want {
		t.Errorf("Evaluate() = %q, want %q", got, want)
	}
	for _, o := range out {
		if o.Result == verify.RuleError && !strings.Contains(o.Detail, "not a boolean") {
			t.Errorf("error outcome detail %q", o.Detail)
		}
	}
	if _, err := NewEvaluator(set, EvaluatorOptions{}).Evaluate(&verify.RuleContext{Country: "CN", Now: now}); err == nil {
		t.Error("Evaluate() without a certificate = nil error")
	}
}

func TestBenchSet(t *testing.T) {
	ev, ctx, err := BenchSet()
	if err != nil {
		t.Fatal(err)
	}
	out, err := ev.Evaluate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 20 {
		t.Fatalf("BenchSet evaluates %d rules, want 20", len(out))
	}
	for _, o := range out {
		if o.Result != verify.RulePassed {
			t.Errorf("%s = %s %s, want passed", o.Identifier, o.Result, o.Detail)
		}
	}
}

// BenchmarkEvaluate20 evaluates a destination's 20 rules against one
// native certificate (data context built once, as verify does per code).
func BenchmarkEvaluate20(b *testing.B) {
	ev, ctx, err := BenchSet()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ev.Evaluate(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/cert")
}

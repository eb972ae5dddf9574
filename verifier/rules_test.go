package verifier_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/rules"
	"github.com/ithc/ithc/valueset"
	"github.com/ithc/ithc/verifier"
	"github.com/ithc/ithc/verify"
)

// TestLoadValueSets: a synced value-set file replaces the sets it defines
// and keeps the embedded others; a broken file is skipped.
func TestLoadValueSets(t *testing.T) {
	dir := t.TempDir()
	if got := verifier.LoadValueSets(dir); got != valueset.Default() {
		t.Error("LoadValueSets(empty dir) is not the embedded default")
	}
	vs := filepath.Join(dir, verifier.ValueSetsDir)
	if err := os.MkdirAll(vs, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(vs, "a.tsv"), []byte("vaccines-covid-19-names\tNEW-1\tNew\ttrue\n"), 0o644)
	os.WriteFile(filepath.Join(vs, "b.tsv"), []byte("not a value set file\n"), 0o644)
	s := verifier.LoadValueSets(dir)
	if !s.Has(valueset.VaccineProducts, "NEW-1") || s.Has(valueset.VaccineProducts, "EU/1/20/1528") || !s.Has(valueset.CountryCodes, "CN") {
		t.Error("LoadValueSets() did not replace the synced set and keep the others")
	}
}

// TestRulesSource: the service's rules source loads rules.json with the
// directory's value sets, and reports absent rules as not present.
func TestRulesSource(t *testing.T) {
	src := verifier.RulesSource()
	if src.Name != "rules" || src.Sync == nil {
		t.Fatalf("RulesSource() = %+v", src)
	}
	dir := t.TempDir()
	var o verify.Options
	if st, err := src.Load(dir, &o); err != nil || st.Present || o.Rules != nil {
		t.Fatalf("Load(no rules.json) = %+v, %v, rules %v", st, err, o.Rules)
	}
	ex, err := rules.Examples()
	if err != nil {
		t.Fatal(err)
	}
	synced := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	data, err := rules.MarshalSetInfo(ex, rules.SetInfo{Source: "https://gw.example", Version: 7, Synced: synced})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, rules.SetFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := src.Load(dir, &o)
	if err != nil || !st.Present || st.Version != "7" || !st.Updated.Equal(synced) || o.Rules == nil || o.ValueSets == nil {
		t.Fatalf("Load() = %+v, %v", st, err)
	}
	c := &healthcert.Certificate{Holder: healthcert.Holder{Name: healthcert.Name{Family: "X"}},
		Events: []healthcert.Event{&healthcert.Vaccination{DoseNumber: 1, TotalDoses: 2}}}
	out, err := o.Rules.Evaluate(&verify.RuleContext{Country: "CN", Now: synced, Certificate: c})
	if err != nil || len(out) != 2 || out[0].Result != verify.RuleFailed {
		t.Errorf("Evaluate() = %+v, %v", out, err)
	}
	os.WriteFile(filepath.Join(dir, rules.SetFile), []byte(`{"rules":[{}]}`), 0o644)
	if _, err := src.Load(dir, &o); err == nil {
		t.Error("Load(broken rules.json) = nil error")
	}
}

package gateway_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway"
	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/rules"
	"github.com/ithc/ithc/verifier"
	"github.com/ithc/ithc/verify"
)

// clock is a settable clock shared by the gateway and the countries.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// ruleGateway is a gateway on w's store whose clock is clk, for the rule
// tests (which need time to pass); it also serves its read routes over
// plain HTTP, for verifiers.
func ruleGateway(t *testing.T, w *world, clk *clock) (*gateway.Gateway, string) {
	t.Helper()
	st := w.openStore(t)
	t.Cleanup(func() { st.Close() })
	listCert, err := gateway.LoadCertificate(filepath.Join(w.dir, gateway.FileListCert))
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(gateway.Options{Store: st, Anchor: w.anchor, ListCert: listCert,
		ListKey: loadKey(t, filepath.Join(w.dir, gateway.FileListKey)), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.SeedValueSets(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(srv.Close)
	return g, srv.URL
}

// ruleDoc returns a rule of c with changes (a nil value removes a member).
func ruleDoc(t *testing.T, country string, changes map[string]any) []byte {
	t.Helper()
	m := map[string]any{
		"Identifier": "VR-" + country + "-0001", "Type": "Acceptance", "Country": country, "Version": "1.0.0",
		"SchemaVersion": "1.0.0", "Engine": "CERTLOGIC", "EngineVersion": "0.7.5", "CertificateType": "Vaccination",
		"Description": []any{map[string]any{"lang": "en", "desc": "A vaccination of the certificate is complete."}},
		"ValidFrom":   "", "ValidTo": "2035-01-01T00:00:00Z", "AffectedFields": []any{"events"},
		"Logic": map[string]any{">=": []any{map[string]any{"var": "payload.events.0.dose_number"}, map[string]any{"var": "payload.events.0.total_doses"}}},
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

// signedBy signs content as c's upload at the clock's time.
func signedBy(t *testing.T, w *world, c *country, clk *clock, content []byte) []byte {
	t.Helper()
	cl := w.client(c, "https://unused")
	cl.Now = clk.Now
	body, err := cl.Sign(content)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func sha256Of(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}

func refusalCode(err error) string {
	var e *gateway.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

// TestRuleUploadConstraints: every EU constraint on a rule upload is
// refused with its own code and a reason; a valid upload is stored as
// "Identifier/Version" with the CMS.
func TestRuleUploadConstraints(t *testing.T) {
	w := newWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "gateway.db"))
	cn, fr := newCountry(t, "CN"), newCountry(t, "FR")
	w.onboard(t, cn)
	w.onboard(t, fr)
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	g, _ := ruleGateway(t, w, clk)
	ctx := context.Background()
	at := func(d time.Duration) string { return clk.Now().Add(d).Format(time.RFC3339) }
	upload := func(c *country, content []byte) error {
		_, err := g.UploadRule(ctx, &gateway.Caller{Country: c.code}, signedBy(t, w, c, clk, content))
		return err
	}
	// The first version, 72 hours ahead.
	if err := upload(cn, ruleDoc(t, "CN", map[string]any{"ValidFrom": at(72 * time.Hour)})); err != nil {
		t.Fatalf("UploadRule() = %v", err)
	}
	for _, tc := range []struct {
		name    string
		by      *country
		changes map[string]any
		code    string
	}{
		{"not schema-valid", cn, map[string]any{"Version": "1.1.0", "Type": "Accept", "ValidFrom": at(72 * time.Hour)}, rules.CodeInvalid},
		{"logic invalid", cn, map[string]any{"Version": "1.1.0", "ValidFrom": at(72 * time.Hour), "Logic": map[string]any{"no-such-op": []any{1}}}, rules.CodeLogic},
		{"prefix does not match the certificate type", cn, map[string]any{"Identifier": "TR-CN-0001", "ValidFrom": at(72 * time.Hour)}, rules.CodeIdentifierType},
		{"country is not the caller", cn, map[string]any{"Identifier": "VR-FR-0001", "Country": "FR", "ValidFrom": at(72 * time.Hour)}, rules.CodeCountry},
		{"identifier names another country", cn, map[string]any{"Identifier": "VR-FR-0001", "ValidFrom": at(72 * time.Hour)}, rules.CodeIdentifierCountry},
		{"version not above the stored one", cn, map[string]any{"ValidFrom": at(72 * time.Hour)}, rules.CodeVersion},
		{"version below the stored one", cn, map[string]any{"Version": "0.9.0", "ValidFrom": at(72 * time.Hour)}, rules.CodeVersion},
		{"ValidFrom not before ValidTo", cn, map[string]any{"Version": "1.1.0", "ValidFrom": at(72 * time.Hour), "ValidTo": at(71 * time.Hour)}, rules.CodeValidity},
		{"ValidFrom in the past", cn, map[string]any{"Identifier": "IR-CN-0001", "Type": "Invalidation", "CertificateType": "General", "ValidFrom": at(-time.Hour)}, rules.CodeValidFromPast},
		{"ValidFrom over two weeks ahead", cn, map[string]any{"Version": "1.1.0", "ValidFrom": at(15 * 24 * time.Hour)}, rules.CodeValidFromTooFar},
		{"acceptance rule under 48 hours ahead", cn, map[string]any{"Version": "1.1.0", "ValidFrom": at(47 * time.Hour)}, rules.CodeAcceptanceTooSoon},
		{"ValidFrom before the previous version's", cn, map[string]any{"Version": "1.1.0", "ValidFrom": at(60 * time.Hour)}, rules.CodeValidFromPrevious},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := upload(tc.by, ruleDoc(t, "CN", tc.changes))
			if got := refusalCode(err); got != tc.code {
				t.Fatalf("UploadRule() = %v (code %q), want code %s", err, got, tc.code)
			}
			var e *gateway.Error
			if errors.As(err, &e) && (e.Message == "" || e.Status < 400) {
				t.Errorf("refusal %+v lacks a reason or a status", e)
			}
		})
	}
	// Another country's upload certificate cannot sign for CN.
	_, err := g.UploadRule(ctx, &gateway.Caller{Country: "CN"}, signedBy(t, w, fr, clk, ruleDoc(t, "CN", map[string]any{"Version": "2.0.0", "ValidFrom": at(72 * time.Hour)})))
	if got := refusalCode(err); got != "wrong_country" {
		t.Errorf("upload signed by FR for CN = %v, want wrong_country", err)
	}
	// An invalidation rule may start an hour ahead.
	if err := upload(cn, ruleDoc(t, "CN", map[string]any{"Identifier": "IR-CN-0001", "Type": "Invalidation", "CertificateType": "General", "ValidFrom": at(time.Hour)})); err != nil {
		t.Errorf("invalidation rule an hour ahead: %v", err)
	}
	es := w.entries(t, store.KindRule)
	if len(es) != 2 || es[0].ID != "VR-CN-0001/1.0.0" || es[0].Type != "Acceptance" || es[0].Country != "CN" || len(es[0].Signature) == 0 {
		t.Fatalf("stored rules = %+v", es)
	}
	// Deleting: only the owner, only a live rule.
	if _, err := g.DeleteRule(ctx, &gateway.Caller{Country: "FR"}, signedBy(t, w, fr, clk, []byte("VR-CN-0001"))); refusalCode(err) != rules.CodeIdentifierCountry {
		t.Errorf("FR deleting CN's rule = %v", err)
	}
	if _, err := g.DeleteRule(ctx, &gateway.Caller{Country: "CN"}, signedBy(t, w, cn, clk, []byte("not a rule"))); refusalCode(err) != rules.CodeInvalid {
		t.Errorf("deleting a non-identifier = %v", err)
	}
	if e, err := g.DeleteRule(ctx, &gateway.Caller{Country: "CN"}, signedBy(t, w, cn, clk, []byte("VR-CN-0001"))); err != nil || !e.Deleted {
		t.Errorf("DeleteRule() = %v, %v", e, err)
	}
	if _, err := g.DeleteRule(ctx, &gateway.Caller{Country: "CN"}, signedBy(t, w, cn, clk, []byte("VR-CN-0001"))); refusalCode(err) != "not_found" {
		t.Errorf("deleting again = %v", err)
	}
	// A deleted version is never reused: the next upload must rise above it.
	if err := upload(cn, ruleDoc(t, "CN", map[string]any{"ValidFrom": at(72 * time.Hour)})); refusalCode(err) != rules.CodeVersion {
		t.Errorf("re-upload of a deleted version = %v", err)
	}
}

// TestRuleVersionsApplyFromValidFrom: a verifier synced with the gateway
// applies each version of a rule only from its ValidFrom, and keeps the
// old version until then.
func TestRuleVersionsApplyFromValidFrom(t *testing.T) {
	w := newWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "gateway.db"))
	cn, fr := newCountry(t, "CN"), newCountry(t, "FR")
	w.onboard(t, cn)
	w.onboard(t, fr)
	start := time.Now().UTC().Truncate(time.Second)
	clk := &clock{t: start}
	g, url := ruleGateway(t, w, clk)
	ctx := context.Background()
	upload := func(c *country, content []byte) {
		t.Helper()
		if _, err := g.UploadRule(ctx, &gateway.Caller{Country: c.code}, signedBy(t, w, c, clk, content)); err != nil {
			t.Fatalf("UploadRule() = %v", err)
		}
	}
	v1From := start.Add(49 * time.Hour)
	upload(cn, ruleDoc(t, "CN", map[string]any{"ValidFrom": v1From.Format(time.RFC3339)}))
	clk.add(50 * time.Hour)
	// Version 1.1.0 accepts only a booster (a third dose).
	v2From := clk.Now().Add(49 * time.Hour)
	upload(cn, ruleDoc(t, "CN", map[string]any{"Version": "1.1.0", "ValidFrom": v2From.Format(time.RFC3339),
		"Logic": map[string]any{">=": []any{map[string]any{"var": "payload.events.0.dose_number"}, 3}}}))
	// FR's rule is not CN's destination rule.
	upload(fr, ruleDoc(t, "FR", map[string]any{"ValidFrom": clk.Now().Add(49 * time.Hour).Format(time.RFC3339)}))

	// A rule of CN put in the store with a CMS of FR's upload certificate
	// (as a compromised gateway could): the verifier leaves it out.
	forged := ruleDoc(t, "CN", map[string]any{"Identifier": "VR-CN-0002", "ValidFrom": v1From.Format(time.RFC3339)})
	st := w.openStore(t)
	if err := st.Insert(ctx, &store.Entry{Kind: store.KindRule, ID: "VR-CN-0002/1.0.0", Country: "CN", Type: "Acceptance",
		Thumbprint: sha256Of(forged), Data: forged, Signature: signedBy(t, w, fr, clk, forged)},
		&store.AuditRecord{Time: clk.Now(), Action: "test.forge", Request: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	dir := t.TempDir()
	if _, err := verifier.Sync(ctx, verifier.SyncOptions{URL: url, Anchor: w.anchor, Dir: dir, Now: clk.Now}); err != nil {
		t.Fatal(err)
	}
	res, err := verifier.SyncRules(ctx, verifier.SyncOptions{URL: url, Anchor: w.anchor, Dir: dir, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rules != 3 || res.Countries != 2 || res.ValueSets != 2 || len(res.Problems) != 1 || res.Problems[0].ID != "VR-CN-0002/1.0.0" {
		t.Fatalf("SyncRules() = %+v", res)
	}
	// A static export serves the same rules.
	out := t.TempDir()
	if _, files, err := g.Export(ctx, out); err != nil || !slices.Contains(files, "v1/rules") || !slices.Contains(files, "v1/country/CN/rules") {
		t.Fatalf("Export() = %v, %v", files, err)
	}
	static := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer static.Close()
	staticDir := t.TempDir()
	if _, err := verifier.Sync(ctx, verifier.SyncOptions{URL: static.URL, Anchor: w.anchor, Dir: staticDir, Now: clk.Now}); err != nil {
		t.Fatal(err)
	}
	if res, err := verifier.SyncRules(ctx, verifier.SyncOptions{URL: static.URL, Anchor: w.anchor, Dir: staticDir, Now: clk.Now}); err != nil || res.Rules != 3 {
		t.Fatalf("SyncRules(static export) = %+v, %v", res, err)
	}

	set, err := rules.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ev := rules.NewEvaluator(set, rules.EvaluatorOptions{ValueSets: verifier.LoadValueSets(dir)})
	cert := &healthcert.Certificate{Issuer: healthcert.Issuer{Country: "FR"}, Holder: healthcert.Holder{Name: healthcert.Name{Family: "X"}},
		Events: []healthcert.Event{&healthcert.Vaccination{Product: "EU/1/20/1528", DoseNumber: 2, TotalDoses: 2}}}
	for _, tc := range []struct {
		name string
		at   time.Time
		want string
	}{
		{"before version 1.0.0", v1From.Add(-time.Second), ""},
		{"version 1.0.0 from its ValidFrom", v1From, "1.0.0 passed"},
		{"version 1.0.0 until 1.1.0 starts", v2From.Add(-time.Second), "1.0.0 passed"},
		{"version 1.1.0 from its ValidFrom", v2From, "1.1.0 failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ev.Evaluate(&verify.RuleContext{Country: "CN", IssuerCountry: "FR", Now: tc.at, Certificate: cert})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, o := range out {
				if o.Identifier != "VR-CN-0001" {
					t.Errorf("outcome of %s %s for destination CN", o.Identifier, o.Country)
				}
				got = o.Version + " " + o.Result
			}
			if got != tc.want || len(out) > 1 {
				t.Errorf("at %s: %v, want %q", tc.at.Format(time.RFC3339), out, tc.want)
			}
		})
	}
}

package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/fuzzinput"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/internal/testca"
	"github.com/ithc/ithc/shc"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/vdsnc"
)

// checkResultJSON checks that AppendJSON (into nil and after other
// bytes) and MarshalJSON write the bytes of the reference encoder, and
// leave r unchanged.
func checkResultJSON(t testing.TB, name string, r *Result) {
	t.Helper()
	want, err := referenceJSON(r)
	if err != nil {
		t.Fatalf("%s: reference encoder: %v", name, err)
	}
	cert, certErr := r.Certificate, r.CertificateError
	got := r.AppendJSON(nil)
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: AppendJSON differs from encoding/json %s\n got %s\nwant %s", name, firstDiff(got, want), got, want)
	}
	if !json.Valid(got) {
		t.Fatalf("%s: AppendJSON wrote invalid JSON: %s", name, got)
	}
	prefix := []byte(`[1,`)
	if after := r.AppendJSON(prefix[:len(prefix):len(prefix)]); !bytes.Equal(after, append(prefix, want...)) {
		t.Fatalf("%s: AppendJSON after other bytes = %s, want %s%s", name, after, prefix, want)
	}
	m, err := r.MarshalJSON()
	if err != nil || !bytes.Equal(m, want) {
		t.Fatalf("%s: MarshalJSON = %s, %v; want %s", name, m, err, want)
	}
	if r.Certificate != cert || r.CertificateError != certErr {
		t.Fatalf("%s: AppendJSON changed the result it wrote", name)
	}
}

// firstDiff says where a and b first differ.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-20)
	return fmt.Sprintf("at byte %d: got …%s…, want …%s…", i, a[from:min(len(a), i+20)], b[from:min(len(b), i+20)])
}

// namedResult is a result of the corpus and where it comes from.
type namedResult struct {
	name string
	r    *Result
}

// fixedRevoker revokes every code it is asked about with rev.
type fixedRevoker struct{ rev *Revocation }

func (f fixedRevoker) Revoked(*RevocationQuery) *Revocation { return f.rev }

// fixedRules answers every evaluation with out or err.
type fixedRules struct {
	out []RuleOutcome
	err error
}

func (f fixedRules) Evaluate(*RuleContext) ([]RuleOutcome, error) { return f.out, f.err }

// prefixDecrypter "decrypts" EncryptedPrefix+inner to inner, and fails
// on inner starting with "fail".
type prefixDecrypter struct{ info *Encryption }

func (d prefixDecrypter) Decrypt(text string) (string, *Encryption, error) {
	inner := strings.TrimPrefix(text, EncryptedPrefix)
	if strings.HasPrefix(inner, "fail") {
		return "", nil, errors.New("not a recipient: no key of kid <k1> & none of \"k2\"")
	}
	return inner, d.info, nil
}

// resultCorpus returns the results of the verifications the package's
// tests run (the round trips of verify_test.go, whose failure table checks
// its own results, the codes of formats_test.go,
// shc_revocation_test.go, and the shared SMART, VDS-NC and EU DCC test
// data when present), plus results with the members only the optional
// stages and the verifier service fill (rules, revocation, encryption,
// stale-data warnings, certificate_error).
func resultCorpus(t *testing.T) []namedResult {
	t.Helper()
	var out []namedResult
	add := func(name string, rs ...*Result) {
		for i, r := range rs {
			n := name
			if len(rs) > 1 {
				n = fmt.Sprintf("%s [%d]", name, i)
			}
			out = append(out, namedResult{n, r})
		}
	}
	ks := testKeys(t)
	es := ks["ES256"]

	// verify_test.go: round trips of every algorithm, failures.
	all := New(mapResolver{ks["ES256"].trust, ks["ES384"].trust, ks["PS256"].trust, ks["EdDSA"].trust}, Options{Now: now})
	for _, alg := range []string{"ES256", "ES384", "PS256", "EdDSA"} {
		add("hc1 dcc "+alg, all.Verify(issue(t, ks[alg], false)))
		add("hc1 native "+alg, all.Verify(issue(t, ks[alg], true)))
	}
	// The failure table of TestVerifyFailures checks the JSON of its own
	// results (checkResultJSON).
	good := issue(t, es, false)

	// formats_test.go: every format, without trust, in the future, card
	// files, unknown input, changed codes.
	m := newMulti(t, Options{Now: now, ClockSkew: DefaultClockSkew})
	jws := m.card(t, nativeCert(), iat)
	file, _ := shc.MarshalFile(jws)
	response, _ := json.Marshal(map[string]any{"resourceType": "Parameters", "parameter": []any{
		map[string]any{"name": "verifiableCredential", "valueString": jws}}})
	seals := []string{m.seal(t, only(0)), m.seal(t, only(1)), m.seal(t, only(2))}
	for name, text := range map[string]string{"shc qr": qr(t, jws), "shc jws": jws, "shc file": string(file),
		"shc issue response": string(response), "vdsnc test": seals[0], "vdsnc antibody test": seals[1], "vdsnc vaccination": seals[2]} {
		add(name, m.v.Verify(text))
	}
	none := NewWithTrust(Trust{}, Options{Now: now})
	for name, text := range map[string]string{"hc1": issue(t, m.trustHC1, true), "shc": jws, "vdsnc": seals[2],
		"odd digits": "shc:/123", "broken seal": `{"data": {"hdr": 1}, "sig": }`, "jws without zip and kid": "eyJhbGciOiJFUzI1NiJ9.e30.MEUCIQ"} {
		add("no trust "+name, none.Verify(text))
	}
	future := nativeCert()
	future.IssuedAt = now.Add(time.Hour)
	futureTest := only(0)
	futureTest.IssuedAt = now.Add(time.Hour)
	futureTest.Events[0].(*healthcert.NucleicAcidTest).SampleTime = now
	add("future hc1", m.v.Verify(mustSign(t, es, hc1.SignInput{Native: future})))
	add("future shc", m.v.Verify(m.card(t, nativeCert(), now.Add(time.Hour))))
	add("future vdsnc", m.v.Verify(m.seal(t, futureTest)))
	a, b := m.card(t, only(0), iat), m.card(t, only(2), iat)
	two, _ := shc.MarshalFile(a, b)
	mixed, _ := shc.MarshalFile(a, b[:len(b)-4]+"AAAA")
	add("two cards", m.v.Verify(string(two)))
	add("two cards, all", m.v.VerifyAll(string(two))...)
	add("good and tampered cards, all", m.v.VerifyAll(string(mixed))...)
	for _, text := range []string{`{"verifiableCredential": []}`, `{"resourceType": "Patient"}`, `{"hello": "world"}`, `{"hello": `,
		"HC2:6BFOXN", "shc:/" + strings.Repeat("1 ", 1<<12), "{" + strings.Repeat(" ", limits.MaxVerifyInput) + "}"} {
		add("unknown input "+text[:min(len(text), 24)], m.v.Verify(text))
	}
	add("changed seal", m.v.Verify(strings.Replace(seals[2], `"seq":2`, `"seq":1`, 1)))
	parts := strings.Split(jws, ".")
	add("forged card", m.v.Verify(parts[0]+"."+strings.Split(a, ".")[1]+"."+parts[2]))

	// shc_revocation_test.go: a revoked card; and a revoked HC1 code of
	// each kind, dated in another zone with a fraction of a second.
	rc := &recordingChecker{revoke: map[string]*Revocation{
		"revokedRid": {Batch: "AT-20260301-1", Kind: "rid", Reason: "issued in error", Date: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
	}}
	bundle, err := shc.FromCertificate(nativeCert())
	if err != nil {
		t.Fatal(err)
	}
	revokedCard, err := shc.Issue(bundle, m.shcKey, shc.IssueOptions{Issuer: testIss, IssuedAt: iat, Rid: "revokedRid"})
	if err != nil {
		t.Fatal(err)
	}
	add("revoked card", newMulti(t, Options{Now: now, ClockSkew: DefaultClockSkew, Revocation: rc}).v.Verify(qr(t, revokedCard)))
	revoker := fixedRevoker{&Revocation{Batch: "AT<2026>&1", Kind: "uci", Reason: "lost \"in transit\"\n\u2028",
		Date: time.Date(2026, 3, 1, 10, 20, 30, 123456700, time.FixedZone("CET", 3600))}}
	revoking := New(mapResolver{es.trust}, Options{Now: now, Revocation: revoker})
	add("revoked hc1 dcc", revoking.Verify(good))
	add("revoked hc1 native", revoking.Verify(issue(t, es, true)))

	// Acceptance rules: outcomes with descriptions in several languages,
	// failing, passing, and an evaluator that fails.
	outcomes := []RuleOutcome{
		{Identifier: "VR-AT-0001", Version: "1.0.0", Type: "Acceptance", Country: "AT", Result: RulePassed,
			Description: map[string]string{"en": "At most 270 days after the <last> dose & more", "de": "Höchstens 270 Tage", "zh": "最多270天", "": "no language"}},
		{Identifier: "VR-AT-0002", Version: "1.1.0", Type: "Acceptance", Country: "AT", Result: RuleFailed},
		{Identifier: "IR-AT-0001", Version: "1.0.0", Type: "Invalidation", Country: "AT", Result: RuleError,
			Description: map[string]string{}, Detail: "the rule reads \"payload.v.0.dt\", absent"},
		{Identifier: "VR-AT-0003", Version: "1.0.0", Type: "Acceptance", Country: "AT", Result: RuleNotApplicable,
			Description: map[string]string{"en": "Tests only"}},
	}
	rulesOpts := func(r RuleEvaluator) Options { return Options{Now: now, Country: "AT", Rules: r} }
	add("rules failed", New(mapResolver{es.trust}, rulesOpts(fixedRules{out: outcomes})).Verify(good))
	add("rules passed", New(mapResolver{es.trust}, rulesOpts(fixedRules{out: []RuleOutcome{outcomes[0], outcomes[3]}})).Verify(issue(t, es, true)))
	add("rules empty", New(mapResolver{es.trust}, rulesOpts(fixedRules{out: []RuleOutcome{}})).Verify(good))
	add("rules error", New(mapResolver{es.trust}, rulesOpts(fixedRules{err: errors.New("no rules for <AT>")})).Verify(good))

	// Encrypted codes: opened, not opened, nested, no key; recipients
	// given, empty and absent.
	for _, info := range []*Encryption{{Recipients: []string{"AT", "CN"}, KID: "k<1>"}, {Recipients: []string{}, KID: "k2"}, {KID: ""}} {
		dv := New(mapResolver{es.trust}, Options{Now: now, Decrypter: prefixDecrypter{info}})
		add(fmt.Sprintf("encrypted %+v", *info), dv.Verify(EncryptedPrefix+good))
		add(fmt.Sprintf("encrypted twice %+v", *info), dv.Verify(EncryptedPrefix+EncryptedPrefix+good))
		add("encrypted, wrong key", dv.Verify(EncryptedPrefix+"fail"))
	}
	add("encrypted, no decrypter", New(mapResolver{es.trust}, Options{Now: now}).Verify(EncryptedPrefix+good))

	// The verifier service's stale-data warnings, after a code's own.
	stale := m.v.Verify(m.card(t, nativeCert(), iat))
	stale.Warnings = append(stale.Warnings, "this verifier has no trust list yet: it has never synced with its gateway",
		"stale data: the trust list was last updated 3d ago (2021-05-29T12:00:00Z), more than the 48h allowed; the gateway may be unreachable")
	add("stale warnings", stale)

	// certificate_error: a certificate the model cannot write, with and
	// without an error already set; an error set without a certificate.
	badDate := &healthcert.Certificate{Events: []healthcert.Event{
		&healthcert.Vaccination{VaccineType: "J07BX03", Date: healthcert.Date{Year: 21, Month: 1, Day: 6}}}}
	add("certificate_error", &Result{Status: StatusInvalidSigningFormat, Stage: StageSchema, Format: "hc1", Certificate: badDate})
	add("certificate_error over a set one", &Result{Status: StatusInvalidSigningFormat, Stage: StageSchema, Format: "hc1",
		Certificate: badDate, CertificateError: "set before"})
	add("certificate and certificate_error", &Result{Status: StatusVerified, Stage: StageDone, Format: "hc1",
		Certificate: nativeCert(), CertificateError: "set before"})
	add("certificate_error alone", &Result{Status: StatusExpired, CertificateError: "set <before>"})
	add("nil event", &Result{Certificate: &healthcert.Certificate{Events: []healthcert.Event{nil}}})
	add("zero", &Result{})

	out = append(out, sharedDataResults(t)...)
	return out
}

// sharedDataResults verifies the shared test data, when present: the
// SMART Health Card examples, the ICAO sample seals and every EU DCC
// test vector (at its validation clock, trusting its certificate).
func sharedDataResults(t *testing.T) []namedResult {
	t.Helper()
	var out []namedResult
	if dir, err := shareddata.Find("shc/examples"); err == nil {
		keys := shc.NewKeyStore()
		if _, err := keys.LoadIssuerDir("https://spec.smarthealth.cards/examples/issuer", filepath.Join(dir, "issuer")); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "example-*"))
		chunks := map[string][]string{}
		for _, f := range files {
			base := filepath.Base(f)
			if !strings.HasSuffix(base, ".txt") && !strings.HasSuffix(base, ".smart-health-card") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.TrimSpace(string(b))
			if i := strings.Index(base, "-f-qr-code-numeric-value-"); i > 0 {
				chunks[base[:i]] = append(chunks[base[:i]], text)
			}
			for _, at := range []time.Time{time.Unix(1653955200, 0).UTC(), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)} {
				r := NewWithTrust(Trust{SHC: keys}, Options{Now: at, ClockSkew: DefaultClockSkew}).Verify(text)
				out = append(out, namedResult{base + " at " + at.Format(time.DateOnly), r})
			}
		}
		for name, c := range chunks {
			r := NewWithTrust(Trust{SHC: keys}, Options{Now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}).Verify(strings.Join(c, "\n"))
			out = append(out, namedResult{name + " chunks", r})
		}
	}
	if dir, err := shareddata.Find("vdsnc"); err == nil {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			seal, err := vdsnc.ParseSeal(b)
			if err != nil {
				continue
			}
			pool := vdsnc.NewCSCAPool()
			at := now
			if cert, err := x509.ParseCertificate(seal.Signature.Certificate); err == nil && pool.Add(cert) == nil {
				at = cert.NotBefore.Add(24 * time.Hour)
			}
			if seal.Test != nil && seal.Test.ReportTime.After(at) {
				at = seal.Test.ReportTime.Add(time.Hour)
			}
			out = append(out, namedResult{filepath.Base(f), NewWithTrust(Trust{VDSNC: pool}, Options{Now: at}).Verify(string(b))})
		}
	}
	if _, err := shareddata.Find("dgc"); err == nil {
		for _, f := range shareddata.DGCFiles(t) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var vec struct {
				Prefix  string `json:"PREFIX"`
				TestCtx struct {
					Certificate string `json:"CERTIFICATE"`
					Clock       string `json:"VALIDATIONCLOCK"`
				} `json:"TESTCTX"`
			}
			if json.Unmarshal(b, &vec) != nil || vec.Prefix == "" {
				continue
			}
			var signers mapResolver
			if der, err := base64.StdEncoding.DecodeString(vec.TestCtx.Certificate); err == nil {
				if cert, err := x509.ParseCertificate(der); err == nil {
					signers = mapResolver{trust.NewSigner(cert, "")}
				}
			}
			at, err := time.Parse(time.RFC3339, vec.TestCtx.Clock)
			if err != nil {
				at = now
			}
			r := New(signers, Options{Now: at, ClockSkew: DefaultClockSkew}).Verify(vec.Prefix)
			out = append(out, namedResult{"dgc " + filepath.Base(filepath.Dir(filepath.Dir(filepath.Dir(f)))) + "/" + filepath.Base(f), r})
		}
	}
	return out
}

// TestResultJSONSameAsEncodingJSON compares AppendJSON with the reference
// encoder on every result of the corpus, and checks that the corpus
// holds every member of a result at least once.
func TestResultJSONSameAsEncodingJSON(t *testing.T) {
	corpus := resultCorpus(t)
	seen := map[string]int{}
	for _, c := range corpus {
		checkResultJSON(t, c.name, c.r)
		var members map[string]json.RawMessage
		if err := json.Unmarshal(c.r.AppendJSON(nil), &members); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for k := range members {
			seen[k]++
		}
	}
	t.Logf("%d results; members seen: %v", len(corpus), seen)
	for _, k := range []string{"status", "stage", "reason", "detail", "format", "payload_kind", "certificate", "certificate_error",
		"dcc", "signer", "warnings", "notes", "revocation", "rules", "encryption"} {
		if seen[k] == 0 {
			t.Errorf("no result of the corpus has %s", k)
		}
	}
}

// TestResultJSONNoHTMLEscape: '<', '>' and '&' are written as they are,
// in the result's own members as in the certificate.
func TestResultJSONNoHTMLEscape(t *testing.T) {
	r := &Result{Status: StatusVerified, Detail: "a <b> & c", Certificate: nativeCert(), DCC: testca.SampleDCC()}
	r.Certificate.Holder.Name.FamilyICAO = "MUELLER<X"
	got := string(r.AppendJSON(nil))
	for _, want := range []string{`"detail":"a <b> & c"`, `"MUELLER<X"`, `"MUSTERFRAU<GOESSINGER"`} {
		if !strings.Contains(got, want) {
			t.Errorf("AppendJSON = %s, want %s", got, want)
		}
	}
	if strings.Contains(got, `\u003c`) || strings.Contains(got, `\u0026`) {
		t.Errorf("AppendJSON HTML-escapes: %s", got)
	}
}

// TestResultJSONTimes: a revocation date is written as encoding/json
// writes a time.Time, in every zone and precision; one encoding/json
// refuses is still written, as valid JSON.
func TestResultJSONTimes(t *testing.T) {
	for _, d := range []time.Time{
		{},
		time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 1, 0, 0, 0, 1, time.UTC),
		time.Date(2026, 3, 1, 0, 0, 0, 120000000, time.FixedZone("", -(9*3600+30*60))),
		time.Date(2026, 3, 1, 23, 59, 59, 999999999, time.FixedZone("odd", 5*3600+45*60+17)),
		time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("zero offset", 0)),
		time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("", -1)),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", 23*3600+59*60)),
		time.Date(2026, 3, 1, 0, 0, 0, 0, time.Local),
		time.Now(), // with a monotonic reading
	} {
		checkResultJSON(t, d.String(), &Result{Status: StatusRevoked, Revocation: &Revocation{Batch: "b", Kind: "uci", Date: d}})
	}
	for _, d := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)),
	} {
		r := &Result{Status: StatusRevoked, Revocation: &Revocation{Batch: "b", Kind: "uci", Date: d}}
		if _, err := referenceJSON(r); err == nil {
			t.Errorf("%s: encoding/json writes it; move it to the list above", d)
		}
		got := r.AppendJSON(nil)
		if want := `"date":"` + d.Format(time.RFC3339Nano) + `"}`; !json.Valid(got) || !bytes.Contains(got, []byte(want)) {
			t.Errorf("%s: AppendJSON = %s, want valid JSON with %s", d, got, want)
		}
		if m, err := r.MarshalJSON(); err != nil || !bytes.Equal(m, got) {
			t.Errorf("%s: MarshalJSON = %s, %v; want AppendJSON's bytes", d, m, err)
		}
	}
}

// TestResultJSONCertificateError: the error text is the one json.Marshal
// gives for the certificate, as certificate_error always said.
func TestResultJSONCertificateError(t *testing.T) {
	c := &healthcert.Certificate{Events: []healthcert.Event{
		&healthcert.Vaccination{VaccineType: "J07BX03", Date: healthcert.Date{Year: 21, Month: 1, Day: 6}}}}
	_, want := json.Marshal(c)
	if want == nil {
		t.Fatal("json.Marshal(certificate with the year 21) succeeded")
	}
	var got struct {
		CertificateError string          `json:"certificate_error"`
		Certificate      json.RawMessage `json:"certificate"`
	}
	b := (&Result{Certificate: c}).AppendJSON(nil)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.CertificateError != want.Error() || got.Certificate != nil {
		t.Errorf("AppendJSON = %s, want certificate_error %q and no certificate", b, want)
	}
}

// fuzzResult builds a Result whose every member may be present.
func fuzzResult(z *fuzzinput.Reader) *Result {
	r := &Result{Status: Status(z.String()), Stage: Stage(z.String()), Reason: Reason{z.String(), z.String()},
		Detail: z.String(), Format: z.String(), PayloadKind: z.String()}
	flags := z.Uint32()
	if flags&1 != 0 {
		switch z.Byte() % 4 {
		case 0:
			r.Certificate = nativeCert()
			r.Certificate.ID = z.String()
			r.Certificate.Holder.Name.Family = z.String()
		case 1:
			r.Certificate = only(int(z.Byte() % 3))
		case 2:
			r.Certificate = &healthcert.Certificate{Events: []healthcert.Event{
				&healthcert.Vaccination{Date: healthcert.Date{Year: int(z.Byte()), Month: 1, Day: 6}}}}
		case 3:
			r.Certificate = &healthcert.Certificate{IssuedAt: z.Time()}
		}
	}
	if flags&2 != 0 {
		r.CertificateError = z.String()
	}
	if flags&4 != 0 {
		r.DCC = testca.SampleDCC()
		r.DCC.Name.Family = z.String()
		r.DCC.Vaccinations[0].ID = z.String()
		if flags&8 != 0 {
			r.DCC = &dcc.Payload{Version: z.String()}
		}
	}
	if flags&16 != 0 {
		r.Signer = &SignerInfo{Country: z.String(), KID: z.String(), Issuer: z.String(), Subject: z.String(), Algorithm: z.String(), Usage: z.String()}
	}
	r.Warnings = z.Strings()
	r.Notes = z.Strings()
	if flags&32 != 0 {
		r.Revocation = &Revocation{Batch: z.String(), Kind: z.String(), Reason: z.String(), Date: z.Time()}
	}
	if flags&64 != 0 {
		n := int(z.Byte() % 4)
		r.Rules = make([]RuleOutcome, n)
		for i := range r.Rules {
			o := RuleOutcome{Identifier: z.String(), Version: z.String(), Type: z.String(), Country: z.String(), Result: z.String(), Detail: z.String()}
			if k := int(z.Byte() % 12); k > 0 {
				o.Description = map[string]string{}
				for range k - 1 {
					o.Description[z.String()] = z.String()
				}
			}
			r.Rules[i] = o
		}
	}
	if flags&128 != 0 {
		r.Encryption = &Encryption{Recipients: z.Strings(), KID: z.String()}
	}
	return r
}

// FuzzResultJSON builds results from the fuzzer's bytes (odd strings,
// invalid UTF-8, control characters, maps, times, certificates with and
// without a JSON form) and checks that AppendJSON writes the reference
// encoder's bytes; for a time encoding/json refuses, that the output is
// still valid JSON and the same once the time is in range.
func FuzzResultJSON(f *testing.F) {
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 300))
	f.Add(bytes.Repeat([]byte{0xf3, 0xf1, 0xf0, 0xfa}, 100))
	f.Add([]byte("\x05hello\x03<a>\x02\xff\xfe"))
	seed := []byte{0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xff, 0xff, 0xff, 0x00}
	for i := range 64 {
		seed = append(seed, byte(i*37), 0xf0+byte(i%14), 3, 'a', '<', '\x01')
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := fuzzResult(fuzzinput.New(data))
		want, err := referenceJSON(r)
		if err == nil {
			checkResultJSON(t, "fuzzed result", r)
			return
		}
		// encoding/json refuses only a time outside its range: the
		// output is valid, and equal once the times are zero.
		got := r.AppendJSON(nil)
		if !json.Valid(got) {
			t.Fatalf("AppendJSON wrote invalid JSON: %s (encoding/json: %v)", got, err)
		}
		if r.Revocation == nil {
			t.Fatalf("encoding/json refuses a result without a time: %v (%s)", err, want)
		}
		r.Revocation.Date = time.Time{}
		checkResultJSON(t, "fuzzed result, date zeroed", r)
	})
}

// BenchmarkResultJSON writes a verified result with its certificate (a
// native code; and a DCC code, whose result also holds the DCC payload):
// MarshalJSON, AppendJSON into a reused buffer (the verifier service), and
// the reference encoder (encoding/json, the old way) for comparison.
//
//	go test -run XXX -bench ResultJSON -benchmem -count 5 ./verify/
func BenchmarkResultJSON(b *testing.B) {
	k := testKeys(b)["ES256"]
	v := New(mapResolver{k.trust}, Options{Now: now})
	for _, native := range []bool{true, false} {
		r := v.Verify(issue(b, k, native))
		if r.Status != StatusVerified || r.Certificate == nil {
			b.Fatalf("Verify() = %s (%s), certificate %v", r.Status, r.Detail, r.Certificate)
		}
		name := map[bool]string{true: "native", false: "dcc"}[native]
		b.Run(name+"/MarshalJSON", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.MarshalJSON(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/AppendJSON", func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				buf = r.AppendJSON(buf[:0])
			}
		})
		b.Run(name+"/encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := referenceJSON(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

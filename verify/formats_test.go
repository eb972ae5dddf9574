package verify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/internal/testca"
	"github.com/ithc/ithc/shc"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/vdsnc"
)

const testIss = "https://health.example.at/shc"

// multi is a verifier of every format and what it trusts.
type multi struct {
	v        *Verifier
	shcKey   *ecdsa.PrivateKey
	shcKeys  *shc.KeyStore
	sealCA   *testca.CA
	anchors  *vdsnc.CSCAPool
	trustHC1 *testKey
}

func newMulti(t testing.TB, opts Options) *multi {
	t.Helper()
	ks := testKeys(t)
	m := &multi{shcKey: ks["ES256"].signer.(*ecdsa.PrivateKey), trustHC1: ks["ES256"]}
	kid, err := shc.Thumbprint(&m.shcKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	m.shcKeys = shc.NewKeyStore()
	m.shcKeys.AddKeys(&shc.Key{KID: kid, Public: &m.shcKey.PublicKey, Issuer: testIss, IssuerName: "Health Austria"})
	m.sealCA = testca.New(t, "AT", testca.WithUsageOIDs(vdsnc.OIDExtKeyUsageVDSNC))
	m.anchors = vdsnc.NewCSCAPool()
	if err := m.anchors.Add(m.sealCA.CSCA()); err != nil {
		t.Fatal(err)
	}
	m.v = NewWithTrust(Trust{HC1: mapResolver{ks["ES256"].trust}, SHC: m.shcKeys, VDSNC: m.anchors}, opts)
	return m
}

// card issues a SMART Health Card of c's holder and events at nbf.
func (m *multi) card(t testing.TB, c *healthcert.Certificate, nbf time.Time) string {
	t.Helper()
	bundle, err := shc.FromCertificate(c)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := shc.Issue(bundle, m.shcKey, shc.IssueOptions{Issuer: testIss, IssuedAt: nbf})
	if err != nil {
		t.Fatal(err)
	}
	return jws
}

// seal signs c (vaccinations only, or one test) as a VDS-NC seal.
func (m *multi) seal(t testing.TB, c *healthcert.Certificate) string {
	t.Helper()
	content, _, err := vdsnc.FromCertificate(c, vdsnc.ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := vdsnc.Sign(content, m.sealCA.Signer(), m.sealCA.Certificate(), vdsnc.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// only returns nativeCert with only event i.
func only(i int) *healthcert.Certificate {
	c := nativeCert()
	c.Events = c.Events[i : i+1]
	return c
}

func qr(t testing.TB, jws string) string {
	t.Helper()
	s, err := shc.EncodeQR(jws)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDetect(t *testing.T) {
	m := newMulti(t, Options{Now: now})
	jws := m.card(t, nativeCert(), iat)
	file, _ := shc.MarshalFile(jws)
	seal := m.seal(t, only(0))
	var indented bytes.Buffer
	_ = json.Indent(&indented, []byte(seal), "", "  ")
	for _, tc := range []struct {
		name, text, want string
	}{
		{"hc1", issue(t, testKeys(t)["ES256"], false), FormatHC1},
		{"shc qr", qr(t, jws), FormatSHC},
		{"shc chunks", "shc:/1/2/5676\nshc:/2/2/2959", FormatSHC},
		{"shc jws", jws, FormatSHC},
		{"shc file", string(file), FormatSHC},
		{"shc file, member not first", `{"x": [1, {"a": 2}], "verifiableCredential": ["eyJ"]}`, FormatSHC},
		{"fhir response", `{"resourceType": "Parameters", "parameter": []}`, FormatSHC},
		{"seal", seal, FormatVDSNC},
		{"seal indented after white space", "\n  " + indented.String(), FormatVDSNC},
		{"seal, sig first", `{"sig": {}, "data": {}}`, FormatVDSNC},
		{"other json", `{"hello": "world"}`, ""},
		{"json array", `[1, 2]`, ""},
		{"broken json", `{"hello": `, ""},
		{"other prefix", "HC2:6BFOXN", ""},
		{"lower-case prefix", "hc1:6BFOXN", ""},
		{"jws-like with a space", "eyJh.b c.d", ""},
		{"two dots only", "eyJhbGci.x", ""},
		{"empty", "", ""},
	} {
		if got := Detect(tc.text); got != tc.want {
			t.Errorf("%s: Detect() = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestVerifyEveryFormat verifies one certificate's events in each format
// through one Verifier, and maps each back into the native model.
func TestVerifyEveryFormat(t *testing.T) {
	m := newMulti(t, Options{Now: now, ClockSkew: DefaultClockSkew})
	jws := m.card(t, nativeCert(), iat)
	file, _ := shc.MarshalFile(jws)
	response, _ := json.Marshal(map[string]any{"resourceType": "Parameters", "parameter": []any{
		map[string]any{"name": "verifiableCredential", "valueString": jws},
		map[string]any{"name": "resourceLink", "resource": map[string]any{}}}})
	for _, tc := range []struct {
		name, text, format, kind string
		events                   int
	}{
		{"hc1 native", issue(t, m.trustHC1, true), FormatHC1, "ithc", 3},
		{"hc1 dcc", issue(t, m.trustHC1, false), FormatHC1, "dcc", 1},
		{"shc qr", qr(t, jws), FormatSHC, PayloadFHIR, 3},
		{"shc jws", jws, FormatSHC, PayloadFHIR, 3},
		{"shc file", string(file), FormatSHC, PayloadFHIR, 3},
		{"shc issue response", string(response), FormatSHC, PayloadFHIR, 3},
		{"vdsnc test", m.seal(t, only(0)), FormatVDSNC, vdsnc.TypeTest, 1},
		{"vdsnc antibody test", m.seal(t, only(1)), FormatVDSNC, vdsnc.TypeTest, 1},
		{"vdsnc vaccination", m.seal(t, only(2)), FormatVDSNC, vdsnc.TypeVaccination, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := m.v.Verify(tc.text)
			if r.Status != StatusVerified || r.Stage != StageDone || r.Reason != reasons[StatusVerified] {
				t.Fatalf("Verify() = %s at %s (%s)", r.Status, r.Stage, r.Detail)
			}
			if r.Format != tc.format || r.PayloadKind != tc.kind {
				t.Errorf("Format, PayloadKind = %q, %q; want %q, %q", r.Format, r.PayloadKind, tc.format, tc.kind)
			}
			if r.Certificate == nil || len(r.Certificate.Events) != tc.events {
				t.Fatalf("Certificate = %+v, want %d events", r.Certificate, tc.events)
			}
			if r.Signer == nil || r.Signer.KID == "" || r.Signer.Algorithm != "ES256" {
				t.Errorf("Signer = %+v", r.Signer)
			}
			b, err := json.Marshal(r)
			if err != nil || !strings.Contains(string(b), `"format":"`+tc.format+`"`) {
				t.Errorf("json = %s, %v", b, err)
			}
			if all := m.v.VerifyAll(tc.text); len(all) != 1 || all[0].Status != StatusVerified || all[0].Format != tc.format {
				t.Errorf("VerifyAll() = %v", all)
			}
		})
	}
}

func TestVerifySignerInfo(t *testing.T) {
	m := newMulti(t, Options{Now: now})
	kid, _ := shc.Thumbprint(&m.shcKey.PublicKey)
	r := m.v.Verify(m.card(t, nativeCert(), iat))
	if s := r.Signer; s == nil || s.KID != kid || s.Issuer != testIss || s.Subject != "Health Austria" || s.Usage != "any" {
		t.Errorf("shc Signer = %+v", r.Signer)
	}
	if r.Certificate.Issuer.Name != "Health Austria" {
		t.Errorf("shc issuer name = %q", r.Certificate.Issuer.Name)
	}
	r = m.v.Verify(m.seal(t, only(2)))
	want := SignerInfo{Country: "AT", KID: "", Subject: m.sealCA.Certificate().Subject.String(), Algorithm: "ES256", Usage: "any"}
	if s := r.Signer; s == nil || s.Country != want.Country || s.Subject != want.Subject || s.Algorithm != want.Algorithm || s.Usage != want.Usage || len(s.KID) != 12 {
		t.Errorf("vdsnc Signer = %+v, want %+v and a kid of 8 bytes", r.Signer, want)
	}
	if len(r.Notes) == 0 || !strings.Contains(strings.Join(r.Notes, "; "), "manufacturer") {
		t.Errorf("vdsnc Notes = %q, want what the native form leaves out", r.Notes)
	}
}

// TestVerifyWithoutTrust: a format whose trust material is missing is
// issuer_not_trusted with a reason saying the verifier lacks it; damaged
// codes are still called damaged.
func TestVerifyWithoutTrust(t *testing.T) {
	m := newMulti(t, Options{Now: now})
	none := NewWithTrust(Trust{}, Options{Now: now})
	typedNil := NewWithTrust(Trust{HC1: (*trust.Store)(nil), SHC: (*shc.KeyStore)(nil), VDSNC: (*vdsnc.CSCAPool)(nil)}, Options{Now: now})
	onlyHC1 := New(mapResolver{m.trustHC1.trust}, Options{Now: now})
	for _, tc := range []struct {
		name, text, format string
		v                  *Verifier
		stage              Stage
		source             string
	}{
		{"hc1", issue(t, m.trustHC1, true), FormatHC1, none, StageSigner, "Trust.HC1"},
		{"hc1, typed nil", issue(t, m.trustHC1, true), FormatHC1, typedNil, StageSigner, "Trust.HC1"},
		{"hc1, New(nil)", issue(t, m.trustHC1, true), FormatHC1, New(nil, Options{Now: now}), StageSigner, "Trust.HC1"},
		{"shc", m.card(t, nativeCert(), iat), FormatSHC, none, Stage(shc.StageKey), "Trust.SHC"},
		{"shc, typed nil", m.card(t, nativeCert(), iat), FormatSHC, typedNil, Stage(shc.StageKey), "Trust.SHC"},
		{"shc, New", m.card(t, nativeCert(), iat), FormatSHC, onlyHC1, Stage(shc.StageKey), "Trust.SHC"},
		{"vdsnc", m.seal(t, only(2)), FormatVDSNC, none, Stage(vdsnc.StageChain), "Trust.VDSNC"},
		{"vdsnc, typed nil", m.seal(t, only(2)), FormatVDSNC, typedNil, Stage(vdsnc.StageChain), "Trust.VDSNC"},
	} {
		r := tc.v.Verify(tc.text)
		if r.Status != StatusIssuerNotTrusted || r.Stage != tc.stage || r.Format != tc.format {
			t.Errorf("%s: Verify() = %s at %s, format %q; want issuer_not_trusted at %s", tc.name, r.Status, r.Stage, r.Format, tc.stage)
			continue
		}
		if r.Reason != noTrustReasons[tc.format] || r.Reason == reasons[StatusIssuerNotTrusted] || !strings.Contains(r.Detail, tc.source) {
			t.Errorf("%s: reason %+v, detail %q; want the no-trust reason naming %s", tc.name, r.Reason, r.Detail, tc.source)
		}
	}
	// A trusted verifier refusing an unknown issuer gives the usual reason.
	other := newMulti(t, Options{Now: now})
	other.shcKeys = shc.NewKeyStore()
	r := NewWithTrust(Trust{SHC: other.shcKeys}, Options{Now: now}).Verify(m.card(t, nativeCert(), iat))
	if r.Status != StatusIssuerNotTrusted || r.Reason != reasons[StatusIssuerNotTrusted] || !strings.Contains(r.Detail, "ISSUER_NOT_TRUSTED") {
		t.Errorf("unknown shc issuer: %s, %+v, %q", r.Status, r.Reason, r.Detail)
	}
	for _, tc := range []struct {
		name, text string
		status     Status
		stage      Stage
	}{
		{"odd digits", "shc:/123", StatusInvalidEncoding, Stage(shc.StageQR)},
		{"broken seal", `{"data": {"hdr": 1}, "sig": }`, StatusInvalidEncoding, Stage(vdsnc.StageJSON)},
		{"jws without zip and kid", "eyJhbGciOiJFUzI1NiJ9.e30.MEUCIQ", StatusInvalidSigningFormat, Stage(shc.StageHeader)},
	} {
		r := none.Verify(tc.text)
		if r.Status != tc.status || r.Stage != tc.stage || r.Reason != reasons[tc.status] || !strings.HasPrefix(r.Detail, r.Format+": ") {
			t.Errorf("%s: Verify() = %s at %s (%s), want %s at %s", tc.name, r.Status, r.Stage, r.Detail, tc.status, tc.stage)
		}
	}
}

// TestVerifyFutureIssuance: one policy for every format, a code issued
// after now+skew is not yet valid.
func TestVerifyFutureIssuance(t *testing.T) {
	skew := DefaultClockSkew
	m := newMulti(t, Options{Now: now, ClockSkew: skew})
	future := nativeCert()
	future.IssuedAt = now.Add(time.Hour)
	futureTest := only(0)
	futureTest.IssuedAt = now.Add(time.Hour)
	futureTest.Events[0].(*healthcert.NucleicAcidTest).SampleTime = now
	futureHC1, err := hc1.Sign(hc1.SignInput{Native: future}, m.trustHC1.signer, hc1.SignOptions{Certificate: m.trustHC1.cert})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		text   string
		status Status
	}{
		{"hc1", futureHC1, StatusNotYetValid},
		{"shc", m.card(t, nativeCert(), now.Add(time.Hour)), StatusNotYetValid},
		{"shc within the skew", m.card(t, nativeCert(), now.Add(skew/2)), StatusVerified},
		{"vdsnc test", m.seal(t, futureTest), StatusNotYetValid},
	} {
		r := m.v.Verify(tc.text)
		if r.Status != tc.status {
			t.Errorf("%s: Verify() = %s at %s (%s), want %s", tc.name, r.Status, r.Stage, r.Detail, tc.status)
		}
		if tc.status == StatusNotYetValid && r.Stage != StageValidity {
			t.Errorf("%s: stage %s, want validity", tc.name, r.Stage)
		}
	}
}

func TestVerifyCardFiles(t *testing.T) {
	m := newMulti(t, Options{Now: now})
	a, b := m.card(t, only(0), iat), m.card(t, only(2), iat)
	two, _ := shc.MarshalFile(a, b)
	r := m.v.Verify(string(two))
	if r.Status != StatusInvalidEncoding || r.Stage != StageFile || r.Format != FormatSHC || !strings.Contains(r.Detail, "2 cards") {
		t.Errorf("Verify(two cards) = %s at %s (%s)", r.Status, r.Stage, r.Detail)
	}
	all := m.v.VerifyAll(string(two))
	if len(all) != 2 || all[0].Status != StatusVerified || all[1].Status != StatusVerified ||
		all[0].Certificate.Events[0].Type() != healthcert.TypeNucleicAcidTest || all[1].Certificate.Events[0].Type() != healthcert.TypeVaccination {
		t.Errorf("VerifyAll(two cards) = %+v", all)
	}
	// A tampered second card fails alone.
	bad := b[:len(b)-4] + "AAAA"
	if b[len(b)-4:] == "AAAA" {
		bad = b[:len(b)-4] + "BBBB"
	}
	mixed, _ := shc.MarshalFile(a, bad)
	all = m.v.VerifyAll(string(mixed))
	if len(all) != 2 || all[0].Status != StatusVerified || all[1].Status != StatusInvalidSignature {
		t.Errorf("VerifyAll(good, tampered) = %s, %s", all[0].Status, all[1].Status)
	}
	for _, text := range []string{`{"verifiableCredential": []}`, `{"verifiableCredential": "x"}`, `{"resourceType": "Patient"}`} {
		for _, r := range append(m.v.VerifyAll(text), m.v.Verify(text)) {
			if r.Status != StatusInvalidEncoding || r.Stage != StageFile || r.Format != FormatSHC {
				t.Errorf("Verify(%s) = %s at %s (%s)", text, r.Status, r.Stage, r.Detail)
			}
		}
	}
}

func TestVerifyUnknownInput(t *testing.T) {
	m := newMulti(t, Options{Now: now})
	for _, tc := range []struct {
		name, text string
		stage      Stage
		format     string
		detail     string
	}{
		{"other json", `{"hello": "world"}`, StageDetect, "", "no known format"},
		{"broken json", `{"hello": `, StageDetect, "", "invalid json"},
		{"too many chunks", "shc:/" + strings.Repeat("1 ", 1<<20), Stage(shc.StageQR), FormatSHC, "qr chunks"},
		{"too many members", "{" + strings.Repeat(`"a": 1, `, limits.MaxDetectKeys) + `"data": 1}`, StageDetect, "", "no known format"},
		{"too large", "{" + strings.Repeat(" ", limits.MaxVerifyInput) + "}", StageDetect, "", "more than"},
		{"other text", "HC2:6BFOXN", StagePrefix, FormatHC1, "prefix"},
	} {
		r := m.v.Verify(tc.text)
		if r.Status != StatusInvalidEncoding || r.Stage != tc.stage || r.Format != tc.format || !strings.Contains(r.Detail, tc.detail) {
			t.Errorf("%s: Verify() = %s at %s, format %q (%s)", tc.name, r.Status, r.Stage, r.Format, r.Detail)
		}
		if r.Reason != reasons[StatusInvalidEncoding] {
			t.Errorf("%s: reason %+v", tc.name, r.Reason)
		}
	}
}

// TestVerifySMARTExamples runs the specification's examples through the
// verifier: 00 and 02 verify, 03 is revoked, and 01 (issued after its
// x5c certificate expired) is refused at every time under the one
// future-issuance policy.
func TestVerifySMARTExamples(t *testing.T) {
	dir := filepath.Join(shareddata.Path(t, "shc"), "examples")
	keys := shc.NewKeyStore()
	if _, err := keys.LoadIssuerDir("https://spec.smarthealth.cards/examples/issuer", filepath.Join(dir, "issuer")); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	after := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	before01 := time.Unix(1653955200, 0).UTC() // 2022-05-31, before the x5c leaf expired
	chunks02 := read("example-02-f-qr-code-numeric-value-0.txt") + "\n" + read("example-02-f-qr-code-numeric-value-1.txt") + "\n" +
		read("example-02-f-qr-code-numeric-value-2.txt")
	for _, tc := range []struct {
		name, text string
		at         time.Time
		status     Status
		stage      Stage
		warning    string
	}{
		{"00 qr", read("example-00-f-qr-code-numeric-value-0.txt"), after, StatusVerified, StageDone, ""},
		{"00 file", read("example-00-e-file.smart-health-card"), after, StatusVerified, StageDone, ""},
		{"02 chunks", chunks02, after, StatusVerified, StageDone, shc.CodeQRChunkingDeprecated},
		{"03", read("example-03-d-jws.txt"), after, StatusRevoked, Stage(shc.StageRevocation), ""},
		{"01 before its nbf", read("example-01-d-jws.txt"), before01, StatusNotYetValid, StageValidity, ""},
		{"01 after its certificate expired", read("example-01-d-jws.txt"), after, StatusExpiredKeys, Stage(shc.StageKey), ""},
	} {
		r := NewWithTrust(Trust{SHC: keys}, Options{Now: tc.at, ClockSkew: DefaultClockSkew}).Verify(tc.text)
		if r.Status != tc.status || r.Stage != tc.stage || r.Format != FormatSHC {
			t.Errorf("example %s: Verify() = %s at %s (%s), want %s at %s", tc.name, r.Status, r.Stage, r.Detail, tc.status, tc.stage)
		}
		if tc.warning != "" && !strings.Contains(strings.Join(r.Warnings, "\n"), tc.warning) {
			t.Errorf("example %s: warnings %q, want %s", tc.name, r.Warnings, tc.warning)
		}
		if tc.status == StatusVerified && (r.Certificate == nil || r.Signer == nil || r.Signer.Issuer == "") {
			t.Errorf("example %s: certificate %v, signer %+v", tc.name, r.Certificate, r.Signer)
		}
	}
}

// TestVerifyICAOSamples verifies the published Utopia seals, trusting
// each one's signer certificate as it is (their CSCAs are not public), at
// a time their signers are valid; and refuses the Friesland test seals,
// whose signer (of France) does not belong to the issuing state they
// name.
func TestVerifyICAOSamples(t *testing.T) {
	dir := shareddata.Path(t, "vdsnc")
	for _, tc := range []struct {
		file   string
		status Status
		kind   string
	}{
		{"uto-proof-of-test.json", StatusVerified, vdsnc.TypeTest},
		{"uto-proof-of-vaccination.json", StatusVerified, vdsnc.TypeVaccination},
		{"uto-icao-spec-example.json", StatusVerified, vdsnc.TypeVaccination},
		{"uto-testkey-example-0.json", StatusIssuerNotTrusted, vdsnc.TypeVaccination},
	} {
		b, err := os.ReadFile(filepath.Join(dir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		seal, err := vdsnc.ParseSeal(b)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		pool := vdsnc.NewCSCAPool()
		cert, err := x509.ParseCertificate(seal.Signature.Certificate)
		if err != nil {
			t.Fatal(err)
		}
		if err := pool.Add(cert); err != nil {
			t.Fatal(err)
		}
		at := cert.NotBefore.Add(24 * time.Hour)
		if seal.Test != nil && seal.Test.ReportTime.After(at) {
			at = seal.Test.ReportTime.Add(time.Hour)
		}
		r := NewWithTrust(Trust{VDSNC: pool}, Options{Now: at}).Verify(string(b))
		if r.Status != tc.status || r.Format != FormatVDSNC || r.PayloadKind != tc.kind {
			t.Errorf("%s: Verify() = %s at %s (%s), kind %q", tc.file, r.Status, r.Stage, r.Detail, r.PayloadKind)
		}
		if tc.status == StatusVerified && (r.Certificate == nil || r.Certificate.Issuer.Country != "UT" || r.Signer == nil) {
			t.Errorf("%s: certificate %+v, signer %+v", tc.file, r.Certificate, r.Signer)
		}
		if tc.status == StatusIssuerNotTrusted && (!strings.Contains(r.Detail, "country FR") || r.Reason != reasons[StatusIssuerNotTrusted]) {
			t.Errorf("%s: detail %q, reason %+v", tc.file, r.Detail, r.Reason)
		}
	}
}

// TestVerifyChangedCodes: one changed byte of a card's or a seal's signed
// content fails the signature.
func TestVerifyChangedCodes(t *testing.T) {
	m := newMulti(t, Options{Now: now})
	seal := m.seal(t, only(2))
	changed := strings.Replace(seal, `"seq":2`, `"seq":1`, 1)
	if changed == seal {
		t.Fatalf("no dose number 2 in %s", seal)
	}
	if r := m.v.Verify(changed); r.Status != StatusInvalidSignature || r.Format != FormatVDSNC || r.Signer != nil {
		t.Errorf("Verify(changed seal) = %s at %s (%s), signer %+v", r.Status, r.Stage, r.Detail, r.Signer)
	}
	jws := m.card(t, nativeCert(), iat)
	parts := strings.Split(jws, ".")
	other := m.card(t, only(0), iat)
	forged := parts[0] + "." + strings.Split(other, ".")[1] + "." + parts[2]
	if r := m.v.Verify(forged); r.Status != StatusInvalidSignature || r.Format != FormatSHC || r.Signer != nil || r.Certificate != nil {
		t.Errorf("Verify(card with another payload) = %s at %s (%s)", r.Status, r.Stage, r.Detail)
	}
}

package shc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/healthcert"
	sharedpkg "github.com/ithc/ithc/internal/shareddata"
)

// exampleIssuer is the iss of the specification's examples.
const exampleIssuer = "https://spec.smarthealth.cards/examples/issuer"

// Verification times: validation01 is before example 01's x5c leaf
// expired (2022-06-01), as the validator runs; after00 is after the
// examples were issued (2023-06-22) and before example 03 expires
// (2024-06-21).
var (
	validation01 = time.Unix(1653955200, 0).UTC()
	after00      = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
)

func examplesDir(t testing.TB) string {
	return filepath.Join(shareddata(t), "examples")
}

// shareddata returns ../shared/testdata/shc, skipping (or, under CI=true,
// failing) the test when it is absent.
func shareddata(t testing.TB) string {
	t.Helper()
	return sharedpkg.Path(t, "shc")
}

func readTestFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exampleKeys loads the examples' issuer keys and revocation list.
func exampleKeys(t testing.TB) *KeyStore {
	t.Helper()
	s := NewKeyStore()
	if _, err := s.LoadIssuerDir(exampleIssuer, filepath.Join(examplesDir(t), "issuer")); err != nil {
		t.Fatalf("LoadIssuerDir: %v", err)
	}
	return s
}

func TestExamplesVerify(t *testing.T) {
	dir := examplesDir(t)
	keys := exampleKeys(t)
	tests := []struct {
		n      string
		now    time.Time
		status Status
		events int
	}{
		{"00", after00, StatusVerified, 3},
		{"01", validation01, StatusVerified, 3},
		{"02", after00, StatusVerified, 0},
		{"03", after00, StatusRevoked, 0},
	}
	for _, tt := range tests {
		t.Run(tt.n, func(t *testing.T) {
			jws := strings.TrimSpace(string(readTestFile(t, filepath.Join(dir, "example-"+tt.n+"-d-jws.txt"))))
			r := Verify(jws, keys, Options{Now: tt.now})
			if r.Status != tt.status {
				t.Fatalf("Verify(example %s) = %s (%s: %s), want %s", tt.n, r.Status, r.Code, r.Detail, tt.status)
			}
			if tt.status != StatusVerified {
				if r.Stage != StageRevocation || r.Code != CodeRevoked {
					t.Errorf("example %s: stage %s code %s, want revocation REVOKED", tt.n, r.Stage, r.Code)
				}
				return
			}
			if r.Issuer != exampleIssuer {
				t.Errorf("issuer = %q", r.Issuer)
			}
			if got := len(r.Certificate.Events); got != tt.events {
				t.Errorf("example %s: %d events, want %d", tt.n, got, tt.events)
			}
			// The same card from its numeric QR text(s) and its file.
			var chunks []string
			for i := 0; ; i++ {
				b, err := os.ReadFile(filepath.Join(dir, "example-"+tt.n+"-f-qr-code-numeric-value-"+itoa(i)+".txt"))
				if err != nil {
					break
				}
				chunks = append(chunks, strings.TrimSpace(string(b)))
			}
			rq := VerifyChunks(chunks, keys, Options{Now: tt.now})
			if rq.Status != StatusVerified || rq.JWS != jws {
				t.Errorf("VerifyChunks(example %s) = %s %s, jws equal %t", tt.n, rq.Status, rq.Detail, rq.JWS == jws)
			}
			if len(chunks) > 1 && !hasCode(rq.Warnings, CodeQRChunkingDeprecated) {
				t.Errorf("example %s: chunked code without a %s warning: %v", tt.n, CodeQRChunkingDeprecated, rq.Warnings)
			}
			cards, err := ParseFile(readTestFile(t, filepath.Join(dir, "example-"+tt.n+"-e-file.smart-health-card")))
			if err != nil || len(cards) != 1 || cards[0] != jws {
				t.Errorf("ParseFile(example %s) = %d cards, %v", tt.n, len(cards), err)
			}
		})
	}
}

func TestExample01CertificateExpired(t *testing.T) {
	jws := strings.TrimSpace(string(readTestFile(t, filepath.Join(examplesDir(t), "example-01-d-jws.txt"))))
	r := Verify(jws, exampleKeys(t), Options{Now: after00})
	if r.Status != StatusExpiredKeys || r.Code != CodeInvalidKeyX5C {
		t.Fatalf("example 01 in 2024 = %s %s (%s), want expired_keys INVALID_KEY_X5C", r.Status, r.Code, r.Detail)
	}
}

func TestExample00Mapping(t *testing.T) {
	jws := strings.TrimSpace(string(readTestFile(t, filepath.Join(examplesDir(t), "example-00-d-jws.txt"))))
	r := Verify(jws, exampleKeys(t), Options{Now: after00})
	if r.Status != StatusVerified {
		t.Fatalf("Verify = %s: %s", r.Status, r.Detail)
	}
	c := r.Certificate
	if c.Holder.Name.Family != "Anyperson" || c.Holder.Name.Given != "John B." {
		t.Errorf("holder name = %+v", c.Holder.Name)
	}
	if c.Holder.DateOfBirth != (healthcert.Date{Year: 1951, Month: 1, Day: 20}) {
		t.Errorf("date of birth = %v", c.Holder.DateOfBirth)
	}
	wantProducts := []string{"cvx:207", "cvx:207", "cvx:229"}
	wantDates := []string{"2021-01-01", "2021-01-29", "2022-09-05"}
	for i, e := range c.Events {
		v, ok := e.(*healthcert.Vaccination)
		if !ok {
			t.Fatalf("event %d is a %T", i, e)
		}
		if v.Product != wantProducts[i] || v.Date.String() != wantDates[i] || v.Disease != diseaseCOVID19 ||
			v.Manufacturer != "mvx:MOD" || v.Centre != "ABC General Hospital" {
			t.Errorf("event %d = %+v", i, v)
		}
	}
	if !c.IssuedAt.Equal(time.Unix(1687450764, 0)) {
		t.Errorf("issued at %v", c.IssuedAt)
	}
}

// privateKey reads a P-256 private key from the published test JWK set.
func privateKey(t testing.TB, kid string) *ecdsa.PrivateKey {
	t.Helper()
	var set struct {
		Keys []struct{ Kid, X, Y, D string }
	}
	data := readTestFile(t, filepath.Join(shareddata(t), "keys", "issuer.jwks.private.json"))
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		if k.Kid != kid {
			continue
		}
		d, err := b64.DecodeString(k.D)
		if err != nil {
			t.Fatal(err)
		}
		priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
		if err != nil {
			t.Fatal(err)
		}
		return priv
	}
	t.Fatalf("no key %s in the test key set", kid)
	return nil
}

func TestIssueExample00(t *testing.T) {
	dir := examplesDir(t)
	bundle := readTestFile(t, filepath.Join(dir, "example-00-a-fhirBundle.json"))
	priv := privateKey(t, "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s")
	nbf := time.Date(2023, 6, 22, 16, 19, 24, 656e6, time.UTC)
	jws, err := Issue(bundle, priv, IssueOptions{Issuer: exampleIssuer, IssuedAt: nbf, Rid: "MKyCxh7p6uQ"})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	r := Verify(jws, exampleKeys(t), Options{Now: after00})
	if r.Status != StatusVerified {
		t.Fatalf("Verify(issued) = %s: %s", r.Status, r.Detail)
	}
	if len(r.Warnings) != 0 {
		t.Errorf("issued card has warnings: %v", r.Warnings)
	}
	// Same payload as the specification's example, but for key order.
	want := readTestFile(t, filepath.Join(dir, "example-00-c-jws-payload-minified.json"))
	var got, exp any
	if err := json.Unmarshal(r.JWSPayloadForTest(t), &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &exp); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	eb, _ := json.Marshal(exp)
	if string(gb) != string(eb) {
		t.Errorf("issued payload differs from the example:\n got %s\nwant %s", gb, eb)
	}
	qr, err := EncodeQR(jws)
	if err != nil {
		t.Fatalf("EncodeQR: %v", err)
	}
	if rq := Verify(qr, exampleKeys(t), Options{Now: after00}); rq.Status != StatusVerified {
		t.Errorf("Verify(qr of the issued card) = %s: %s", rq.Status, rq.Detail)
	}
	// One changed byte of the payload breaks the signature.
	parts := strings.Split(jws, ".")
	p := []byte(parts[1])
	p[10] ^= 1
	if p[10] == '.' || !isJWSChar(p[10]) {
		p[10] = 'A'
	}
	tampered := parts[0] + "." + string(p) + "." + parts[2]
	if rt := Verify(tampered, exampleKeys(t), Options{Now: after00}); rt.Status == StatusVerified {
		t.Errorf("a tampered card verified")
	}
}

// JWSPayloadForTest returns the inflated payload of the result's JWS.
func (r *Result) JWSPayloadForTest(t testing.TB) []byte {
	t.Helper()
	j, _, err := ParseJWS(r.JWS)
	if err != nil {
		t.Fatal(err)
	}
	return j.Payload
}

func hasCode(fs []Finding, code string) bool {
	for _, f := range fs {
		if f.Code == code {
			return true
		}
	}
	return false
}

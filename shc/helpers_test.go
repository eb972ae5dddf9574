package shc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/url"
	"testing"
	"time"

	"github.com/ithc/ithc/healthcert"
)

// testIssuerURL is the iss of the generated test issuer.
const testIssuerURL = "https://issuer.example.org/shc"

// testNow is the verification time of the generated cards.
var testNow = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// testIssuer is a generated issuer: a key, its JWK and a store holding it.
type testIssuer struct {
	priv  *ecdsa.PrivateKey
	key   *Key
	store *KeyStore
}

func newTestIssuer(t testing.TB) *testIssuer {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid, err := Thumbprint(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	k := &Key{KID: kid, Public: &priv.PublicKey, Issuer: testIssuerURL}
	s := NewKeyStore()
	s.AddKeys(k)
	return &testIssuer{priv: priv, key: k, store: s}
}

// jwk returns the issuer's public JWK as JSON, with extra members.
func (ti *testIssuer) jwk(t testing.TB, extra map[string]any) json.RawMessage {
	t.Helper()
	x, y, err := coordinates(&ti.priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{"kty": "EC", "kid": ti.key.KID, "use": "sig", "alg": "ES256", "crv": "P-256",
		"x": b64.EncodeToString(x), "y": b64.EncodeToString(y)}
	for k, v := range extra {
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

// sampleCertificate is a native certificate with one event of each kind
// SMART Health Cards can carry.
func sampleCertificate() *healthcert.Certificate {
	sample := time.Date(2026, 11, 18, 9, 30, 0, 0, time.UTC)
	return &healthcert.Certificate{
		Issuer:   healthcert.Issuer{Name: testIssuerURL},
		IssuedAt: testNow.Add(-time.Hour),
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: "Zhang", Given: "Wei Ming"},
			DateOfBirth: healthcert.Date{Year: 1990, Month: 5, Day: 17},
		},
		Events: []healthcert.Event{
			&healthcert.Vaccination{Common: healthcert.Common{Disease: diseaseCOVID19, Centre: "Beijing Clinic"},
				Product: "cvx:208", Manufacturer: "mvx:PFR", DoseNumber: 2, TotalDoses: 2, Date: healthcert.Date{Year: 2021, Month: 6, Day: 1}},
			&healthcert.NucleicAcidTest{Common: healthcert.Common{Disease: diseaseCOVID19, Centre: "Lab A"},
				Method: "94500-6", SampleTime: sample, Result: healthcert.ResultNegative},
			&healthcert.AntibodyTest{Common: healthcert.Common{Disease: diseaseCOVID19, Centre: "Lab A"},
				Isotype: healthcert.IgG, Method: "94563-4", SampleTime: sample, Result: healthcert.ResultPositive,
				Quantity: &healthcert.Quantity{Value: 12.5, Unit: "[IU]/mL", CutOff: 1}},
			&healthcert.AntibodyTest{Common: healthcert.Common{Disease: diseaseCOVID19, Centre: "Lab A"},
				Isotype: healthcert.IgM, Method: "94564-2", SampleTime: sample, Result: healthcert.ResultNegative},
		},
	}
}

// issueSample signs the sample certificate's bundle.
func (ti *testIssuer) issueSample(t testing.TB, opts IssueOptions) string {
	t.Helper()
	bundle, err := FromCertificate(sampleCertificate())
	if err != nil {
		t.Fatalf("FromCertificate: %v", err)
	}
	if opts.Issuer == "" {
		opts.Issuer = testIssuerURL
	}
	if opts.IssuedAt.IsZero() {
		opts.IssuedAt = testNow.Add(-time.Hour)
	}
	jws, err := Issue(bundle, ti.priv, opts)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return jws
}

// signRaw signs an arbitrary header and payload (already deflated or
// not) with the issuer's key, for hostile cards.
func (ti *testIssuer) signRaw(t testing.TB, header string, payload []byte) string {
	t.Helper()
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString(payload)
	sig := signES256(t, ti.priv, input)
	return input + "." + b64.EncodeToString(sig)
}

func signES256(t testing.TB, priv *ecdsa.PrivateKey, input string) []byte {
	t.Helper()
	der, err := priv.Sign(rand.Reader, sha256Sum(input), nil)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := rawSignature(der)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// chainFor makes an x5c chain (leaf, CA) for the issuer's key: the leaf
// names san as a URI and is valid from notBefore to notAfter.
func chainFor(t testing.TB, pub *ecdsa.PublicKey, san string, notBefore, notAfter time.Time) []string {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test SHC CA"},
		NotBefore: notBefore.AddDate(-1, 0, 0), NotAfter: notAfter.AddDate(5, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	u, err := url.Parse(san)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test SHC issuer"},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature, URIs: []*url.URL{u},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, pub, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return []string{base64.StdEncoding.EncodeToString(leafDER), base64.StdEncoding.EncodeToString(caDER)}
}

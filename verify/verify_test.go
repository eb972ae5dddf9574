package verify

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/base45"
	"github.com/ithc/ithc/internal/testca"
	"github.com/ithc/ithc/trust"
)

var (
	notBefore = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter  = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	iat       = time.Date(2021, 5, 3, 10, 0, 0, 0, time.UTC)
	exp       = time.Date(2022, 5, 3, 10, 0, 0, 0, time.UTC)
	now       = time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC)
)

type testKey struct {
	signer crypto.Signer
	cert   *x509.Certificate
	trust  *trust.Signer
}

func newKey(tb testing.TB, s crypto.Signer, cn string, oids ...asn1.ObjectIdentifier) *testKey {
	tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:       big.NewInt(time.Now().UnixNano()),
		Subject:            pkix.Name{CommonName: cn, Country: []string{"AT"}},
		NotBefore:          notBefore,
		NotAfter:           notAfter,
		UnknownExtKeyUsage: oids,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, s.Public(), s)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return &testKey{s, cert, trust.NewSigner(cert, "")}
}

var (
	keysOnce sync.Once
	keys     map[string]*testKey
)

func testKeys(tb testing.TB) map[string]*testKey {
	keysOnce.Do(func() {
		p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		rk, _ := rsa.GenerateKey(rand.Reader, 2048)
		_, ek, _ := ed25519.GenerateKey(rand.Reader)
		vk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		keys = map[string]*testKey{
			"ES256":    newKey(tb, p256, "DSC ES256"),
			"ES384":    newKey(tb, p384, "DSC ES384"),
			"PS256":    newKey(tb, rk, "DSC PS256"),
			"EdDSA":    newKey(tb, ek, "DSC EdDSA"),
			"vacc":     newKey(tb, vk, "DSC vaccination only", trust.OIDVaccination),
			"testonly": newKey(tb, vk, "DSC tests only", trust.OIDLegacyTest),
		}
	})
	return keys
}

// mapResolver is a resolver over a fixed list of signers.
type mapResolver []*trust.Signer

func (m mapResolver) Signers(kid []byte, _ string) ([]*trust.Signer, error) {
	var out []*trust.Signer
	for _, s := range m {
		if bytes.Equal(s.KID, kid) {
			out = append(out, s)
		}
	}
	return out, nil
}

func nativeCert() *healthcert.Certificate {
	covid := healthcert.Common{Disease: "840539006", Country: "AT", Centre: "Labor Wien"}
	return &healthcert.Certificate{
		ID:        "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B",
		Issuer:    healthcert.Issuer{Country: "AT", Name: "Ministry of Health"},
		IssuedAt:  iat,
		ExpiresAt: exp,
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: "Müller", Given: "Jürgen", FamilyICAO: "MUELLER", GivenICAO: "JUERGEN"},
			DateOfBirth: healthcert.Date{Year: 1980, Month: 4},
			Sex:         healthcert.SexMale,
			Document:    &healthcert.TravelDocument{Type: "P", Number: "P1234567", IssuingState: "AT"},
		},
		Events: []healthcert.Event{
			&healthcert.NucleicAcidTest{Common: covid, Method: "LP6464-4", SampleTime: iat.Add(-20 * time.Hour), Result: healthcert.ResultNegative},
			&healthcert.AntibodyTest{Common: covid, Isotype: healthcert.IgG, Method: "CLIA", SampleTime: iat.Add(-20 * time.Hour),
				Result: healthcert.ResultPositive, Quantity: &healthcert.Quantity{Value: 112.5, Unit: "BAU/mL", CutOff: 33.8}},
			&healthcert.Vaccination{Common: covid, VaccineType: "1119349007", Product: "EU/1/20/1528", Manufacturer: "ORG-100030215",
				DoseNumber: 2, TotalDoses: 2, Date: healthcert.Date{Year: 2021, Month: 4, Day: 1}},
		},
	}
}

func issue(tb testing.TB, k *testKey, native bool) string {
	tb.Helper()
	in := hc1.SignInput{Issuer: "AT", IssuedAt: iat, ExpiresAt: exp, DCC: testca.SampleDCC()}
	if native {
		in = hc1.SignInput{Native: nativeCert()}
	}
	text, err := hc1.Sign(in, k.signer, hc1.SignOptions{Certificate: k.cert})
	if err != nil {
		tb.Fatalf("Sign() error = %v", err)
	}
	return text
}

func TestVerifyRoundTrip(t *testing.T) {
	ks := testKeys(t)
	v := New(mapResolver{ks["ES256"].trust, ks["ES384"].trust, ks["PS256"].trust, ks["EdDSA"].trust}, Options{Now: now})
	for _, alg := range []string{"ES256", "ES384", "PS256", "EdDSA"} {
		for _, native := range []bool{false, true} {
			t.Run(alg+map[bool]string{false: "/dcc", true: "/ithc"}[native], func(t *testing.T) {
				r := v.Verify(issue(t, ks[alg], native))
				if r.Status != StatusVerified || r.Stage != StageDone {
					t.Fatalf("Verify() = %s at %s (%s), want verified", r.Status, r.Stage, r.Detail)
				}
				if r.Signer == nil || r.Signer.Algorithm != alg || r.Signer.Country != "AT" || !strings.Contains(r.Signer.Subject, "DSC") {
					t.Errorf("Signer = %+v", r.Signer)
				}
				if r.Certificate == nil || r.Certificate.Issuer.Country != "AT" || !r.Certificate.IssuedAt.Equal(iat) {
					t.Errorf("Certificate = %+v", r.Certificate)
				}
				if native != (r.PayloadKind == "ithc") || native != (r.DCC == nil) {
					t.Errorf("PayloadKind = %q, DCC = %v", r.PayloadKind, r.DCC)
				}
				if r.Reason.EN == "" || r.Reason.ZH == "" {
					t.Errorf("Reason = %+v, want both languages", r.Reason)
				}
				b, err := json.Marshal(r)
				if err != nil || !bytes.Contains(b, []byte(`"status":"verified"`)) {
					t.Errorf("json.Marshal(Result) = %s, %v", b, err)
				}
				if err := r.Err(); err != nil {
					t.Errorf("Err() = %v, want nil", err)
				}
			})
		}
	}
}

// recode rebuilds a code text from a COSE message.
func recode(tb testing.TB, cose []byte) string {
	s, err := hc1.EncodeCOSE(cose)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func coseOf(tb testing.TB, text string) []byte {
	b, err := base45.Decode(text[4:])
	if err != nil {
		tb.Fatal(err)
	}
	c, err := hc1.Inflate(b)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestVerifyFailures(t *testing.T) {
	ks := testKeys(t)
	es := ks["ES256"]
	good := issue(t, es, false)
	cose := coseOf(t, good)
	flip := func(b []byte, needle []byte) []byte {
		out := append([]byte(nil), b...)
		i := bytes.Index(out, needle)
		if i < 0 {
			t.Fatalf("%x not found", needle)
		}
		out[i+len(needle)-1] ^= 1
		return out
	}
	kid := trust.KID(es.cert)
	// An ES256 code whose protected alg says PS256.
	wrongAlg := bytes.Replace(cose, []byte{0x01, 0x26}, []byte{0x01, 0x38, 0x24}, 1)
	wrongAlg[2]++ // the protected bstr grew by one byte (0x4d → 0x4e)
	unknownKID, err := hc1.Sign(hc1.SignInput{Issuer: "AT", IssuedAt: iat, ExpiresAt: exp, DCC: testca.SampleDCC()}, es.signer, hc1.SignOptions{KID: []byte("unknown!")})
	if err != nil {
		t.Fatal(err)
	}
	noKID := []byte{0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, 0xa0}
	{
		c, _ := hc1.ParseCOSE(cose)
		var w []byte
		w = append(w, 0x58, byte(len(c.Payload)))
		if len(c.Payload) > 255 {
			w = []byte{0x59, byte(len(c.Payload) >> 8), byte(len(c.Payload))}
		}
		noKID = append(append(append(noKID, w...), c.Payload...), append([]byte{0x58, 0x40}, c.Signature...)...)
	}
	for _, tc := range []struct {
		name   string
		text   string
		opts   Options
		signer []*trust.Signer
		status Status
		stage  Stage
	}{
		{"garbage", "hello", Options{}, nil, StatusInvalidEncoding, StagePrefix},
		{"bad base45", "HC1:abc", Options{}, nil, StatusInvalidEncoding, StageBase45},
		{"not zlib", "HC1:" + base45.Encode(cose), Options{}, nil, StatusInvalidCompression, StageZlib},
		{"not cose", recode(t, []byte{0xa0}), Options{}, nil, StatusInvalidSigningFormat, StageCOSE},
		{"no kid", recode(t, noKID), Options{}, nil, StatusKIDNotIncluded, StageKID},
		{"unknown kid", unknownKID, Options{}, nil, StatusIssuerNotTrusted, StageSigner},
		{"altered kid", recode(t, flip(cose, kid)), Options{}, nil, StatusIssuerNotTrusted, StageSigner},
		{"altered payload", recode(t, flip(cose, []byte("Gabriele"))), Options{}, nil, StatusInvalidSignature, StageSignature},
		{"altered signature", recode(t, flip(cose, cose[len(cose)-8:])), Options{}, nil, StatusInvalidSignature, StageSignature},
		{"wrong alg for key", recode(t, wrongAlg), Options{}, nil, StatusInvalidSignature, StageSignature},
		{"wrong key with same kid", good, Options{}, []*trust.Signer{{KID: kid, PublicKey: ks["PS256"].cert.PublicKey}}, StatusInvalidSignature, StageSignature},
		{"key usage", issue(t, ks["testonly"], false), Options{}, []*trust.Signer{ks["testonly"].trust}, StatusKeyUsageMismatch, StageKeyUsage},
		{"key usage native", issue(t, ks["vacc"], true), Options{}, []*trust.Signer{ks["vacc"].trust}, StatusKeyUsageMismatch, StageKeyUsage},
		{"expired", good, Options{Now: exp.Add(time.Hour)}, nil, StatusExpired, StageValidity},
		{"expired within skew", good, Options{Now: exp.Add(time.Hour), ClockSkew: 2 * time.Hour}, nil, StatusVerified, StageDone},
		{"not yet valid", good, Options{Now: iat.Add(-time.Hour)}, nil, StatusNotYetValid, StageValidity},
		{"not yet valid within skew", good, Options{Now: iat.Add(-time.Minute), ClockSkew: 5 * time.Minute}, nil, StatusVerified, StageDone},
		{"signer expired", good, Options{Now: exp.Add(-time.Hour)}, []*trust.Signer{{KID: kid, PublicKey: es.cert.PublicKey,
			Certificate: &x509.Certificate{NotBefore: notBefore, NotAfter: exp.Add(-2 * time.Hour)}}}, StatusExpiredKeys, StageValidity},
		{"exp after signer", good, Options{}, []*trust.Signer{{KID: kid, PublicKey: es.cert.PublicKey,
			Certificate: &x509.Certificate{NotBefore: notBefore, NotAfter: exp.Add(-time.Hour)}}}, StatusExpiredKeys, StageValidity},
		{"iat before signer", good, Options{}, []*trust.Signer{{KID: kid, PublicKey: es.cert.PublicKey,
			Certificate: &x509.Certificate{NotBefore: iat.Add(time.Hour), NotAfter: notAfter}}}, StatusExpiredKeys, StageValidity},
		{"schema", mustSign(t, es, hc1.SignInput{Issuer: "AT", IssuedAt: iat, ExpiresAt: exp, DCC: func() *dcc.Payload {
			p := testca.SampleDCC()
			p.Vaccinations[0].VaccineType = "not-a-vaccine"
			return p
		}()}), Options{}, nil, StatusInvalidSigningFormat, StageSchema},
		{"native schema", mustSign(t, es, hc1.SignInput{Native: func() *healthcert.Certificate {
			c := nativeCert()
			c.Holder.Name.FamilyICAO = "müller"
			return c
		}()}), Options{}, nil, StatusInvalidSigningFormat, StageSchema},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signers := tc.signer
			if signers == nil {
				signers = []*trust.Signer{es.trust}
			}
			if tc.opts.Now.IsZero() {
				tc.opts.Now = now
			}
			r := New(mapResolver(signers), tc.opts).Verify(tc.text)
			checkResultJSON(t, tc.name, r)
			if r.Status != tc.status || r.Stage != tc.stage {
				t.Errorf("Verify() = %s at %s (%s), want %s at %s", r.Status, r.Stage, r.Detail, tc.status, tc.stage)
			}
			if r.Reason != reasons[tc.status] || r.Format != "hc1" {
				t.Errorf("Reason = %+v, Format = %q", r.Reason, r.Format)
			}
			if tc.status != StatusVerified {
				if err := r.Err(); err == nil || !strings.HasPrefix(err.Error(), "verify: "+string(tc.status)) {
					t.Errorf("Err() = %v", err)
				}
			}
		})
	}
}

func mustSign(tb testing.TB, k *testKey, in hc1.SignInput) string {
	tb.Helper()
	s, err := hc1.Sign(in, k.signer, hc1.SignOptions{Certificate: k.cert})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestKIDCollision(t *testing.T) {
	ks := testKeys(t)
	es := ks["ES256"]
	kid := trust.KID(es.cert)
	impostor := &trust.Signer{KID: kid, PublicKey: ks["vacc"].cert.PublicKey, Country: "XX"}
	wrongType := &trust.Signer{KID: kid, PublicKey: ks["PS256"].cert.PublicKey, Country: "XY"}
	r := New(mapResolver{impostor, wrongType, es.trust}, Options{Now: now}).Verify(issue(t, es, false))
	if r.Status != StatusVerified || r.Signer == nil || r.Signer.Country != "AT" {
		t.Errorf("Verify() with a kid collision = %s (%s), signer %+v; want verified by the AT signer", r.Status, r.Detail, r.Signer)
	}
}

func TestCheckFunctionsAlone(t *testing.T) {
	ks := testKeys(t)
	code, err := hc1.Parse(issue(t, ks["ES256"], true))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckKID(code); err != nil {
		t.Errorf("CheckKID() = %v", err)
	}
	s, err := CheckSignature(code, []*trust.Signer{ks["ES384"].trust, ks["ES256"].trust})
	if err != nil || s != ks["ES256"].trust {
		t.Errorf("CheckSignature() = %v, %v", s, err)
	}
	if _, err := CheckSignature(code, nil); err == nil {
		t.Errorf("CheckSignature(no signers) = nil")
	}
	if err := CheckKeyUsage(code, ks["vacc"].trust); err == nil {
		t.Errorf("CheckKeyUsage(vaccination-only signer, native with tests) = nil")
	}
	if err := CheckValidity(code, s, now, 0); err != nil {
		t.Errorf("CheckValidity() = %v", err)
	}
	if err := CheckSchema(code, nil); err != nil {
		t.Errorf("CheckSchema() = %v", err)
	}
	var e *Error
	if err := CheckValidity(code, s, exp.Add(time.Second), 0); err == nil || !asError(err, &e) || e.Status != StatusExpired {
		t.Errorf("CheckValidity(after exp) = %v, want expired", err)
	}
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}

// TestResultJSONWithUnmarshalableCertificate checks that a result always
// marshals: a decoded certificate whose date the model cannot write (San
// Marino's test issuer wrote the year 0021) is replaced by its error.
func TestResultJSONWithUnmarshalableCertificate(t *testing.T) {
	r := &Result{Status: StatusInvalidSigningFormat, Stage: StageSchema, Format: "hc1",
		Certificate: &healthcert.Certificate{Events: []healthcert.Event{
			&healthcert.Vaccination{VaccineType: "J07BX03", Date: healthcert.Date{Year: 21, Month: 1, Day: 6}}}}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("json.Marshal(Result) error = %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got["certificate"]; ok {
		t.Errorf("JSON has a certificate: %s", b)
	}
	if e, _ := got["certificate_error"].(string); !strings.Contains(e, "year 21") {
		t.Errorf("certificate_error = %q, want the date problem", e)
	}
	if got["status"] != string(StatusInvalidSigningFormat) {
		t.Errorf("status = %v", got["status"])
	}
	if r.Certificate == nil || r.CertificateError != "" {
		t.Error("MarshalJSON changed the result it marshalled")
	}
}

func TestCheckKIDEmpty(t *testing.T) {
	err := CheckKID(&hc1.Code{EmptyKIDFrom: hc1.HeaderProtected})
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusKIDNotIncluded || !strings.Contains(e.Detail, "protected header is empty") {
		t.Errorf("CheckKID(empty kid) = %v, want kid_not_included saying the kid is empty", err)
	}
	if err := CheckKID(&hc1.Code{}); err == nil || !strings.Contains(err.Error(), "no kid") {
		t.Errorf("CheckKID(no kid) = %v", err)
	}
}

// A verifier recognising some countries refuses the signers of the others
// on its trust list, saying whose signer it was.
func TestRecognised(t *testing.T) {
	ks := testKeys(t)
	es := ks["ES256"]
	text := issue(t, es, false)
	res := mapResolver{es.trust}
	if r := New(res, Options{Now: now, Recognised: []string{"FR", "AT"}}).Verify(text); r.Status != StatusVerified {
		t.Errorf("recognised AT signer: %s (%s)", r.Status, r.Detail)
	}
	r := New(res, Options{Now: now, Recognised: []string{"FR", "CN"}}).Verify(text)
	if r.Status != StatusIssuerNotTrusted || r.Stage != StageSigner || !strings.Contains(r.Detail, "of AT, which this verifier does not recognise (it recognises FR, CN)") {
		t.Errorf("unrecognised AT signer: %s at %s (%s)", r.Status, r.Stage, r.Detail)
	}
	// Among signers sharing a kid, only a recognised one may verify.
	impostor := &trust.Signer{KID: trust.KID(es.cert), PublicKey: es.cert.PublicKey, Country: "XX"}
	r = New(mapResolver{impostor, es.trust}, Options{Now: now, Recognised: []string{"AT"}}).Verify(text)
	if r.Status != StatusVerified || r.Signer.Country != "AT" {
		t.Errorf("kid shared with an unrecognised signer: %s (%s), %+v", r.Status, r.Detail, r.Signer)
	}
}

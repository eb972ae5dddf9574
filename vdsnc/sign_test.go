package vdsnc

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/trust"
)

func date(t testing.TB, s string) healthcert.Date {
	t.Helper()
	d, err := healthcert.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// vaccContent is a vaccination seal of the test country CN.
func vaccContent(t testing.TB) *Content {
	return &Content{
		Header: Header{Type: TypeVaccination, Version: Version, IssuingState: "CHN"},
		Vaccination: &VaccinationMessage{
			UVCI:   "URN:UVCI:01:CN:0123456789ABCDEF#A",
			Person: Person{Name: "ZHANG  WEI", DateOfBirth: date(t, "1990-05-17"), Sex: "M", DocumentNumber: "E12345678"},
			Events: []VaccineEvent{{
				Vaccine: "XM0GQ8", Product: "Comirnaty", Disease: "RA01.0",
				Doses: []Dose{
					{Date: date(t, "2021-03-03"), Sequence: 1, Country: "CHN", Centre: "Beijing Centre", Lot: "AB12"},
					{Date: date(t, "2021-03-24"), Sequence: 2, Country: "CHN", Centre: "Beijing Centre", Lot: "AB13", NextDate: date(t, "2021-09-24")},
				},
			}},
		},
	}
}

// testContent is a test seal of CN.
func testContent(t testing.TB) *Content {
	loc := time.FixedZone("", 8*3600)
	return &Content{
		Header: Header{Type: TypeTest, Version: Version, IssuingState: "CHN"},
		Test: &TestMessage{
			UTCI:       "T-0001",
			Person:     Person{Name: "ZHANG  WEI", DateOfBirth: date(t, "1990-05-17"), DocumentType: "P", DocumentNumber: "E12345678"},
			Provider:   Provider{Name: "Beijing Lab", Country: "CHN", Phone: "+86 10 1234", Email: "lab@example.cn"},
			SampleTime: time.Date(2026, 5, 30, 9, 0, 0, 0, loc),
			ReportTime: time.Date(2026, 5, 30, 15, 0, 0, 0, loc),
			Result:     TestResult{Type: TestAntibody, Result: ResultNegative, Method: "blood"},
		},
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	ca := newCSCA(t, "CN", testNotBefore, testNotAfter)
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		cert, key := ca.newSigner(t, signerOptions{curve: curve, name: "rt"})
		anchors := pool(t, ca.cert)
		for _, c := range []*Content{vaccContent(t), testContent(t)} {
			t.Run(curve.Params().Name+"/"+c.Header.Type, func(t *testing.T) {
				seal, err := Sign(c, key, cert, SignOptions{})
				if err != nil {
					t.Fatalf("Sign() error: %v", err)
				}
				r := Verify(seal, anchors, Options{Now: testNow})
				if r.Status != StatusVerified {
					t.Fatalf("Verify() = %s at %s: %s", r.Status, r.Stage, r.Detail)
				}
				if r.CSCA == nil || !r.CSCA.Equal(ca.cert) {
					t.Errorf("CSCA = %v, want the test CSCA", r.CSCA)
				}
				if len(r.Warnings) != 0 {
					t.Errorf("warnings = %q", r.Warnings)
				}
				// The content reads back as it was written.
				want, _ := c.MarshalData()
				got, err := r.Seal.Content.MarshalData()
				if err != nil || !bytes.Equal(got, want) || !bytes.Equal(r.Seal.Signed, want) {
					t.Errorf("content read back = %s, %v\nwant %s", got, err, want)
				}
				// The seal itself is in canonical form with padded base64url.
				alg, _ := AlgorithmFor(key.Public())
				if !bytes.HasPrefix(seal, []byte(`{"data":{"hdr":{"is":"CHN","t":"`)) || !bytes.Contains(seal, []byte(`"alg":"`+alg+`"`)) {
					t.Errorf("seal = %s", seal)
				}
			})
		}
	}
}

// TestOneByteChanged changes each byte of data in turn, in our seals and
// the samples: none verifies.
func TestOneByteChanged(t *testing.T) {
	ca := newCSCA(t, "CN", testNotBefore, testNotAfter)
	cert, key := ca.newSigner(t, signerOptions{name: "tamper"})
	seal, err := Sign(vaccContent(t), key, cert, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seals := map[string][]byte{"ours": seal}
	if dir, err := shareddata.Find("vdsnc"); err == nil {
		for _, f := range sampleFiles(t) {
			seals[filepath.Base(f)] = readFile(t, f)
		}
		_ = dir
	}
	for name, text := range seals {
		t.Run(name, func(t *testing.T) {
			opts := Options{Now: signerNotBefore(t, text), SkipChainUnsafe: true}
			if r := Verify(text, nil, opts); r.Status != StatusVerified {
				t.Fatalf("the untouched seal: %s: %s", r.Status, r.Detail)
			}
			start := bytes.Index(text, []byte(`"data"`))
			end := bytes.Index(text, []byte(`"sig"`))
			if start < 0 || end < start {
				t.Fatal("no data before sig")
			}
			badSig := 0
			for i := start + len(`"data"`); i < end; i++ {
				for _, x := range []byte{0x01, 0x20} {
					changed := bytes.Clone(text)
					changed[i] ^= x
					r := Verify(changed, nil, opts)
					if r.Status == StatusVerified {
						t.Fatalf("byte %d (%q) ^ %#x: the seal still verifies", i, text[i], x)
					}
					if r.Status == StatusInvalidSignature {
						badSig++
					}
				}
			}
			if badSig == 0 {
				t.Error("no change reached the signature stage")
			}
		})
	}
}

// TestSignTestKey signs with the published test key of the shared data
// and verifies the seal, trusting that signer certificate as it is.
func TestSignTestKey(t *testing.T) {
	dir := shareddata.Path(t, "vdsnc")
	// keys.Open refuses the shared file's mode (0444): parse it.
	block, _ := pem.Decode(readFile(t, filepath.Join(dir, "testkey-signer.key.pem")))
	if block == nil {
		t.Fatal("no PEM in testkey-signer.key.pem")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key := k.(*ecdsa.PrivateKey)
	certs, err := trust.LoadPEM(bytes.NewReader(readFile(t, filepath.Join(dir, "testkey-signer.cert.pem"))))
	if err != nil {
		t.Fatal(err)
	}
	cert := certs[0]
	c := vaccContent(t)
	c.Header.IssuingState = "FRA" // the test signer's country
	c.Vaccination.Events[0].Doses[0].Country = "FRA"
	seal, err := Sign(c, key, cert, SignOptions{})
	if err != nil {
		t.Fatalf("Sign() error: %v", err)
	}
	now := cert.NotBefore.Add(time.Hour)
	r := Verify(seal, pool(t, cert), Options{Now: now})
	if r.Status != StatusVerified {
		t.Fatalf("Verify() = %s at %s: %s", r.Status, r.Stage, r.Detail)
	}
	if r.CSCA == nil || !r.CSCA.Equal(cert) {
		t.Error("the signer was not found as a trusted certificate")
	}
	// Without the extensions of the profile: accepted with warnings by
	// default, refused when they are required.
	if r := Verify(seal, pool(t, cert), Options{Now: now, RequireExtensions: true}); r.Status != StatusKeyUsageMismatch {
		t.Errorf("Verify(RequireExtensions) = %s: %s", r.Status, r.Detail)
	}
	// The test key also made the sample seal: it verifies the same way.
	sample := readFile(t, filepath.Join(dir, "uto-testkey-example-0.json"))
	if r := Verify(sample, nil, Options{Now: now, SkipChainUnsafe: true}); r.Status != StatusVerified {
		t.Errorf("sample: %s: %s", r.Status, r.Detail)
	}
	// Its issuing state UTO is not the signer's country: the chain fails.
	if r := Verify(sample, pool(t, cert), Options{Now: now}); r.Status != StatusIssuerNotTrusted || !strings.Contains(r.Detail, "issuing state UTO") {
		t.Errorf("sample with the chain: %s: %s", r.Status, r.Detail)
	}
}

func TestSignErrors(t *testing.T) {
	ca := newCSCA(t, "CN", testNotBefore, testNotAfter)
	cert, key := ca.newSigner(t, signerOptions{name: "sign-errors"})
	testOnly, testOnlyKey := ca.newSigner(t, signerOptions{name: "sign-errors-nt", docTypes: []string{DocumentTypeTest}})
	other := testKey(t, "other", elliptic.P256())
	cases := []struct {
		name    string
		content func(*Content)
		key     *ecdsa.PrivateKey
		cert    *x509.Certificate
		want    string
	}{
		{"wrong key", nil, other, cert, "not of the signing key"},
		{"doc type", nil, testOnlyKey, testOnly, "may sign document types NT, not NV"},
		{"country", func(c *Content) { c.Header.IssuingState = "FRA" }, key, cert, "of country CN, the seal names issuing state FRA"},
		{"long name", func(c *Content) { c.Vaccination.Person.Name = strings.Repeat("A", 40) }, key, cert, "more than the 39"},
		{"no uvci", func(c *Content) { c.Vaccination.UVCI = "" }, key, cert, "msg.uvci: empty"},
		{"no dose", func(c *Content) { c.Vaccination.Events[0].Doses = nil }, key, cert, "msg.ve[0].vd: empty"},
		{"seq", func(c *Content) { c.Vaccination.Events[0].Doses[0].Sequence = 100 }, key, cert, "100 is not an integer from 1 to 99"},
		{"both messages", func(c *Content) { c.Test = &TestMessage{} }, key, cert, "exactly a vaccination message"},
		{"document type", func(c *Content) { c.Vaccination.Person.DocumentType = "P" }, key, cert, "no document type"},
		{"type", func(c *Content) { c.Header.Type = "icao.other" }, key, cert, "want icao.vacc with exactly"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := vaccContent(t)
			if tc.content != nil {
				tc.content(c)
			}
			seal, err := Sign(c, tc.key, tc.cert, SignOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "vdsnc: ") {
				t.Errorf("Sign() = %.40s, %v; want an error with %q", seal, err, tc.want)
			}
		})
	}
	// Keys that cannot sign seals.
	if _, err := AlgorithmFor(testKey(t, "p224", elliptic.P224()).Public()); err == nil {
		t.Error("AlgorithmFor(P-224) succeeded")
	}
}

// TestCertificateEncodings reads cer and sigvl with and without padding,
// and refuses wrong padding and the standard alphabet.
func TestCertificateEncodings(t *testing.T) {
	ca := newCSCA(t, "CN", testNotBefore, testNotAfter)
	// DER lengths vary with the serial and signature: issue until the
	// base64 of the certificate needs padding.
	var cert *x509.Certificate
	var key *ecdsa.PrivateKey
	for range 100 {
		if cert, key = ca.newSigner(t, signerOptions{name: "enc"}); len(cert.Raw)%3 != 0 {
			break
		}
	}
	if len(cert.Raw)%3 == 0 {
		t.Fatal("100 certificates whose base64 needs no padding")
	}
	seal, err := Sign(vaccContent(t), key, cert, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	padded := base64.URLEncoding.EncodeToString(cert.Raw)
	raw := base64.RawURLEncoding.EncodeToString(cert.Raw)
	wrongPad := raw + "=" // one '=' where two are due, or the reverse
	if !strings.HasSuffix(padded, "==") {
		wrongPad = raw + "=="
	}
	anchors := pool(t, ca.cert)
	for _, tc := range []struct {
		cer    string
		status Status
	}{
		{raw, StatusVerified},
		{padded, StatusVerified},
		{wrongPad, StatusInvalidSigningFormat},
		{padded + "==", StatusInvalidSigningFormat},
		{strings.ReplaceAll(strings.ReplaceAll(padded, "-", "+"), "_", "/"), StatusInvalidSigningFormat},
	} {
		s := bytes.Replace(seal, []byte(`"cer":"`+padded+`"`), []byte(`"cer":"`+tc.cer+`"`), 1)
		if r := Verify(s, anchors, Options{Now: testNow}); r.Status != tc.status {
			t.Errorf("cer %q…: %s (%s), want %s", tc.cer[len(tc.cer)-8:], r.Status, r.Detail, tc.status)
		}
	}
}

func TestSignatureFormats(t *testing.T) {
	ca := newCSCA(t, "CN", testNotBefore, testNotAfter)
	cert, key := ca.newSigner(t, signerOptions{name: "sigfmt"})
	anchors := pool(t, ca.cert)
	c := vaccContent(t)
	seal, err := Sign(c, key, cert, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSeal(seal)
	if err != nil {
		t.Fatal(err)
	}
	replaceSig := func(raw []byte) []byte {
		old := base64.URLEncoding.EncodeToString(s.Signature.Value)
		return bytes.Replace(seal, []byte(old), []byte(base64.URLEncoding.EncodeToString(raw)), 1)
	}
	// Without padding, sigvl verifies too.
	noPad := bytes.Replace(seal, []byte(base64.URLEncoding.EncodeToString(s.Signature.Value)), []byte(base64.RawURLEncoding.EncodeToString(s.Signature.Value)), 1)
	if r := Verify(noPad, anchors, Options{Now: testNow}); r.Status != StatusVerified {
		t.Errorf("unpadded sigvl: %s: %s", r.Status, r.Detail)
	}
	// A DER signature of the same value is refused, with a hint.
	der := rawToDER(s.Signature.Value[:32], s.Signature.Value[32:])
	if r := Verify(replaceSig(der), anchors, Options{Now: testNow}); r.Status != StatusInvalidSignature || !strings.Contains(r.Detail, "looks like DER") {
		t.Errorf("DER sigvl: %s: %s", r.Status, r.Detail)
	}
	// The algorithm must match the key.
	alg384 := bytes.Replace(seal, []byte(`"alg":"ES256"`), []byte(`"alg":"ES384"`), 1)
	if r := Verify(alg384, anchors, Options{Now: testNow}); r.Status != StatusInvalidSignature || !strings.Contains(r.Detail, "P-256 key") {
		t.Errorf("ES384 with a P-256 key: %s: %s", r.Status, r.Detail)
	}
	// A high s (n - s) is the same ECDSA signature; the raw form has no
	// DER malleability to refuse, and ecdsa accepts it. A zeroed
	// signature is refused.
	if r := Verify(replaceSig(make([]byte, 64)), anchors, Options{Now: testNow}); r.Status != StatusInvalidSignature {
		t.Errorf("zero signature: %s: %s", r.Status, r.Detail)
	}
	// derToRaw refuses what a broken signer could return.
	for _, bad := range [][]byte{nil, {0x30, 0x00}, {0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01}, append(asn1Seq(t, make([]byte, 40), []byte{1}), 0)} {
		if _, err := derToRaw(bad, 32); err == nil {
			t.Errorf("derToRaw(%x) succeeded", bad)
		}
	}
	// rawToDER writes the long length form for P-521.
	r521 := bytes.Repeat([]byte{0xff}, 66)
	if d := rawToDER(r521, r521); d[1] != 0x81 || len(d) != 3+2*(2+67) {
		t.Errorf("rawToDER(P-521) = %x", d)
	}
}

func asn1Seq(t testing.TB, r, s []byte) []byte {
	b, err := asn1.Marshal(struct{ R, S asn1.RawValue }{
		asn1.RawValue{Tag: asn1.TagInteger, Bytes: r}, asn1.RawValue{Tag: asn1.TagInteger, Bytes: s}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadCSCAs(t *testing.T) {
	ca := newCSCA(t, "CN", testNotBefore, testNotAfter)
	other := newCSCA(t, "FR", testNotBefore, testNotAfter)
	cert, key := ca.newSigner(t, signerOptions{name: "load"})
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("cn.pem", pemCert(ca.cert))
	write("fr.der", other.cert.Raw)
	write("notes.txt", []byte("not a certificate"))
	write("dsc.key", []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	write("signer.key.pem", []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	p, err := LoadCSCAs(dir)
	if err != nil {
		t.Fatalf("LoadCSCAs() error: %v", err)
	}
	if p.Len() != 2 {
		t.Errorf("Len() = %d, want 2", p.Len())
	}
	seal, err := Sign(vaccContent(t), key, cert, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := Verify(seal, p, Options{Now: testNow}); r.Status != StatusVerified {
		t.Errorf("Verify() = %s: %s", r.Status, r.Detail)
	}
	// A broken certificate file is an error naming it.
	write("broken.pem", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	if _, err := LoadCSCAs(dir); err == nil || !strings.Contains(err.Error(), "broken.pem") {
		t.Errorf("LoadCSCAs() with a broken file: %v", err)
	}
	if _, err := LoadCSCAs(filepath.Join(dir, "missing")); err == nil {
		t.Error("LoadCSCAs(missing) succeeded")
	}
	if _, err := LoadCSCAs(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no certificate") {
		t.Errorf("LoadCSCAs(empty) = %v", err)
	}
}

func pemCert(c *x509.Certificate) []byte {
	return []byte("-----BEGIN CERTIFICATE-----\n" + base64.StdEncoding.EncodeToString(c.Raw) + "\n-----END CERTIFICATE-----\n")
}

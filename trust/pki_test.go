package trust

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/healthcert"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestGenerateCountry(t *testing.T) {
	tests := []struct {
		alg     string
		keyType string
	}{
		{"", "*ecdsa.PrivateKey"},
		{AlgES256, "*ecdsa.PrivateKey"},
		{AlgEdDSA, "ed25519.PrivateKey"},
		{AlgPS256, "*rsa.PrivateKey"},
	}
	for _, tt := range tests {
		t.Run("alg="+tt.alg, func(t *testing.T) {
			if tt.alg == AlgPS256 && testing.Short() {
				t.Skip("RSA-3072 generation is slow")
			}
			c, err := GenerateCountry(CountryOptions{Country: "cn", Algorithm: tt.alg, Now: testNow})
			if err != nil {
				t.Fatalf("GenerateCountry() = %v", err)
			}
			checkCountry(t, c, UsageTest|UsageVaccination|UsageRecovery)
			if got := typeName(c.DSCKey); got != tt.keyType {
				t.Errorf("DSC key type = %s, want %s", got, tt.keyType)
			}
			if tt.alg == AlgPS256 {
				if n := c.DSCKey.Public().(*rsa.PublicKey).N.BitLen(); n != 3072 {
					t.Errorf("RSA modulus = %d bits, want 3072", n)
				}
				if c.DSC.SignatureAlgorithm != x509.SHA256WithRSAPSS {
					t.Errorf("DSC signature algorithm = %v, want SHA256-RSAPSS", c.DSC.SignatureAlgorithm)
				}
			}
		})
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *ecdsa.PrivateKey:
		return "*ecdsa.PrivateKey"
	case ed25519.PrivateKey:
		return "ed25519.PrivateKey"
	case *rsa.PrivateKey:
		return "*rsa.PrivateKey"
	}
	return "other"
}

func checkCountry(t *testing.T, c *Country, usage Usage) {
	t.Helper()
	if c.Code != "CN" {
		t.Errorf("Code = %q, want CN", c.Code)
	}
	ca := c.CSCA
	if !ca.BasicConstraintsValid || !ca.IsCA || ca.MaxPathLen != 0 || !ca.MaxPathLenZero {
		t.Errorf("CSCA basic constraints = valid %v, CA %v, pathLen %d (zero %v); want CA:TRUE pathLen 0",
			ca.BasicConstraintsValid, ca.IsCA, ca.MaxPathLen, ca.MaxPathLenZero)
	}
	if ca.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("CSCA key usage = %v, want certSign|CRLSign", ca.KeyUsage)
	}
	if got := ca.Subject.String(); got != "CN=ITHC CSCA CN,O=ITHC Health Authority,C=CN" {
		t.Errorf("CSCA subject = %q", got)
	}
	if err := ca.CheckSignatureFrom(ca); err != nil {
		t.Errorf("CSCA self-signature: %v", err)
	}
	if !ca.NotBefore.Equal(testNow) || !ca.NotAfter.Equal(testNow.Add(4*365*24*time.Hour)) {
		t.Errorf("CSCA validity = %v..%v, want 4 years from %v", ca.NotBefore, ca.NotAfter, testNow)
	}

	d := c.DSC
	if err := d.CheckSignatureFrom(ca); err != nil {
		t.Errorf("DSC signature from CSCA: %v", err)
	}
	if !d.BasicConstraintsValid || d.IsCA {
		t.Errorf("DSC basic constraints: valid %v CA %v; want CA:FALSE", d.BasicConstraintsValid, d.IsCA)
	}
	if d.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("DSC key usage = %v, want digitalSignature", d.KeyUsage)
	}
	if got := d.Subject.String(); got != "CN=ITHC DSC CN 1,O=ITHC Health Authority,C=CN" {
		t.Errorf("DSC subject = %q", got)
	}
	if got := UsageFromCertificate(d); got != usage {
		t.Errorf("DSC usage = %v, want %v", got, usage)
	}
	if len(d.UnknownExtKeyUsage) != len(UsageOIDs(usage)) {
		t.Errorf("DSC has %d EKU OIDs, want %d", len(d.UnknownExtKeyUsage), len(UsageOIDs(usage)))
	}
	if d.NotBefore.Before(ca.NotBefore) || d.NotAfter.After(ca.NotAfter) {
		t.Errorf("DSC validity %v..%v not inside CSCA %v..%v", d.NotBefore, d.NotAfter, ca.NotBefore, ca.NotAfter)
	}
	if !publicEqual(c.DSCKey.Public(), d.PublicKey) || !publicEqual(c.CSCAKey.Public(), ca.PublicKey) {
		t.Error("private keys do not match the certificates")
	}
	// The DSC key really signs, and the certificate's key verifies it.
	digest := sha256.Sum256([]byte("code"))
	var opts crypto.SignerOpts = crypto.SHA256
	msg := digest[:]
	if _, ok := c.DSCKey.(ed25519.PrivateKey); ok {
		opts, msg = crypto.Hash(0), []byte("code")
	}
	if _, ok := c.DSCKey.(*rsa.PrivateKey); ok {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	}
	sig, err := c.DSCKey.Sign(rand.Reader, msg, opts)
	if err != nil {
		t.Fatalf("Sign() = %v", err)
	}
	ok := false
	switch k := d.PublicKey.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(k, msg, sig)
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, msg, sig)
	case *rsa.PublicKey:
		ok = rsa.VerifyPSS(k, crypto.SHA256, msg, sig, opts.(*rsa.PSSOptions)) == nil
	}
	if !ok {
		t.Error("a signature by DSCKey does not verify with the DSC certificate")
	}
	s := NewStore()
	if err := s.AddChecked(d, ca); err != nil {
		t.Errorf("AddChecked(generated) = %v", err)
	}
}

func publicEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

func TestGenerateCountryOptions(t *testing.T) {
	c, err := GenerateCountry(CountryOptions{Country: "CN", Usage: UsageTest, Now: testNow,
		Organisation: "National Health Commission", CSCAValidity: 48 * time.Hour, DSCValidity: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if got := UsageFromCertificate(c.DSC); got != UsageTest {
		t.Errorf("usage = %v, want test", got)
	}
	if len(c.DSC.UnknownExtKeyUsage) != 1 || !c.DSC.UnknownExtKeyUsage[0].Equal(OIDTest) {
		t.Errorf("EKU = %v, want only %v", c.DSC.UnknownExtKeyUsage, OIDTest)
	}
	if c.CSCA.Subject.Organization[0] != "National Health Commission" {
		t.Errorf("O = %v", c.CSCA.Subject.Organization)
	}
	if !c.DSC.NotAfter.Equal(testNow.Add(24*time.Hour)) || !c.CSCA.NotAfter.Equal(testNow.Add(48*time.Hour)) {
		t.Errorf("validity = DSC %v, CSCA %v", c.DSC.NotAfter, c.CSCA.NotAfter)
	}
	if c.CSCA.SerialNumber.Cmp(c.DSC.SerialNumber) == 0 || c.CSCA.SerialNumber.Sign() <= 0 {
		t.Errorf("serials %v and %v: want distinct positive", c.CSCA.SerialNumber, c.DSC.SerialNumber)
	}

	bad := []struct {
		name string
		opts CountryOptions
	}{
		{"no country", CountryOptions{}},
		{"one letter", CountryOptions{Country: "C"}},
		{"digit", CountryOptions{Country: "C1"}},
		{"alpha-3", CountryOptions{Country: "CHN"}},
		{"unknown algorithm", CountryOptions{Country: "CN", Algorithm: "ES512"}},
		{"dsc outlives csca", CountryOptions{Country: "CN", CSCAValidity: time.Hour, DSCValidity: 2 * time.Hour}},
		{"dsc default outlives short csca", CountryOptions{Country: "CN", CSCAValidity: time.Hour}},
		{"negative", CountryOptions{Country: "CN", CSCAValidity: -time.Hour, DSCValidity: -2 * time.Hour}},
		{"unknown usage bits", CountryOptions{Country: "CN", Usage: 1 << 6}},
		{"failing random", CountryOptions{Country: "CN", Random: bytes.NewReader(nil)}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			c, err := GenerateCountry(tt.opts)
			if err == nil || c != nil {
				t.Fatalf("GenerateCountry() = %v, %v; want nil and an error", c, err)
			}
			if !strings.HasPrefix(err.Error(), "trust: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestWriteDir(t *testing.T) {
	c, err := GenerateCountry(CountryOptions{Country: "CN", Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "pki", "cn")
	if err := c.WriteDir(dir); err != nil {
		t.Fatalf("WriteDir() = %v", err)
	}
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("directory mode = %v, %v; want 0700", info.Mode().Perm(), err)
	}
	wantModes := map[string]fs.FileMode{FileCSCAKey: 0o600, FileDSCKey: 0o600, FileCSCACert: 0o644, FileDSCCert: 0o644}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(wantModes) {
		t.Errorf("directory holds %d entries, want %d (no temporary files left)", len(entries), len(wantModes))
	}
	for name, mode := range wantModes {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if info.Mode().Perm() != mode {
			t.Errorf("%s mode = %v, want %v", name, info.Mode().Perm(), mode)
		}
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, FileDSCKey))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("dsc.key is not a PKCS#8 PEM key: %q", keyPEM)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("dsc.key: %v", err)
	}
	k := parsed.(crypto.Signer)
	if !publicEqual(k.Public(), c.DSC.PublicKey) {
		t.Error("dsc.key does not hold the DSC's key")
	}
	data, _ := os.ReadFile(filepath.Join(dir, FileDSCKey))
	if blk, _ := pem.Decode(data); blk == nil || blk.Type != "PRIVATE KEY" {
		t.Errorf("dsc.key is not a PKCS#8 PEM")
	}
	s, err := LoadFiles(dir)
	if err != nil || s.Len() != 2 {
		t.Fatalf("LoadFiles(dir) = %v; want 2 certificates (csca.pem, dsc.pem)", err)
	}

	// A second write must not replace the keys.
	before, _ := os.ReadFile(filepath.Join(dir, FileCSCAKey))
	c2, err := GenerateCountry(CountryOptions{Country: "CN", Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.WriteDir(dir); !errors.Is(err, ErrExists) {
		t.Fatalf("WriteDir(again) = %v, want ErrExists", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, FileCSCAKey))
	dscAfter, _ := os.ReadFile(filepath.Join(dir, FileDSCCert))
	if !bytes.Equal(before, after) || !bytes.Equal(dscAfter, pemOf(c.DSC)) {
		t.Error("a refused WriteDir changed files")
	}

	// Only one key present still refuses, and writes nothing.
	dir2 := t.TempDir()
	writeFile(t, filepath.Join(dir2, FileDSCKey), []byte("existing"))
	if err := c.WriteDir(dir2); !errors.Is(err, ErrExists) {
		t.Errorf("WriteDir(dsc.key exists) = %v, want ErrExists", err)
	}
	if _, err := os.Stat(filepath.Join(dir2, FileCSCAKey)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("csca.key written although WriteDir refused: %v", err)
	}
}

func TestWriteAtomicNoClobber(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "k.key"), []byte("old"))
	err := writeAtomic(dir, "k.key", []byte("new"), true)
	if !errors.Is(err, ErrExists) {
		t.Errorf("writeAtomic(existing key) = %v, want ErrExists", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "k.key")); string(got) != "old" {
		t.Errorf("key replaced: %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries left, want 1 (temporary file removed)", len(entries))
	}
}

// TestUsageOtherPurposes keeps a signer whose extended key usage lists only
// non-health purposes unrestricted, as Spain's real document signers need.
func TestUsageOtherPurposes(t *testing.T) {
	icao := asn1.ObjectIdentifier{2, 23, 136, 1, 1, 14, 2}
	for _, c := range []*x509.Certificate{
		{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection}},
		{UnknownExtKeyUsage: []asn1.ObjectIdentifier{icao}},
	} {
		if u := UsageFromCertificate(c); u != 0 || !u.Allows(healthcert.TypeVaccination) {
			t.Errorf("usage of %v / %v = %v, want any", c.ExtKeyUsage, c.UnknownExtKeyUsage, u)
		}
	}
	u := UsageFromCertificate(&x509.Certificate{UnknownExtKeyUsage: []asn1.ObjectIdentifier{icao, OIDLegacyTest}})
	if u != UsageTest || u.Allows(healthcert.TypeVaccination) {
		t.Errorf("usage with the legacy test OID = %v, want test only", u)
	}
}

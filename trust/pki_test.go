package trust

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
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
	"github.com/ithc/ithc/internal/limits"
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
	k, err := LoadPrivateKey(filepath.Join(dir, FileDSCKey))
	if err != nil {
		t.Fatalf("LoadPrivateKey(dsc.key) = %v", err)
	}
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

func TestLoadPrivateKey(t *testing.T) {
	dir := t.TempDir()
	ec := mustECDSA(t, elliptic.P256())
	p384 := mustECDSA(t, elliptic.P384())
	rsaKey := mustRSA(t, 2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	weak := mustECDSA(t, elliptic.P224())

	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	sec1 := func(k *ecdsa.PrivateKey) []byte {
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	}
	params := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 3, 1, 7}})
	cert := testCert(t, ec.Public(), nil)

	tests := []struct {
		name     string
		data     []byte
		mode     fs.FileMode
		want     crypto.PublicKey
		sentinel error
	}{
		{"pkcs8 p256", pkcs8(ec), 0o600, ec.Public(), nil},
		{"pkcs8 p384", pkcs8(p384), 0o400, p384.Public(), nil},
		{"pkcs8 ed25519", pkcs8(ed), 0o600, ed.Public(), nil},
		{"pkcs8 rsa", pkcs8(rsaKey), 0o600, rsaKey.Public(), nil},
		{"sec1", sec1(ec), 0o600, ec.Public(), nil},
		{"sec1 after params", append(params, sec1(ec)...), 0o600, ec.Public(), nil},
		{"pkcs1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), 0o600, rsaKey.Public(), nil},
		{"mode 0644", pkcs8(ec), 0o644, nil, ErrKeyPermissions},
		{"mode 0640", pkcs8(ec), 0o640, nil, ErrKeyPermissions},
		{"mode 0604", pkcs8(ec), 0o604, nil, ErrKeyPermissions},
		{"weak curve", pkcs8(weak), 0o600, nil, ErrUnsupportedKey},
		{"two keys", append(pkcs8(ec), pkcs8(ec)...), 0o600, nil, nil},
		{"certificate", pemOf(cert), 0o600, nil, nil},
		{"encrypted pkcs8", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0}}), 0o600, nil, nil},
		{"legacy encrypted", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{0x30, 0}}), 0o600, nil, nil},
		{"garbage der", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{0x30, 3, 1, 2, 3}}), 0o600, nil, nil},
		{"not pem", []byte("hello"), 0o600, nil, nil},
		{"malformed pem", []byte("-----BEGIN PRIVATE KEY-----\n%%%\n-----END PRIVATE KEY-----\n"), 0o600, nil, nil},
		{"empty", nil, 0o600, nil, nil},
		{"too large", bytes.Repeat([]byte{'a'}, limits.MaxPrivateKeyPEM+1), 0o600, nil, ErrTooLarge},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "k"+string(rune('a'+i))+".key")
			if err := os.WriteFile(p, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tt.mode); err != nil {
				t.Fatal(err)
			}
			k, err := LoadPrivateKey(p)
			if tt.want != nil {
				if err != nil {
					t.Fatalf("LoadPrivateKey() = %v", err)
				}
				if !publicEqual(k.Public(), tt.want) {
					t.Error("LoadPrivateKey() returned another key")
				}
				return
			}
			if err == nil || k != nil {
				t.Fatalf("LoadPrivateKey() = %T, %v; want nil and an error", k, err)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("LoadPrivateKey() = %v, want %v", err, tt.sentinel)
			}
			if !strings.HasPrefix(err.Error(), "trust: ") || !strings.Contains(err.Error(), p) {
				t.Errorf("error %q should start with trust: and name the file", err)
			}
		})
	}
	if _, err := LoadPrivateKey(filepath.Join(dir, "missing.key")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadPrivateKey(missing) = %v, want ErrNotExist", err)
	}
	if _, err := LoadPrivateKey(dir); err == nil {
		t.Error("LoadPrivateKey(directory) = nil error")
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

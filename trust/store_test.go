package trust

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"sync"
	"testing"
	"time"
)

var (
	issuerOnce sync.Once
	issuerKey  *ecdsa.PrivateKey
	issuerCert *x509.Certificate
)

// testIssuer returns a P-256 CA shared by the tests of this file.
func testIssuer(t testing.TB) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	issuerOnce.Do(func() {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{Country: []string{"XA"}, CommonName: "test csca"},
			NotBefore:             time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
			NotAfter:              time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
			BasicConstraintsValid: true,
			IsCA:                  true,
			KeyUsage:              x509.KeyUsageCertSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
		if err != nil {
			panic(err)
		}
		issuerCert, _ = x509.ParseCertificate(der)
		issuerKey = k
	})
	return issuerCert, issuerKey
}

var serialCounter struct {
	sync.Mutex
	n int64
}

// testCert issues a certificate for pub from the shared issuer; edit may
// change the template.
func testCert(t testing.TB, pub crypto.PublicKey, edit func(*x509.Certificate)) *x509.Certificate {
	t.Helper()
	ca, key := testIssuer(t)
	serialCounter.Lock()
	serialCounter.n++
	n := serialCounter.n
	serialCounter.Unlock()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(100 + n),
		Subject:      pkix.Name{Country: []string{"XA"}, CommonName: "test dsc"},
		NotBefore:    time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if edit != nil {
		edit(tmpl)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, pub, key)
	if err != nil {
		t.Fatalf("CreateCertificate() = %v", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("ParseCertificate() = %v", err)
	}
	return c
}

func mustECDSA(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustRSA(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestStoreAddKeyTypes(t *testing.T) {
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name string
		pub  crypto.PublicKey
		ok   bool
	}{
		{"P-256", mustECDSA(t, elliptic.P256()).Public(), true},
		{"P-384", mustECDSA(t, elliptic.P384()).Public(), true},
		{"Ed25519", edPriv.Public(), true},
		{"RSA-2048", mustRSA(t, 2048).Public(), true},
		{"P-224", mustECDSA(t, elliptic.P224()).Public(), false},
		{"P-521", mustECDSA(t, elliptic.P521()).Public(), false},
		{"RSA-1024", mustRSA(t, 1024).Public(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore()
			c := testCert(t, tt.pub, nil)
			err := s.Add(c, "")
			if tt.ok {
				if err != nil {
					t.Fatalf("Add() = %v, want nil", err)
				}
				if s.Len() != 1 {
					t.Errorf("Len() = %d, want 1", s.Len())
				}
				return
			}
			if !errors.Is(err, ErrUnsupportedKey) {
				t.Errorf("Add() = %v, want ErrUnsupportedKey", err)
			}
			if s.Len() != 0 {
				t.Errorf("Len() = %d after a rejected Add, want 0", s.Len())
			}
		})
	}
}

func TestCheckPublicKeyHostile(t *testing.T) {
	for _, pub := range []any{nil, "a string", &rsa.PublicKey{}, ed25519.PublicKey{1, 2, 3}, &ecdsa.PublicKey{}} {
		if err := CheckPublicKey(pub); !errors.Is(err, ErrUnsupportedKey) {
			t.Errorf("CheckPublicKey(%T) = %v, want ErrUnsupportedKey", pub, err)
		}
	}
}

func TestStoreSigners(t *testing.T) {
	s := NewStore()
	a := testCert(t, mustECDSA(t, elliptic.P256()).Public(), nil)
	b := testCert(t, mustECDSA(t, elliptic.P256()).Public(), func(c *x509.Certificate) { c.Subject.Country = nil })
	if err := s.Add(a, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(a, ""); err != nil {
		t.Fatalf("Add(duplicate) = %v, want nil", err)
	}
	if err := s.Add(b, "xb"); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 {
		t.Fatalf("Len() = %d, want 2 (duplicate ignored)", s.Len())
	}

	got, err := s.Signers(KID(a), "")
	if err != nil || len(got) != 1 || got[0].Certificate != a {
		t.Fatalf("Signers(kid a) = %v, %v; want the signer of a", got, err)
	}
	if got[0].Country != "XA" {
		t.Errorf("Country = %q, want XA from the subject", got[0].Country)
	}
	// The country argument never narrows: every candidate comes back.
	if got, _ := s.Signers(KID(a), "DE"); len(got) != 1 {
		t.Errorf("Signers(kid a, DE) returned %d signers, want 1", len(got))
	}
	got, _ = s.Signers(KID(b), "")
	if len(got) != 1 || got[0].Country != "XB" {
		t.Errorf("Signers(kid b) = %v, want one signer with country XB (upper-cased override)", got)
	}
	for _, kid := range [][]byte{nil, {}, KID(a)[:7], append(KID(a), 0), make([]byte, KIDSize)} {
		if got, err := s.Signers(kid, ""); got != nil || err != nil {
			t.Errorf("Signers(%x) = %v, %v; want nil, nil", kid, got, err)
		}
	}
	if n := len(s.All()); n != 2 {
		t.Errorf("len(All()) = %d, want 2", n)
	}

	for _, bad := range []string{"X", "XYZ", "1A", "é", "X-"} {
		if err := s.Add(b, bad); !errors.Is(err, ErrBadCountry) {
			t.Errorf("Add(country %q) = %v, want ErrBadCountry", bad, err)
		}
	}
	if err := s.Add(nil, ""); err == nil {
		t.Error("Add(nil) = nil, want an error")
	}
}

func TestStoreKIDCollision(t *testing.T) {
	// A real collision cannot be produced; plant a second signer under the
	// same kid to check that both come back and that handed-out slices are
	// never changed by a later Add.
	s := NewStore()
	a := testCert(t, mustECDSA(t, elliptic.P256()).Public(), nil)
	b := testCert(t, mustECDSA(t, elliptic.P256()).Public(), nil)
	if err := s.Add(a, ""); err != nil {
		t.Fatal(err)
	}
	first, _ := s.Signers(KID(a), "")
	sb := NewSigner(b, "")
	sb.KID = KID(a)
	s.mu.Lock()
	key := [KIDSize]byte(KID(a))
	grown := append(append([]*Signer(nil), s.byKID[key]...), sb)
	s.byKID[key] = grown
	s.n++
	s.mu.Unlock()

	both, _ := s.Signers(KID(a), "")
	if len(both) != 2 {
		t.Fatalf("Signers() returned %d, want 2 candidates", len(both))
	}
	if len(first) != 1 || first[0].Certificate != a {
		t.Errorf("an earlier result changed to %v", first)
	}
	_ = append(both, nil) // must not write into the store
	if again, _ := s.Signers(KID(a), ""); len(again) != 2 {
		t.Errorf("append to a result changed the store: %d", len(again))
	}
}

func TestStoreSignersNoAlloc(t *testing.T) {
	s := NewStore()
	c := testCert(t, mustECDSA(t, elliptic.P256()).Public(), nil)
	if err := s.Add(c, ""); err != nil {
		t.Fatal(err)
	}
	kid := KID(c)
	n := testing.AllocsPerRun(100, func() {
		if got, _ := s.Signers(kid, "XA"); len(got) != 1 {
			panic("lookup failed")
		}
	})
	if n != 0 {
		t.Errorf("Signers() allocates %v times, want 0", n)
	}
}

func TestStoreConcurrent(t *testing.T) {
	s := NewStore()
	certs := make([]*x509.Certificate, 8)
	for i := range certs {
		certs[i] = testCert(t, mustECDSA(t, elliptic.P256()).Public(), nil)
	}
	var wg sync.WaitGroup
	for _, c := range certs {
		wg.Add(2)
		go func() { defer wg.Done(); _ = s.Add(c, "") }()
		go func() { defer wg.Done(); _, _ = s.Signers(KID(c), "") }()
	}
	wg.Wait()
	if s.Len() != len(certs) {
		t.Errorf("Len() = %d, want %d", s.Len(), len(certs))
	}
}

func TestAddChecked(t *testing.T) {
	ca, caKey := testIssuer(t)
	good := testCert(t, mustECDSA(t, elliptic.P256()).Public(), nil)

	// Another CA with the same subject name but a different key.
	otherKey := mustECDSA(t, elliptic.P256())
	otherTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: ca.Subject, NotBefore: ca.NotBefore, NotAfter: ca.NotAfter,
		BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign,
	}
	otherDER, err := x509.CreateCertificate(rand.Reader, otherTmpl, otherTmpl, otherKey.Public(), otherKey)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := x509.ParseCertificate(otherDER)

	// A "CSCA" that is not a CA.
	notCA := testCert(t, caKey.Public(), func(c *x509.Certificate) {
		c.Subject = ca.Subject
		c.BasicConstraintsValid = true
		c.IsCA = false
	})

	tests := []struct {
		name      string
		dsc, csca *x509.Certificate
		ok        bool
	}{
		{"issued", good, ca, true},
		{"other csca key", good, other, false},
		{"csca not a ca", good, notCA, false},
		{"issuer name differs", testCert(t, mustECDSA(t, elliptic.P256()).Public(), nil), good, false},
		{"dsc ends after csca", testCert(t, mustECDSA(t, elliptic.P256()).Public(), func(c *x509.Certificate) {
			c.NotAfter = ca.NotAfter.Add(time.Hour)
		}), ca, false},
		{"dsc starts before csca", testCert(t, mustECDSA(t, elliptic.P256()).Public(), func(c *x509.Certificate) {
			c.NotBefore = ca.NotBefore.Add(-time.Hour)
		}), ca, false},
		{"country differs", testCert(t, mustECDSA(t, elliptic.P256()).Public(), func(c *x509.Certificate) {
			c.Subject.Country = []string{"XB"}
		}), ca, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore()
			err := s.AddChecked(tt.dsc, tt.csca)
			if tt.ok {
				if err != nil || s.Len() != 1 {
					t.Fatalf("AddChecked() = %v, Len %d; want nil, 1", err, s.Len())
				}
				return
			}
			if !errors.Is(err, ErrNotIssuedByCSCA) {
				t.Errorf("AddChecked() = %v, want ErrNotIssuedByCSCA", err)
			}
			if s.Len() != 0 {
				t.Errorf("Len() = %d after a refused AddChecked, want 0", s.Len())
			}
		})
	}
	if err := NewStore().AddChecked(nil, ca); err == nil {
		t.Error("AddChecked(nil, ca) = nil, want an error")
	}
}

package testca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/ithc/ithc/trust"
)

// signVerify signs a digest with k and verifies it with pub.
func signVerify(t *testing.T, k crypto.Signer, pub crypto.PublicKey) bool {
	t.Helper()
	msg := []byte("payload")
	h := sha256.Sum256(msg)
	var sig []byte
	var err error
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		if sig, err = k.Sign(rand.Reader, h[:], crypto.SHA256); err != nil {
			t.Fatal(err)
		}
		return ecdsa.VerifyASN1(p, h[:], sig)
	case ed25519.PublicKey:
		if sig, err = k.Sign(rand.Reader, msg, crypto.Hash(0)); err != nil {
			t.Fatal(err)
		}
		return ed25519.Verify(p, msg, sig)
	case *rsa.PublicKey:
		o := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
		if sig, err = k.Sign(rand.Reader, h[:], o); err != nil {
			t.Fatal(err)
		}
		return rsa.VerifyPSS(p, crypto.SHA256, h[:], sig, o) == nil
	}
	return false
}

func TestNewAlgorithms(t *testing.T) {
	tests := []struct {
		alg  string
		desc string
	}{
		{ES256, "P-256"}, {ES384, "P-384"}, {PS256, "RSA-2048"}, {EdDSA, "Ed25519"},
	}
	for _, tt := range tests {
		t.Run(tt.alg, func(t *testing.T) {
			ca := New(t, "XA", WithAlgorithm(tt.alg))
			if got := keyDesc(ca.Certificate().PublicKey); got != tt.desc {
				t.Errorf("DSC key = %s, want %s", got, tt.desc)
			}
			if err := ca.Certificate().CheckSignatureFrom(ca.CSCA()); err != nil {
				t.Errorf("DSC not signed by CSCA: %v", err)
			}
			if !ca.CSCA().IsCA || ca.Certificate().IsCA {
				t.Error("CSCA must be a CA and the DSC not")
			}
			if !signVerify(t, ca.Signer(), ca.Certificate().PublicKey) {
				t.Error("Signer() does not match Certificate()")
			}
			if got := trust.UsageFromCertificate(ca.Certificate()); got != trust.UsageTest|trust.UsageVaccination|trust.UsageRecovery {
				t.Errorf("default usage = %v, want all three", got)
			}
			if err := trust.NewStore().AddChecked(ca.Certificate(), ca.CSCA()); err != nil {
				t.Errorf("AddChecked() = %v", err)
			}
			got, err := ca.Store().Signers(ca.KID(), "")
			if err != nil || len(got) != 1 || got[0].Certificate != ca.Certificate() || got[0].Country != "XA" {
				t.Errorf("Store().Signers(KID()) = %v, %v; want the DSC", got, err)
			}
		})
	}
}

func keyDesc(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return k.Curve.Params().Name
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return "?"
}

func TestUsageOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
		want trust.Usage
		n    int
	}{
		{"none", WithUsageOIDs(), 0, 0},
		{"test", WithUsage(trust.UsageTest), trust.UsageTest, 1},
		{"legacy vaccination+recovery", WithLegacyUsage(trust.UsageVaccination | trust.UsageRecovery), trust.UsageVaccination | trust.UsageRecovery, 2},
		{"unrelated oid", WithUsageOIDs([]int{1, 2, 3, 4}), 0, 1},
	}
	ca := New(t, "XB")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ca.NewDSC(tt.opt)
			if got := trust.UsageFromCertificate(d.Certificate); got != tt.want {
				t.Errorf("usage = %v, want %v", got, tt.want)
			}
			if len(d.Certificate.UnknownExtKeyUsage) != tt.n {
				t.Errorf("EKU OIDs = %v, want %d", d.Certificate.UnknownExtKeyUsage, tt.n)
			}
		})
	}
	legacy := ca.NewDSC(WithLegacyUsage(trust.UsageTest))
	if !legacy.Certificate.UnknownExtKeyUsage[0].Equal(trust.OIDLegacyTest) {
		t.Errorf("legacy OID = %v, want %v", legacy.Certificate.UnknownExtKeyUsage[0], trust.OIDLegacyTest)
	}
}

func TestValidity(t *testing.T) {
	from := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)
	ca := New(t, "XC", WithValidity(from, to), WithCSCAValidity(from.AddDate(-1, 0, 0), to.AddDate(1, 0, 0)))
	if !ca.Certificate().NotBefore.Equal(from) || !ca.Certificate().NotAfter.Equal(to) {
		t.Errorf("DSC validity = %v..%v, want %v..%v", ca.Certificate().NotBefore, ca.Certificate().NotAfter, from, to)
	}
	if !ca.CSCA().NotAfter.Equal(to.AddDate(1, 0, 0)) {
		t.Errorf("CSCA NotAfter = %v", ca.CSCA().NotAfter)
	}
	// A DSC outside its CA's validity can be made, and AddChecked refuses it.
	outside := ca.NewDSC(WithValidity(from, to.AddDate(5, 0, 0)))
	if err := trust.NewStore().AddChecked(outside.Certificate, ca.CSCA()); err == nil {
		t.Error("AddChecked(DSC outliving the CSCA) = nil, want an error")
	}
	d := New(t, "XD")
	if !d.Certificate().NotBefore.Equal(DefaultNotBefore) || !d.CSCA().NotBefore.Equal(CSCANotBefore) {
		t.Errorf("default validity = %v, CSCA %v", d.Certificate().NotBefore, d.CSCA().NotBefore)
	}
}

func TestKeysCachedAndDistinct(t *testing.T) {
	a1 := New(t, "XE")
	a2 := New(t, "XE")
	b := New(t, "XF")
	if !a1.Certificate().PublicKey.(*ecdsa.PublicKey).Equal(a2.Certificate().PublicKey) {
		t.Error("same country and algorithm: keys not cached")
	}
	if a1.Certificate().Equal(a2.Certificate()) {
		t.Error("two New calls returned the same certificate")
	}
	if a1.Certificate().PublicKey.(*ecdsa.PublicKey).Equal(b.Certificate().PublicKey) {
		t.Error("different countries share a key")
	}
	if a1.Signer().Public().(*ecdsa.PublicKey).Equal(a1.CSCAKey().Public()) {
		t.Error("the CSCA and the DSC share a key")
	}
	second := a1.NewDSC()
	if second.Key.Public().(*ecdsa.PublicKey).Equal(a1.Signer().Public()) {
		t.Error("the second DSC reuses the first DSC's key")
	}
	fresh := New(t, "XE", WithFreshKeys())
	if fresh.Signer().Public().(*ecdsa.PublicKey).Equal(a1.Signer().Public()) {
		t.Error("WithFreshKeys returned a cached key")
	}
	if n := a1.Store().Len(); n != 2 {
		t.Errorf("Store().Len() = %d, want 2 (both DSCs)", n)
	}
	if n := second.Store().Len(); n != 1 {
		t.Errorf("DSC.Store().Len() = %d, want 1", n)
	}
}

func TestCollision(t *testing.T) {
	ca := New(t, "XG")
	other, r := ca.NewCollision()
	got, err := r.Signers(ca.KID(), "XG")
	if err != nil || len(got) != 2 {
		t.Fatalf("Signers(kid) = %d, %v; want 2 candidates", len(got), err)
	}
	if got[0].Certificate != other.Certificate || got[1].Certificate != ca.Certificate() {
		t.Error("want the decoy first, then the real signer")
	}
	for i, s := range got {
		if string(s.KID) != string(ca.KID()) {
			t.Errorf("candidate %d KID = %x, want %x", i, s.KID, ca.KID())
		}
	}
	if got, _ := r.Signers(other.KID, ""); len(got) != 0 {
		t.Errorf("Signers(other's real kid) = %d, want 0 (not in Base)", len(got))
	}
	if got, _ := Collide(nil, []byte("12345678"), other).Signers([]byte("12345678"), ""); len(got) != 1 {
		t.Errorf("Collide(nil base) = %d, want 1", len(got))
	}
	var _ trust.Resolver = r
}

func TestNoCountry(t *testing.T) {
	ca := New(t, "XH")
	d := ca.NewDSC(WithoutCountry())
	if len(d.Certificate.Subject.Country) != 0 {
		t.Errorf("subject C = %v, want none", d.Certificate.Subject.Country)
	}
	got, _ := ca.Store().Signers(d.KID, "")
	if len(got) != 1 || got[0].Country != "XH" {
		t.Errorf("Store gives country %v, want XH from the CA", got)
	}
}

func BenchmarkNew(b *testing.B) {
	New(b, "XZ")
	for b.Loop() {
		New(b, "XZ")
	}
}

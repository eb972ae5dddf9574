package vdsnc

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/ithc/ithc/vdsnc/internal/jcs"
)

// benchSeal returns a vaccination seal of two doses, its signer and a
// pool with its CSCA.
func benchSeal(b *testing.B) ([]byte, *ecdsa.PrivateKey, *CSCAPool) {
	ca := newCSCA(b, "CN", testNotBefore, testNotAfter)
	cert, key := ca.newSigner(b, signerOptions{name: "bench"})
	seal, err := Sign(vaccContent(b), key, cert, SignOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return seal, key, pool(b, ca.cert)
}

// BenchmarkVerify measures the whole of Verify: JSON, canonical form,
// certificate parsing, signature, key usage, the chain to the CSCA (a
// second ECDSA verification, P-384), schema and the ITHC form. Compare
// with BenchmarkRawECDSA.
func BenchmarkVerify(b *testing.B) {
	seal, _, anchors := benchSeal(b)
	b.ReportAllocs()
	for b.Loop() {
		if r := Verify(seal, anchors, Options{Now: testNow}); r.Status != StatusVerified {
			b.Fatal(r.Detail)
		}
	}
}

// BenchmarkVerifyNoChain is Verify without the chain (SkipChainUnsafe):
// one ECDSA verification, as BenchmarkRawECDSA.
func BenchmarkVerifyNoChain(b *testing.B) {
	seal, _, _ := benchSeal(b)
	b.ReportAllocs()
	for b.Loop() {
		if r := Verify(seal, nil, Options{Now: testNow, SkipChainUnsafe: true}); r.Status != StatusVerified {
			b.Fatal(r.Detail)
		}
	}
}

// BenchmarkRawECDSA is the floor: SHA-256 and ecdsa.VerifyASN1 of the
// same signed bytes with the key already parsed.
func BenchmarkRawECDSA(b *testing.B) {
	seal, key, _ := benchSeal(b)
	s, err := ParseSeal(seal)
	if err != nil {
		b.Fatal(err)
	}
	der := rawToDER(s.Signature.Value[:32], s.Signature.Value[32:])
	pub := &key.PublicKey
	b.ReportAllocs()
	for b.Loop() {
		d := sha256.Sum256(s.Signed)
		if !ecdsa.VerifyASN1(pub, d[:], der) {
			b.Fatal("signature does not verify")
		}
	}
}

// BenchmarkCanonicalize measures parsing a seal and writing its data in
// canonical form.
func BenchmarkCanonicalize(b *testing.B) {
	seal, _, _ := benchSeal(b)
	b.SetBytes(int64(len(seal)))
	b.ReportAllocs()
	for b.Loop() {
		v, err := jcs.Parse(seal, jsonLimits)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := jcs.AppendCanonical(nil, v.Get("data")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	ca := newCSCA(b, "CN", testNotBefore, testNotAfter)
	cert, key := ca.newSigner(b, signerOptions{name: "bench"})
	c := vaccContent(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(c, key, cert, SignOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyVsRaw interleaves Verify (with the chain, its CSCA
// signature cached after the first seal) and the raw ECDSA verification of
// BenchmarkRawECDSA in one loop, so that both see the same machine load,
// and reports their ratio as verify/raw.
func BenchmarkVerifyVsRaw(b *testing.B) {
	seal, key, anchors := benchSeal(b)
	s, err := ParseSeal(seal)
	if err != nil {
		b.Fatal(err)
	}
	der := rawToDER(s.Signature.Value[:32], s.Signature.Value[32:])
	var tVerify, tRaw time.Duration
	for b.Loop() {
		t0 := time.Now()
		if r := Verify(seal, anchors, Options{Now: testNow}); r.Status != StatusVerified {
			b.Fatal(r.Detail)
		}
		t1 := time.Now()
		d := sha256.Sum256(s.Signed)
		if !ecdsa.VerifyASN1(&key.PublicKey, d[:], der) {
			b.Fatal("signature does not verify")
		}
		tVerify += t1.Sub(t0)
		tRaw += time.Since(t1)
	}
	b.ReportMetric(float64(tVerify)/float64(tRaw), "verify/raw")
	b.ReportMetric(float64(tVerify.Nanoseconds())/float64(b.N), "verify-ns/op")
	b.ReportMetric(float64(tRaw.Nanoseconds())/float64(b.N), "raw-ns/op")
}

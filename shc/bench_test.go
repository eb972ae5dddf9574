package shc

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"slices"
	"testing"
	"time"
)

// The benchmark compares, in one run, the whole verification of a card
// QR text (numeric decoding, JWS, inflation, payload, key, signature,
// validity, FHIR bundle, mapping to the native model) with the bare
// ecdsa.Verify of the same key on a digest, and reports the ratio, as
// package verify's benchmarks do.
//
//	go test -run '^$' -bench . -benchtime 2s ./shc/
func BenchmarkVerifyES256(b *testing.B) {
	ti := newTestIssuer(b)
	qr, err := EncodeQR(ti.issueSample(b, IssueOptions{}))
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Now: testNow}
	if r := Verify(qr, ti.store, opts); r.Status != StatusVerified {
		b.Fatalf("Verify() = %s (%s)", r.Status, r.Detail)
	}
	digest := sha256.Sum256([]byte(qr))
	rr, ss, err := ecdsa.Sign(rand.Reader, ti.priv, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	pub := &ti.priv.PublicKey
	raw := func() bool { return ecdsa.Verify(pub, digest[:], rr, ss) }
	b.Run("Verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := Verify(qr, ti.store, opts); r.Status != StatusVerified {
				b.Fatal(r.Detail)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !raw() {
				b.Fatal("raw verify failed")
			}
		}
	})
	b.Run("ratio", func(b *testing.B) {
		var tv, tr time.Duration
		var dv, dr []time.Duration
		for b.Loop() {
			t0 := time.Now()
			r := Verify(qr, ti.store, opts)
			t1 := time.Now()
			ok := raw()
			t2 := time.Now()
			if r.Status != StatusVerified || !ok {
				b.Fatal("verification failed")
			}
			tv += t1.Sub(t0)
			tr += t2.Sub(t1)
			dv = append(dv, t1.Sub(t0))
			dr = append(dr, t2.Sub(t1))
		}
		b.ReportMetric(float64(tv)/float64(tr), "ratio")
		b.ReportMetric(float64(tv-tr)/float64(b.N), "overhead-ns/op")
		b.ReportMetric(float64(median(dv))/float64(median(dr)), "median-ratio")
	})
}

// BenchmarkIssueES256 measures issuance of the sample card.
func BenchmarkIssueES256(b *testing.B) {
	ti := newTestIssuer(b)
	bundle, err := FromCertificate(sampleCertificate())
	if err != nil {
		b.Fatal(err)
	}
	opts := IssueOptions{Issuer: testIssuerURL, IssuedAt: testNow}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Issue(bundle, ti.priv, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// median returns the median of d, reordering d.
func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}

package revocation

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ithc/ithc/verify"
)

// TestBenchLookupSmall runs the lookup benchmark on a small index and
// checks its invariants (exactness); ITHC_BENCH_REVOCATION=N runs it on N
// entries and logs the figures.
func TestBenchLookupSmall(t *testing.T) {
	n := 300000
	if s := os.Getenv("ITHC_BENCH_REVOCATION"); s != "" {
		if v, err := strconv.Atoi(s); err == nil && v > 1 {
			n = v
		}
	}
	r := BenchLookup(n)
	t.Log(r)
	if r.Entries != n || r.FalsePositives != 0 || r.MissedHits != 0 {
		t.Errorf("BenchLookup(%d) = %v", n, r)
	}
	if n >= 1<<20 && r.BytesPerEntry > 16 {
		t.Errorf("%.2f bytes per entry, more than 16", r.BytesPerEntry)
	}
}

// BenchmarkLookup10M reports the revocation_lookup_10m figures: the
// median lookup time and the memory per entry of an index of 10 million
// entries, after checking that no random absent entry is found. It builds
// the index once (tens of seconds):
//
//	go test -run '^$' -bench BenchmarkLookup10M -benchtime 1x ./revocation/
func BenchmarkLookup10M(b *testing.B) {
	for range b.N {
		r := BenchLookup(10_000_000)
		if r.FalsePositives != 0 || r.MissedHits != 0 {
			b.Fatalf("inexact: %v", r)
		}
		b.ReportMetric(r.NsPerLookup, "ns/lookup")
		b.ReportMetric(r.NsPerHit, "ns/hit")
		b.ReportMetric(r.BytesPerEntry, "bytes/entry")
		b.ReportMetric(r.HeapBytesPerEntry, "heap-bytes/entry")
		b.ReportMetric(float64(r.Misses), "misses-checked")
	}
}

// BenchmarkRevoked measures the whole check of a DCC code's query (one
// UCI, a signature; batches of all three hash types under its signer)
// against an index of a million entries.
func BenchmarkRevoked(b *testing.B) {
	x := NewIndex()
	x.Now = func() time.Time { return t0 }
	rng := rand.New(rand.NewPCG(9, 10))
	for i, typ := range []HashType{HashUCI, HashCountryCodeUCI, HashSignature} {
		entries := make([]Hash, 200000)
		for j := range entries {
			fill(rng, &entries[j])
		}
		bt, err := NewBatch(header(fmt.Sprintf("t%d", i), typ), entries)
		if err != nil {
			b.Fatal(err)
		}
		if err := x.Add(bt); err != nil {
			b.Fatal(err)
		}
	}
	sig := make([]byte, 64)
	q := &verify.RevocationQuery{KID: testKID, Country: "CN", UCIs: []string{"URN:UVCI:01:CN:10807843F94AEE0EE5093FBC254BD813#B"}, Signature: sig, ECDSA: true}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if x.Revoked(q) != nil {
			b.Fatal("false positive")
		}
	}
}

package revocation

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// BenchResult is what BenchLookup measured.
type BenchResult struct {
	// Entries is the number of entries in the index.
	Entries int
	// Batches and Runs describe its shape.
	Batches, Runs int
	// NsPerLookup is the median time of a lookup of an absent entry (the
	// usual case) and NsPerHit of a present one.
	NsPerLookup, NsPerHit float64
	// BytesPerEntry is the index's memory per entry as counted by Stats;
	// HeapBytesPerEntry as seen by the Go heap.
	BytesPerEntry, HeapBytesPerEntry float64
	// Misses is how many random absent entries were looked up, and
	// FalsePositives how many of them were found (must be 0); MissedHits
	// counts present entries not found (must be 0).
	Misses, FalsePositives, MissedHits int
}

func (r BenchResult) String() string {
	return fmt.Sprintf("%d entries in %d batches (%d runs): %.0f ns/lookup (miss, median), %.0f ns/lookup (hit, median), %.2f bytes/entry (heap %.2f), %d false positives in %d misses, %d hits missed",
		r.Entries, r.Batches, r.Runs, r.NsPerLookup, r.NsPerHit, r.BytesPerEntry, r.HeapBytesPerEntry, r.FalsePositives, r.Misses, r.MissedHits)
}

// BenchLookup builds an index of n random entries (one signer, hash type
// UCI, batches of the largest size, added one by one as a sync does) and
// measures its lookups and memory. The revocation_lookup_10m figure is
// BenchLookup(10_000_000); it takes a few tens of seconds and about
// 400 MB at its peak.
func BenchLookup(n int) BenchResult {
	rng := rand.New(rand.NewChaCha8([32]byte{'i', 't', 'h', 'c'}))
	kid := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	x := NewIndex()
	x.Now = func() time.Time { return created.Add(time.Hour) }
	var hits []Hash
	for done, i := 0, 0; done < n; i++ {
		m := min(limits.MaxRevocationBatchEntries, n-done)
		entries := make([]Hash, m)
		for j := range entries {
			fill(rng, &entries[j])
		}
		for j := 0; j < len(entries) && len(hits) < 100000; j += 1 + len(entries)/1000 {
			hits = append(hits, entries[j])
		}
		b, err := NewBatch(Header{ID: fmt.Sprintf("bench-%d", i), Country: "CN", KID: base64.StdEncoding.EncodeToString(kid),
			HashType: "UCI", Created: created, Expires: created.AddDate(1, 0, 0)}, entries)
		if err == nil {
			err = x.Add(b)
		}
		if err != nil {
			panic(err) // programmer error: the inputs are well-formed
		}
		done += m
	}
	x.Compact() // as Load does
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	st := x.Stats()
	res := BenchResult{Entries: st.Entries, Batches: st.Batches, Runs: st.Runs,
		BytesPerEntry:     float64(st.Bytes) / float64(max(st.Entries, 1)),
		HeapBytesPerEntry: (float64(after.HeapAlloc) - float64(before.HeapAlloc) - float64(len(hits)*16)) / float64(max(st.Entries, 1))}

	const sample, samples = 1000, 300
	misses := make([]Hash, sample)
	var missNs, hitNs []float64
	for s := 0; s < samples; s++ {
		for j := range misses {
			fill(rng, &misses[j])
		}
		start := time.Now()
		for j := range misses {
			if x.Lookup(kid, HashUCI, misses[j]) != nil {
				res.FalsePositives++
			}
		}
		missNs = append(missNs, float64(time.Since(start).Nanoseconds())/sample)
		res.Misses += sample
		off := rng.IntN(max(len(hits)-sample, 1))
		part := hits[off:min(off+sample, len(hits))]
		start = time.Now()
		for j := range part {
			if x.Lookup(kid, HashUCI, part[j]) == nil {
				res.MissedHits++
			}
		}
		if len(part) > 0 {
			hitNs = append(hitNs, float64(time.Since(start).Nanoseconds())/float64(len(part)))
		}
	}
	res.NsPerLookup, res.NsPerHit = median(missNs), median(hitNs)
	runtime.KeepAlive(x)
	return res
}

func fill(rng *rand.Rand, h *Hash) {
	a, b := rng.Uint64(), rng.Uint64()
	for i := 0; i < 8; i++ {
		h[i], h[8+i] = byte(a>>(56-8*i)), byte(b>>(56-8*i))
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[len(v)/2]
}

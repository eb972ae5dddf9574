package storetest

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"sync"
	"testing"

	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/internal/testca"
)

// BenchEntries is the size of the trust list the List benchmarks read.
const BenchEntries = 10000

// Benchmark measures a store: Insert (one durable signer upload with its
// audit record), List/full (the whole live list of BenchEntries signers, a
// full download) and List/since (the last ten writes, an incremental sync).
// open makes an empty store, closed when tb ends.
func Benchmark(b *testing.B, open func(tb testing.TB) store.Store) {
	der := testca.New(b, "DE").DSC().Certificate.Raw // a real DSC's size

	b.Run("Insert", func(b *testing.B) {
		s := open(b)
		ctx := context.Background()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			e := NewEntry(store.KindSigner, benchID(i), "DE", "DSC", der)
			if err := s.Insert(ctx, e, NewAudit("DE", "signer.upload", e.Signature)); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("List", func(b *testing.B) {
		s := open(b)
		ctx := context.Background()
		fill(b, s, der)
		b.Run("full", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				es, _, err := s.List(ctx, store.Filter{Kinds: []string{store.KindSigner}})
				if err != nil {
					b.Fatal(err)
				}
				if len(es) != BenchEntries {
					b.Fatalf("List() = %d entries, want %d", len(es), BenchEntries)
				}
			}
		})
		b.Run("since", func(b *testing.B) {
			v, err := s.Version(ctx)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				es, _, err := s.List(ctx, store.Filter{Since: v - 10, Deleted: true})
				if err != nil {
					b.Fatal(err)
				}
				if len(es) != 10 {
					b.Fatalf("List(since %d) = %d entries, want 10", v-10, len(es))
				}
			}
		})
	})
}

// benchID is a key identifier-like ID (8 bytes in base64) for entry i.
func benchID(i int) string {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(i))
	return base64.StdEncoding.EncodeToString(k[:])
}

// fill inserts BenchEntries signers from a few goroutines (the store
// serialises them; the goroutines only overlap the client's work).
func fill(b *testing.B, s store.Store, der []byte) {
	const workers = 4
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < BenchEntries; i += workers {
				e := NewEntry(store.KindSigner, benchID(i), "DE", "DSC", der)
				if err := s.Insert(ctx, e, NewAudit("DE", "signer.upload", e.Signature)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatalf("filling the store: %v", err)
	}
}

package gateway_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway/store/storetest"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/revocation"
	"github.com/ithc/ithc/verifier"
	"github.com/ithc/ithc/verify"
)

// TestRevocationSyncScale measures the figures of docs/revocation.md: a
// verifier's first sync of 10 million entries from a gateway on loopback,
// and its sync after 10,000 new entries. It is slow (it uploads 50
// batches of 200,000 entries first), so it runs only with
// ITHC_BENCH_REVOCATION=1 (ITHC_BENCH_REVOCATION_ENTRIES overrides the
// 10 million; ITHC_BENCH_STORE=postgres uses PostgreSQL):
//
//	ITHC_BENCH_REVOCATION=1 go test -run TestRevocationSyncScale -v -timeout 30m ./gateway/
func TestRevocationSyncScale(t *testing.T) {
	if os.Getenv("ITHC_BENCH_REVOCATION") != "1" {
		t.Skip("set ITHC_BENCH_REVOCATION=1 to measure the revocation sync figures")
	}
	total := 10_000_000
	if s := os.Getenv("ITHC_BENCH_REVOCATION_ENTRIES"); s != "" {
		fmt.Sscan(s, &total)
	}
	storeURL := "sqlite:" + filepath.Join(t.TempDir(), "gateway.db")
	if os.Getenv("ITHC_BENCH_STORE") == "postgres" {
		storeURL = storetest.PostgresDSN(t)
	}
	w := newWorld(t, storeURL)
	cn := newCountry(t, "CN")
	w.onboard(t, cn)
	url := w.serve(t)
	cc := w.client(cn, url)
	ctx := context.Background()
	if _, err := cc.UploadSigner(ctx, cn.pki.DSC); err != nil {
		t.Fatal(err)
	}
	random := func(n int) []revocation.Hash {
		h := make([]revocation.Hash, n)
		buf := make([]byte, 16*n)
		rand.Read(buf)
		for i := range h {
			copy(h[i][:], buf[16*i:])
		}
		return h
	}
	start := time.Now()
	for i := 0; i*limits.MaxRevocationBatchEntries < total; i++ {
		n := min(limits.MaxRevocationBatchEntries, total-i*limits.MaxRevocationBatchEntries)
		if _, err := cc.UploadRevocation(ctx, revBatch(t, cn, fmt.Sprintf("scale-%d", i), cn.pki.DSC, "UCI", random(n)...)); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("uploaded %d entries in %s", total, time.Since(start).Round(time.Millisecond))
	runtime.GC()

	dir := filepath.Join(t.TempDir(), "verifier")
	if _, err := w.sync(t, url, dir); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	res, err := verifier.SyncRevocation(ctx, verifier.RevocationSyncOptions{SyncOptions: verifier.SyncOptions{URL: url, Anchor: w.anchor, Dir: dir, Client: w.httpClient()}})
	if err != nil {
		t.Fatal(err)
	}
	first := time.Since(start)
	start = time.Now()
	idx, _, err := verifier.LoadRevocation(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	load := time.Since(start)
	t.Logf("first sync: %d entries in %d batches (%d MB fetched) in %s; loading the index: %s; %+v",
		res.Entries, res.Batches, res.FetchedBytes>>20, first.Round(time.Millisecond), load.Round(time.Millisecond), idx.Stats())
	if res.Entries != total || idx.Stats().Entries != total {
		t.Errorf("synced %d entries, indexed %d, want %d", res.Entries, idx.Stats().Entries, total)
	}

	extra := random(10_000)
	extra[0] = revocation.HashOfUCI(sampleUCI)
	if _, err := cc.UploadRevocation(ctx, revBatch(t, cn, "scale-new", cn.pki.DSC, "UCI", extra...)); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	res, err = verifier.SyncRevocation(ctx, verifier.RevocationSyncOptions{SyncOptions: verifier.SyncOptions{URL: url, Anchor: w.anchor, Dir: dir, Client: w.httpClient()}, Index: idx})
	if err != nil {
		t.Fatal(err)
	}
	inc := time.Since(start)
	t.Logf("sync after 10,000 new entries: %d fetched (%d bytes of list), incremental %v, live index updated, in %s",
		res.Fetched, res.ListBytes, res.Incremental, inc.Round(time.Millisecond))
	if !res.Incremental || res.Fetched != 1 || idx.Stats().Entries != total+10_000 {
		t.Errorf("incremental sync %+v, index %+v", res, idx.Stats())
	}
	code := signCode(t, "CN", cn.pki.DSC, cn.pki.DSCKey)
	if r := verifyRevoked(t, dir, code); r.Status != verify.StatusRevoked {
		t.Errorf("a code revoked by the new batch: %s", r.Status)
	}
	fmt.Printf("revocation_first_sync_10m_seconds %.2f\nrevocation_sync_10k_seconds %.3f\n", first.Seconds(), inc.Seconds())
}

package gateway_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ithc/ithc/verifier"
)

// loadDuration is how long TestLoadSyncers runs: ITHC_LOAD_DURATION (a Go
// duration) or 3 s, the short form CI runs. docs/reliability.md reports a
// 60-second run:
//
//	ITHC_LOAD_DURATION=60s go test -run TestLoadSyncers -v ./gateway/
func loadDuration(t *testing.T) time.Duration {
	if s := os.Getenv("ITHC_LOAD_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("ITHC_LOAD_DURATION=%q: %v", s, err)
		}
		return d
	}
	return 3 * time.Second
}

// 200 verifiers sync against one gateway at once, for the load duration,
// while the country keeps uploading signers: every sync succeeds, and
// every verifier ends with every signer. Throughput and latency are
// logged.
func TestLoadSyncers(t *testing.T) {
	const verifiers = 200
	w := newWorld(t, "")
	cn := newCountry(t, "CN")
	w.onboard(t, cn)
	url := w.serve(t)
	c := w.client(cn, url)
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		dsc, _ := cn.newDSC(t, i)
		if _, err := c.UploadSigner(ctx, dsc); err != nil {
			t.Fatal(err)
		}
	}
	// One shared transport, as 200 processes would each keep their
	// connection alive; enough idle connections for all of them.
	hc := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: w.roots, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: verifiers, MaxIdleConns: verifiers,
	}}
	dur := loadDuration(t)
	deadline := time.Now().Add(dur)
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      []error
		changed   atomic.Int64
		uploads   atomic.Int64
		wg        sync.WaitGroup
	)
	stop := make(chan struct{})
	uploaderDone := make(chan struct{})
	go func() { // the country keeps publishing
		defer close(uploaderDone)
		for i := 100; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			dsc, _ := cn.newDSC(t, i)
			if _, err := c.UploadSigner(ctx, dsc); err == nil {
				uploads.Add(1)
			}
		}
	}()
	dirs := make([]string, verifiers)
	for v := range verifiers {
		dirs[v] = filepath.Join(t.TempDir(), fmt.Sprint(v))
		wg.Add(1)
		go func(dir string) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				start := time.Now()
				res, err := verifier.Sync(ctx, verifier.SyncOptions{URL: url, Anchor: w.anchor, Dir: dir, Client: hc})
				d := time.Since(start)
				mu.Lock()
				latencies = append(latencies, d)
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
				if err == nil && res.Changed {
					changed.Add(1)
				}
			}
		}(dirs[v])
	}
	wg.Wait()
	close(stop)
	<-uploaderDone // an upload in flight counts before the final check
	if len(errs) > 0 {
		t.Errorf("%d of %d syncs failed; first: %v", len(errs), len(latencies), errs[0])
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	n := len(latencies)
	if n == 0 {
		t.Fatal("no sync ran")
	}
	t.Logf("%d verifiers, %s: %d syncs (%.0f/s, %d with changes), %d uploads meanwhile; latency p50 %s, p99 %s, max %s; %d errors",
		verifiers, dur, n, float64(n)/dur.Seconds(), changed.Load(), uploads.Load(),
		latencies[n/2].Round(time.Millisecond), latencies[n*99/100].Round(time.Millisecond), latencies[n-1].Round(time.Millisecond), len(errs))

	// A last sync of each verifier sees every signer.
	want := 20 + int(uploads.Load())
	for _, dir := range dirs[:10] {
		res, err := verifier.Sync(ctx, verifier.SyncOptions{URL: url, Anchor: w.anchor, Dir: dir, Client: hc})
		if err != nil || res.Signers != want {
			t.Errorf("final sync of %s: %+v, %v; want %d signers", dir, res, err, want)
		}
	}
}

package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway"
	"github.com/ithc/ithc/gateway/store/open"
	"github.com/ithc/ithc/internal/cms"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verifier"
)

// benchSigners is the size of the trust list the issue asks about.
var benchSigners = envInt("ITHC_BENCH_SIGNERS", 10000)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkTrustList measures, for a trust list of 10,000 signers (set
// ITHC_BENCH_SIGNERS for another size): serving the full signed list over
// HTTPS (full), answering a conditional request with 304 (not_modified),
// a verifier's full sync (download, signature and per-entry checks,
// atomic save), and loading the synced copy for verification (what `ithc
// verify --trust DIR` does first: load_synced). The one-off cost of signing the list after a change is
// reported as build-ms.
//
//	go test -run '^$' -bench TrustList -benchtime 20x ./gateway/
func BenchmarkTrustList(b *testing.B) {
	w, url := benchWorld(b, benchSigners)
	hc := w.httpClient()
	get := func(etag string) (int, int, string) {
		req, _ := http.NewRequest(http.MethodGet, url+"/v1/trustlist", nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		return resp.StatusCode, int(n), resp.Header.Get("ETag")
	}
	start := time.Now()
	code, size, etag := get("")
	build := time.Since(start)
	if code != 200 {
		b.Fatalf("full list: %d", code)
	}
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			if c, n, _ := get(""); c != 200 || n != size {
				b.Fatalf("full list: %d, %d bytes", c, n)
			}
		}
		b.ReportMetric(float64(size)/1e6, "MB")
		b.ReportMetric(float64(build.Milliseconds()), "build-ms")
	})
	b.Run("not_modified", func(b *testing.B) {
		for b.Loop() {
			if c, _, _ := get(etag); c != http.StatusNotModified {
				b.Fatalf("conditional request: %d", c)
			}
		}
	})
	b.Run("verifier_sync", func(b *testing.B) {
		for b.Loop() {
			dir := b.TempDir()
			res, err := verifier.Sync(context.Background(), verifier.SyncOptions{URL: url, Anchor: w.anchor, Dir: dir, Client: hc})
			if err != nil {
				b.Fatal(err)
			}
			if res.Signers != benchSigners || len(res.Problems) > 0 {
				b.Fatalf("sync: %d signers, %d problems", res.Signers, len(res.Problems))
			}
		}
	})
	dir := b.TempDir()
	if _, err := verifier.Sync(context.Background(), verifier.SyncOptions{URL: url, Anchor: w.anchor, Dir: dir, Client: hc}); err != nil {
		b.Fatal(err)
	}
	b.Run("load_synced", func(b *testing.B) {
		for b.Loop() {
			st, _, _, err := trust.LoadSynced(dir)
			if err != nil {
				b.Fatal(err)
			}
			if st.Len() != benchSigners {
				b.Fatalf("loaded %d signers", st.Len())
			}
		}
	})
}

// benchWorld builds a gateway holding n signers of one country, inserted
// through the gateway's own checks (not HTTP, to keep the setup short).
func benchWorld(b *testing.B, n int) (*world, string) {
	b.Helper()
	dir := b.TempDir()
	storeURL := "sqlite:" + filepath.Join(dir, "bench.db")
	cfg, err := gateway.Init(filepath.Join(dir, "gw"), gateway.InitOptions{Listen: "127.0.0.1:0", Store: storeURL})
	if err != nil {
		b.Fatal(err)
	}
	w := &world{dir: filepath.Join(dir, "gw"), cfgPath: filepath.Join(dir, "gw", gateway.FileConfig), cfg: cfg}
	w.anchor, _ = gateway.LoadCertificate(filepath.Join(w.dir, gateway.FileAnchorCert))
	w.anchorKey = loadKey(b, filepath.Join(w.dir, gateway.FileAnchorKey))
	w.roots = x509.NewCertPool()
	w.roots.AddCert(w.anchor)
	cn := newCountry(b, "CN")
	st, err := open.Store(context.Background(), storeURL)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range []struct {
		role string
		cert *x509.Certificate
	}{{gateway.RoleCSCA, cn.pki.CSCA}, {gateway.RoleUpload, cn.upload}, {gateway.RoleTLS, cn.tlsCert}} {
		if _, err := gateway.Onboard(context.Background(), st, w.anchorKey, w.anchor, "CN", r.role, r.cert, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	g, err := gateway.FromConfig(cfg, st, openKey, nil)
	if err != nil {
		b.Fatal(err)
	}
	caller := &gateway.Caller{Country: "CN", Fingerprint: make([]byte, 32)}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for i := range n {
		dsc, err := trust.NewDSC(key.Public(), cn.pki.CSCA, cn.pki.CSCAKey, trust.CertOptions{
			CommonName: fmt.Sprintf("ITHC DSC CN %d", i), NotBefore: cn.pki.CSCA.NotBefore, Validity: 365 * 24 * time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		der := dsc.Raw
		body, err := cms.Sign(der, cn.upload, cn.uploadKey, &cms.SignOptions{SigningTime: time.Now()})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := g.UploadSigner(context.Background(), caller, body); err != nil {
			b.Fatal(err)
		}
	}
	st.Close()
	url := w.serve(b)
	return w, url
}

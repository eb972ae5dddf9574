package bench

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/ithc/ithc/gateway"
	"github.com/ithc/ithc/gateway/store/open"
	"github.com/ithc/ithc/internal/cms"
	"github.com/ithc/ithc/keys"
	"github.com/ithc/ithc/trust"
)

// gatewayBudget is the time each of the two gateway figures samples for.
var gatewayBudget = budget{quick: 1500 * time.Millisecond, full: 10 * time.Second}

// gatewaySigners is the size of the trust list: 10,000 document signers,
// 1,000 with Options.Quick (which names the figures accordingly).
func (r *runner) gatewaySigners() int {
	if r.signers != 0 {
		return r.signers
	}
	if r.opts.Quick {
		return 1000
	}
	return 10000
}

// gatewayNames returns the names of the gateway figures: the full list
// and the conditional request answered with 304.
func gatewayNames(signers int) (full, notModified string) {
	full = "gateway_trustlist_" + strconv.Itoa(signers/1000) + "k"
	if signers%1000 != 0 {
		full = "gateway_trustlist_" + strconv.Itoa(signers)
	}
	return full, full + "_304"
}

// gatewayFigures measures, on a gateway holding r.gatewaySigners()
// document signers of one country (SQLite store, as "ithc gateway serve"
// runs by default), the time to serve the full signed trust list over
// HTTPS on loopback, and to answer a conditional request with 304. The
// floor of each is a bare net/http HTTPS server on loopback, with the
// same certificate, sending the same bytes (or the same 304): what moving
// the list costs whatever serves it. The client keeps its connection
// alive, as a verifier polling the gateway does.
func (r *runner) gatewayFigures(ctx context.Context) ([]Figure, error) {
	signers := r.gatewaySigners()
	fullName, nmName := gatewayNames(signers)
	if !r.selected(fullName) && !r.selected(nmName) {
		return nil, nil
	}
	r.logf("%s: building a gateway of %d signers", fullName, signers)
	dir, err := os.MkdirTemp(r.tempDir, "ithc-bench-gateway-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	gw := filepath.Join(dir, "gateway")
	cfg, err := gateway.Init(gw, gateway.InitOptions{Listen: "127.0.0.1:0", Store: "sqlite:" + filepath.Join(dir, "gateway.db")})
	if err != nil {
		return nil, err
	}
	built := time.Now()
	if err := fillGateway(ctx, cfg, gw, signers, r.procs); err != nil {
		return nil, err
	}
	r.logf("%s: %d signers uploaded in %.1f s", fullName, signers, time.Since(built).Seconds())

	// Serve it as "ithc gateway serve" does.
	runCtx, stop := context.WithCancel(ctx)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- gateway.Run(runCtx, cfg, gateway.RunOptions{OpenStore: open.Store, OpenKey: openKey,
			Logger: slog.New(slog.DiscardHandler), Ready: func(addr string) { ready <- addr }})
	}()
	defer func() {
		stop()
		<-done
	}()
	var url string
	select {
	case addr := <-ready:
		url = "https://" + addr + "/v1/trustlist"
	case err := <-done:
		return nil, fmt.Errorf("the gateway did not start: %w", err)
	}
	anchor, err := gateway.LoadCertificate(cfg.Path(cfg.Anchor))
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(anchor)
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
	}}
	defer client.CloseIdleConnections()

	start := time.Now()
	list, etag, err := get(client, url, "", http.StatusOK)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fullName, err)
	}
	r.logf("%s: the signed list is %.1f MB, built and served first in %d ms", fullName, float64(len(list))/1e6, time.Since(start).Milliseconds())

	// The floor: a bare HTTPS server with the gateway's certificate.
	cert, err := tls.LoadX509KeyPair(cfg.Path(cfg.TLSCert), cfg.Path(cfg.TLSKey))
	if err != nil {
		return nil, err
	}
	floorURL, closeFloor, err := serveBytes(cert, list, etag)
	if err != nil {
		return nil, err
	}
	defer closeFloor()

	full := func(u string) func() error {
		return func() error {
			b, _, err := get(client, u, "", http.StatusOK)
			if err == nil && len(b) != len(list) {
				err = fmt.Errorf("a list of %d bytes, want %d", len(b), len(list))
			}
			return err
		}
	}
	notModified := func(u string) func() error {
		return func() error {
			_, _, err := get(client, u, etag, http.StatusNotModified)
			return err
		}
	}
	var out []Figure
	if r.selected(fullName) {
		r.logf("%s", fullName)
		runtime.GC()
		p, err := r.meter.interleave(full(url), full(floorURL), r.budget(gatewayBudget))
		if err != nil {
			return out, fmt.Errorf("%s: %w", fullName, err)
		}
		out = append(out, newFigure(fullName, millis(p.op), fmt.Sprintf("ms (%d signers, %.1f MB)", signers, float64(len(list))/1e6),
			ptr(millis(p.floor)), ptr(p.ratio), reportOnly))
	}
	if r.selected(nmName) {
		r.logf("%s", nmName)
		runtime.GC()
		p, err := r.meter.interleave(notModified(url), notModified(floorURL), r.budget(gatewayBudget))
		if err != nil {
			return out, fmt.Errorf("%s: %w", nmName, err)
		}
		out = append(out, newFigure(nmName, micros(p.op), "µs", ptr(micros(p.floor)), ptr(p.ratio), reportOnly))
	}
	return out, nil
}

// openKey opens the gateway's key files for gateway.Run.
func openKey(ref string) (crypto.Signer, error) { return keys.Open(ref, keys.Options{}) }

// get fetches url, conditionally on etag when not empty, and returns the
// body and the ETag; a status other than want is an error.
func get(c *http.Client, url, etag string, want int) ([]byte, string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, "", err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != want {
		return nil, "", fmt.Errorf("GET %s: status %d, want %d", url, resp.StatusCode, want)
	}
	return body, resp.Header.Get("ETag"), nil
}

// serveBytes serves body (or 304 to a request for etag) over HTTPS on a
// loopback port with cert, and returns its URL and a function that stops
// it.
func serveBytes(cert tls.Certificate, body []byte, etag string) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	length := strconv.Itoa(len(body))
	srv := &http.Server{
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          nil,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", etag)
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("Content-Type", "application/jose+json")
			w.Header().Set("Content-Length", length)
			w.Write(body)
		}),
	}
	done := make(chan struct{})
	go func() {
		srv.ServeTLS(ln, "", "")
		close(done)
	}()
	return "https://" + ln.Addr().String() + "/v1/trustlist", func() {
		srv.Close()
		<-done
	}, nil
}

// fillGateway onboards a country (its CSCA and upload certificate, signed
// with the gateway's trust anchor) and uploads n document signers of it
// through gateway.UploadSigner: the governance and chain checks of an
// upload, without HTTP, to keep the set-up short. The certificates and
// their CMS envelopes are made on procs goroutines while one inserts.
func fillGateway(ctx context.Context, cfg *gateway.Config, dir string, n, procs int) error {
	anchor, err := gateway.LoadCertificate(cfg.Path(cfg.Anchor))
	if err != nil {
		return err
	}
	anchorKey, err := keys.Open(filepath.Join(dir, gateway.FileAnchorKey), keys.Options{})
	if err != nil {
		return err
	}
	defer anchorKey.Close()
	listCert, err := gateway.LoadCertificate(cfg.Path(cfg.ListCert))
	if err != nil {
		return err
	}
	listKey, err := keys.Open(cfg.Path(cfg.ListKey), keys.Options{})
	if err != nil {
		return err
	}
	defer listKey.Close()
	st, err := open.Store(ctx, cfg.StoreURL())
	if err != nil {
		return err
	}
	defer st.Close()

	now := time.Now()
	country, err := trust.GenerateCountry(trust.CountryOptions{Country: "CN", Now: now.Add(-time.Hour)})
	if err != nil {
		return err
	}
	uploadKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	upload, err := trust.NewUploadCertificate(uploadKey, trust.CertOptions{Country: "CN", NotBefore: now.Add(-time.Hour)})
	if err != nil {
		return err
	}
	for _, c := range []struct {
		role string
		cert *x509.Certificate
	}{{gateway.RoleCSCA, country.CSCA}, {gateway.RoleUpload, upload}} {
		if _, err := gateway.Onboard(ctx, st, anchorKey, anchor, "CN", c.role, c.cert, now); err != nil {
			return err
		}
	}
	g, err := gateway.New(gateway.Options{Store: st, Anchor: anchor, ListCert: listCert, ListKey: listKey})
	if err != nil {
		return err
	}
	caller := &gateway.Caller{Country: "CN", Fingerprint: make([]byte, 32)}
	// Every signer shares one key: the list's size and the checks are
	// those of distinct keys, and key generation is not what is measured.
	dscKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bodies := make(chan []byte, 64)
	errc := make(chan error, procs)
	next := make(chan int)
	var wg sync.WaitGroup
	for range procs {
		wg.Go(func() {
			for i := range next {
				dsc, err := trust.NewDSC(dscKey.Public(), country.CSCA, country.CSCAKey, trust.CertOptions{
					CommonName: fmt.Sprintf("ITHC DSC CN %d", i), NotBefore: country.CSCA.NotBefore, Validity: 365 * 24 * time.Hour})
				if err == nil {
					var body []byte
					body, err = cms.Sign(dsc.Raw, upload, uploadKey, &cms.SignOptions{SigningTime: time.Now()})
					if err == nil {
						bodies <- body
						continue
					}
				}
				errc <- err
				return
			}
		})
	}
	go func() {
		defer close(next)
		for i := range n {
			select {
			case next <- i:
			case <-fctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(bodies)
	}()
	inserted := 0
	for body := range bodies {
		if _, err := g.UploadSigner(ctx, caller, body); err != nil {
			// Stop the producers and let them finish.
			cancel()
			go func() {
				for range bodies {
				}
			}()
			return fmt.Errorf("uploading signer %d: %w", inserted+1, err)
		}
		inserted++
	}
	select {
	case err := <-errc:
		return err
	default:
	}
	if inserted != n {
		if err := ctx.Err(); err != nil {
			return err
		}
		return errors.New("fewer signers made than asked for")
	}
	return nil
}

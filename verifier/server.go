package verifier

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/scan"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/valueset"
	"github.com/ithc/ithc/verify"
)

// Options are what New needs beyond the configuration. The zero Options
// log nothing, use the system clock and verify with the trust list alone.
type Options struct {
	// Logger receives the service's logs (JSON in `ithc verifier serve`).
	// Nothing about a certificate's holder is ever logged.
	Logger *slog.Logger
	// Sources are the optional data sources (rules, revocation,
	// decryption keys, value sets), synced and loaded after the trust
	// list, in this order.
	Sources []Source
	// Now is the clock of syncs, data ages and staleness; nil means
	// time.Now. Verification uses the request's time or the system clock.
	Now func() time.Time
	// Client is the HTTP client of syncs; nil means one with a 30-second
	// timeout trusting the configured gateway_ca (or the system roots).
	Client *http.Client
	// Anchor is the gateway's trust anchor; nil means the file the
	// configuration names (Config.AnchorPath), needed only with a gateway.
	Anchor *x509.Certificate
}

// Service is the verifier service: the verifiers over the offline data,
// the sync of that data and the HTTP handler. It is safe for concurrent
// use; New builds it, Run serves it.
type Service struct {
	cfg     *Config
	log     *slog.Logger
	now     func() time.Time
	sources []Source
	client  *http.Client
	anchor  *x509.Certificate
	dataDir string

	state   atomic.Pointer[state]
	syncMu  sync.Mutex // serialises SyncNow and reload
	metrics *metrics
	limiter *limiter
	scans   chan struct{}
	upload  int64
}

// state is what the service verifies with; replaced whole after a sync.
type state struct {
	store *trust.Store // nil: no trust list
	trust DataStatus
	// recovered says the trust list in use is the previous copy, the
	// current one being damaged (trust.SyncedList.Recovered).
	recovered string
	opts      verify.Options
	data      map[string]DataStatus
	// parts are each source's contribution to opts, kept to reuse the
	// last good one when a reload of that source fails.
	parts map[string]verify.Options
	// base verifies for the configured destination at the current time.
	base *verify.Verifier

	mu     sync.Mutex
	byDest map[string]*verify.Verifier
}

// New prepares the service a configuration describes and loads the data
// directory as it is (it does not sync: Run does, or SyncNow). A data
// directory without a trust list is not an error: until a sync brings
// one, every HC1 code is refused as issuer_not_trusted with a reason
// saying that the verifier lacks its trust list, and /v1/status says so.
func New(cfg *Config, o Options) (*Service, error) {
	s := &Service{cfg: cfg, log: o.Logger, now: o.Now, sources: o.Sources, client: o.Client, anchor: o.Anchor,
		dataDir: cfg.Path(cfg.DataDir)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := os.MkdirAll(s.dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("verifier: data_dir: %w", err)
	}
	if cfg.Gateway != "" && s.anchor == nil {
		a, err := loadAnchor(cfg.AnchorPath())
		if err != nil {
			return nil, fmt.Errorf("verifier: anchor (needed to check the gateway's lists): %w", err)
		}
		s.anchor = a
	}
	if s.client == nil {
		c, err := syncClient(cfg)
		if err != nil {
			return nil, err
		}
		s.client = c
	}
	s.upload = cfg.MaxUploadBytes
	if s.upload == 0 {
		s.upload = limits.DefaultVerifyUpload
	}
	n := cfg.MaxScans
	if n == 0 {
		n = runtime.GOMAXPROCS(0)
	}
	s.scans = make(chan struct{}, n)
	rate, burst := cfg.RateLimit, cfg.RateBurst
	if rate == 0 {
		rate = DefaultRateLimit
	}
	if burst == 0 {
		burst = DefaultRateBurst
	}
	if rate > 0 {
		s.limiter = newLimiter(rate, burst, limits.MaxRateClients, s.now)
	}
	s.metrics = newMetrics(s)
	s.reload(true, nil)
	return s, nil
}

func loadAnchor(path string) (*x509.Certificate, error) {
	data, err := limits.ReadFile(path, limits.MaxCertificatePEM)
	if err != nil {
		return nil, err
	}
	certs, err := trust.LoadPEM(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(certs) != 1 {
		return nil, fmt.Errorf("%s: %d certificates, want the trust anchor alone", path, len(certs))
	}
	return certs[0], nil
}

func syncClient(cfg *Config) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.GatewayCA != "" {
		data, err := limits.ReadFile(cfg.Path(cfg.GatewayCA), limits.MaxCertificatePEM)
		if err != nil {
			return nil, fmt.Errorf("verifier: gateway_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("verifier: gateway_ca %s: no PEM certificate", cfg.GatewayCA)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: tr}, nil
}

// reload rebuilds the state from the data directory. With trustToo false
// the trust store of the current state is kept (the trust list did not
// change). syncErrs are the errors of the sync that preceded, by data
// name, recorded in the statuses.
func (s *Service) reload(trustToo bool, syncErrs map[string]error) {
	old := s.state.Load()
	st := &state{data: map[string]DataStatus{}, parts: map[string]verify.Options{}, byDest: map[string]*verify.Verifier{}}
	st.opts.ClockSkew = verify.DefaultClockSkew
	if s.cfg.ClockSkew > 0 {
		st.opts.ClockSkew = time.Duration(s.cfg.ClockSkew)
	} else if s.cfg.ClockSkew < 0 {
		st.opts.ClockSkew = 0
	}
	switch {
	case !trustToo && old != nil:
		st.store, st.trust, st.recovered = old.store, old.trust, old.recovered
	case !trust.IsSyncedDir(s.dataDir):
		st.trust = DataStatus{Detail: "no trust list yet in " + s.dataDir}
	default:
		store, list, problems, err := trust.LoadSynced(s.dataDir)
		if err != nil {
			s.log.Error("trust list unreadable; keeping the last one loaded", "dir", s.dataDir, "err", err)
			if old != nil {
				st.store, st.trust = old.store, old.trust
			}
			st.trust.LastError = err.Error()
			break
		}
		st.store = store
		st.trust = DataStatus{Present: true, Version: strconv.FormatInt(list.List.Version, 10), Updated: list.Synced,
			Source: list.Source, Detail: fmt.Sprintf("%d document signers, %d entries left out", store.Len(), len(problems))}
		if list.Recovered != "" {
			st.trust.LastError, st.recovered = list.Recovered, list.Recovered
		}
	}
	if err := syncErrs["trustlist"]; err != nil {
		st.trust.LastError = err.Error()
	}
	st.data["valuesets"] = DataStatus{Present: true, Source: "embedded", Version: "embedded",
		Detail: fmt.Sprintf("%d value sets built into this program", len(valueset.Default().IDs()))}
	for _, src := range s.sources {
		var part verify.Options
		ds, err := src.Load(s.dataDir, &part)
		if err != nil {
			s.log.Error("data unreadable; keeping the last good copy", "data", src.Name, "err", err)
			if old != nil {
				if prev, ok := old.data[src.Name]; ok {
					ds = prev
				}
				part = old.parts[src.Name]
			}
			ds.LastError = err.Error()
		} else if e := syncErrs[src.Name]; e != nil {
			ds.LastError = e.Error()
		}
		st.data[src.Name] = ds
		if part.ValueSets != nil {
			st.data["valuesets"] = DataStatus{Present: true, Version: ds.Version, Updated: ds.Updated, Source: ds.Source,
				Detail: fmt.Sprintf("%d value sets, received with the %s", len(part.ValueSets.IDs()), dataTitle(src.Name))}
		}
		mergeOptions(&st.opts, &part)
		st.parts[src.Name] = part
	}
	st.opts.Recognised = s.cfg.Recognise
	opts := st.opts
	opts.Country, opts.Region = s.cfg.Country, s.cfg.Region
	st.base = verify.NewWithTrust(verify.Trust{HC1: st.store}, opts)
	s.state.Store(st)
}

// SyncNow syncs the trust list from the gateway (when one is configured)
// and then every source that syncs, and reloads the data directory (its
// trust list only when the sync changed it, or always without a gateway).
// Whatever fails, the last good data stays in use; the error joins every
// failure.
func (s *Service) SyncNow(ctx context.Context) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	errs := map[string]error{}
	trustChanged := false
	if s.cfg.Gateway != "" {
		o := SyncOptions{URL: s.cfg.Gateway, Anchor: s.anchor, Dir: s.dataDir, Client: s.client, Now: s.now}
		res, err := Sync(ctx, o)
		if err != nil {
			errs["trustlist"] = err
			s.metrics.syncs.WithLabelValues("trustlist", "error").Inc()
			s.log.Warn("trust list sync failed; keeping the last good copy", "source", s.cfg.Gateway, "err", err)
		} else {
			trustChanged = res.Changed
			s.metrics.syncs.WithLabelValues("trustlist", "ok").Inc()
			s.log.Info("trust list synced", "source", s.cfg.Gateway, "version", res.Version, "changed", res.Changed,
				"incremental", res.Incremental, "signers", res.Signers, "left_out", len(res.Problems))
			if !res.Changed {
				// A 304 rewrote only the time of the last sync.
				s.touchTrust(s.now().UTC())
			}
		}
		for _, src := range s.sources {
			if src.Sync == nil {
				continue
			}
			o := o
			if err := src.Sync(ctx, o); err != nil {
				errs[src.Name] = err
				s.metrics.syncs.WithLabelValues(src.Name, "error").Inc()
				s.log.Warn("sync failed; keeping the last good copy", "data", src.Name, "err", err)
			} else {
				s.metrics.syncs.WithLabelValues(src.Name, "ok").Inc()
			}
		}
	}
	// Without a gateway the directory is kept by someone else (ithc trust
	// sync from cron, a mirror): read it again every time.
	s.reload(trustChanged || s.cfg.Gateway == "" || s.state.Load().store == nil, errs)
	var all []error
	for _, e := range errs {
		all = append(all, e)
	}
	return errors.Join(all...)
}

// touchTrust records a successful sync that changed nothing.
func (s *Service) touchTrust(at time.Time) {
	st := s.state.Load()
	if st == nil || !st.trust.Present {
		return
	}
	// The state is shared by requests in flight: swap a copy.
	next := &state{store: st.store, trust: st.trust, opts: st.opts, data: st.data, parts: st.parts, base: st.base,
		byDest: map[string]*verify.Verifier{}}
	next.trust.Updated = at
	next.trust.LastError = ""
	s.state.Store(next)
}

// syncLoop syncs now and then every sync interval until ctx is done.
func (s *Service) syncLoop(ctx context.Context) {
	interval := s.cfg.SyncInterval.or(DefaultSyncInterval)
	for {
		_ = s.SyncNow(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// Request is one verification request.
type Request struct {
	// Text is the QR text (for Verify).
	Text string
	// Country and Region are the destination whose acceptance rules
	// apply; empty means the configured default.
	Country, Region string
	// Time is the verification time; zero means now.
	Time time.Time
}

// verifierFor returns the verifier of a destination and time.
func (s *Service) verifierFor(st *state, country, region string, at time.Time) *verify.Verifier {
	if country == "" && region == "" {
		country, region = s.cfg.Country, s.cfg.Region
		if at.IsZero() {
			return st.base
		}
	}
	opts := st.opts
	opts.Country, opts.Region, opts.Now = country, region, at
	if !at.IsZero() {
		return verify.NewWithTrust(verify.Trust{HC1: st.store}, opts)
	}
	key := country + "/" + region
	st.mu.Lock()
	defer st.mu.Unlock()
	if v, ok := st.byDest[key]; ok {
		return v
	}
	v := verify.NewWithTrust(verify.Trust{HC1: st.store}, opts)
	if len(st.byDest) < limits.MaxVerifierCountries {
		st.byDest[key] = v
	}
	return v
}

// Verify verifies QR text for a destination, adding a warning for each
// kind of data older than stale_after.
func (s *Service) Verify(req Request) *verify.Result {
	st := s.state.Load()
	r := s.verifierFor(st, req.Country, req.Region, req.Time).Verify(req.Text)
	r.Warnings = append(r.Warnings, s.staleWarnings(st)...)
	return r
}

// ScanError is an upload from which no code could be read.
type ScanError struct {
	// Code is the machine-readable reason: no_code, unreadable,
	// too_large, bad_image, no_pdf_tool, busy, scan_failed.
	Code string
	Err  error
}

func (e *ScanError) Error() string { return "verifier: " + e.Err.Error() }
func (e *ScanError) Unwrap() error { return e.Err }

// VerifyUpload reads the QR codes of an image (PNG, JPEG, GIF) or a PDF
// and verifies the first one found; when the picture shows several, a
// warning says so. A picture without a readable code is a *ScanError.
func (s *Service) VerifyUpload(ctx context.Context, data []byte, req Request) (*verify.Result, error) {
	select {
	case s.scans <- struct{}{}:
	case <-ctx.Done():
		return nil, &ScanError{Code: "busy", Err: fmt.Errorf("the scanner is busy: %w", ctx.Err())}
	}
	defer func() { <-s.scans }()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ScanTimeout.or(limits.DefaultScanTimeout))
	defer cancel()
	codes, err := scan.Scan(ctx, bytes.NewReader(data), scan.Options{PDFToolDir: s.cfg.PDFToolDir})
	if err != nil {
		code := "scan_failed"
		switch {
		case errors.Is(err, scan.ErrNoCode):
			code = "no_code"
		case errors.Is(err, scan.ErrUnreadable):
			code = "unreadable"
		case errors.Is(err, scan.ErrTooLarge):
			code = "too_large"
		case errors.Is(err, scan.ErrFormat):
			code = "bad_image"
		case errors.Is(err, scan.ErrNoPDFTool):
			code = "no_pdf_tool"
		}
		return nil, &ScanError{Code: code, Err: err}
	}
	if len(codes) == 0 {
		return nil, &ScanError{Code: "no_code", Err: scan.ErrNoCode}
	}
	req.Text = codes[0].Text
	r := s.Verify(req)
	if len(codes) > 1 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the picture shows %d codes; this is the result of the first one read", len(codes)))
	}
	return r, nil
}

// Staleness names the data older than stale_after, for the page.
type Staleness struct {
	// Data lists the kinds of data that are stale ("trustlist", "rules").
	Data []string `json:"data"`
	// OldestSeconds is the age of the oldest of them.
	OldestSeconds float64 `json:"oldest_seconds"`
	// LimitSeconds is stale_after.
	LimitSeconds float64 `json:"limit_seconds"`
}

// staleness returns the stale data of st, or nil.
func (s *Service) staleness(st *state) *Staleness {
	limit := s.cfg.StaleAfter.or(DefaultStaleAfter)
	now := s.now()
	var out *Staleness
	check := func(name string, d DataStatus) {
		if !d.Present || d.Updated.IsZero() {
			return
		}
		if age := now.Sub(d.Updated); age > limit {
			if out == nil {
				out = &Staleness{LimitSeconds: limit.Seconds()}
			}
			out.Data = append(out.Data, name)
			out.OldestSeconds = max(out.OldestSeconds, age.Seconds())
		}
	}
	check("trustlist", st.trust)
	for _, src := range s.sources {
		check(src.Name, st.data[src.Name])
	}
	return out
}

// staleWarnings returns the warnings of stale or missing data.
func (s *Service) staleWarnings(st *state) []string {
	var w []string
	if st.store == nil {
		w = append(w, "this verifier has no trust list yet: it has never synced with its gateway")
	}
	if st.recovered != "" {
		w = append(w, st.recovered)
	}
	sl := s.staleness(st)
	if sl == nil {
		return w
	}
	now := s.now()
	limit := time.Duration(sl.LimitSeconds * float64(time.Second))
	for _, name := range sl.Data {
		d := st.trust
		if name != "trustlist" {
			d = st.data[name]
		}
		w = append(w, fmt.Sprintf("stale data: the %s was last updated %s ago (%s), more than the %s allowed; the gateway may be unreachable",
			dataTitle(name), roundAge(now.Sub(d.Updated)), d.Updated.UTC().Format(time.RFC3339), roundAge(limit)))
	}
	return w
}

func dataTitle(name string) string {
	switch name {
	case "trustlist":
		return "trust list"
	case "rules":
		return "acceptance rules"
	case "revocation":
		return "revocation list"
	case "valuesets":
		return "value sets"
	}
	return name
}

// roundAge writes an age to the minute ("3d4h5m", "47m").
func roundAge(d time.Duration) string {
	d = d.Round(time.Minute)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	s := ""
	if days > 0 {
		s = strconv.FormatInt(int64(days), 10) + "d"
	}
	h, m := d/time.Hour, (d%time.Hour)/time.Minute
	if h > 0 || days > 0 {
		s += strconv.FormatInt(int64(h), 10) + "h"
	}
	return s + strconv.FormatInt(int64(m), 10) + "m"
}

// Status is the answer of GET /v1/status.
type Status struct {
	Time time.Time `json:"time"`
	// Country and Region are the default destination.
	Country string `json:"country,omitempty"`
	Region  string `json:"region,omitempty"`
	// Gateway is the sync source; empty when the service does not sync.
	Gateway string `json:"gateway,omitempty"`
	// StaleAfterSeconds is the age past which data is flagged.
	StaleAfterSeconds float64 `json:"stale_after_seconds"`
	// TrustList is the state of the trust list.
	TrustList DataStatus `json:"trust_list"`
	// Data is the state of every other kind of data: "rules",
	// "revocation", "encryption", "valuesets" (those not configured are
	// present false).
	Data map[string]DataStatus `json:"data"`
	// Stale summarises the stale data; absent when all is fresh.
	Stale *Staleness `json:"stale,omitempty"`
}

// Status returns the state of the service's data.
func (s *Service) Status() *Status {
	st := s.state.Load()
	now := s.now()
	limit := s.cfg.StaleAfter.or(DefaultStaleAfter)
	fill := func(d DataStatus) DataStatus {
		if d.Present && !d.Updated.IsZero() {
			d.AgeSeconds = now.Sub(d.Updated).Seconds()
			d.Stale = now.Sub(d.Updated) > limit
		}
		return d
	}
	out := &Status{Time: now.UTC(), Country: s.cfg.Country, Region: s.cfg.Region, Gateway: s.cfg.Gateway,
		StaleAfterSeconds: limit.Seconds(), TrustList: fill(st.trust), Data: map[string]DataStatus{}, Stale: s.staleness(st)}
	for _, name := range []string{"rules", "revocation", "encryption"} {
		out.Data[name] = DataStatus{Detail: "not configured in this verifier"}
	}
	for name, d := range st.data {
		out.Data[name] = fill(d)
	}
	return out
}

// Run serves the page and the API on the configured address until ctx is
// done, syncing in the background, then shuts down gracefully: no new
// connections, requests in flight finish within shutdown_timeout. ready,
// when set, is called with the bound address once the service listens.
func (s *Service) Run(ctx context.Context, ready func(addr string)) error {
	listen := s.cfg.Listen
	if listen == "" {
		listen = DefaultListen
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("verifier: listen: %w", err)
	}
	syncCtx, stopSync := context.WithCancel(ctx)
	defer stopSync()
	syncDone := make(chan struct{})
	go func() {
		defer close(syncDone)
		s.syncLoop(syncCtx)
	}()
	err = s.Serve(ctx, ln, ready)
	stopSync()
	<-syncDone
	return err
}

// Serve serves the page and the API on ln (over TLS when the
// configuration names a certificate) until ctx is done, then shuts down
// gracefully, as Run does; it does not sync. It closes ln. ready, when
// set, is called with the service's base URL once it serves.
func (s *Service) Serve(ctx context.Context, ln net.Listener, ready func(url string)) error {
	srv := newFront(s).server()
	scheme := "http"
	if s.cfg.TLSCert != "" {
		tln, err := s.tlsListener(ln)
		if err != nil {
			ln.Close()
			return err
		}
		ln = tln
		scheme = "https"
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("verifier listening", "addr", ln.Addr().String(), "scheme", scheme, "data_dir", s.dataDir, "gateway", s.cfg.Gateway)
	if ready != nil {
		ready(scheme + "://" + ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("verifier shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout.or(DefaultShutdownTimeout))
	defer cancel()
	err := srv.ShutdownWithContext(sctx)
	if e := <-errc; e != nil && err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("verifier: shutdown: %w", err)
	}
	return nil
}

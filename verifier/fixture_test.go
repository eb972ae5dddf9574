package verifier_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway"
	"github.com/ithc/ithc/gateway/store/open"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/healthcert/icao"
	"github.com/ithc/ithc/internal/cms"
	"github.com/ithc/ithc/keys"
	"github.com/ithc/ithc/render/qr"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verifier"
)

// The holder of the test certificates: values that must never reach a log.
const (
	holderFamily   = "欧阳"
	holderGiven    = "明月"
	holderFamilyLA = "OUYANG"
	holderGivenLA  = "MINGYUE"
	holderDOB      = "1987-03-29"
	holderDocument = "EK7315942"
	tamperedDoc    = "EK7315943"
)

// world is a gateway with one onboarded country (CN) and its document
// signer, serving its API over plain HTTP on loopback.
type world struct {
	gw      *gateway.Gateway
	anchor  *x509.Certificate
	country *trust.Country
	url     string
	server  *httptest.Server
}

func newWorld(t testing.TB) *world {
	t.Helper()
	dir := t.TempDir()
	cfg, err := gateway.Init(dir, gateway.InitOptions{Listen: "127.0.0.1:0", Store: "sqlite:" + filepath.Join(dir, "gateway.db")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := open.Store(ctx, cfg.StoreURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	openKey := func(ref string) (crypto.Signer, error) { return keys.Open(ref, keys.Options{}) }
	g, err := gateway.FromConfig(cfg, st, openKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{gw: g}
	if w.anchor, err = gateway.LoadCertificate(filepath.Join(dir, gateway.FileAnchorCert)); err != nil {
		t.Fatal(err)
	}
	anchorKey, err := openKey(filepath.Join(dir, gateway.FileAnchorKey))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if w.country, err = trust.GenerateCountry(trust.CountryOptions{Country: "CN", Organisation: "National Health Commission", Now: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	uploadKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	upload, err := trust.NewUploadCertificate(uploadKey, trust.CertOptions{Country: "CN"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		role string
		cert *x509.Certificate
	}{{gateway.RoleCSCA, w.country.CSCA}, {gateway.RoleUpload, upload}} {
		if _, err := gateway.Onboard(ctx, st, anchorKey, w.anchor, "CN", r.role, r.cert, now); err != nil {
			t.Fatal(err)
		}
	}
	body, err := cms.Sign(w.country.DSC.Raw, upload, uploadKey, &cms.SignOptions{SigningTime: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.UploadSigner(ctx, &gateway.Caller{Country: "CN"}, body); err != nil {
		t.Fatal(err)
	}
	w.server = httptest.NewServer(g.Handler())
	t.Cleanup(w.server.Close)
	w.url = w.server.URL
	return w
}

// certificate returns the test traveller's certificate, issued now.
func certificate(now time.Time) *healthcert.Certificate {
	c := &healthcert.Certificate{
		ID:        "URN:UVCI:01:CN:VERIFIERTEST0001#3",
		Issuer:    healthcert.Issuer{Country: "CN", Name: "National Health Commission"},
		IssuedAt:  now.Add(-time.Minute).Truncate(time.Second),
		ExpiresAt: now.Add(30 * 24 * time.Hour).Truncate(time.Second),
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: holderFamily, Given: holderGiven},
			DateOfBirth: healthcert.Date{Year: 1987, Month: 3, Day: 29},
			Sex:         healthcert.SexFemale,
			Document:    &healthcert.TravelDocument{Type: "P", Number: holderDocument, IssuingState: "CN"},
		},
		Events: []healthcert.Event{
			&healthcert.NucleicAcidTest{
				Common:     healthcert.Common{Disease: "840539006", Country: "CN", Centre: "Shanghai CDC"},
				Method:     "LP6464-4",
				SampleTime: now.Add(-20 * time.Hour).Truncate(time.Minute),
				Result:     healthcert.ResultNegative,
			},
			&healthcert.Vaccination{
				Common:       healthcert.Common{Disease: "840539006", Country: "CN", Centre: "Xuhui Vaccination Clinic"},
				VaccineType:  "J07BX03",
				Product:      "BBIBP-CorV",
				Manufacturer: "ORG-100020693",
				DoseNumber:   2,
				TotalDoses:   2,
				Date:         healthcert.DateOf(now.Add(-60 * 24 * time.Hour)),
			},
		},
	}
	return c
}

var (
	codeOnce sync.Map // *trust.Country → codes
)

type codes struct{ valid, tampered string }

// codesFor issues the test certificate with the country's signer and a
// copy with its document number changed (the signature kept).
func codesFor(t testing.TB, c *trust.Country) codes {
	t.Helper()
	if v, ok := codeOnce.Load(c); ok {
		return v.(codes)
	}
	cert := certificate(time.Now())
	if err := icao.Fill(&cert.Holder.Name); err != nil {
		t.Fatal(err)
	}
	text, err := hc1.Sign(hc1.SignInput{Native: cert}, c.DSCKey, hc1.SignOptions{Certificate: c.DSC})
	if err != nil {
		t.Fatal(err)
	}
	b45, err := hc1.Unprefix(text)
	if err != nil {
		t.Fatal(err)
	}
	z, err := hc1.DecodeBase45(b45)
	if err != nil {
		t.Fatal(err)
	}
	cose, err := hc1.Inflate(z)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(cose, []byte(holderDocument)) != 1 {
		t.Fatalf("the document number occurs %d times in the code", bytes.Count(cose, []byte(holderDocument)))
	}
	tampered, err := hc1.EncodeCOSE(bytes.Replace(cose, []byte(holderDocument), []byte(tamperedDoc), 1))
	if err != nil {
		t.Fatal(err)
	}
	cs := codes{valid: text, tampered: tampered}
	codeOnce.Store(c, cs)
	return cs
}

// qrPNG renders QR text as a PNG.
func qrPNG(t testing.TB, text string) []byte {
	t.Helper()
	code, err := qr.Encode(text, qr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := code.WritePNG(&b, qr.ImageOptions{ModulePixels: 4}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// lockedBuffer is a log destination safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// service is a verifier service synced once from w (when w is not nil),
// served on loopback.
type service struct {
	svc   *verifier.Service
	url   string
	clock *clock
	log   *lockedBuffer
}

func newService(t testing.TB, w *world, cfg verifier.Config, opts verifier.Options) *service {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	s := &service{clock: &clock{t: time.Now()}, log: &lockedBuffer{}}
	if w != nil {
		cfg.Gateway = w.url
		opts.Anchor = w.anchor
	}
	if opts.Now == nil {
		opts.Now = s.clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(s.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	raw, err := jsonConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := verifier.ParseConfig(raw, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := verifier.New(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if w != nil {
		if err := svc.SyncNow(context.Background()); err != nil {
			t.Fatalf("first sync: %v", err)
		}
	}
	s.svc, s.url = svc, verifier.ServeForTest(t, svc)
	return s
}

// post sends a verification request and returns the status code and the
// decoded answer.
func (s *service) post(t testing.TB, query, contentType string, body []byte) (int, map[string]any) {
	t.Helper()
	u := s.url + "/v1/verify"
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return do(t, req)
}

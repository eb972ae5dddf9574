package gateway_test

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway"
	"github.com/ithc/ithc/gateway/client"
	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/gateway/store/open"
	"github.com/ithc/ithc/gateway/store/storetest"
	"github.com/ithc/ithc/keys"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verifier"
)

// childEnv names the configuration a re-executed test binary serves as a
// gateway process (see TestMain).
const childEnv = "ITHC_TEST_GATEWAY_CONFIG"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		os.Exit(runChild(path))
	}
	os.Exit(m.Run())
}

// runChild is a gateway process: it serves the configuration until killed
// or interrupted, printing "ready ADDR" once it listens.
func runChild(path string) int {
	cfg, err := gateway.LoadConfig(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err = gateway.Run(ctx, cfg, gateway.RunOptions{OpenStore: open.Store, OpenKey: openKey,
		Ready: func(addr string) { fmt.Printf("ready %s\n", addr) }})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// stores runs f once with SQLite and once with PostgreSQL.
func stores(t *testing.T, f func(t *testing.T, storeURL string)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, "sqlite:"+filepath.Join(t.TempDir(), "gateway.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		f(t, storetest.PostgresDSN(t))
	})
}

// world is a gateway's key material and configuration.
type world struct {
	dir       string
	cfgPath   string
	cfg       *gateway.Config
	anchor    *x509.Certificate
	anchorKey crypto.Signer
	roots     *x509.CertPool
}

func newWorld(t testing.TB, storeURL string) *world {
	t.Helper()
	dir := t.TempDir()
	cfg, err := gateway.Init(dir, gateway.InitOptions{Listen: "127.0.0.1:0", Store: storeURL})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{dir: dir, cfgPath: filepath.Join(dir, gateway.FileConfig), cfg: cfg}
	if w.anchor, err = gateway.LoadCertificate(filepath.Join(dir, gateway.FileAnchorCert)); err != nil {
		t.Fatal(err)
	}
	w.anchorKey = loadKey(t, filepath.Join(dir, gateway.FileAnchorKey))
	w.roots = x509.NewCertPool()
	w.roots.AddCert(w.anchor)
	return w
}

// serve runs the gateway in this process until the test ends and returns
// its base URL.
func (w *world) serve(t testing.TB) string {
	t.Helper()
	return "https://" + w.serveWith(t, func(*gateway.Config) {})
}

// serveWith runs the gateway in this process with its configuration
// changed by edit, and returns its address (host:port).
func (w *world) serveWith(t testing.TB, edit func(*gateway.Config)) string {
	t.Helper()
	cfg, err := gateway.LoadConfig(w.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	edit(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- gateway.Run(ctx, cfg, gateway.RunOptions{OpenStore: open.Store, OpenKey: openKey,
			Ready: func(addr string) { ready <- addr }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway: %v", err)
		}
	})
	select {
	case addr := <-ready:
		return addr
	case err := <-done:
		t.Fatalf("gateway did not start: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("gateway did not start within a minute")
	}
	return ""
}

// wantRefusal checks that err is a gateway refusal with status and code
// and a message saying what is wrong.
func wantRefusal(t testing.TB, what string, err error, status int, code string) {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Errorf("%s: got %v, want a %d %s refusal", what, err, status, code)
		return
	}
	if e.Status != status || e.Code != code {
		t.Errorf("%s: got %d %s (%s), want %d %s", what, e.Status, e.Code, e.Message, status, code)
	}
	if e.Message == "" {
		t.Errorf("%s: the refusal does not say what is wrong", what)
	}
}

// child is a gateway running in another process.
type child struct {
	cmd *exec.Cmd
	url string
}

// spawn starts the gateway in a child process and returns once it listens.
func (w *world) spawn(t testing.TB) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+w.cfgPath)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd}
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("gateway process did not start: %v", err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ready ")
	if !ok {
		t.Fatalf("gateway process said %q", line)
	}
	c.url = "https://" + addr
	return c
}

// country is one country's PKI and its gateway client.
type country struct {
	code      string
	pki       *trust.Country
	upload    *x509.Certificate
	uploadKey crypto.Signer
	tls       tls.Certificate
	tlsCert   *x509.Certificate
}

func newCountry(t testing.TB, code string) *country {
	t.Helper()
	p, err := trust.GenerateCountry(trust.CountryOptions{Country: code})
	if err != nil {
		t.Fatal(err)
	}
	c := &country{code: code, pki: p}
	var err2 error
	c.uploadKey = newKey(t)
	if c.upload, err2 = trust.NewUploadCertificate(c.uploadKey, trust.CertOptions{Country: code}); err2 != nil {
		t.Fatal(err2)
	}
	tk := newKey(t)
	if c.tlsCert, err2 = trust.NewTLSCertificate(tk, trust.CertOptions{Country: code}); err2 != nil {
		t.Fatal(err2)
	}
	c.tls = tls.Certificate{Certificate: [][]byte{c.tlsCert.Raw}, PrivateKey: tk, Leaf: c.tlsCert}
	return c
}

func newKey(t testing.TB) crypto.Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// loadKey opens a key file the way the ithc command does.
func loadKey(t testing.TB, path string) crypto.Signer {
	t.Helper()
	k, err := keys.Open(path, keys.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// openKey is gateway.RunOptions.OpenKey for the tests.
func openKey(ref string) (crypto.Signer, error) { return keys.Open(ref, keys.Options{}) }

// selfSigned makes a P-256 end-entity certificate for a country, without
// the governance (for certificates the gateway must refuse).
func selfSigned(t testing.TB, code, role string, eku []x509.ExtKeyUsage) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial.Add(serial, big.NewInt(1)),
		Subject:      pkix.Name{Country: []string{code}, CommonName: "ITHC " + role + " " + code},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: eku, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// openStore opens the world's store; the caller closes it.
func (w *world) openStore(t testing.TB) store.Store {
	t.Helper()
	st, err := open.Store(context.Background(), w.cfg.StoreURL())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// onboard records c's CSCA, upload and TLS certificates with the anchor key.
func (w *world) onboard(t testing.TB, c *country) {
	t.Helper()
	st := w.openStore(t)
	defer st.Close()
	for _, r := range []struct {
		role string
		cert *x509.Certificate
	}{{gateway.RoleCSCA, c.pki.CSCA}, {gateway.RoleUpload, c.upload}, {gateway.RoleTLS, c.tlsCert}} {
		if _, err := gateway.Onboard(context.Background(), st, w.anchorKey, w.anchor, c.code, r.role, r.cert, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

// client returns c's gateway client for url.
func (w *world) client(c *country, url string) *client.Client {
	return client.New(url, c.tls, w.roots, c.upload, c.uploadKey)
}

// newDSC issues another document signer under c's CSCA.
func (c *country) newDSC(t testing.TB, n int) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key := newKey(t)
	cert, err := trust.NewDSC(key.Public(), c.pki.CSCA, c.pki.CSCAKey, trust.CertOptions{
		CommonName: fmt.Sprintf("ITHC DSC %s %d", c.code, n), NotBefore: c.pki.CSCA.NotBefore, Validity: 365 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// newDSCWindow issues a document signer valid from notBefore to notAfter,
// without the governance (for signers the gateway must refuse).
func (c *country) newDSCWindow(t testing.TB, n int, notBefore, notAfter time.Time) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(1000 + n)),
		Subject:      pkix.Name{Country: []string{c.code}, CommonName: fmt.Sprintf("ITHC DSC %s %d", c.code, n)},
		NotBefore:    notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.pki.CSCA, key.Public(), c.pki.CSCAKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// sync brings a verifier's offline copy in dir up to date from url.
func (w *world) sync(t testing.TB, url, dir string) (*verifier.SyncResult, error) {
	t.Helper()
	return verifier.Sync(context.Background(), verifier.SyncOptions{URL: url, Anchor: w.anchor, Dir: dir, Client: w.httpClient()})
}

func (w *world) httpClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: w.roots, MinVersion: tls.VersionTLS12},
	}}
}

// version reads the store's version directly.
func (w *world) version(t testing.TB) int64 {
	t.Helper()
	st := w.openStore(t)
	defer st.Close()
	v, err := st.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// entries lists the store's entries of a kind, tombstones included.
func (w *world) entries(t testing.TB, kind string) []*store.Entry {
	t.Helper()
	st := w.openStore(t)
	defer st.Close()
	es, _, err := st.List(context.Background(), store.Filter{Kinds: []string{kind}, Deleted: true})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

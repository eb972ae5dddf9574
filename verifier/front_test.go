package verifier

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verify"
)

// frontFixture is a service whose data directory trusts one ES256
// document signer, and a code it signed.
type frontFixture struct {
	svc  *Service
	dir  string
	code string
}

func newFrontFixture(t testing.TB, config string) *frontFixture {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	country, err := trust.GenerateCountry(trust.CountryOptions{Country: "CN", Now: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	cert := &healthcert.Certificate{
		Issuer:    healthcert.Issuer{Country: "CN", Name: "Front test <&>"},
		IssuedAt:  now.Add(-time.Minute),
		ExpiresAt: now.Add(24 * time.Hour),
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: "测试", Given: "前端", FamilyICAO: "CE<SHI", GivenICAO: "QIAN<DUAN"},
			DateOfBirth: healthcert.Date{Year: 1990, Month: 1, Day: 1},
		},
		Events: []healthcert.Event{&healthcert.NucleicAcidTest{
			Common: healthcert.Common{Disease: "840539006", Country: "CN"},
			Method: "LP6464-4", SampleTime: now.Add(-time.Hour), Result: healthcert.ResultNegative,
		}},
	}
	if cert.ID, err = healthcert.NewUVCI("CN", "", nil, true); err != nil {
		t.Fatal(err)
	}
	code, err := hc1.Sign(hc1.SignInput{Native: cert}, country.DSCKey, hc1.SignOptions{Certificate: country.DSC})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	id := base64.StdEncoding.EncodeToString(trust.KID(country.DSC))
	list := &trust.SyncedList{Source: "test", Synced: now, Signers: []string{id},
		List: trust.List{Format: trust.ListFormat, Version: 1, Issued: now,
			Entries: []trust.ListEntry{{Seq: 1, Kind: "signer", ID: id, Country: "CN", Data: country.DSC.Raw, Timestamp: now}}}}
	if err := trust.SaveSynced(filepath.Join(dir, "data"), country.CSCA, list); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig([]byte(config), dir)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &frontFixture{svc: svc, dir: dir, code: code}
}

// viaFront answers a request through the front's handler, in memory.
func viaFront(f *front, method, target, contentType string, body []byte) (int, []byte) {
	var req fasthttp.Request
	req.Header.SetMethod(method)
	req.SetRequestURI(target)
	if contentType != "" {
		req.Header.SetContentType(contentType)
	}
	req.SetBody(body)
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1234}, nil)
	f.serve(&ctx)
	return ctx.Response.StatusCode(), bytes.Clone(ctx.Response.Body())
}

// viaNetHTTP answers the same request through the net/http handler.
func viaNetHTTP(h http.Handler, method, target, contentType string, body []byte) (int, []byte) {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Body.Bytes()
}

// TestFrontSameAnswers: the front's own answers to QR text are the net/http
// handler's, byte for byte, verified, rejected or refused.
func TestFrontSameAnswers(t *testing.T) {
	fx := newFrontFixture(t, `{"data_dir": "data", "rate_limit": -1}`)
	f, h := newFront(fx.svc), fx.svc.handler(false)
	tampered := []byte(fx.code)
	tampered[len(tampered)/2] ^= 1
	for _, tc := range []struct {
		name, target, contentType, body, status string
	}{
		{"valid", "/v1/verify", "text/plain", fx.code, "verified"},
		{"no content type", "/v1/verify", "", "  " + fx.code + "\n", "verified"},
		{"charset", "/v1/verify", "text/plain; charset=utf-8", fx.code, "verified"},
		{"tampered", "/v1/verify", "text/plain", string(tampered), "invalid_"},
		{"country", "/v1/verify?country=fr&region=", "text/plain", fx.code, "verified"},
		{"bad country", "/v1/verify?country=FRA", "text/plain", fx.code, "bad_country"},
		{"bad time", "/v1/verify?time=yesterday", "text/plain", fx.code, "bad_time"},
		{"past time", "/v1/verify?time=2001-01-01T00:00:00Z", "text/plain", fx.code, "not_yet_valid"},
		{"malformed query", "/v1/verify?%zz&country=CN", "text/plain", fx.code, "verified"},
		{"empty", "/v1/verify", "text/plain", " \n", "no_input"},
		{"garbage", "/v1/verify", "text/plain", "hello <world> & \x00\xff", "invalid_encoding"},
		{"too large", "/v1/verify", "text/plain", strings.Repeat("A", limits.MaxVerifyTextBody+1), "too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, fb := viaFront(f, http.MethodPost, tc.target, tc.contentType, []byte(tc.body))
			ns, nb := viaNetHTTP(h, http.MethodPost, tc.target, tc.contentType, []byte(tc.body))
			if fs != ns || !bytes.Equal(fb, nb) {
				t.Fatalf("front %d %.300s\nnet/http %d %.300s", fs, fb, ns, nb)
			}
			if !bytes.Contains(fb, []byte(`"`+tc.status)) {
				t.Errorf("answer %d %.300s lacks %q", fs, fb, tc.status)
			}
		})
	}
}

// FuzzFront: for any QR text and query, the front answers as the net/http
// handler does.
func FuzzFront(f *testing.F) {
	fx := newFrontFixture(f, `{"data_dir": "data", "rate_limit": -1}`)
	fr, h := newFront(fx.svc), fx.svc.handler(false)
	f.Add("", fx.code)
	f.Add("country=FR", fx.code)
	f.Add("time=2030-01-01T00:00:00Z", "HC1:"+fx.code[4:40])
	f.Add("region=%41", "\t")
	f.Fuzz(func(t *testing.T, query, body string) {
		target := "/v1/verify"
		if query != "" {
			target += "?" + escapeQuery(query)
		}
		fs, fb := viaFront(fr, http.MethodPost, target, "text/plain", []byte(body))
		ns, nb := viaNetHTTP(h, http.MethodPost, target, "text/plain", []byte(body))
		if fs != ns || !bytes.Equal(fb, nb) {
			t.Fatalf("query %q body %q:\nfront %d %.300s\nnet/http %d %.300s", query, body, fs, fb, ns, nb)
		}
	})
}

// escapeQuery keeps a fuzzed query to the bytes a request target may hold.
func escapeQuery(q string) string {
	var b strings.Builder
	for _, c := range []byte(q) {
		if c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// ServeForTest serves svc as Run does (Service.Serve) on a loopback port
// until the test ends and returns its URL. It is exported for the
// package's external tests.
func ServeForTest(t testing.TB, svc *Service) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- svc.Serve(ctx, ln, func(url string) { ready <- url }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	select {
	case url := <-ready:
		return url
	case err := <-done:
		t.Fatalf("Serve: %v", err)
		return ""
	}
}

// serveFront serves svc and returns its host:port.
func serveFront(t *testing.T, svc *Service) string {
	u := ServeForTest(t, svc)
	return u[strings.Index(u, "://")+3:]
}

// readAnswer reads one HTTP/1.1 answer from r.
func readAnswer(t *testing.T, r *bufio.Reader) (int, []byte) {
	t.Helper()
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("answer headers %v", resp.Header)
	}
	return resp.StatusCode, body
}

// TestFrontPipelined: requests pipelined on one connection are answered in
// order, each as it would be alone.
func TestFrontPipelined(t *testing.T) {
	fx := newFrontFixture(t, `{"data_dir": "data", "rate_limit": -1}`)
	addr := serveFront(t, fx.svc)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	post := func(ct, body string) string {
		return fmt.Sprintf("POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s", ct, len(body), body)
	}
	tampered := []byte(fx.code)
	tampered[len(tampered)/2] ^= 1
	var all strings.Builder
	all.WriteString(post("text/plain", fx.code))
	all.WriteString(post("text/plain", string(tampered)))
	all.WriteString(post("text/plain", ""))
	all.WriteString(post("application/json", `{"text": "`+fx.code+`"}`))
	all.WriteString("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
	all.WriteString(post("text/plain", fx.code))
	if _, err := io.WriteString(conn, all.String()); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	for i, want := range []struct {
		code int
		has  string
	}{{200, `"status":"verified"`}, {200, `"status":"invalid_`}, {400, `"error":"no_input"`},
		{200, `"status":"verified"`}, {200, `"trust_list"`}, {200, `"status":"verified"`}} {
		code, body := readAnswer(t, r)
		if code != want.code || !bytes.Contains(body, []byte(want.has)) {
			t.Errorf("answer %d: %d %.200s; want %d with %s", i, code, body, want.code, want.has)
		}
	}
}

// TestFrontRefusesBadHTTP: what is not a request gets a JSON refusal with
// the right status, not a crash or silence.
func TestFrontRefusesBadHTTP(t *testing.T) {
	fx := newFrontFixture(t, `{"data_dir": "data", "rate_limit": -1, "max_upload_bytes": 100000, "read_header_timeout": "300ms", "read_timeout": "600ms"}`)
	addr := serveFront(t, fx.svc)
	for _, tc := range []struct {
		name, request string
		code          int
		errCode       string
	}{
		{"not http", "HELLO\r\n\r\n", 400, "bad_request"},
		{"headers too large", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 20<<10) + "\r\n\r\n", 431, "headers_too_large"},
		{"body too large", "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 10000000\r\n\r\n", 413, "too_large"},
		{"slow headers", "GET /healthz HTTP/1.1\r\nHost: x\r\n", 408, "timeout"},
		{"slow body", "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nHC1:", 408, "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if _, err := io.WriteString(conn, tc.request); err != nil {
				t.Fatal(err)
			}
			code, body := readAnswer(t, bufio.NewReader(conn))
			if code != tc.code || !bytes.Contains(body, []byte(`"error":"`+tc.errCode+`"`)) {
				t.Errorf("%d %s; want %d %s", code, body, tc.code, tc.errCode)
			}
			// A body has read_timeout from the end of its headers, not
			// read_header_timeout (a deadline never fires early).
			if d := time.Since(start); tc.name == "slow body" && d < 500*time.Millisecond {
				t.Errorf("the slow body was cut after %v, before read_timeout (600ms)", d)
			}
		})
	}
}

// TestFrontRateLimit: the front applies the per-client limit once, to its
// own answers and to those of the net/http handler alike.
func TestFrontRateLimit(t *testing.T) {
	fx := newFrontFixture(t, `{"data_dir": "data", "rate_limit": 1, "rate_burst": 2}`)
	f := newFront(fx.svc)
	var codes []int
	for _, target := range []string{"/v1/verify", "/v1/status", "/v1/verify", "/healthz"} {
		method, ct := http.MethodPost, "text/plain"
		if target != "/v1/verify" {
			method, ct = http.MethodGet, ""
		}
		code, _ := viaFront(f, method, target, ct, []byte(fx.code))
		codes = append(codes, code)
	}
	// Two tokens: the verification and the status pass, the second
	// verification is refused, the health check is not limited.
	if want := []int{200, 200, 429, 200}; fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("codes %v, want %v", codes, want)
	}
}

// TestServeTLS: with tls_cert and tls_key the front speaks HTTPS only.
func TestServeTLS(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "verifier"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	fx := newFrontFixture(t, `{"data_dir": "data", "tls_cert": "tls.pem", "tls_key": "tls.key"}`)
	if err := os.WriteFile(filepath.Join(fx.dir, "tls.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fx.dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := serveFront(t, fx.svc)
	roots := x509.NewCertPool()
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	resp, err := client.Post("https://"+addr+"/v1/verify", "text/plain", strings.NewReader(fx.code))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"status":"verified"`)) {
		t.Errorf("over TLS: %d %.200s", resp.StatusCode, body)
	}
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP was answered on the TLS port")
		}
	}
	if r := fx.svc.Verify(Request{Text: fx.code}); r.Status != verify.StatusVerified {
		t.Errorf("library: %s", r.Status)
	}
}

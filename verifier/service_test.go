package verifier_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/healthcert/icao"
	"github.com/ithc/ithc/render/pdf"
	"github.com/ithc/ithc/verifier"
	"github.com/ithc/ithc/verify"
)

func jsonConfig(c verifier.Config) ([]byte, error) { return json.Marshal(c) }

func do(t testing.TB, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s %s: answer %d is not JSON: %v\n%s", req.Method, req.URL, resp.StatusCode, err, data)
	}
	return resp.StatusCode, m
}

func multipartBody(t testing.TB, fields map[string]string, file []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		fw, err := mw.CreateFormFile("file", "code.png")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), b.Bytes()
}

func str(m map[string]any, path ...string) string {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[p]
	}
	s, _ := v.(string)
	return s
}

// TestVerifyForms sends the valid and the tampered code in every form the
// API takes and checks the status of each answer.
func TestVerifyForms(t *testing.T) {
	w := newWorld(t)
	s := newService(t, w, verifier.Config{}, verifier.Options{})
	c := codesFor(t, w.country)
	png := qrPNG(t, c.valid)
	badPNG := qrPNG(t, c.tampered)
	jsonBody, _ := json.Marshal(map[string]string{"text": c.valid, "country": "fr"})
	formCT, formBody := multipartBody(t, map[string]string{"country": "FR"}, png)
	textCT, textBody := multipartBody(t, map[string]string{"text": c.tampered}, nil)
	for _, tc := range []struct {
		name, query, ct string
		body            []byte
		code            int
		status          string
	}{
		{"text", "", "text/plain; charset=utf-8", []byte(c.valid + "\n"), 200, "verified"},
		{"text no content type", "country=FR", "", []byte(c.valid), 200, "verified"},
		{"tampered text", "", "text/plain", []byte(c.tampered), 200, "invalid_signature"},
		{"json", "", "application/json", jsonBody, 200, "verified"},
		{"urlencoded", "", "application/x-www-form-urlencoded", []byte(url.Values{"country": {"FR"}, "text": {c.valid}}.Encode()), 200, "verified"},
		{"multipart file", "", formCT, formBody, 200, "verified"},
		{"multipart text", "", textCT, textBody, 200, "invalid_signature"},
		{"raw png", "", "image/png", png, 200, "verified"},
		{"raw tampered png", "", "image/png", badPNG, 200, "invalid_signature"},
		{"garbage text", "", "text/plain", []byte("HC1:NOTACODE"), 200, "invalid_encoding"},
		{"empty", "", "text/plain", nil, 400, "no_input"},
		{"bad country", "country=France", "text/plain", []byte(c.valid), 400, "bad_country"},
		{"bad time", "time=yesterday", "text/plain", []byte(c.valid), 400, "bad_time"},
		{"unknown type", "", "application/xml", []byte("<x/>"), 415, "bad_content_type"},
		{"not a picture", "", "image/png", []byte("not a png"), 422, "bad_image"},
		{"picture without code", "", "image/png", blankPNG(t), 422, "no_code"},
		{"text too large", "", "text/plain", bytes.Repeat([]byte("A"), 9<<20), 413, "too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, m := s.post(t, tc.query, tc.ct, tc.body)
			if code != tc.code {
				t.Fatalf("HTTP %d, want %d: %v", code, tc.code, m)
			}
			got := str(m, "status")
			if code != 200 {
				got = str(m, "error")
				if str(m, "message") == "" || str(m, "message_zh") == "" {
					t.Errorf("refusal without messages in both languages: %v", m)
				}
			}
			if got != tc.status {
				t.Errorf("answer %q, want %q: %v", got, tc.status, m)
			}
		})
	}
	// The verified answer carries what the officer compares.
	_, m := s.post(t, "", "text/plain", []byte(c.valid))
	if got := str(m, "certificate", "holder", "document", "number"); got != holderDocument {
		t.Errorf("document number %q, want %q", got, holderDocument)
	}
	if got := str(m, "reason", "zh"); got == "" {
		t.Errorf("no Chinese reason: %v", m)
	}
}

func blankPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 200, 200))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGatewayUnreachable: once the gateway stops answering, or answers
// with a list that does not verify, the service keeps verifying with its
// last good copy, and says how old it is in /v1/status and in every
// result once the copy is older than stale_after.
func TestGatewayUnreachable(t *testing.T) {
	w := newWorld(t)
	s := newService(t, w, verifier.Config{StaleAfter: verifier.Duration(24 * time.Hour)}, verifier.Options{})
	c := codesFor(t, w.country)
	synced := s.clock.Now()

	st := s.status(t)
	if !st.TrustList.Present || st.TrustList.Version == "" || st.TrustList.Stale || st.Stale != nil {
		t.Fatalf("after the first sync: %+v", st)
	}

	// The gateway goes away; two days pass.
	w.server.Close()
	s.clock.Add(49 * time.Hour)
	err := s.svc.SyncNow(context.Background())
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("SyncNow with the gateway down = %v, want an unreachable error", err)
	}
	code, m := s.post(t, "", "text/plain", []byte(c.valid))
	if code != 200 || str(m, "status") != "verified" {
		t.Fatalf("with the gateway down: HTTP %d %v, want verified with the last good copy", code, m)
	}
	warnings := fmt.Sprint(m["warnings"])
	if !strings.Contains(warnings, "stale data: the trust list was last updated 2d1h0m ago") {
		t.Errorf("warnings %s do not say how old the trust list is", warnings)
	}
	stale, _ := m["stale"].(map[string]any)
	if stale == nil || stale["oldest_seconds"].(float64) != (49*time.Hour).Seconds() {
		t.Errorf("stale = %v, want the age of the trust list", m["stale"])
	}
	// A tampered code is still refused.
	if _, m := s.post(t, "", "text/plain", []byte(c.tampered)); str(m, "status") != "invalid_signature" {
		t.Errorf("tampered code with the gateway down: %v", m["status"])
	}

	st = s.status(t)
	if !st.TrustList.Present || !st.TrustList.Stale || st.TrustList.AgeSeconds != (49*time.Hour).Seconds() ||
		!st.TrustList.Updated.Equal(synced.UTC()) || !strings.Contains(st.TrustList.LastError, "unreachable") {
		t.Errorf("status with the gateway down: %+v", st.TrustList)
	}
	if st.Stale == nil || len(st.Stale.Data) != 1 || st.Stale.Data[0] != "trustlist" {
		t.Errorf("status stale = %+v, want the trust list", st.Stale)
	}

}

func (s *service) status(t testing.TB) *verifier.Status {
	t.Helper()
	resp, err := http.Get(s.url + "/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st verifier.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return &st
}

// TestInvalidListKeepsLastGood: a source that serves a list whose
// signature does not verify changes nothing.
func TestInvalidListKeepsLastGood(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	s := newService(t, w, verifier.Config{DataDir: dir}, verifier.Options{})
	before := s.status(t).TrustList
	c := codesFor(t, w.country)

	bad := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		io.WriteString(rw, `{"payload":"e30","protected":"e30","signature":"AAAA"}`)
	}))
	defer bad.Close()
	cfg, err := verifier.ParseConfig([]byte(fmt.Sprintf(`{"data_dir": %q, "gateway": %q}`, dir, bad.URL)), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := verifier.New(cfg, verifier.Options{Anchor: w.anchor})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SyncNow(context.Background()); err == nil || !strings.Contains(err.Error(), "keeping the local copy") {
		t.Fatalf("SyncNow from a bad source = %v", err)
	}
	after := svc.Status().TrustList
	if !after.Present || after.Version != before.Version || after.LastError == "" {
		t.Errorf("after a bad list: %+v, before %+v", after, before)
	}
	if r := svc.Verify(verifier.Request{Text: c.valid}); r.Status != verify.StatusVerified {
		t.Errorf("after a bad list: %s %s", r.Status, r.Detail)
	}
}

// TestNoPersonalDataInLogs runs verifications of every kind with debug
// logging and checks that the log holds nothing about the holder.
func TestNoPersonalDataInLogs(t *testing.T) {
	w := newWorld(t)
	s := newService(t, w, verifier.Config{}, verifier.Options{})
	c := codesFor(t, w.country)
	png := qrPNG(t, c.valid)
	s.post(t, "", "text/plain", []byte(c.valid))
	s.post(t, "country=FR", "text/plain", []byte(c.tampered))
	s.post(t, "", "image/png", png)
	ct, body := multipartBody(t, map[string]string{"text": c.valid, "country": "XX"}, nil)
	s.post(t, "", ct, body)
	s.post(t, "country=bad", "text/plain", []byte(c.valid))
	s.post(t, "", "application/json", []byte(`{"text": "`+holderDocument+`", "country": "`+holderFamilyLA+`"}`))
	logs := s.log.String()
	if !strings.Contains(logs, `"msg":"verification"`) {
		t.Fatalf("no verification was logged at debug level; the test checks nothing:\n%s", logs)
	}
	for _, secret := range []string{holderFamily, holderGiven, holderFamilyLA, holderGivenLA, holderDOB, "1987", holderDocument, tamperedDoc,
		"VERIFIERTEST0001", c.valid[:40]} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q:\n%s", secret, logs)
		}
	}
}

// TestRateLimit: past its burst a client is refused with 429 until
// tokens come back.
func TestRateLimit(t *testing.T) {
	s := newService(t, nil, verifier.Config{RateLimit: 1, RateBurst: 2}, verifier.Options{})
	var codes []int
	for range 4 {
		code, _ := s.post(t, "", "text/plain", []byte("HC1:X"))
		codes = append(codes, code)
	}
	s.clock.Add(time.Second)
	code, _ := s.post(t, "", "text/plain", []byte("HC1:X"))
	codes = append(codes, code)
	if want := []int{200, 200, 429, 429, 200}; fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("codes %v, want %v", codes, want)
	}
}

// TestNoTrustList: a service that never synced answers, says why, and
// says so in /v1/status.
func TestNoTrustList(t *testing.T) {
	s := newService(t, nil, verifier.Config{}, verifier.Options{})
	w := newWorld(t)
	c := codesFor(t, w.country)
	_, m := s.post(t, "", "text/plain", []byte(c.valid))
	if str(m, "status") != "issuer_not_trusted" || !strings.Contains(fmt.Sprint(m["warnings"]), "no trust list") {
		t.Errorf("without a trust list: %v", m)
	}
	if st := s.status(t); st.TrustList.Present {
		t.Errorf("status without a trust list: %+v", st.TrustList)
	}
}

// fakeRules fails every certificate for one destination.
type fakeRules struct{ country string }

func (f fakeRules) Evaluate(c *verify.RuleContext) ([]verify.RuleOutcome, error) {
	res := verify.RulePassed
	if c.Country == f.country {
		res = verify.RuleFailed
	}
	return []verify.RuleOutcome{{Identifier: "VR-" + c.Country + "-0001", Version: "1.0.0", Type: "Acceptance", Country: c.Country,
		Result: res, Description: map[string]string{"en": "A test within 48 hours is required."}}}, nil
}

// TestSources: a data source's evaluator is used for the requested
// destination, its status shows in /v1/status, and a source that fails to
// load keeps its last good data.
func TestSources(t *testing.T) {
	w := newWorld(t)
	fail := false
	src := verifier.Source{
		Name: "rules",
		Load: func(dir string, o *verify.Options) (verifier.DataStatus, error) {
			if fail {
				return verifier.DataStatus{}, errors.New("rules.json: broken")
			}
			o.Rules = fakeRules{country: "FR"}
			return verifier.DataStatus{Present: true, Version: "7", Detail: "1 rule"}, nil
		},
	}
	s := newService(t, w, verifier.Config{}, verifier.Options{Sources: []verifier.Source{src}})
	c := codesFor(t, w.country)
	for _, tc := range []struct{ query, status string }{{"country=FR", "rules_failed"}, {"country=DE", "verified"}, {"", "verified"}} {
		_, m := s.post(t, tc.query, "text/plain", []byte(c.valid))
		if str(m, "status") != tc.status {
			t.Errorf("%q: status %v, want %s", tc.query, m["status"], tc.status)
		}
		rules, _ := m["rules"].([]any)
		if (tc.query != "") != (len(rules) == 1) {
			t.Errorf("%q: rules %v", tc.query, m["rules"])
		}
	}
	fail = true
	if err := s.svc.SyncNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := s.status(t)
	if d := st.Data["rules"]; !d.Present || d.Version != "7" || !strings.Contains(d.LastError, "broken") {
		t.Errorf("rules status after a failed load: %+v", d)
	}
	if _, m := s.post(t, "country=FR", "text/plain", []byte(c.valid)); str(m, "status") != "rules_failed" {
		t.Errorf("after a failed load the last good rules are not used: %v", m["status"])
	}
	if d := st.Data["revocation"]; d.Present {
		t.Errorf("revocation without a source: %+v", d)
	}
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{`{"data_dir": "d"}`, ""},
		{`{"data_dir": "d", "country": "fr", "stale_after": "12h", "rate_limit": -1}`, ""},
		{`{}`, "data_dir is required"},
		{`{"data_dir": "d", "tls_cert": "c.pem"}`, "tls_cert and tls_key go together"},
		{`{"data_dir": "d", "country": "France"}`, "not an ISO 3166-1"},
		{`{"data_dir": "d", "stale_after": "2 days"}`, "duration"},
		{`{"data_dir": "d", "stale_after": 30}`, "a duration must be a string"},
		{`{"data_dir": "d", "sync_interval": "-1m"}`, "sync_interval must not be negative"},
		{`{"data_dir": "d", "max_upload_bytes": 99999999999}`, "max_upload_bytes"},
		{`{"data_dir": "d", "colour": "red"}`, "unknown field"},
		{`{"data_dir": "d"} {}`, "data after"},
	} {
		_, err := verifier.ParseConfig([]byte(tc.in), "/etc/ithc")
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseConfig(%s) = %v, want %q", tc.in, err, tc.err)
		}
	}
	c, err := verifier.ParseConfig([]byte(`{"data_dir": "data", "tls_cert": "/abs/c.pem", "tls_key": "k.pem"}`), "/etc/ithc")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Path(c.TLSKey); got != "/etc/ithc/k.pem" {
		t.Errorf("Path = %s", got)
	}
	if got := c.AnchorPath(); got != "/etc/ithc/data/anchor.pem" {
		t.Errorf("AnchorPath = %s", got)
	}
}

// TestPageAndAssets: the page and every asset it names are served with
// their types and the content security policy, and the page loads
// nothing from elsewhere.
func TestPageAndAssets(t *testing.T) {
	s := newService(t, nil, verifier.Config{}, verifier.Options{})
	for _, tc := range []struct{ path, ct string }{
		{"/", "text/html"}, {"/static/app.js", "text/javascript"}, {"/static/style.css", "text/css"},
		{"/static/wasm_exec.js", "text/javascript"}, {"/static/scan.wasm", "application/wasm"},
	} {
		resp, err := http.Get(s.url + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ct) || len(body) == 0 {
			t.Errorf("GET %s: %d %s, %d bytes", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("GET %s: CSP %q", tc.path, csp)
		}
		if tc.path == "/" && (bytes.Contains(body, []byte("http://")) || bytes.Contains(body, []byte("https://"))) {
			t.Errorf("the page refers to another site")
		}
	}
	for _, p := range []string{"/static/index.html", "/static/../config.go", "/static/nothing.js", "/nothing"} {
		resp, err := http.Get(s.url + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
}

// TestMetrics: verifications are counted by status, format and input, and
// the trust list's age is exported.
func TestMetrics(t *testing.T) {
	w := newWorld(t)
	s := newService(t, w, verifier.Config{}, verifier.Options{})
	c := codesFor(t, w.country)
	s.post(t, "", "text/plain", []byte(c.valid))
	s.post(t, "", "image/png", qrPNG(t, c.tampered))
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`ithc_verifier_verifications_total{format="hc1",input="text",status="verified"} 1`,
		`ithc_verifier_verifications_total{format="hc1",input="image",status="invalid_signature"} 1`,
		`ithc_verifier_verify_seconds_count{input="text"} 1`,
		`ithc_verifier_data_age_seconds{data="trustlist"}`,
		`ithc_verifier_syncs_total{data="trustlist",result="ok"} 1`,
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestRunShutdown: Run serves until its context is done and then returns
// without error.
func TestRunShutdown(t *testing.T) {
	dir := t.TempDir()
	cfg, err := verifier.ParseConfig([]byte(`{"data_dir": "data", "listen": "127.0.0.1:0", "shutdown_timeout": "5s"}`), dir)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := verifier.New(cfg, verifier.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx, func(addr string) { ready <- addr }) }()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); err != nil {
		t.Errorf("the data directory was not created: %v", err)
	}
}

// TestExternalDataDir: without a gateway of its own, the service reads
// the data directory again at each tick, so a directory kept by another
// program ("ithc trust sync" from cron) is picked up.
func TestExternalDataDir(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	s := newService(t, nil, verifier.Config{DataDir: dir}, verifier.Options{})
	c := codesFor(t, w.country)
	if r := s.svc.Verify(verifier.Request{Text: c.valid}); r.Status != verify.StatusIssuerNotTrusted {
		t.Fatalf("before the sync: %s", r.Status)
	}
	if _, err := verifier.Sync(context.Background(), verifier.SyncOptions{URL: w.url, Anchor: w.anchor, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if err := s.svc.SyncNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := s.svc.Verify(verifier.Request{Text: c.valid}); r.Status != verify.StatusVerified {
		t.Errorf("after the external sync: %s %s", r.Status, r.Detail)
	}
	if st := s.svc.Status(); !st.TrustList.Present || st.TrustList.Source != w.url {
		t.Errorf("status %+v", st.TrustList)
	}
}

// TestStaticExport: the service syncs from a static export of the
// gateway (files any web server serves) as from the gateway.
func TestStaticExport(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	if _, _, err := w.gw.Export(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	static := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer static.Close()
	w.url = static.URL
	s := newService(t, w, verifier.Config{}, verifier.Options{})
	c := codesFor(t, w.country)
	if _, m := s.post(t, "", "text/plain", []byte(c.valid)); str(m, "status") != "verified" {
		t.Errorf("synced from a static export: %v", m["status"])
	}
	if st := s.status(t); !st.TrustList.Present || st.TrustList.Source != static.URL || st.TrustList.LastError != "" {
		t.Errorf("status %+v", st.TrustList)
	}
}

// TestVerifyPDF: the paper certificate's PDF, uploaded raw and in a form,
// is scanned and verified (pdftoppm from poppler-utils; CI has it).
func TestVerifyPDF(t *testing.T) {
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftoppm (poppler-utils) is not installed")
		}
		t.Skip("pdftoppm (poppler-utils) is not installed")
	}
	w := newWorld(t)
	s := newService(t, w, verifier.Config{}, verifier.Options{})
	c := codesFor(t, w.country)
	cert := certificate(time.Now())
	if err := icao.Fill(&cert.Holder.Name); err != nil {
		t.Fatal(err)
	}
	doc, err := pdf.Bytes(cert, c.valid, pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if code, m := s.post(t, "country=FR", "application/pdf", doc); code != 200 || str(m, "status") != "verified" {
		t.Errorf("PDF: HTTP %d %v %v", code, m["status"], m["error"])
	}
	ct, body := multipartBody(t, nil, doc)
	if code, m := s.post(t, "", ct, body); code != 200 || str(m, "status") != "verified" {
		t.Errorf("PDF in a form: HTTP %d %v %v", code, m["status"], m["error"])
	}
}

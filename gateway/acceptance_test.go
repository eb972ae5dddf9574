package gateway_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway"
	"github.com/ithc/ithc/gateway/client"
	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/gateway/store/storetest"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/internal/cms"
	"github.com/ithc/ithc/internal/testca"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verify"
)

// signCode signs the sample DCC with a document signer of country.
func signCode(t *testing.T, country string, dsc *x509.Certificate, key crypto.Signer) string {
	t.Helper()
	now := time.Now()
	text, err := hc1.Sign(hc1.SignInput{Issuer: country, IssuedAt: dsc.NotBefore, ExpiresAt: now.AddDate(0, 1, 0), DCC: testca.SampleDCC()},
		key, hc1.SignOptions{Certificate: dsc})
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// verifyWith verifies text against the offline copy in dir.
func verifyWith(t *testing.T, dir, text string) verify.Status {
	t.Helper()
	st, _, problems, err := trust.LoadSynced(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("the synced list has entries left out: %v", problems)
	}
	return verify.New(st, verify.Options{ClockSkew: verify.DefaultClockSkew}).Verify(text).Status
}

// A country uploads a signer; it appears in the next trust list; another
// country syncs and verifies a certificate signed by it.
func TestAcceptanceUploadSyncVerify(t *testing.T) {
	stores(t, func(t *testing.T, storeURL string) {
		w := newWorld(t, storeURL)
		cn, fr := newCountry(t, "CN"), newCountry(t, "FR")
		w.onboard(t, cn)
		w.onboard(t, fr)
		url := w.serve(t)
		frDir := filepath.Join(t.TempDir(), "fr-trust")

		res, err := w.sync(t, url, frDir)
		if err != nil {
			t.Fatal(err)
		}
		if res.Signers != 0 {
			t.Fatalf("before any upload the list has %d signers", res.Signers)
		}
		code := signCode(t, "CN", cn.pki.DSC, cn.pki.DSCKey)
		if got := verifyWith(t, frDir, code); got != verify.StatusIssuerNotTrusted {
			t.Fatalf("before the upload: %s, want issuer_not_trusted", got)
		}

		wr, err := w.client(cn, url).UploadSigner(context.Background(), cn.pki.DSC)
		if err != nil {
			t.Fatal(err)
		}
		if wr.Country != "CN" || wr.Kind != store.KindSigner {
			t.Errorf("upload answer %+v", wr)
		}
		res, err = w.sync(t, url, frDir)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Incremental || res.Signers != 1 || len(res.Problems) > 0 {
			t.Fatalf("sync after upload: %+v", res)
		}
		if got := verifyWith(t, frDir, code); got != verify.StatusVerified {
			t.Fatalf("after the upload: %s, want verified", got)
		}

		// Nothing changed: the gateway answers 304 and the copy stays.
		res, err = w.sync(t, url, frDir)
		if err != nil {
			t.Fatal(err)
		}
		if res.Changed {
			t.Errorf("an unchanged list was downloaded again: %+v", res)
		}

		// Every write is in the audit log with the signed request.
		st := w.entries(t, store.KindSigner)
		if len(st) != 1 || st[0].ID != wr.ID {
			t.Fatalf("stored signers: %v", st)
		}
	})
}

// Country B cannot delete A's signer, nor upload a signer chained to A's
// CSCA even when signed with B's own upload key; an unauthenticated client
// cannot write; a client with an unknown TLS certificate is refused.
func TestAcceptanceAuthorisation(t *testing.T) {
	stores(t, func(t *testing.T, storeURL string) {
		w := newWorld(t, storeURL)
		a, b := newCountry(t, "AT"), newCountry(t, "BE")
		w.onboard(t, a)
		w.onboard(t, b)
		url := w.serve(t)
		ctx := context.Background()
		if _, err := w.client(a, url).UploadSigner(ctx, a.pki.DSC); err != nil {
			t.Fatal(err)
		}
		before := w.version(t)

		_, err := w.client(b, url).DeleteSigner(ctx, a.pki.DSC)
		wantRefusal(t, "B deletes A's signer", err, 403, "wrong_country")

		// A signer issued by A's CSCA naming A, uploaded by B.
		foreign, _ := a.newDSC(t, 2)
		_, err = w.client(b, url).UploadSigner(ctx, foreign)
		wantRefusal(t, "B uploads a signer of A", err, 403, "wrong_country")

		// A signer issued by A's CSCA but naming B as its country.
		disguised := b.dscIssuedBy(t, a)
		_, err = w.client(b, url).UploadSigner(ctx, disguised)
		wantRefusal(t, "B uploads a signer chained to A's CSCA", err, 403, "not_chained")

		// B's TLS certificate with A's upload signature.
		mixed := client.New(url, b.tls, w.roots, a.upload, a.uploadKey)
		_, err = mixed.UploadSigner(ctx, foreign)
		wantRefusal(t, "B's TLS with A's upload key", err, 403, "wrong_country")

		// No client certificate at all.
		anon := w.client(a, url)
		anon.HTTP = w.httpClient()
		_, err = anon.UploadSigner(ctx, foreign)
		wantRefusal(t, "no client certificate", err, 401, "unauthenticated")

		// A TLS certificate nobody onboarded, naming A.
		stranger := newCountry(t, "AT")
		_, err = client.New(url, stranger.tls, w.roots, a.upload, a.uploadKey).UploadSigner(ctx, foreign)
		wantRefusal(t, "unknown TLS certificate", err, 403, "unknown_client")

		if after := w.version(t); after != before {
			t.Errorf("refused writes changed the store: version %d -> %d", before, after)
		}
		list := w.entries(t, store.KindSigner)
		if len(list) != 1 || list[0].Deleted {
			t.Errorf("A's signer after the attempts: %v", list)
		}
	})
}

// dscIssuedBy makes a document signer naming c's country but issued by
// other's CSCA.
func (c *country) dscIssuedBy(t *testing.T, other *country) *x509.Certificate {
	t.Helper()
	saved := other.code
	other.code = c.code
	cert, _ := other.newDSCWindow(t, 99, other.pki.CSCA.NotBefore, time.Now().AddDate(1, 0, 0))
	other.code = saved
	return cert
}

// A deleted signer disappears from the next sync, and certificates it
// signed then fail with issuer_not_trusted.
func TestAcceptanceDelete(t *testing.T) {
	stores(t, func(t *testing.T, storeURL string) {
		w := newWorld(t, storeURL)
		cn := newCountry(t, "CN")
		w.onboard(t, cn)
		url := w.serve(t)
		ctx := context.Background()
		c := w.client(cn, url)
		if _, err := c.UploadSigner(ctx, cn.pki.DSC); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if _, err := w.sync(t, url, dir); err != nil {
			t.Fatal(err)
		}
		code := signCode(t, "CN", cn.pki.DSC, cn.pki.DSCKey)
		if got := verifyWith(t, dir, code); got != verify.StatusVerified {
			t.Fatalf("before deletion: %s", got)
		}
		wr, err := c.DeleteSigner(ctx, cn.pki.DSC)
		if err != nil {
			t.Fatal(err)
		}
		if !wr.Deleted {
			t.Errorf("delete answer %+v", wr)
		}
		res, err := w.sync(t, url, dir)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Incremental || res.Signers != 0 {
			t.Errorf("sync after deletion: %+v", res)
		}
		if got := verifyWith(t, dir, code); got != verify.StatusIssuerNotTrusted {
			t.Fatalf("after deletion: %s, want issuer_not_trusted", got)
		}
		// The tombstone stays, and the kid can never be uploaded again.
		es := w.entries(t, store.KindSigner)
		if len(es) != 1 || !es[0].Deleted {
			t.Fatalf("stored after deletion: %+v", es)
		}
		_, err = c.UploadSigner(ctx, cn.pki.DSC)
		var e *client.Error
		if !errors.As(err, &e) || e.Code != "duplicate_kid" {
			t.Errorf("re-upload of a deleted signer: %v", err)
		}
		// A fresh verifier never sees it.
		fresh := t.TempDir()
		if res, err := w.sync(t, url, fresh); err != nil || res.Signers != 0 {
			t.Errorf("fresh sync after deletion: %+v, %v", res, err)
		}
	})
}

// A list whose signature was altered in transit is rejected by trust
// sync, which keeps the previous copy.
func TestAcceptanceTamperedList(t *testing.T) {
	stores(t, func(t *testing.T, storeURL string) {
		w := newWorld(t, storeURL)
		cn := newCountry(t, "CN")
		w.onboard(t, cn)
		url := w.serve(t)
		dir := t.TempDir()
		if _, err := w.sync(t, url, dir); err != nil {
			t.Fatal(err)
		}
		good, err := os.ReadFile(filepath.Join(dir, trust.FileTrustList))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.client(cn, url).UploadSigner(context.Background(), cn.pki.DSC); err != nil {
			t.Fatal(err)
		}

		tampers := map[string]func([]byte) []byte{
			"signature": func(b []byte) []byte {
				i := bytes.LastIndex(b, []byte(`"signature":"`)) + len(`"signature":"`) + 5
				b[i] ^= 'A' ^ 'B'
				if b[i] == '"' {
					b[i] = 'C'
				}
				return b
			},
			"payload": func(b []byte) []byte {
				i := bytes.Index(b, []byte(`"payload":"`)) + len(`"payload":"`) + 40
				if b[i] == 'A' {
					b[i] = 'B'
				} else {
					b[i] = 'A'
				}
				return b
			},
			"truncated": func(b []byte) []byte { return b[:len(b)/2] },
			"other anchor": func(b []byte) []byte {
				other := newWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
				key := loadKey(t, filepath.Join(other.dir, gateway.FileListKey))
				cert, err := gateway.LoadCertificate(filepath.Join(other.dir, gateway.FileListCert))
				if err != nil {
					t.Fatal(err)
				}
				j, err := trust.ParseJWS(b, trust.ListType)
				if err != nil {
					t.Fatal(err)
				}
				resigned, err := trust.SignJWS(j.Payload, trust.ListType, key, cert)
				if err != nil {
					t.Fatal(err)
				}
				return resigned
			},
		}
		for name, tamper := range tampers {
			proxy := tamperingProxy(t, url, w, tamper)
			// The proxy is another source: sync from it with the copy of
			// the real gateway in place, which must survive.
			_, err := w.sync(t, proxy, dir)
			if err == nil {
				t.Fatalf("%s: a tampered list was accepted", name)
			}
			if !strings.Contains(err.Error(), "keeping the local copy") {
				t.Errorf("%s: error %q does not say the copy is kept", name, err)
			}
			now, err := os.ReadFile(filepath.Join(dir, trust.FileTrustList))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(now, good) {
				t.Fatalf("%s: the local copy changed after a rejected sync", name)
			}
		}
		// The gateway unreachable: the copy stays too.
		if _, err := w.sync(t, "https://127.0.0.1:1", dir); err == nil || !strings.Contains(err.Error(), "keeping the local copy") {
			t.Errorf("unreachable gateway: %v", err)
		}
	})
}

// tamperingProxy serves the gateway's answers after tamper.
func tamperingProxy(t *testing.T, upstream string, w *world, tamper func([]byte) []byte) string {
	t.Helper()
	hc := w.httpClient()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		u, _ := url.Parse(upstream + r.URL.RequestURI())
		req, _ := http.NewRequest(r.Method, u.String(), nil)
		resp, err := hc.Do(req)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		rw.WriteHeader(resp.StatusCode)
		rw.Write(tamper(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Two gateway processes on one PostgreSQL database each see the other's
// writes. (SQLite is the single-instance store, so this runs on PostgreSQL
// only.)
func TestAcceptanceTwoProcesses(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		w := newWorld(t, storetest.PostgresDSN(t))
		a, b := newCountry(t, "AT"), newCountry(t, "BE")
		w.onboard(t, a)
		w.onboard(t, b)
		g1, g2 := w.spawn(t), w.spawn(t)
		ctx := context.Background()
		if _, err := w.client(a, g1.url).UploadSigner(ctx, a.pki.DSC); err != nil {
			t.Fatal(err)
		}
		if _, err := w.client(b, g2.url).UploadSigner(ctx, b.pki.DSC); err != nil {
			t.Fatal(err)
		}
		for _, g := range []*child{g1, g2} {
			dir := t.TempDir()
			res, err := w.sync(t, g.url, dir)
			if err != nil {
				t.Fatal(err)
			}
			if res.Signers != 2 {
				t.Errorf("%s serves %d signers, want both countries' 2", g.url, res.Signers)
			}
		}
		// B deletes through the first process; the second sees it.
		if _, err := w.client(b, g1.url).DeleteSigner(ctx, b.pki.DSC); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if res, err := w.sync(t, g2.url, dir); err != nil || res.Signers != 1 {
			t.Errorf("after deletion via the other process: %+v, %v", res, err)
		}
	})
}

// A gateway process killed with SIGKILL during 100 concurrent uploads:
// after restart every upload that was acknowledged is present, and nothing
// half-written is.
func TestAcceptanceCrash(t *testing.T) {
	stores(t, func(t *testing.T, storeURL string) {
		w := newWorld(t, storeURL)
		cn := newCountry(t, "CN")
		w.onboard(t, cn)
		g := w.spawn(t)
		c := w.client(cn, g.url)
		const n = 100
		dscs := make([]*x509.Certificate, n)
		bodies := make([][]byte, n)
		for i := range dscs {
			dscs[i], _ = cn.newDSC(t, i)
			var err error
			if bodies[i], err = c.Sign(dscs[i].Raw); err != nil {
				t.Fatal(err)
			}
		}
		var (
			mu    sync.Mutex
			acked = map[string]bool{}
			wg    sync.WaitGroup
		)
		killAfter := make(chan struct{})
		var once sync.Once
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wr, err := c.Send(context.Background(), http.MethodPost, "/v1/signers", bodies[i])
				if err != nil {
					return // refused or cut off by the kill: not acknowledged
				}
				mu.Lock()
				acked[wr.ID] = true
				if len(acked) == n/3 {
					once.Do(func() { close(killAfter) })
				}
				mu.Unlock()
			}()
		}
		select {
		case <-killAfter:
		case <-time.After(2 * time.Minute):
			t.Fatal("a third of the uploads were not acknowledged within two minutes")
		}
		if err := g.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		g.cmd.Wait()
		wg.Wait()
		mu.Lock()
		ackedCount := len(acked)
		mu.Unlock()
		t.Logf("%d of %d uploads acknowledged before SIGKILL", ackedCount, n)

		g2 := w.spawn(t)
		dir := t.TempDir()
		res, err := w.sync(t, g2.url, dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Problems) > 0 {
			t.Errorf("entries left out after the crash (half-written?): %v", res.Problems)
		}
		synced, _, _, err := trust.LoadSynced(dir)
		if err != nil {
			t.Fatal(err)
		}
		present := map[string]bool{}
		for _, s := range synced.All() {
			present[base64ID(s.KID)] = true
		}
		for id := range acked {
			if !present[id] {
				t.Errorf("acknowledged upload %s is missing after restart", id)
			}
		}
		if len(present) < ackedCount || len(present) > n {
			t.Errorf("%d signers present, %d acknowledged of %d", len(present), ackedCount, n)
		}
		// Every entry has its audit record, with the exact signed request.
		st := w.entries(t, store.KindSigner)
		audit := w.audit(t)
		byID := map[string]*store.AuditRecord{}
		for _, a := range audit {
			if a.Action == "signer.upload" {
				byID[a.ID] = a
			}
		}
		for _, e := range st {
			a := byID[e.ID]
			if a == nil || a.EntrySeq != e.Seq || !bytes.Equal(a.Request, e.Signature) {
				t.Errorf("signer %s has no matching audit record", e.ID)
			}
		}
		if len(byID) != len(st) {
			t.Errorf("%d upload audit records for %d signers", len(byID), len(st))
		}
		// The restarted gateway takes the uploads that were lost.
		c2 := w.client(cn, g2.url)
		for i := range dscs {
			if present[base64ID(trust.KID(dscs[i]))] {
				continue
			}
			if _, err := c2.UploadSigner(context.Background(), dscs[i]); err != nil {
				t.Fatalf("re-upload after restart: %v", err)
			}
		}
		if res, err := w.sync(t, g2.url, dir); err != nil || res.Signers != n {
			t.Errorf("after re-uploading: %+v, %v", res, err)
		}
	})
}

func base64ID(kid []byte) string { return base64.StdEncoding.EncodeToString(kid) }

// audit reads the audit log.
func (w *world) audit(t *testing.T) []*store.AuditRecord {
	t.Helper()
	st := w.openStore(t)
	defer st.Close()
	recs, err := st.Audit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// Malformed CMS, wrong signer, expired certificate, duplicate kid,
// oversized body, unknown country: a 4xx JSON error naming the problem;
// nothing stored.
func TestAcceptanceBadInput(t *testing.T) {
	stores(t, func(t *testing.T, storeURL string) {
		w := newWorld(t, storeURL)
		cn := newCountry(t, "CN")
		w.onboard(t, cn)
		url := w.serve(t)
		c := w.client(cn, url)
		ctx := context.Background()
		if _, err := c.UploadSigner(ctx, cn.pki.DSC); err != nil {
			t.Fatal(err)
		}
		before := w.version(t)
		stranger, strangerKey := selfSigned(t, "CN", "upload", nil)
		wrongSigner, err := cms.Sign(cn.pki.DSC.Raw, stranger, strangerKey, &cms.SignOptions{SigningTime: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		expired := cn.expiredDSC(t)
		expiredBody, err := c.Sign(expired.Raw)
		if err != nil {
			t.Fatal(err)
		}
		dup, err := c.Sign(cn.pki.DSC.Raw)
		if err != nil {
			t.Fatal(err)
		}
		old := *c
		old.Now = func() time.Time { return time.Now().Add(-48 * time.Hour) }
		replayed, err := old.Sign(cn.pki.DSC.Raw)
		if err != nil {
			t.Fatal(err)
		}
		notCert, err := c.Sign([]byte("not a certificate"))
		if err != nil {
			t.Fatal(err)
		}
		// Chained to CN's CSCA and valid, but without O, key identifiers
		// or the DCC key-usage OIDs the governance asks of a signer.
		sloppy, _ := cn.newDSCWindow(t, 55, cn.pki.CSCA.NotBefore, time.Now().AddDate(1, 0, 0))
		sloppyBody, err := c.Sign(sloppy.Raw)
		if err != nil {
			t.Fatal(err)
		}
		jp := newCountry(t, "JP") // JP's TLS and upload certificates are not onboarded
		for _, tc := range []struct {
			name   string
			c      *client.Client
			body   []byte
			status int
			code   string
		}{
			{"malformed CMS", c, []byte{0x30, 0x03, 0x02, 0x01}, 400, "bad_cms"},
			{"not base64 either", c, []byte("hello gateway"), 400, "bad_cms"},
			{"empty body", c, nil, 400, "bad_cms"},
			{"wrong signer", c, wrongSigner, 403, "unknown_upload_certificate"},
			{"expired certificate", c, expiredBody, 400, "expired_certificate"},
			{"duplicate kid", c, dup, 409, "duplicate_kid"},
			{"replayed old upload", c, replayed, 400, "stale_upload"},
			{"content not a certificate", c, notCert, 400, "bad_certificate"},
			{"certificate governance", c, sloppyBody, 400, "governance"},
			{"oversized body", c, bytes.Repeat([]byte{0x30}, gateway.MaxUploadBytes+1), 413, "too_large"},
			{"unknown country", w.client(jp, url), dup, 403, "unknown_client"},
		} {
			_, err := tc.c.Send(ctx, http.MethodPost, "/v1/signers", tc.body)
			var e *client.Error
			if !errors.As(err, &e) {
				t.Errorf("%s: got %v, want a refusal", tc.name, err)
				continue
			}
			if e.Status != tc.status || e.Code != tc.code || e.Message == "" {
				t.Errorf("%s: got %d %s %q, want %d %s", tc.name, e.Status, e.Code, e.Message, tc.status, tc.code)
			}
		}
		if after := w.version(t); after != before {
			t.Errorf("bad input changed the store: version %d -> %d", before, after)
		}
	})
}

// expiredDSC issues a signer whose validity ended yesterday.
func (c *country) expiredDSC(t *testing.T) *x509.Certificate {
	t.Helper()
	cert, _ := c.newDSCWindow(t, 77, time.Now().AddDate(0, -2, 0), time.Now().AddDate(0, 0, -1))
	return cert
}

// The list answers carry an ETag; If-None-Match gives 304 until a write.
func TestAcceptanceETag(t *testing.T) {
	stores(t, func(t *testing.T, storeURL string) {
		w := newWorld(t, storeURL)
		cn := newCountry(t, "CN")
		w.onboard(t, cn)
		url := w.serve(t)
		hc := w.httpClient()
		get := func(etag string) *http.Response {
			t.Helper()
			req, _ := http.NewRequest(http.MethodGet, url+"/v1/trustlist?country=CN", nil)
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp
		}
		first := get("")
		etag := first.Header.Get("ETag")
		if first.StatusCode != 200 || etag == "" {
			t.Fatalf("first answer %d, ETag %q", first.StatusCode, etag)
		}
		if r := get(etag); r.StatusCode != http.StatusNotModified {
			t.Errorf("unchanged list: %d, want 304", r.StatusCode)
		}
		if _, err := w.client(cn, url).UploadSigner(context.Background(), cn.pki.DSC); err != nil {
			t.Fatal(err)
		}
		if r := get(etag); r.StatusCode != 200 || r.Header.Get("ETag") == etag {
			t.Errorf("after a write: %d with ETag %q, want 200 and a new ETag", r.StatusCode, r.Header.Get("ETag"))
		}
		for _, path := range []string{"/v1/valuesets", "/v1/countries", "/openapi.json", "/healthz", "/readyz", "/metrics"} {
			resp, err := hc.Get(url + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(body) == 0 {
				t.Errorf("%s: %d", path, resp.StatusCode)
			}
		}
		resp, err := hc.Get(url + "/v1/trustlist?since=x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !bytes.Contains(body, []byte(`"error":"bad_query"`)) {
			t.Errorf("bad query: %d %s", resp.StatusCode, body)
		}
	})
}

// The static export serves verifiers exactly as the gateway does.
func TestAcceptanceExport(t *testing.T) {
	w := newWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "gateway.db"))
	cn := newCountry(t, "CN")
	w.onboard(t, cn)
	url := w.serve(t)
	if _, err := w.client(cn, url).UploadSigner(context.Background(), cn.pki.DSC); err != nil {
		t.Fatal(err)
	}
	g := w.gatewayCore(t)
	out := t.TempDir()
	if _, files, err := g.Export(context.Background(), out); err != nil || len(files) < 4 { // rules, revocation and encryption add theirs
		t.Fatalf("export: %v, %v", files, err)
	}
	static := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer static.Close()
	dir := t.TempDir()
	res, err := w.sync(t, static.URL, dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Signers != 1 {
		t.Errorf("static export: %+v", res)
	}
	code := signCode(t, "CN", cn.pki.DSC, cn.pki.DSCKey)
	if got := verifyWith(t, dir, code); got != verify.StatusVerified {
		t.Errorf("verify against the static export: %s", got)
	}
	// A second sync from the static server ignores ?since and gets the
	// full list again: still one signer, no error.
	if res, err := w.sync(t, static.URL, dir); err != nil || res.Signers != 1 {
		t.Errorf("second static sync: %+v, %v", res, err)
	}
}

// The operator withdraws a country's CSCA and TLS certificate: the signers
// chained to the CSCA drop out of the next sync, and the TLS certificate no
// longer authenticates.
func TestAcceptanceOffboard(t *testing.T) {
	stores(t, func(t *testing.T, storeURL string) {
		w := newWorld(t, storeURL)
		cn := newCountry(t, "CN")
		w.onboard(t, cn)
		url := w.serve(t)
		ctx := context.Background()
		if _, err := w.client(cn, url).UploadSigner(ctx, cn.pki.DSC); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if res, err := w.sync(t, url, dir); err != nil || res.Signers != 1 {
			t.Fatalf("sync: %+v, %v", res, err)
		}
		st := w.openStore(t)
		for _, c := range []*x509.Certificate{cn.pki.CSCA, cn.tlsCert} {
			if _, err := gateway.Offboard(ctx, st, gateway.Thumbprint(c), time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := gateway.Offboard(ctx, st, gateway.Thumbprint(cn.tlsCert), time.Now()); err == nil {
			t.Error("withdrawing twice succeeded")
		}
		st.Close()
		res, err := w.sync(t, url, dir)
		if err != nil {
			t.Fatal(err)
		}
		if res.Signers != 0 || len(res.Problems) != 1 {
			t.Errorf("after withdrawing the CSCA: %d signers, problems %v; want 0 and the orphaned signer reported", res.Signers, res.Problems)
		}
		code := signCode(t, "CN", cn.pki.DSC, cn.pki.DSCKey)
		st2, _, _, err := trust.LoadSynced(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := verify.New(st2, verify.Options{ClockSkew: verify.DefaultClockSkew}).Verify(code).Status; got != verify.StatusIssuerNotTrusted {
			t.Errorf("code of the orphaned signer: %s, want issuer_not_trusted", got)
		}
		other, _ := cn.newDSC(t, 5)
		_, err = w.client(cn, url).UploadSigner(ctx, other)
		var e *client.Error
		if !errors.As(err, &e) || e.Code != "unknown_client" {
			t.Errorf("upload with a withdrawn TLS certificate: %v", err)
		}
	})
}

// Onboarding applies the certificate governance and the anchor key check;
// a refused certificate is not stored.
func TestOnboardRefusals(t *testing.T) {
	w := newWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "gateway.db"))
	cn := newCountry(t, "CN")
	st := w.openStore(t)
	defer st.Close()
	now := time.Now()
	other := newWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "other.db"))
	for _, tc := range []struct {
		name, country, role string
		cert                *x509.Certificate
		key                 crypto.Signer
		want                string
	}{
		{"a CSCA onboarded as a TLS certificate", "CN", gateway.RoleTLS, cn.pki.CSCA, w.anchorKey, "tls"},
		{"a TLS certificate onboarded as a CSCA", "CN", gateway.RoleCSCA, cn.tlsCert, w.anchorKey, "csca"},
		{"the wrong country", "FR", gateway.RoleUpload, cn.upload, w.anchorKey, "country"},
		{"not an ISO country", "C1", gateway.RoleUpload, cn.upload, w.anchorKey, "ISO 3166"},
		{"an unknown role", "CN", "dsc", cn.pki.DSC, w.anchorKey, "role"},
		{"another gateway's anchor key", "CN", gateway.RoleCSCA, cn.pki.CSCA, other.anchorKey, "not the trust anchor"},
	} {
		_, err := gateway.Onboard(context.Background(), st, tc.key, w.anchor, tc.country, tc.role, tc.cert, now)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
	if v, err := st.Version(context.Background()); err != nil || v != 0 {
		t.Errorf("refused onboardings stored something: version %d, %v", v, err)
	}
}

// Every operation of openapi.json is served (none falls through to the
// unknown-endpoint answer), and the document is the one served.
func TestOpenAPIDescribesRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(gateway.OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	w := newWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "gateway.db"))
	url := w.serve(t)
	hc := w.httpClient()
	n := 0
	for path, ops := range doc.Paths {
		for method := range ops {
			req, err := http.NewRequest(strings.ToUpper(method), url+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
				t.Errorf("%s %s is described but answers %d: %s", method, path, resp.StatusCode, body)
			}
			if path == "/openapi.json" && !bytes.Equal(body, gateway.OpenAPI) {
				t.Error("/openapi.json does not serve gateway/openapi.json")
			}
			n++
		}
	}
	if n < 10 {
		t.Errorf("only %d operations described", n)
	}
}

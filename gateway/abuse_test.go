package gateway_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway"
	"github.com/ithc/ithc/gateway/client"
	"github.com/ithc/ithc/trust"
)

// closedWithin reports whether the server closes conn (EOF or reset on
// read) before limit: a slow client must be cut off, not held forever.
func closedWithin(conn net.Conn, limit time.Duration) (bool, time.Duration) {
	start := time.Now()
	conn.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false, time.Since(start)
	}
	return true, time.Since(start)
}

// Slow and oversized requests are cut off by the server's timeouts and
// limits instead of holding a connection and a goroutine for ever
// (slowloris), on the TLS handshake, the headers and the body.
func TestAbuseSlowClients(t *testing.T) {
	w := newWorld(t, "")
	addr := w.serveWith(t, func(c *gateway.Config) {
		c.ReadHeaderTimeout = gateway.Duration(500 * time.Millisecond)
		c.ReadTimeout = gateway.Duration(time.Second)
	})
	// The limits are far above the configured timeouts: a server that
	// never cuts the client off fails, one that does passes however
	// loaded the machine is.
	const limit = 20 * time.Second
	tlsConf := &tls.Config{RootCAs: w.roots, ServerName: "127.0.0.1"}

	t.Run("handshake never started", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if ok, d := closedWithin(conn, limit); !ok {
			t.Errorf("a client that never starts the TLS handshake is still connected after %s", d)
		}
	})
	t.Run("headers trickled", func(t *testing.T) {
		conn, err := tls.Dial("tcp", addr, tlsConf)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			conn.Write([]byte("GET /v1/trustlist HTTP/1.1\r\nHost: gw\r\n"))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := conn.Write([]byte("X-Slow: " + strings.Repeat("a", i%5) + "\r\n")); err != nil {
					return
				}
			}
		}()
		if ok, d := closedWithin(conn, limit); !ok {
			t.Errorf("a client trickling headers is still connected after %s", d)
		}
	})
	t.Run("body trickled", func(t *testing.T) {
		conn, err := tls.Dial("tcp", addr, tlsConf)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.Write([]byte("POST /v1/signers HTTP/1.1\r\nHost: gw\r\nContent-Length: 4000\r\n\r\n0123456789"))
		if ok, d := closedWithin(conn, limit); !ok {
			t.Errorf("a client that stalls in its body is still connected after %s", d)
		}
	})
	t.Run("oversized headers", func(t *testing.T) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf}, Timeout: limit}
		req, _ := http.NewRequest(http.MethodGet, "https://"+addr+"/v1/trustlist", nil)
		req.Header.Set("X-Big", strings.Repeat("b", 64<<10))
		resp, err := c.Do(req)
		if err != nil {
			return // cut off without an answer is also refusing
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("64 KiB of headers: status %d, want 431", resp.StatusCode)
		}
	})
	// The server still answers a well-behaved client afterwards.
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf}, Timeout: limit}
	resp, err := c.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("healthz after the slow clients: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz after the slow clients: %d", resp.StatusCode)
	}
}

// A signed upload's algorithm cannot be swapped: a CMS whose signature
// algorithm says another hash than the one its signer used, or whose
// digest algorithm was changed, is refused; so is a list whose JWS
// header names another algorithm than its key's.
func TestAbuseAlgorithmConfusion(t *testing.T) {
	w := newWorld(t, "")
	cn := newCountry(t, "CN")
	w.onboard(t, cn)
	url := w.serve(t)
	c := w.client(cn, url)
	ctx := context.Background()
	body, err := c.Sign(cn.pki.DSC.Raw)
	if err != nil {
		t.Fatal(err)
	}
	before := w.version(t)
	// OIDs as DER (tag, length, content).
	ecdsaSHA256 := []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}
	ecdsaSHA384 := []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03}
	sha256OID := []byte{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}
	sha384OID := []byte{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02}
	swap := func(old, new []byte) []byte {
		// Only the signer info's occurrences: the last ones in the CMS
		// (the certificate, earlier, has its own signature algorithm).
		i := bytes.LastIndex(body, old)
		if i < 0 {
			t.Fatalf("OID %x not in the upload", old)
		}
		out := append([]byte(nil), body...)
		copy(out[i:], new)
		return out
	}
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"signature algorithm ES256 → ES384", swap(ecdsaSHA256, ecdsaSHA384)},
		{"digest algorithm SHA-256 → SHA-384", swap(sha256OID, sha384OID)},
	} {
		_, err := c.Send(ctx, http.MethodPost, "/v1/signers", tc.body)
		var e *client.Error
		if !errors.As(err, &e) || e.Status != 400 || (e.Code != "bad_signature" && e.Code != "bad_cms") {
			t.Errorf("%s: got %v, want a 400 bad_signature or bad_cms refusal", tc.name, err)
		}
	}
	if after := w.version(t); after != before {
		t.Errorf("refused uploads changed the store: version %d -> %d", before, after)
	}

	// A mirror rewrites the list's JWS header to another algorithm.
	resp, err := w.httpClient().Get(url + "/v1/trustlist")
	if err != nil {
		t.Fatal(err)
	}
	list, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if _, err := trust.VerifyList(list, w.anchor, time.Now()); err != nil {
		t.Fatalf("the genuine list: %v", err)
	}
	var flat map[string]any
	if err := json.Unmarshal(list, &flat); err != nil {
		t.Fatal(err)
	}
	for _, alg := range []string{"none", "HS256", "RS256", "PS256", "ES384", "EdDSA"} {
		hdr, _ := base64.RawURLEncoding.DecodeString(flat["protected"].(string))
		var h map[string]any
		json.Unmarshal(hdr, &h)
		h["alg"] = alg
		hdr, _ = json.Marshal(h)
		forged := map[string]any{}
		for k, v := range flat {
			forged[k] = v
		}
		forged["protected"] = base64.RawURLEncoding.EncodeToString(hdr)
		data, _ := json.Marshal(forged)
		if l, err := trust.VerifyList(data, w.anchor, time.Now()); err == nil || l != nil {
			t.Errorf("list with header alg %s: VerifyList() = %v, %v; want a refusal", alg, l, err)
		}
	}
}

// Clock skew between a country and the gateway is tolerated up to the
// configured upload age, in both directions, and refused beyond it with
// the times in the message; a replayed upload is refused whatever the
// clocks say.
func TestAbuseClockSkewAndReplay(t *testing.T) {
	w := newWorld(t, "")
	cn := newCountry(t, "CN")
	w.onboard(t, cn)
	url := w.serve(t)
	ctx := context.Background()
	upload := func(skew time.Duration, n int) error {
		c := w.client(cn, url)
		c.Now = func() time.Time { return time.Now().Add(skew) }
		dsc, _ := cn.newDSC(t, n)
		_, err := c.UploadSigner(ctx, dsc)
		return err
	}
	for i, tc := range []struct {
		skew time.Duration
		code string
	}{
		{-23 * time.Hour, ""},
		{23 * time.Hour, ""},
		{-25 * time.Hour, "stale_upload"},
		{25 * time.Hour, "stale_upload"},
	} {
		err := upload(tc.skew, 10+i)
		var e *client.Error
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("country clock %s off: %v, want accepted", tc.skew, err)
		case tc.code != "" && (!errors.As(err, &e) || e.Code != tc.code || !strings.Contains(e.Message, "signed at")):
			t.Errorf("country clock %s off: %v, want %s naming the signing time", tc.skew, err, tc.code)
		}
	}

	// Replays: the same upload again, and a delete replayed after it
	// took effect.
	c := w.client(cn, url)
	dsc, _ := cn.newDSC(t, 99)
	body, err := c.Sign(dsc.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, http.MethodPost, "/v1/signers", body); err != nil {
		t.Fatal(err)
	}
	del, err := c.Sign(dsc.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, http.MethodDelete, "/v1/signers", del); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method string
		body         []byte
		status       int
		code         string
	}{
		{"upload replayed after its delete", http.MethodPost, body, 409, "duplicate_kid"},
		{"delete replayed", http.MethodDelete, del, 410, "already_deleted"},
	} {
		_, err := c.Send(ctx, tc.method, "/v1/signers", tc.body)
		wantRefusal(t, tc.name, err, tc.status, tc.code)
	}
}

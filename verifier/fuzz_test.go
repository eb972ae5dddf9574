package verifier_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/ithc/ithc/verifier"
)

// FuzzVerifyRequest sends arbitrary verification requests (content type,
// query, body) to the handler: every answer must be a JSON result (200) or
// a JSON refusal with a known status, never a panic.
func FuzzVerifyRequest(f *testing.F) {
	w := newWorld(f)
	c := codesFor(f, w.country)
	ct, body := multipartBody(f, map[string]string{"country": "FR"}, qrPNG(f, c.valid))
	f.Add("text/plain", "country=FR", []byte(c.valid))
	f.Add("text/plain", "time=2026-01-01T00:00:00Z", []byte(c.tampered))
	f.Add("application/json", "", []byte(`{"text":"`+c.valid+`","country":"de"}`))
	f.Add("application/x-www-form-urlencoded", "", []byte("text=HC1%3AX&country=FR"))
	f.Add(ct, "", body)
	f.Add("multipart/form-data; boundary=x", "", []byte("--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nHC1:\r\n--x--\r\n"))
	f.Add("image/png", "", blankPNG(f))
	f.Add("", "region=%zz", []byte("shc:/5676"))
	f.Add("text/plain; charset", "", []byte("{}"))
	s := newService(f, nil, verifier.Config{RateLimit: -1}, verifier.Options{})
	h := s.svc.Handler()
	f.Fuzz(func(t *testing.T, contentType, query string, body []byte) {
		req := httptest.NewRequest("POST", "/v1/verify", bytes.NewReader(body))
		req.URL.RawQuery = query
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("answer %d is not JSON: %v\n%s", rec.Code, err, rec.Body.Bytes())
		}
		switch rec.Code {
		case 200:
			if _, ok := m["status"].(string); !ok {
				t.Fatalf("200 without a status: %s", rec.Body.Bytes())
			}
		case 400, 413, 415, 422, 501, 503:
			if m["error"] == nil || m["message"] == nil {
				t.Fatalf("refusal %d without error and message: %s", rec.Code, rec.Body.Bytes())
			}
		default:
			t.Fatalf("unexpected status %d: %s", rec.Code, rec.Body.Bytes())
		}
	})
}

// FuzzParseConfig: any configuration either parses into a valid Config or
// is refused with an error, never a panic.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"data_dir": "d", "country": "fr", "stale_after": "12h", "rate_limit": -1}`))
	f.Add([]byte(`{"data_dir": "d", "tls_cert": "c"}`))
	f.Add([]byte(`{"data_dir": "d", "region": "A-1", "max_upload_bytes": 5}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := verifier.ParseConfig(data, "/etc/ithc")
		if (c == nil) == (err == nil) {
			t.Fatalf("ParseConfig = %v, %v", c, err)
		}
		if c != nil && c.DataDir == "" {
			t.Fatalf("accepted without data_dir: %s", data)
		}
	})
}

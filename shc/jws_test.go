package shc

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/limits"
)

func deflated(t testing.TB, data []byte) []byte {
	t.Helper()
	d, err := deflate(data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParseJWS(t *testing.T) {
	ti := newTestIssuer(t)
	payload := []byte(`{"iss":"x"}`)
	hdr := `{"zip":"DEF","alg":"ES256","kid":"` + ti.key.KID + `"}`
	good := ti.signRaw(t, hdr, deflated(t, payload))
	j, warnings, err := ParseJWS(good)
	if err != nil || !bytes.Equal(j.Payload, payload) || j.Header.Kid != ti.key.KID || len(j.Signature) != 64 || len(warnings) != 0 {
		t.Fatalf("ParseJWS(good) = %+v, %v, %v", j, warnings, err)
	}
	if !strings.HasPrefix(good, j.SigningInput+".") {
		t.Errorf("signing input %q is not the start of the jws", j.SigningInput)
	}

	var zl bytes.Buffer
	zw := zlib.NewWriter(&zl)
	zw.Write(payload)
	zw.Close()
	var bomb bytes.Buffer
	fw, _ := flate.NewWriter(&bomb, flate.BestCompression)
	fw.Write(make([]byte, limits.MaxSHCPayload+1))
	fw.Close()
	trailing := append(deflated(t, payload), 0)
	parts := strings.Split(good, ".")
	der := append([]byte{0x30, 0x44, 0x02, 0x20}, make([]byte, 66)...)

	tests := []struct {
		name   string
		jws    string
		status Status
		code   string
	}{
		{"two parts", parts[0] + "." + parts[1], StatusInvalidEncoding, CodeJSONParse},
		{"four parts", good + ".x", StatusInvalidEncoding, CodeJSONParse},
		{"empty signature", parts[0] + "." + parts[1] + ".", StatusInvalidEncoding, CodeJSONParse},
		{"padding", good + "=", StatusInvalidEncoding, CodeJSONParse},
		{"standard base64", strings.Replace(good, "_", "/", 1) + "/", StatusInvalidEncoding, CodeJSONParse},
		{"white space", good + " ", StatusInvalidEncoding, CodeTrailingCharacters},
		{"byte order mark", "\ufeff" + good, StatusInvalidEncoding, CodeTrailingCharacters},
		{"header not json", b64.EncodeToString([]byte("{zip")) + "." + parts[1] + "." + parts[2], StatusInvalidSigningFormat, CodeJWSHeader},
		{"header an array", b64.EncodeToString([]byte("[]")) + "." + parts[1] + "." + parts[2], StatusInvalidSigningFormat, CodeJWSHeader},
		{"no alg", ti.signRaw(t, `{"zip":"DEF","kid":"k"}`, deflated(t, payload)), StatusInvalidSigningFormat, CodeJWSHeader},
		{"alg none", ti.signRaw(t, `{"zip":"DEF","alg":"none","kid":"k"}`, deflated(t, payload)), StatusInvalidSigningFormat, CodeJWSHeader},
		{"alg HS256", ti.signRaw(t, `{"zip":"DEF","alg":"HS256","kid":"k"}`, deflated(t, payload)), StatusInvalidSigningFormat, CodeJWSHeader},
		{"no zip", ti.signRaw(t, `{"alg":"ES256","kid":"k"}`, payload), StatusInvalidSigningFormat, CodeJWSHeader},
		{"zip GZIP", ti.signRaw(t, `{"zip":"GZIP","alg":"ES256","kid":"k"}`, payload), StatusInvalidSigningFormat, CodeJWSHeader},
		{"no kid", ti.signRaw(t, `{"zip":"DEF","alg":"ES256"}`, deflated(t, payload)), StatusKIDNotIncluded, CodeJWSHeader},
		{"kid a number", ti.signRaw(t, `{"zip":"DEF","alg":"ES256","kid":1}`, deflated(t, payload)), StatusInvalidSigningFormat, CodeJWSHeader},
		{"duplicate alg", ti.signRaw(t, `{"zip":"DEF","alg":"ES256","alg":"none","kid":"k"}`, deflated(t, payload)), StatusInvalidSigningFormat, CodeJWSHeader},
		{"crit", ti.signRaw(t, `{"zip":"DEF","alg":"ES256","kid":"k","crit":["b64"]}`, deflated(t, payload)), StatusInvalidSigningFormat, CodeJWSHeader},
		{"zlib payload", ti.signRaw(t, hdr, zl.Bytes()), StatusInvalidCompression, CodeInflation},
		{"data after deflate", ti.signRaw(t, hdr, trailing), StatusInvalidCompression, CodeInflation},
		{"bomb", ti.signRaw(t, hdr, bomb.Bytes()), StatusInvalidCompression, CodeInflation},
		{"der signature", parts[0] + "." + parts[1] + "." + b64.EncodeToString(der), StatusInvalidSigningFormat, CodeSignatureFormat},
		{"short signature", parts[0] + "." + parts[1] + "." + b64.EncodeToString(make([]byte, 63)), StatusInvalidSigningFormat, CodeSignatureFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, _, err := ParseJWS(tt.jws)
			e, ok := err.(*Error)
			if !ok || e.Status != tt.status || e.Code != tt.code {
				t.Fatalf("ParseJWS() = %v; want %s %s", err, tt.status, tt.code)
			}
			if j != nil {
				t.Errorf("ParseJWS() returned a JWS with an error")
			}
		})
	}
	if _, _, err := ParseJWS(ti.signRaw(t, hdr, zl.Bytes())); err == nil || !strings.Contains(err.Error(), "zlib") {
		t.Errorf("zlib payload error %v does not say zlib", err)
	}
	big := make([]byte, 1200)
	rand.Read(big)
	if _, w, err := ParseJWS(ti.signRaw(t, hdr, deflated(t, big))); err != nil || !hasCode(w, CodeJWSTooLong) {
		t.Errorf("long jws: %v, warnings %v", err, w)
	}
}

package verify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/shc"
)

// FuzzVerify feeds any text to a verifier of every format: detection and
// each format's path never panic, every result has a status, a stage and
// a reason, its format is the one Detect names, a verified result names
// its signer, and every result marshals. Seeds are codes of each format
// and, when the shared data is present, the SMART Health Card examples
// and the ICAO sample seals.
func FuzzVerify(f *testing.F) {
	m := newMulti(f, Options{Now: now, ClockSkew: DefaultClockSkew})
	jws := m.card(f, nativeCert(), iat)
	file, _ := shc.MarshalFile(jws, jws)
	for _, s := range []string{
		issue(f, m.trustHC1, true), issue(f, m.trustHC1, false), qr(f, jws), jws, string(file),
		m.seal(f, only(0)), m.seal(f, only(2)),
		`{"resourceType": "Parameters", "parameter": [{"name": "verifiableCredential", "valueString": "eyJ.a.b"}]}`,
		"shc:/1/2/5676\nshc:/2/2/2959", `{"hello": "world"}`, `{"data": {}, "sig": {}}`, "HC2:x", "",
	} {
		f.Add(s)
	}
	if dir, err := shareddata.Find("shc/examples"); err == nil {
		for _, name := range []string{"example-00-d-jws.txt", "example-00-e-file.smart-health-card", "example-02-f-qr-code-numeric-value-0.txt", "example-03-d-jws.txt"} {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				f.Add(strings.TrimSpace(string(b)))
			}
		}
	}
	if dir, err := shareddata.Find("vdsnc"); err == nil {
		seals, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, name := range seals {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(string(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		results := m.v.VerifyAll(text)
		if len(results) == 0 {
			t.Fatal("VerifyAll returned no result")
		}
		results = append(results, m.v.Verify(text))
		want := Detect(text)
		if want == "" && !strings.HasPrefix(strings.TrimLeft(text, " \t\r\n"), "{") {
			want = FormatHC1 // text of no known format is refused by the HC1 path
		}
		for _, r := range results {
			if r == nil || r.Status == "" || r.Stage == "" || r.Reason.EN == "" || r.Reason.ZH == "" {
				t.Fatalf("incomplete result %+v", r)
			}
			if r.Format != want && !(r.Stage == StageDetect && r.Format == "") {
				t.Fatalf("Format = %q, Detect = %q", r.Format, want)
			}
			if r.Status == StatusVerified && (r.Signer == nil || r.Stage != StageDone) {
				t.Fatalf("verified without a signer: %+v", r)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("json.Marshal(Result) = %v", err)
			}
		}
	})
}
